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
import { createServer, isIP, type Server as NodeServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import type { Config } from "./config.ts";
import { redisClient } from "./outages.ts";

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
  await checkPort(config.host, config.port);
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

/** The one line for a port another process holds (or that needs privileges this process lacks). */
function portError(host: string, port: number, err: NodeJS.ErrnoException): StartupError | undefined {
  if (err.code === "EADDRINUSE") return new StartupError(2, `invalid configuration: PORT ${port} is already in use on HOST ${host} (another process listens there: stop it or choose another PORT)`);
  if (err.code === "EACCES") return new StartupError(2, `invalid configuration: PORT ${port} on HOST ${host} needs privileges this process does not have (use a port above 1023)`);
  return undefined;
}

/**
 * PORT must be free on HOST. Colyseus's listen() prints a bind failure and never settles, so a
 * taken port is found here by binding it once (and closing it again) before anything opens.
 */
async function checkPort(host: string, port: number): Promise<void> {
  const probe = createServer();
  try {
    await within(
      new Promise<void>((resolve, reject) => {
        probe.once("error", reject);
        probe.listen({ host, port, exclusive: true }, () => resolve());
      }),
      LOCAL_CHECK_MS,
      () => new StartupError(2, `invalid configuration: PORT ${port} on HOST ${host} could not be listened on within ${LOCAL_CHECK_MS / 1000} s`),
    ).catch((err: NodeJS.ErrnoException) => {
      throw err instanceof StartupError ? err : (portError(host, port, err) ?? new StartupError(2, `invalid configuration: PORT ${port} on HOST ${host} cannot be listened on (${err.code ?? err.message})`));
    });
  } finally {
    // The server binds the same port next: wait until the probe has let go of it.
    await new Promise<void>((resolve) => (probe.listening ? probe.close(() => resolve()) : resolve()));
  }
}

/**
 * `server.listen()` that fails instead of hanging: the port may still be taken between
 * checkPort and here, and Colyseus only reports that on stderr.
 */
export async function listenOrRefuse(server: { listen(port: number, host: string): Promise<unknown>; transport: { server?: NodeServer } }, port: number, host: string): Promise<void> {
  const http = server.transport.server;
  let onError: ((err: NodeJS.ErrnoException) => void) | undefined;
  const failed = new Promise<never>((_, reject) => {
    onError = (err) => reject(portError(host, port, err) ?? err);
    http?.once("error", onError);
  });
  try {
    await Promise.race([server.listen(port, host), failed]);
  } finally {
    if (onError) http?.off("error", onError);
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
 * An ioredis client for a long-lived use (`what` names it in the log); its outages are logged
 * once per change of state with every other Redis client's (src/outages.ts).
 */
export function watchedRedis(url: string, what: string): Redis {
  return redisClient(url, what);
}
