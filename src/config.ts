/**
 * The environment, read and validated once. A bad value stops the server with a message that
 * names the variable; nothing starts half-configured.
 */
import { isIP } from "node:net";
import { z } from "zod";
import { MESSAGES_PER_SECOND, RECONNECT_SECONDS } from "./protocol.ts";

const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();
/** Shortest monitor password or metrics token accepted: short secrets are guessed. */
const MIN_SECRET_CHARS = 12;

/** `10.0.0.1`, `::1`, `10.0.0.0/8` or `fd00::/8`. */
function isAddressOrCidr(entry: string): boolean {
  const [address = "", prefix, ...rest] = entry.split("/");
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/** `http(s)://<public key>@<host>[:port][/path]/<numeric project id>`: what the Sentry SDK accepts. */
function isSentryDsn(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === "https:" || url.protocol === "http:") && /^[\w-]+$/.test(url.username) && url.hostname !== "" && /\/\d+$/.test(url.pathname) && !url.search && !url.hash;
}

/** The levels LOG_LEVEL accepts: pino's, and `silent`. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Defaults that code outside this file needs too (the room's fallbacks for a hand-built room,
 * the logger before the environment is validated, the bots' endpoint), defined here once.
 */
export const DEFAULTS = {
  port: 2567,
  logLevel: "info",
  secondMillis: 1000,
  // GAME.md §11's numbers, which the wire contract states; a deployment may change them.
  reconnectSeconds: RECONNECT_SECONDS,
  messagesPerSecond: MESSAGES_PER_SECOND,
  maxAudiencePerIp: 64,
  drainSeconds: 600,
} as const satisfies Partial<Config>;

const logLevel = z.enum(LOG_LEVELS).default(DEFAULTS.logLevel);

