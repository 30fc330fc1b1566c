/**
 * Structured logs (pino). The level is LOG_LEVEL and the format LOG_FORMAT, read by
 * src/config.ts's rules: a value those rules refuse never reaches pino (which would throw at
 * import); loadConfig reports it.
 *
 * JSON lines are the format for machines (containers, pm2, tests): one object per line on
 * stdout. A person at a terminal gets the same lines made readable by
 * pino-pretty instead (`auto`: when stdout is a TTY). pino-pretty runs here, on the main thread,
 * as a plain function from a JSON line to text: pino's `transport` option would start a worker
 * thread that buffers lines (lost at `process.exit`) and must be ended for the process to exit.
 * A terminal reads a few lines a second; formatting them in-process costs nothing that matters.
 */
import { format } from "node:util";
import { pino, type DestinationStream } from "pino";
import { prettyFactory } from "pino-pretty";
import { logFormatOf, logLevelOf, type LogFormat } from "./config.ts";

/** Whether the lines go out pretty: asked for, or `auto` with a terminal on stdout. */
export function prettyWanted(format: LogFormat, stdoutIsTty: boolean | undefined): boolean {
  return format === "pretty" || (format === "auto" && stdoutIsTty === true);
}

/** A destination that writes each JSON line pino produces as pino-pretty's one-line text. */
function prettyStdout(): DestinationStream {
  const pretty = prettyFactory({
    // One line per event, fields after the message: what `grep` and eyes both want.
    singleLine: true,
    translateTime: "SYS:HH:MM:ss.l",
    ignore: "pid,hostname,service",
  });
  const out = pino.destination({ dest: 1, sync: true });
  return { write: (line: string) => void out.write(pretty(line)) };
}

const options = { level: logLevelOf(), base: { service: "robots" } };

/** The server's logger; JSON lines go to pino's own stdout destination, as they always did. */
export const logger = prettyWanted(logFormatOf(), process.stdout.isTTY) ? pino(options, prettyStdout()) : pino(options);

/**
 * Colyseus's own messages (`defineServer({ logger })`), which it writes console-style, as lines
 * of ours: printed with `console` they would break the JSON lines. Its `info` messages are
 * development hints ("did you miss allowReconnection()?") about routine events, so they go to
 * debug.
 */
export const colyseusLogger = {
  trace: (...args: unknown[]) => logger.trace({ component: "colyseus" }, format(...args)),
  debug: (...args: unknown[]) => logger.debug({ component: "colyseus" }, format(...args)),
  info: (...args: unknown[]) => logger.debug({ component: "colyseus" }, format(...args)),
  warn: (...args: unknown[]) => logger.warn({ component: "colyseus" }, format(...args)),
  error: (...args: unknown[]) => logger.error({ component: "colyseus" }, format(...args)),
};
