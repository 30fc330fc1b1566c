/**
 * Delivers finished games to the database (GAME.md §12). `submit` keeps the record in memory as
 * pending first, then writes it to the durable outbox and tries the database side by side: a
 * broken outbox (disk full, no permission, Redis gone) must never keep a game from a database
 * that is up. A failed write is retried with exponential backoff until the database takes it,
 * and so is a failed outbox put while the record is still pending. Every outbox call is bounded
 * by a timeout. Writes are idempotent by game id, so a record delivered twice is stored once.
 * The room never waits for any of this.
 *
 * A record that at `stop()` is neither in the database nor in the outbox is lost: it is counted
 * (`lost`) and reported through `onLost`, one call per record.
 */
import type { GameRecord } from "../game/record.ts";
import type { OutboxStore } from "./outbox.ts";

/** How long one outbox call (put, remove, list) may take before it counts as failed. */
export const DEFAULT_OUTBOX_TIMEOUT_MS = 3_000;

export interface RecorderOptions {
  store: OutboxStore;
  /** Writes one record; resolving (true or false = "already there") means it is stored. */
  write: (record: GameRecord) => Promise<unknown>;
  /** Runs after writes succeed (leaderboard refresh); coalesced, failures only logged. */
  afterWrites?: () => Promise<void>;
  /** The leaderboard refresh after a write failed. */
  onError?: (error: unknown, context: string) => void;
  /** The database took a record: how long the successful write took, and how many tries it needed. */
  onWritten?: (record: GameRecord, ms: number, attempts: number) => void;
  /**
   * A write failed and the record stays pending, to be tried again in `retryInMs`. Called on the
   * 1st, 2nd, 4th, 8th… failure of a record only: a long outage costs a few lines, not one a retry.
   */
  onRetry?: (record: GameRecord, attempt: number, error: unknown, retryInMs: number) => void;
  /** An outbox call failed or timed out; the record stays pending in memory and is retried. */
  onOutboxError?: (error: unknown, context: string) => void;
  /** At `stop()`: a record that neither the database nor the outbox holds. */
  onLost?: (record: GameRecord) => void;
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Bound on each outbox call; also how long `stop()` waits for writes still in flight. */
  outboxTimeoutMs?: number;
}

interface Pending {
  record: GameRecord;
  /** Failed database writes so far. */
  attempts: number;
  dueAt: number;
  /** The outbox is known to hold this record (it survives a crash of this process). */
  stored: boolean;
  /** Failed outbox puts so far. */
  outboxAttempts: number;
}

/** Rejects when `promise` has not settled within `ms`; the timer holds the process until then. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Waits for every promise in `tracked` (including ones added while waiting), at most `ms`. */
async function settleAll(tracked: Set<Promise<unknown>>, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (tracked.size > 0) {
    const left = until - Date.now();
    if (left <= 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...tracked]),
      new Promise((resolve) => (timer = setTimeout(resolve, left))),
    ]).finally(() => clearTimeout(timer));
  }
}

/** Whether `n` is a power of two: logging on those keeps a long outage to a few lines. */
const worthLogging = (n: number) => (n & (n - 1)) === 0;

export class GameRecorder {
  readonly #o: Required<RecorderOptions>;
  readonly #pending = new Map<string, Pending>();
  /** Bounded outbox puts in flight, by game id, so a record is never put twice at once. */
  readonly #putting = new Map<string, Promise<boolean>>();
  /** Game ids with an outbox put not settled yet, timed out or not (at most one each). */
  readonly #outstandingPuts = new Set<string>();
  /** Delivered records whose outbox put is still outstanding: their copy goes when it lands. */
  readonly #removeWhenLanded = new Set<string>();
  /** Everything `stop()` and `flush()` wait for: the drain, outbox calls, the refresh. */
  readonly #inFlight = new Set<Promise<unknown>>();
  #timer: NodeJS.Timeout | undefined;
  #draining: Promise<void> | undefined;
  #refreshing: Promise<void> | undefined;
  #refreshAgain = false;
  #stopped = false;
  /** Whether what an earlier run left in the outbox has been read. */
  #listed = false;
  #listing: Promise<void> | undefined;
  #listAttempts = 0;
  /** Records confirmed by the database since start. */
  delivered = 0;
  /** Outbox calls that failed or timed out since start. */
  outboxFailures = 0;
  /** Records given up at `stop()` that neither the database nor the outbox held. */
  lost = 0;

