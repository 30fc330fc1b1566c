/** Structured JSON logs (pino); LOG_LEVEL picks the level. */
import { pino } from "pino";

export const logger = pino({
  level: process.env.LOG_LEVEL ?? "info",
  base: { service: "robots" },
});
