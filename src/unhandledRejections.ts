/**
 * A promise rejected with nobody to handle it does not end the server. Libraries reject in the
 * background when a service goes away (Colyseus removing a room's listing while Redis is down is
 * one), and Node's default for such a rejection, ending the process, would end every game on it.
 * Each one is an error line instead (and, with SENTRY_DSN, an event through the SDK's own hook).
 *
 * Until issue #9 the same was done, unseen, by `@pm2/io`, which Colyseus loads and which installs
 * such a handler; outside pm2 that package is no longer loaded (src/pm2Io.ts), so the server
 * says what it wants itself. An uncaught exception still ends the process: the state it leaves
 * is unknown, and the supervisor restarts it (its rooms come back from their checkpoints).
 */
import { logger } from "./logger.ts";

let installed = false;

/** Logs unhandled rejections and keeps the process running; idempotent. */
export function logUnhandledRejections(): void {
  if (installed) return;
  installed = true;
  process.on("unhandledRejection", (reason) => {
    logger.error({ err: reason }, "a promise was rejected with no handler; the server goes on");
  });
}
