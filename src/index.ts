/** Starts the Robots server. Configuration: see README.md. */
import { startServer } from "./app.config.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { logger } from "./logger.ts";
import { startupUrls, webClient } from "./http/web.ts";
import { checkStartup, StartupError, within } from "./startup.ts";
import { DataDirBusyError, lockDataDir } from "./persistence/dataDirLock.ts";
import { flushErrorTracking, reportError, startErrorTracking } from "./errorTracking.ts";

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
  // First, so that a crash anywhere after this is reported (SENTRY_DSN; off and never loaded without it).
  await startErrorTracking(config.sentryDsn);
  // Every outside dependency answers (or the process exits with one line) before anything opens.
  await checkStartup(config);
  // The embedded database opens in one process at a time: a second server or a CLI is refused.
  const dataDirLock = config.database.kind === "pglite" && config.database.dataDir
    ? await lockDataDir(config.dataDir, { role: "server", port: config.port, onLost: (err) => logger.error({ err, dataDir: config.dataDir }, "lost the lock on DATA_DIR: another process may open the embedded database") })
    : undefined;
  const startSeconds = Math.max(config.startupTimeoutSeconds, START_FLOOR_SECONDS);
  const running = await within(startServer(config), startSeconds * 1000, () => new StartupError(1, `the server did not finish starting within ${startSeconds} s after its checks passed`));
  // Before the "listening" line: a supervisor that reads it may stop the server at once.
  // A deploy's stop: the rooms move to peers or their games finish first (src/rooms/drain.ts).
  // `on`, not `once`: a second signal during the drain must not fall back to Node's default,
  // which would end the process and every game still here at once.
  let exiting: Promise<void> | undefined;
  const stop = (signal: string) => {
    // A second signal is logged by the drain itself and changes nothing here.
    const drained = running.drain(signal);
    exiting ??= drained.then(
      async () => {
        await dataDirLock?.release();
        logger.info({ signal }, "drained; exiting");
        // Errors reported during the drain are still on their way (SENTRY_DSN): at most 2 s.
        await flushErrorTracking();
        process.exit(0);
      },
      async (err: unknown) => {
        logger.error({ err, signal }, "drain failed; exiting");
        reportError(err, { during: "drain" });
        await flushErrorTracking();
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  logger.info({ port: running.port, host: config.host }, "Robots server listening");
  // pm2 (ecosystem.config.js, wait_ready) moves on to the next process of a rolling reload only now.
  process.send?.("ready");
  // Bundle the browser client now rather than on the first page view; a failure is logged there.
  await webClient().catch(() => undefined);
  const urls = startupUrls(config.host, running.port);
  logger.info(urls, `open the host screen at ${urls.host} and, on phones, ${urls.phones.join(" or ")}`);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  if (error instanceof DataDirBusyError) {
    console.error(error.message);
    process.exit(2);
  }
  if (error instanceof StartupError) {
    console.error(error.message);
    process.exit(error.exitCode);
  }
  throw error;
}