  constructor(options: RecorderOptions) {
    this.#o = {
      store: options.store,
      write: options.write,
      afterWrites: options.afterWrites ?? (async () => {}),
      onError: options.onError ?? (() => {}),
      onWritten: options.onWritten ?? (() => {}),
      onRetry: options.onRetry ?? (() => {}),
      onOutboxError: options.onOutboxError ?? (() => {}),
      onLost: options.onLost ?? (() => {}),
      minDelayMs: options.minDelayMs ?? 500,
      maxDelayMs: options.maxDelayMs ?? 30_000,
      outboxTimeoutMs: options.outboxTimeoutMs ?? DEFAULT_OUTBOX_TIMEOUT_MS,
    };
  }

  /**
   * Picks up what an earlier run left in the outbox. An outbox that cannot be read does not
   * stop the server: the failure is reported and the read is tried again with later retries.
   */
  async start(): Promise<void> {
    await this.#readOutbox();
    this.#kick();
  }

  /**
   * Accepts a finished game. It is pending in memory at once and the database write starts
   * without waiting for the outbox. Resolves once the outbox put settled: true when the outbox
   * holds the record (or the database already took it), false when the put failed or timed
   * out (the record then stays pending in memory and the put is retried). Never rejects.
   */
  submit(record: GameRecord): Promise<boolean> {
    if (!this.#pending.has(record.id)) {
      this.#pending.set(record.id, { record, attempts: 0, dueAt: 0, stored: false, outboxAttempts: 0 });
    }
    if (this.#stopped) {
      // Nothing will deliver it any more: say so now rather than drop it quietly.
      this.#lose(record.id);
      return Promise.resolve(false);
    }
    this.#kick();
    return this.#put(record.id);
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  /** When the oldest game still waiting for the database finished (epoch ms); readiness reads it. */
  get oldestPendingAt(): number | undefined {
    let oldest: number | undefined;
    for (const { record } of this.#pending.values()) if (oldest === undefined || record.completedAt < oldest) oldest = record.completedAt;
    return oldest;
  }

  /**
   * Resolves when nothing is pending and nothing is in flight, or when the time is up; true
   * when everything reached the database. For shutdown and tests.
   */
  async flush(timeoutMs = 10_000): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (this.#pending.size > 0 && Date.now() < until) {
      this.#kick();
      await new Promise((r) => setTimeout(r, 25));
    }
    await settleAll(this.#inFlight, until - Date.now());
    return this.#pending.size === 0;
  }

  /**
   * Stops retrying. Gives each pending record the outbox doesn't hold one last put, waits for
   * writes and puts in flight (at most `waitMs`, by default the outbox timeout), then reports
   * every record still neither in the database nor in the outbox as lost.
   */
  async stop(waitMs = this.#o.outboxTimeoutMs): Promise<void> {
    if (!this.#stopped) {
      this.#stopped = true;
      clearTimeout(this.#timer);
      for (const [id, pending] of this.#pending) if (!pending.stored) void this.#put(id);
    }
    await settleAll(this.#inFlight, waitMs);
    this.#loseUnstored();
  }

  #loseUnstored(): void {
    for (const [id, pending] of this.#pending) if (!pending.stored) this.#lose(id);
  }

  #lose(id: string): void {
    const pending = this.#pending.get(id);
    if (!pending || pending.stored) return;
    this.#pending.delete(id);
    this.lost += 1;
    this.#o.onLost(pending.record);
  }

  /** Runs `work` as something shutdown waits for. */
  #track<T>(work: Promise<T>): Promise<T> {
    this.#inFlight.add(work);
    const untrack = () => this.#inFlight.delete(work);
    work.then(untrack, untrack);
    return work;
  }

  #outboxFailed(error: unknown, context: string, attempt = 1): void {
    this.outboxFailures += 1;
    if (worthLogging(attempt)) this.#o.onOutboxError(error, context);
  }

  async #readOutbox(): Promise<void> {
    this.#listing ??= this.#track(
      within(this.#o.store.list(), this.#o.outboxTimeoutMs, "listing the outbox").then(
        (records) => {
          this.#listed = true;
          for (const record of records) {
            const pending = this.#pending.get(record.id);
            if (pending) pending.stored = true;
            else this.#pending.set(record.id, { record, attempts: 0, dueAt: 0, stored: true, outboxAttempts: 0 });
          }
        },
        (error) => {
          const attempt = (this.#listAttempts += 1);
          this.#outboxFailed(error, `listing the outbox (attempt ${attempt}; what an earlier run left there waits for a later try)`, attempt);
        },
      ),
    ).finally(() => {
      this.#listing = undefined;
    });
    return this.#listing;
  }

  /** Puts a pending record into the outbox, bounded; resolves false when that failed. */
  #put(id: string): Promise<boolean> {
    const inFlight = this.#putting.get(id);
    if (inFlight) return inFlight;
    const pending = this.#pending.get(id);
    if (!pending || pending.stored) return Promise.resolve(true);
    // A put given up on that never settles (a hung disk) is not joined by more of its kind.
    if (this.#outstandingPuts.has(id)) return Promise.resolve(false);
    let put: Promise<void>;
    try {
      put = this.#o.store.put(pending.record);
    } catch (error) {
      put = Promise.reject(error);
    }
    const attempt = (pending.outboxAttempts += 1);
    this.#outstandingPuts.add(id);
    // The bookkeeping follows the put itself, however late it settles: a put given up on after
    // the timeout may still land (a slow disk, a queued Redis command).
    const landed = put.then(
      () => this.#putSettled(id, true),
      (error: unknown) => {
        this.#putSettled(id, false);
        throw error;
      },
    );
    const done = within(landed, this.#o.outboxTimeoutMs, `putting game ${id} into the outbox`).then(
      () => true,
      (error: unknown) => {
        const where = this.#pending.has(id) ? "it stays pending in memory" : "the database already has it";
        this.#outboxFailed(error, `putting game ${id} into the outbox (attempt ${attempt}; ${where})`, attempt);
        return false;
      },
    );
    this.#putting.set(id, done);
    void done.finally(() => this.#putting.delete(id));
    return this.#track(done);
  }

  #putSettled(id: string, ok: boolean): void {
    this.#outstandingPuts.delete(id);
    if (ok) {
      const pending = this.#pending.get(id);
      if (pending) pending.stored = true;
      // The database got there first: the copy is not needed. (A record given up as lost is
      // not in this set: if it lands after all, a later run delivers it.)
      else if (this.#removeWhenLanded.has(id)) this.#remove(id);
    }
    this.#removeWhenLanded.delete(id);
  }

  #remove(id: string): void {
    void this.#track(
      within(this.#o.store.remove(id), this.#o.outboxTimeoutMs, `removing game ${id} from the outbox`).catch((error) =>
        // Harmless: a copy left behind is delivered again by a later run and stored once.
        this.#outboxFailed(error, `removing game ${id} from the outbox (the database has it)`),
      ),
    );
  }

  #kick(): void {
    if (this.#stopped || this.#draining) return;
    this.#draining = this.#track(
      this.#drain().finally(() => {
        this.#draining = undefined;
        this.#schedule();
      }),
    );
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    if (this.#stopped || this.#pending.size === 0) return;
    const next = Math.min(...[...this.#pending.values()].map((p) => p.dueAt));
    this.#timer = setTimeout(() => this.#kick(), Math.max(0, next - Date.now()));
    this.#timer.unref();
  }

  async #drain(): Promise<void> {
    if (!this.#listed) void this.#readOutbox();
    let wrote = false;
    for (const [id, pending] of [...this.#pending]) {
      if (this.#stopped) break;
      if (pending.dueAt > Date.now()) continue;
      const began = performance.now();
      try {
        await this.#o.write(pending.record);
      } catch (error) {
        pending.attempts += 1;
        const backoff = Math.min(this.#o.maxDelayMs, this.#o.minDelayMs * 2 ** (pending.attempts - 1));
        const retryInMs = Math.round(backoff * (0.75 + Math.random() * 0.5));
        pending.dueAt = Date.now() + retryInMs;
        // One line per doubling of the wait is enough to see an outage without drowning in it.
        if (worthLogging(pending.attempts)) this.#o.onRetry(pending.record, pending.attempts, error, retryInMs);
        // The database may stay down for long: make sure the record is durable meanwhile.
        if (!pending.stored) void this.#put(id);
        continue;
      }
      this.#pending.delete(id);
      this.delivered += 1;
      wrote = true;
      this.#o.onWritten(pending.record, performance.now() - began, pending.attempts + 1);
      if (pending.stored) this.#remove(id);
      else if (this.#outstandingPuts.has(id)) this.#removeWhenLanded.add(id);
    }
    if (wrote) this.#refresh();
  }

  #refresh(): void {
    if (this.#refreshing) {
      this.#refreshAgain = true;
      return;
    }
    this.#refreshing = this.#track(
      this.#o
        .afterWrites()
        .catch((error) => this.#o.onError(error, "refreshing the leaderboard"))
        .finally(() => {
          this.#refreshing = undefined;
          if (this.#refreshAgain) {
            this.#refreshAgain = false;
            this.#refresh();
          }
        }),
    );
  }
}
