/**
 * Structured JSON logs (pino). The level is LOG_LEVEL, read by src/config.ts's rule: a value
 * that rule refuses never reaches pino (which would throw at import); loadConfig reports it.
 */
import { pino } from "pino";
import { logLevelOf } from "./config.ts";

export const logger = pino({
  level: logLevelOf(),
  base: { service: "robots" },
});
