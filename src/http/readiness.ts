/**
 * Readiness (GET /ready), as opposed to liveness (GET /health): whether this process should be
 * sent new players right now. It is ready when the database answers, Redis answers (when
 * REDIS_URL is set), the outbox of finished games is not stuck, and the process is not draining.
 * A load balancer or orchestrator takes an unready process out of rotation; it does not restart
 * it (that is what a failing /health is for), since an outage of a shared service would otherwise
 * restart every process at once and end every game.
 *
 * The database and Redis are probed with a bounded wait (PROBE_TIMEOUT_MS) and the answer is
 * reused for PROBE_CACHE_MS, so a flood of /ready (or of /metrics, which reads the same probes)
 * costs the database at most one query per second per process.
 */
import { sql, type Kysely } from "kysely";
import { Redis } from "ioredis";

/** Longest wait for the database or Redis to answer one probe. */
export const PROBE_TIMEOUT_MS = 1_000;
/** How long one probe's answer is reused. */
export const PROBE_CACHE_MS = 1_000;
/** More finished games than this waiting for the database: the outbox is stuck. */
export const OUTBOX_MAX_PENDING = 500;
/** A finished game waiting longer than this for the database: the outbox is stuck. */
export const OUTBOX_MAX_AGE_MS = 120_000;

let draining = false;

/**
 * Marks the process as draining (SIGTERM): /ready answers 503 from now on, so new players are
 * sent elsewhere, while /health stays 200 and the games already here play on.
 */
export function setDraining(on = true): void {
  draining = on;
}

/** Whether setDraining() was called. */
export function isDraining(): boolean {
  return draining;
}

/** One check's outcome; `reason` says why it failed, in words safe to show anyone. */
export interface CheckResult {
  ok: boolean;
  reason?: string;
  [detail: string]: unknown;
}

/** The body of GET /ready. */
export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, CheckResult>;
}

/** What readiness reads from the game recorder (src/persistence/recorder.ts). */
export interface WatchedOutbox {
  pendingCount: number;
  /** Epoch ms of the oldest finished game still waiting for the database, if any. */
  oldestPendingAt: number | undefined;
}

export interface ReadinessOptions {
  database: Kysely<any>;
  redisUrl: string | null;
  outbox: WatchedOutbox;
  timeoutMs?: number;
  cacheMs?: number;
}

/** The answers of the two shared services, as last probed. */
export interface ServiceProbe {
  database: CheckResult;
  /** Absent without REDIS_URL. */
  redis?: CheckResult;
}

/** Rejects with `what` when `work` has not settled in `ms`. */
function bounded<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

async function probe(name: string, work: () => Promise<unknown>, ms: number): Promise<CheckResult> {
  const started = performance.now();
  try {
    await bounded(work(), ms, name);
    return { ok: true, ms: Math.round(performance.now() - started) };
  } catch (error) {
    // The timeout's own words, or a generic one: a driver's error text names hosts and ports.
    const timedOut = error instanceof Error && error.message.endsWith(`within ${ms} ms`);
    return { ok: false, reason: timedOut ? `no answer within ${ms} ms` : `${name} refused the probe` };
  }
}

export class Readiness {
  readonly #o: Required<Omit<ReadinessOptions, "redisUrl">>;
  readonly #redis: Redis | undefined;
  #last: { at: number; probe: Promise<ServiceProbe> } | undefined;

  constructor(options: ReadinessOptions) {
    this.#o = { database: options.database, outbox: options.outbox, timeoutMs: options.timeoutMs ?? PROBE_TIMEOUT_MS, cacheMs: options.cacheMs ?? PROBE_CACHE_MS };
    if (options.redisUrl) {
      // Its own connection: a probe must not queue behind (or be queued by) the game's traffic.
      // No offline queue, so a PING while Redis is away fails at once instead of waiting.
      this.#redis = new Redis(options.redisUrl, {
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        connectTimeout: this.#o.timeoutMs,
        commandTimeout: this.#o.timeoutMs,
        retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
      });
      // Outages are logged by the server's other Redis clients; this one only answers probes.
      this.#redis.on("error", () => {});
      this.#redis.connect().catch(() => {});
    }
  }

  /** The database's and Redis's answers, probed at most once per cache period. */
  services(): Promise<ServiceProbe> {
    const now = Date.now();
    if (!this.#last || now - this.#last.at >= this.#o.cacheMs) {
      this.#last = { at: now, probe: this.#probeServices() };
    }
    return this.#last.probe;
  }

  async #probeServices(): Promise<ServiceProbe> {
    const ms = this.#o.timeoutMs;
    const redis = this.#redis;
    const [database, redisResult] = await Promise.all([
      probe("the database", () => sql`select 1`.execute(this.#o.database), ms),
      redis ? probe("Redis", () => redis.ping(), ms) : undefined,
    ]);
    return redisResult ? { database, redis: redisResult } : { database };
  }

  /** Every check, for GET /ready. */
  async report(now = Date.now()): Promise<ReadinessReport> {
    const services = await this.services();
    const checks: Record<string, CheckResult> = { ...services, outbox: this.#outbox(now), draining: draining ? { ok: false, reason: "the process is shutting down" } : { ok: true } };
    return { ready: Object.values(checks).every((check) => check.ok), checks };
  }

  #outbox(now: number): CheckResult {
    const { pendingCount, oldestPendingAt } = this.#o.outbox;
    const oldestSeconds = oldestPendingAt === undefined ? 0 : Math.max(0, Math.round((now - oldestPendingAt) / 1000));
    const detail = { pending: pendingCount, oldestSeconds };
    if (pendingCount > OUTBOX_MAX_PENDING) return { ok: false, reason: `more than ${OUTBOX_MAX_PENDING} finished games wait for the database`, ...detail };
    if (oldestSeconds * 1000 > OUTBOX_MAX_AGE_MS) return { ok: false, reason: `a finished game has waited more than ${OUTBOX_MAX_AGE_MS / 1000} s for the database`, ...detail };
    return { ok: true, ...detail };
  }

  close(): void {
    this.#redis?.disconnect();
  }
}