/** LOG_FORMAT: `auto` is pretty on a terminal and JSON lines anywhere else (src/logger.ts). */
export const LOG_FORMATS = ["auto", "json", "pretty"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
const logFormat = z.enum(LOG_FORMATS).default("auto");

const EnvSchema = z.object({
  PORT: port.default(DEFAULTS.port),
  HOST: z.string().min(1).default("0.0.0.0"),
  LOG_LEVEL: logLevel,
  LOG_FORMAT: logFormat,
  /** Length of a timer second in ms; only for demos and tests that want fast phases. */
  ROBOTS_SECOND_MS: positiveInt.default(DEFAULTS.secondMillis),
  /** Seconds a dropped client keeps its seat. */
  RECONNECT_SECONDS: positiveInt.default(DEFAULTS.reconnectSeconds),
  /** Messages per second per client before `rate-limited`. */
  RATE_LIMIT_PER_SECOND: positiveInt.default(DEFAULTS.messagesPerSecond),
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
  /** Longest wait at start-up for Redis and PostgreSQL to answer before giving up (exit 1). */
  STARTUP_TIMEOUT_SECONDS: positiveInt.max(3600).default(30),
  /**
   * On SIGTERM/SIGINT with no other process to take its rooms, how long running games may go on
   * to their end before the rest are checkpointed and the process exits (src/rooms/drain.ts).
   */
  DRAIN_SECONDS: z.coerce.number().int().min(0).max(86_400).default(DEFAULTS.drainSeconds),
  /**
   * Serve the Colyseus monitor at /colyseus. Off unless asked for: it lists private room codes
   * and can inspect any room, so it also needs MONITOR_USER and MONITOR_PASSWORD (issue #7 #2).
   */
  MONITOR: z.enum(["true", "false"]).default("false").transform((v) => v === "true"),
  /** HTTP Basic user name for the monitor. */
  MONITOR_USER: z.string().min(1).max(256).regex(/^[^:]+$/, "must not contain ':'").optional(),
  /** HTTP Basic password for the monitor. */
  MONITOR_PASSWORD: z.string().min(MIN_SECRET_CHARS, `must be at least ${MIN_SECRET_CHARS} characters`).max(1024).optional(),
  /** When set, /metrics answers only requests carrying `Authorization: Bearer <token>`. */
  METRICS_TOKEN: z.string().min(MIN_SECRET_CHARS, `must be at least ${MIN_SECRET_CHARS} characters`).max(1024).optional(),
  /** When set, /metrics answers only these client addresses: a comma list of IPs and CIDRs. */
  METRICS_ALLOW: z.string().transform((raw, ctx) => {
    const entries = raw.split(",").map((e) => e.trim()).filter((e) => e !== "");
    const bad = entries.find((e) => !isAddressOrCidr(e));
    if (bad !== undefined || entries.length === 0) {
      ctx.addIssue({ code: "custom", message: `must be a comma list of IP addresses or CIDRs${bad !== undefined ? ` (bad entry ${JSON.stringify(bad)})` : ""}` });
      return z.NEVER;
    }
    return entries;
  }).optional(),
  /**
   * Opt-in error tracking (src/errorTracking.ts): a Sentry DSN, `https://<key>@<host>/<project id>`.
   * Unset: the SDK is not even loaded.
   */
  SENTRY_DSN: z.string().refine(isSentryDsn, "must be a Sentry DSN like https://<key>@<host>/<project id>").optional(),
  // ---- client address and per-address limits (issue #7 findings 8 and 9; src/http/)
  /**
   * Reverse proxies whose X-Forwarded-For / X-Real-IP is believed: a comma list of IPs and
   * CIDRs. Empty (the default): the client address is always the TCP peer's.
   */
  TRUSTED_PROXIES: z.string().transform((raw, ctx) => {
    const entries = raw.split(",").map((e) => e.trim()).filter((e) => e !== "");
    const bad = entries.find((e) => !isAddressOrCidr(e));
    if (bad !== undefined) {
      ctx.addIssue({ code: "custom", message: `must be a comma list of IP addresses or CIDRs (bad entry ${JSON.stringify(bad)})` });
      return z.NEVER;
    }
    return entries;
  }).optional(),
  /** Largest HTTP request body in bytes (matchmaking options are a few hundred); more is 413. */
  MAX_BODY_BYTES: positiveInt.min(256).max(1024 * 1024).default(4096),
  /** Rooms one address may create per minute; more is 429 with Retry-After. */
  CREATE_ROOMS_PER_MINUTE: positiveInt.max(100_000).default(30),
  /** Failed joins (unknown code, refused options) one address may make per window before a block. */
  FAILED_JOIN_LIMIT: positiveInt.max(100_000).default(10),
  FAILED_JOIN_WINDOW_SECONDS: positiveInt.max(86_400).default(60),
  /** First block after too many failed joins; each further block while misses continue doubles. */
  FAILED_JOIN_BLOCK_SECONDS: positiveInt.max(86_400).default(30),
  /** Longest block for failed joins. */
  FAILED_JOIN_BLOCK_MAX_SECONDS: positiveInt.max(7 * 86_400).default(3600),
  /** Open WebSocket connections per address; more is refused with HTTP 429. */
  MAX_SOCKETS_PER_IP: positiveInt.max(1_000_000).default(100),
  /** Audience members one address may have in one room; more is refused `rate-limited`. */
  MAX_AUDIENCE_PER_IP: positiveInt.max(100_000).default(DEFAULTS.maxAudiencePerIp),
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
  /** Bound on each start-up wait for an external service (src/startup.ts). */
  startupTimeoutSeconds: number;
  /** Longest wait on shutdown for running games to finish when no peer can take them. */
  drainSeconds: number;
  host: string;
  logLevel: LogLevel;
  logFormat: LogFormat;
  secondMillis: number;
  reconnectSeconds: number;
  messagesPerSecond: number;
  monitor: boolean;
  /** Credentials for the monitor; loadConfig guarantees them whenever `monitor` is on. */
  monitorCredentials: { user: string; password: string } | null;
  /** Bearer token /metrics requires; null: no token needed. */
  metricsToken: string | null;
  /** Addresses and CIDRs /metrics answers; null: any address. */
  metricsAllow: readonly string[] | null;
  /** Where errors are reported (src/errorTracking.ts); null: error tracking off. */
  sentryDsn: string | null;
  /** Reverse proxies believed about the client address (src/http/clientIp.ts). */
  trustedProxies: readonly string[];
  /** Largest request body in bytes. */
  maxBodyBytes: number;
  /** Per-address limits (src/http/ipLimits.ts, src/rooms/joinGuard.ts). */
  createRoomsPerMinute: number;
  failedJoinLimit: number;
  failedJoinWindowSeconds: number;
  failedJoinBlockSeconds: number;
  failedJoinBlockMaxSeconds: number;
  maxSocketsPerIp: number;
  maxAudiencePerIp: number;
};

export class ConfigError extends Error {}

/**
 * LOG_LEVEL read with the same rule as loadConfig, for the logger, which exists before the
 * environment is validated: an invalid value gives the default here, so that loadConfig is the
 * one to refuse it (one line, exit 2) instead of pino throwing at import.
 */
export function logLevelOf(env: NodeJS.ProcessEnv = process.env): LogLevel {
  const parsed = logLevel.safeParse(env.LOG_LEVEL === "" ? undefined : env.LOG_LEVEL);
  return parsed.success ? parsed.data : DEFAULTS.logLevel;
}

/** LOG_FORMAT read with loadConfig's rule, for the same reason as {@link logLevelOf}. */
export function logFormatOf(env: NodeJS.ProcessEnv = process.env): LogFormat {
  const parsed = logFormat.safeParse(env.LOG_FORMAT === "" ? undefined : env.LOG_FORMAT);
  return parsed.success ? parsed.data : "auto";
}

/** Variables whose value is a secret: an error names them but never prints what was set. */
const SECRET_VARIABLES = new Set(["MONITOR_PASSWORD", "METRICS_TOKEN", "SENTRY_DSN"]);

/** Connection strings may carry a password: an error shows them with it masked. */
const URL_VARIABLES = new Set(["DATABASE_URL", "REDIS_URL"]);

function shown(name: string, value: string | undefined): string {
  if (value === undefined) return "nothing";
  if (SECRET_VARIABLES.has(name)) return `${value.length} characters`;
  if (URL_VARIABLES.has(name)) return JSON.stringify(value.replace(/(\/\/[^:/@]*:)[^@]*@/, "$1***@"));
  return JSON.stringify(value);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = EnvSchema.safeParse(set);
  if (!parsed.success) {
    // One line, so a supervisor's log shows the whole reason next to the exit code 2.
    const reasons = parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message} (got ${shown(String(i.path[0]), set[String(i.path[0])])})`);
    throw new ConfigError(`invalid configuration: ${reasons.join("; ")}`);
  }
  const e = parsed.data;
  if (e.MONITOR && (!e.MONITOR_USER || !e.MONITOR_PASSWORD)) {
    const missing = [!e.MONITOR_USER && "MONITOR_USER", !e.MONITOR_PASSWORD && "MONITOR_PASSWORD"].filter(Boolean).join(" and ");
    throw new ConfigError(`invalid configuration: ${missing} must be set when MONITOR=true (the monitor never runs without credentials)`);
  }
  if (e.FAILED_JOIN_BLOCK_MAX_SECONDS < e.FAILED_JOIN_BLOCK_SECONDS) {
    throw new ConfigError("invalid configuration: FAILED_JOIN_BLOCK_MAX_SECONDS must be at least FAILED_JOIN_BLOCK_SECONDS");
  }
  return {
    port: e.PORT,
    database: e.DATABASE_URL
      ? { kind: "postgres", url: e.DATABASE_URL, poolSize: e.DB_POOL_SIZE }
      : { kind: "pglite", dataDir: `${e.DATA_DIR}/pglite` },
    dataDir: e.DATA_DIR,
    redisUrl: e.REDIS_URL ?? null,
    publicAddress: publicAddressFor(e.PUBLIC_ADDRESS, e.REDIS_URL, e.PORT),
    recordRetryMaxMs: e.RECORD_RETRY_MAX_MS,
    startupTimeoutSeconds: e.STARTUP_TIMEOUT_SECONDS,
    drainSeconds: e.DRAIN_SECONDS,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    secondMillis: e.ROBOTS_SECOND_MS,
    reconnectSeconds: e.RECONNECT_SECONDS,
    messagesPerSecond: e.RATE_LIMIT_PER_SECOND,
    monitor: e.MONITOR,
    monitorCredentials: e.MONITOR && e.MONITOR_USER && e.MONITOR_PASSWORD ? { user: e.MONITOR_USER, password: e.MONITOR_PASSWORD } : null,
    metricsToken: e.METRICS_TOKEN ?? null,
    metricsAllow: e.METRICS_ALLOW ?? null,
    sentryDsn: e.SENTRY_DSN ?? null,
    trustedProxies: e.TRUSTED_PROXIES ?? [],
    maxBodyBytes: e.MAX_BODY_BYTES,
    createRoomsPerMinute: e.CREATE_ROOMS_PER_MINUTE,
    failedJoinLimit: e.FAILED_JOIN_LIMIT,
    failedJoinWindowSeconds: e.FAILED_JOIN_WINDOW_SECONDS,
    failedJoinBlockSeconds: e.FAILED_JOIN_BLOCK_SECONDS,
    failedJoinBlockMaxSeconds: e.FAILED_JOIN_BLOCK_MAX_SECONDS,
    maxSocketsPerIp: e.MAX_SOCKETS_PER_IP,
    maxAudiencePerIp: e.MAX_AUDIENCE_PER_IP,
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
