/** Starts the Robots server. Configuration: see README.md. */
import { startServer } from "./app.config.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { logger } from "./logger.ts";

try {
  const config = loadConfig();
  // The validated level wins; logger.ts could only guess it with the same rule before this.
  logger.level = config.logLevel;
  const running = await startServer(config);
  logger.info({ port: running.port, host: config.host }, "Robots server listening");
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
