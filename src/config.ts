/**
 * The environment, read and validated once. A bad value stops the server with a message that
 * names the variable; nothing starts half-configured.
 */
import { z } from "zod";

const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();

const EnvSchema = z.object({
  PORT: port.default(2567),
  HOST: z.string().min(1).default("0.0.0.0"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Length of a timer second in ms; only for demos and tests that want fast phases. */
  ROBOTS_SECOND_MS: positiveInt.default(1000),
  /** Seconds a dropped client keeps its seat. */
  RECONNECT_SECONDS: positiveInt.default(60),
  /** Messages per second per client before `rate-limited`. */
  RATE_LIMIT_PER_SECOND: positiveInt.default(20),
  /** PostgreSQL connection string; without it the embedded PGlite under DATA_DIR is used. */
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL").optional(),
  DB_POOL_SIZE: positiveInt.max(200).default(10),
  /** Where the embedded database and the file outbox live. */
  DATA_DIR: z.string().min(1).default("./data"),
  /** Redis connection string: shared presence, room listing and outbox across processes. */
  REDIS_URL: z.string().regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL").optional(),
  /**
   * Address clients use to reach THIS process (host:port[/path], no scheme). `{port}` is replaced
   * by PORT, so one value serves every process of a cluster, e.g. `play.example.com/p{port}`.
   */
  PUBLIC_ADDRESS: z.string().regex(/^[^\s/:]+(:\d+|:\{port\})?(\/[^\s]*)?$/, "must look like host:port or host/path, without a scheme").optional(),
  /** Longest wait between two attempts to write a finished game while the database is down. */
  RECORD_RETRY_MAX_MS: positiveInt.default(30_000),
  /** Serve the Colyseus monitor at /colyseus (set to false to hide it). */
  MONITOR: z.enum(["true", "false"]).default("true").transform((v) => v === "true"),
});

export type DatabaseConfig =
  | { kind: "pglite"; dataDir: string | null }
  | { kind: "postgres"; url: string; poolSize: number };

export type Config = {
  port: number;
  database: DatabaseConfig;
  /** Directory of the file outbox; null keeps the outbox in Redis (REDIS_URL). */
  dataDir: string;
  redisUrl: string | null;
  /** Address of this process for clients (set with Redis, where rooms live on many processes). */
  publicAddress: string | null;
  recordRetryMaxMs: number;
  host: string;
  logLevel: string;
  secondMillis: number;
  reconnectSeconds: number;
  messagesPerSecond: number;
  monitor: boolean;
};

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = EnvSchema.safeParse(set);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message} (got ${JSON.stringify(set[String(i.path[0])])})`);
    throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    database: e.DATABASE_URL
      ? { kind: "postgres", url: e.DATABASE_URL, poolSize: e.DB_POOL_SIZE }
      : { kind: "pglite", dataDir: `${e.DATA_DIR}/pglite` },
    dataDir: e.DATA_DIR,
    redisUrl: e.REDIS_URL ?? null,
    publicAddress: publicAddressFor(e.PUBLIC_ADDRESS, e.REDIS_URL, e.PORT),
    recordRetryMaxMs: e.RECORD_RETRY_MAX_MS,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    secondMillis: e.ROBOTS_SECOND_MS,
    reconnectSeconds: e.RECONNECT_SECONDS,
    messagesPerSecond: e.RATE_LIMIT_PER_SECOND,
    monitor: e.MONITOR,
  };
}

/**
 * With Redis, a seat reserved on one process is taken by connecting to that process, so each
 * process announces where it can be reached. Without Redis there is one process and clients
 * simply stay on the endpoint they used.
 */
function publicAddressFor(configured: string | undefined, redisUrl: string | undefined, port: number): string | null {
  if (configured) return configured.replaceAll("{port}", String(port));
  return redisUrl ? `localhost:${port}` : null;
}
