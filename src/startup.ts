/**
 * Start-up checks (issue #12 #1): every outside thing the server needs is tried once, with a
 * bounded wait, before anything is opened, so a bad setting or a missing service ends the
 * process with one line that names the variable instead of a hang or a stack trace.
 * Exit 2: the configuration is wrong (HOST, DATA_DIR, credentials in a URL). Exit 1: a service
 * did not answer within STARTUP_TIMEOUT_SECONDS (it may be starting too; a supervisor retries).
 */
import { lookup } from "node:dns/promises";
import { randomUUID } from "node:crypto";
import { mkdir, rm, stat, writeFile } from "node:fs/promises";
import { createServer, isIP } from "node:net";
import { dirname, join, resolve } from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import type { Config } from "./config.ts";
import { logger } from "./logger.ts";

/** A start-up failure: `message` is the one line to print, `exitCode` 2 (configuration) or 1 (service). */
export class StartupError extends Error {
  readonly exitCode: 1 | 2;
  constructor(exitCode: 1 | 2, message: string) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** Pause between two attempts to reach a service that is not up yet. */
const RETRY_MS = 250;
/** Bound on one local check (DNS, bind, disk): these answer at once unless something is broken. */
const LOCAL_CHECK_MS = 10_000;

/** Runs every check; resolves when the server may start, rejects with a StartupError otherwise. */
export async function checkStartup(config: Config): Promise<void> {
  const deadline = Date.now() + config.startupTimeoutSeconds * 1000;
  // The configuration is checked first: a wrong setting is not worth waiting a timeout for.
  await checkHost(config.host);
  // DATA_DIR is used by the embedded database, and by the outbox when there is no Redis.
  if (config.database.kind === "pglite" || !config.redisUrl) await checkDataDir(config.dataDir);
  const services: Promise<void>[] = [];
  if (config.database.kind === "postgres") services.push(checkPostgres(config.database.url, deadline, config.startupTimeoutSeconds));
  if (config.redisUrl) services.push(checkRedis(config.redisUrl, deadline, config.startupTimeoutSeconds));
  await Promise.all(services);
}

/** Rejects with `error()` if `work` has not settled within `ms`. */
export function within<T>(work: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error()), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** HOST must resolve and be an address of this machine (listening on port 0 proves both). */
async function checkHost(host: string): Promise<void> {
  const bad = (why: string) => new StartupError(2, `invalid configuration: HOST ${JSON.stringify(host)} ${why}`);
  if (isIP(host) === 0) {
    await within(lookup(host), LOCAL_CHECK_MS, () => bad(`did not resolve within ${LOCAL_CHECK_MS / 1000} s`)).catch((err: NodeJS.ErrnoException) => {
      throw err instanceof StartupError ? err : bad(`does not resolve (${err.code ?? err.message})`);
    });
  }
  const probe = createServer();
  try {
    await within(
      new Promise<void>((resolve, reject) => {
        probe.once("error", reject);
        probe.listen({ host, port: 0 }, () => resolve());
      }),
      LOCAL_CHECK_MS,
      () => bad(`could not be listened on within ${LOCAL_CHECK_MS / 1000} s`),
    ).catch((err: NodeJS.ErrnoException) => {
      throw err instanceof StartupError ? err : bad(`cannot be listened on (${err.code ?? err.message}): it must be an address of this machine`);
    });
  } finally {
    probe.close();
  }
}

/** DATA_DIR must be (or become) a directory this process can write in. */
async function checkDataDir(dir: string): Promise<void> {
  const bad = (why: string) => new StartupError(2, `invalid configuration: DATA_DIR ${JSON.stringify(dir)} is not a writable directory (${why})`);
  const probeFile = join(dir, `.write-check-${randomUUID()}`);
  const check = async () => {
    await makeDirectory(resolve(dir));
    if (!(await stat(dir)).isDirectory()) throw bad("it is not a directory");
    await writeFile(probeFile, "");
    await rm(probeFile, { force: true });
  };
  await within(check(), LOCAL_CHECK_MS, () => bad(`no answer within ${LOCAL_CHECK_MS / 1000} s`)).catch((err: NodeJS.ErrnoException) => {
    throw err instanceof StartupError ? err : bad(err.code ?? err.message);
  });
}

/**
 * `mkdir -p` one level at a time. Node's `mkdir(…, { recursive: true })` never returns where a
 * level cannot be created although its parent exists (`/proc/nope` answers ENOENT to each try).
 */
async function makeDirectory(dir: string): Promise<void> {
  const exists = await stat(dir).then(() => true, (err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return false;
    throw err;
  });
  if (exists) return;
  const parent = dirname(dir);
  if (parent !== dir) await makeDirectory(parent);
  await mkdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== "EEXIST") throw err;
  });
}

