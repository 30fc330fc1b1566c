/**
 * Outages of the services the server leans on (Redis, the database), as the log tells them
 * (issue #12 #1): one warn line when a service stops answering, one info line when it answers
 * again, and nothing for the retries in between. Whatever notices a failure or a success reports
 * it here; this file alone decides what is worth a line.
 *
 * Every ioredis client the server keeps is made (or adopted) here: a client without an `error`
 * listener prints "[ioredis] Unhandled error event" with a stack on every failed reconnection,
 * and Colyseus's own presence logs a line for each one too.
 */
import { RedisPresence } from "@colyseus/redis-presence";
import { Redis, type RedisOptions } from "ioredis";
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from "kysely";
import { logger } from "./logger.ts";

/** A one-line reason for a log line, never a stack: `CODE: message`. */
export function errorReason(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown } | null;
  const message = String(e?.message ?? error).replace(/\s+/g, " ").trim();
  return typeof e?.code === "string" && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}

/**
 * Whether one service answers, as seen by the parts of the server that use it. A part (one
 * Redis connection, the game recorder) reports `failed` and `answered`; the service is down
 * while any part is, and the log gets a line only when that changes.
 */
export class ServiceState {
  /** The service as named in the log: "Redis", "the database". */
  readonly name: string;
  /** Parts that cannot reach the service, with the reason each gave first. */
  readonly #failing = new Map<string, string>();
  #downSince = 0;

  constructor(name: string) {
    this.name = name;
  }

  /** False from the first failure until every part that failed has answered again. */
  get up(): boolean {
    return this.#failing.size === 0;
  }

  /**
   * `part` could not reach the service; logs only if the service was up until now. `noticedBy`
   * says what was being done, for the line.
   */
  failed(part: string, error: unknown, noticedBy = part): void {
    if (this.#failing.has(part)) return;
    const wasUp = this.up;
    const reason = errorReason(error);
    this.#failing.set(part, reason);
    if (!wasUp) return;
    this.#downSince = Date.now();
    logger.warn({ dependency: this.name, noticedBy, reason }, `${this.name} is unreachable; retrying quietly until it answers`);
  }

  /** `part` reached the service; logs once the last failing part has. */
  answered(part: string): void {
    if (this.#failing.delete(part) && this.up) this.#back();
  }

  /** `part` is gone for good (a client closed on purpose): its failure no longer counts. */
  forget(part: string): void {
    // Silent: a client closed during an outage proves nothing about the service.
    this.#failing.delete(part);
  }

  #back(): void {
    const downMs = Date.now() - this.#downSince;
    logger.info({ dependency: this.name, downMs }, `${this.name} is reachable again after ${Math.round(downMs / 100) / 10} s`);
  }
}

/** Redis, shared by presence, the room listing and the outbox. */
export const redisState = new ServiceState("Redis");
/** The database (PostgreSQL at DATABASE_URL, or the embedded PGlite). */
export const databaseState = new ServiceState("the database");

/**
 * A Redis call that failed: a warning (one line, no stack) while Redis is thought to be up, a
 * debug line during an outage already logged, since every periodic call fails then.
 */
export function redisCallFailed(error: unknown, what: string): void {
  if (redisState.up) logger.warn({ dependency: redisState.name, reason: errorReason(error) }, what);
  else logger.debug({ dependency: redisState.name, reason: errorReason(error) }, what);
}

/** Client roles get a number each so two clients of one role are two parts. */
let clientCount = 0;

/**
 * Reports one ioredis client's connection to {@link redisState} and gives it the `error`
 * listener it needs. Listeners already there are removed: they would log every retry.
 */
export function watchRedisClient<T extends Redis>(client: T, role: string): T {
  const part = `${role} #${(clientCount += 1)}`;
  client.removeAllListeners("error");
  client.on("error", (error: unknown) => redisState.failed(part, error));
  client.on("ready", () => redisState.answered(part));
  client.on("end", () => redisState.forget(part));
  return client;
}

/** A long-lived Redis client for `role` (logged by role, never by URL: it may hold a password). */
export function redisClient(url: string, role: string, options: RedisOptions = {}): Redis {
  return watchRedisClient(new Redis(url, options), role);
}

/**
 * Colyseus's Redis presence with its two connections reported here: its own listeners log a
 * warning through Colyseus's logger on every failed reconnection, for as long as Redis is down.
 */
export class WatchedRedisPresence extends RedisPresence {
  constructor(url: string) {
    super(url);
    watchRedisClient(this.pub as Redis, "presence");
    watchRedisClient(this.sub as Redis, "presence subscriber");
  }
}

/** The one part the database has: any query that succeeds proves it answers. */
const DATABASE_PART = "queries";

/** A database call failed; counts as an outage only when {@link isOutageError} says so. */
export function databaseCallFailed(error: unknown, noticedBy: string): void {
  if (isOutageError(error)) databaseState.failed(DATABASE_PART, error, noticedBy);
}

/** A database call succeeded: an outage, if one was logged, is over. */
export function databaseAnswered(): void {
  databaseState.answered(DATABASE_PART);
}

/** A Kysely plugin that reports every query that got its result as the database answering. */
export const databaseAnswers: KyselyPlugin = {
  transformQuery: (args: PluginTransformQueryArgs): RootOperationNode => args.node,
  transformResult: async (args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> => {
    databaseAnswered();
    return args.result;
  },
};

/**
 * PostgreSQL error classes that mean the server cannot be used (08: connection exception, 57P:
 * shutting down or not accepting connections yet). Any other SQLSTATE is an answer: the
 * database is up and refused one statement, which is not an outage.
 */
const OUTAGE_SQLSTATE = /^(08|57P)/;

/** Whether a failed query means the database is unreachable rather than that it said no. */
export function isOutageError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return OUTAGE_SQLSTATE.test(code);
  return true;
}
