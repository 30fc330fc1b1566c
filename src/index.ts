/** Starts the Robots server. Configuration: see README.md. */
import { startServer } from "./app.config.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { logger } from "./logger.ts";
import { startupUrls, webClient } from "./http/web.ts";

try {
  const config = loadConfig();
  // The validated level wins; logger.ts could only guess it with the same rule before this.
  logger.level = config.logLevel;
  const running = await startServer(config);
  logger.info({ port: running.port, host: config.host }, "Robots server listening");
  // Bundle the browser client now rather than on the first page view; a failure is logged there.
  await webClient().catch(() => undefined);
  const urls = startupUrls(config.host, running.port);
  logger.info(urls, `open the host screen at ${urls.host} and, on phones, ${urls.phones.join(" or ")}`);
  const stop = async (signal: string) => {
    logger.info({ signal }, "shutting down");
    await running.close();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}