/** `host:port` of a connection string, for messages: never its user or password. */
function endpointOf(url: string, defaultPort: number): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || defaultPort}`;
  } catch {
    return "(unparsable URL)";
  }
}

/** One line from an error, with the URL's password removed should a driver ever quote it. */
function reasonOf(err: unknown, url: string): string {
  const e = err as NodeJS.ErrnoException | undefined;
  let text = (e?.code && !/^\d/.test(e.code) ? `${e.code}: ` : "") + String(e?.message ?? err);
  try {
    const password = decodeURIComponent(new URL(url).password);
    if (password) text = text.replaceAll(password, "***");
  } catch {
    // an unparsable URL has no password to hide
  }
  return text.replace(/\s+/g, " ").trim();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * PostgreSQL errors that waiting will not fix: wrong password, unknown user or database. Codes:
 * https://www.postgresql.org/docs/current/errcodes-appendix.html (28xxx, 3D000).
 */
const POSTGRES_CONFIG_ERRORS = new Set(["28000", "28P01", "3D000"]);

/** Tries DATABASE_URL until it answers `SELECT 1` or the deadline passes. */
async function checkPostgres(url: string, deadline: number, seconds: number): Promise<void> {
  const where = endpointOf(url, 5432);
  let last: unknown;
  while (Date.now() < deadline) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: Math.max(100, deadline - Date.now()) });
    // A socket error after connect would otherwise be thrown from an emitter.
    client.on("error", () => {});
    try {
      await within(client.connect().then(() => client.query("SELECT 1")), Math.max(100, deadline - Date.now()), () => new Error("no answer"));
      return;
    } catch (err) {
      last = err;
      const code = (err as { code?: string }).code;
      if (code && POSTGRES_CONFIG_ERRORS.has(code)) {
        throw new StartupError(2, `invalid configuration: DATABASE_URL refused by PostgreSQL at ${where} (${reasonOf(err, url)})`);
      }
    } finally {
      client.end().catch(() => {});
    }
    await sleep(Math.min(RETRY_MS, Math.max(0, deadline - Date.now())));
  }
  throw new StartupError(1, `DATABASE_URL: PostgreSQL at ${where} did not answer within STARTUP_TIMEOUT_SECONDS=${seconds} (${reasonOf(last ?? "no answer", url)})`);
}

/** Redis replies that waiting will not fix: a wrong or missing password. */
const REDIS_CONFIG_ERRORS = /^(WRONGPASS|NOAUTH|NOPERM)/;

/** Tries REDIS_URL until it answers PING or the deadline passes. */
async function checkRedis(url: string, deadline: number, seconds: number): Promise<void> {
  const where = endpointOf(url, 6379);
  let last: unknown;
  while (Date.now() < deadline) {
    // One attempt per client, retried here: ioredis's own retries would outlive the deadline,
    // and each of its failures is an `error` event that must have a listener.
    const redis = new Redis(url, {
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      connectTimeout: Math.max(100, deadline - Date.now()),
    });
    // The socket's error (ECONNREFUSED, ENOTFOUND) says more than connect()'s "Connection is closed".
    let socketError: Error | undefined;
    redis.on("error", (err) => (socketError ??= err));
    try {
      await within(redis.connect().then(() => redis.ping()), Math.max(100, deadline - Date.now()), () => new Error("no answer"));
      return;
    } catch (err) {
      last = socketError ?? err;
      if (REDIS_CONFIG_ERRORS.test(String((err as Error).message))) {
        throw new StartupError(2, `invalid configuration: REDIS_URL refused by Redis at ${where} (${reasonOf(err, url)})`);
      }
    } finally {
      redis.disconnect();
    }
    await sleep(Math.min(RETRY_MS, Math.max(0, deadline - Date.now())));
  }
  throw new StartupError(1, `REDIS_URL: Redis at ${where} did not answer within STARTUP_TIMEOUT_SECONDS=${seconds} (${reasonOf(last ?? "no answer", url)})`);
}

/**
 * An ioredis client for a long-lived use (`what` names it in the log) whose failures are logged
 * once per outage: without an `error` listener ioredis prints every failed reconnection as an
 * "Unhandled error event".
 */
export function watchedRedis(url: string, what: string): Redis {
  const redis = new Redis(url);
  let down = false;
  redis.on("error", (err) => {
    if (!down) logger.warn({ err }, `Redis (${what}) is unreachable; retrying`);
    down = true;
  });
  redis.on("ready", () => {
    if (down) logger.info(`Redis (${what}) is reachable again`);
    down = false;
  });
  return redis;
}
