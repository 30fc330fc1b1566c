/** Starts the Robots server. Configuration: see README.md. */
import { startServer } from "./app.config.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { logger } from "./logger.ts";
import { startupUrls, webClient } from "./http/web.ts";
import { checkStartup, StartupError, within } from "./startup.ts";

/**
 * Floor on the wait for startServer once the checks passed: opening and migrating the embedded
 * database is local work that a slow disk can stretch, so a short STARTUP_TIMEOUT_SECONDS meant
 * for services must not cut it off. This bound only turns a hang into an exit.
 */
const START_FLOOR_SECONDS = 60;

try {
  const config = loadConfig();
  // The validated level wins; logger.ts could only guess it with the same rule before this.
  logger.level = config.logLevel;
  // Every outside dependency answers (or the process exits with one line) before anything opens.
  await checkStartup(config);
  const startSeconds = Math.max(config.startupTimeoutSeconds, START_FLOOR_SECONDS);
  const running = await within(startServer(config), startSeconds * 1000, () => new StartupError(1, `the server did not finish starting within ${startSeconds} s after its checks passed`));
  // Before the "listening" line: a supervisor that reads it may stop the server at once.
  const stop = async (signal: string) => {
    logger.info({ signal }, "shutting down");
    await running.close();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
  logger.info({ port: running.port, host: config.host }, "Robots server listening");
  // Bundle the browser client now rather than on the first page view; a failure is logged there.
  await webClient().catch(() => undefined);
  const urls = startupUrls(config.host, running.port);
  logger.info(urls, `open the host screen at ${urls.host} and, on phones, ${urls.phones.join(" or ")}`);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  if (error instanceof StartupError) {
    console.error(error.message);
    process.exit(error.exitCode);
  }
  throw error;
}
