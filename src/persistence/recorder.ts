/**
 * Delivers finished games to the database. `submit` first puts the record in the durable outbox,
 * then tries the write; a failed write is retried with exponential backoff until the database
 * takes it. Writes are idempotent by game id, so a record delivered twice is stored once.
 * The room never waits for any of this.
 */
import type { GameRecord } from "../game/record.ts";
import type { OutboxStore } from "./outbox.ts";

export interface RecorderOptions {
  store: OutboxStore;
  /** Writes one record; resolving (true or false = "already there") means it is stored. */
  write: (record: GameRecord) => Promise<unknown>;
  /** Runs after writes succeed (leaderboard refresh); coalesced, failures only logged. */
  afterWrites?: () => Promise<void>;
  onError?: (error: unknown, context: string) => void;
  minDelayMs?: number;
  maxDelayMs?: number;
}

interface Pending {
  record: GameRecord;
  attempts: number;
  dueAt: number;
}

export class GameRecorder {
  readonly #o: Required<RecorderOptions>;
  readonly #pending = new Map<string, Pending>();
  #timer: NodeJS.Timeout | undefined;
  #draining: Promise<void> | undefined;
  #refreshing: Promise<void> | undefined;
  #refreshAgain = false;
  #stopped = false;
  /** Records confirmed by the database since start. */
  delivered = 0;

  constructor(options: RecorderOptions) {
    this.#o = {
      store: options.store,
      write: options.write,
      afterWrites: options.afterWrites ?? (async () => {}),
      onError: options.onError ?? (() => {}),
      minDelayMs: options.minDelayMs ?? 500,
      maxDelayMs: options.maxDelayMs ?? 30_000,
    };
  }

  /** Picks up what an earlier run left in the outbox. */
  async start(): Promise<void> {
    for (const record of await this.#o.store.list()) {
      if (!this.#pending.has(record.id)) this.#pending.set(record.id, { record, attempts: 0, dueAt: 0 });
    }
    this.#kick();
  }

  /** Durably accepts a finished game; resolves once it is in the outbox. */
  async submit(record: GameRecord): Promise<void> {
    await this.#o.store.put(record);
    this.#pending.set(record.id, { record, attempts: 0, dueAt: 0 });
    this.#kick();
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Resolves when nothing is pending (or the time is up); for shutdown and tests. */
  async flush(timeoutMs = 10_000): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (this.#pending.size > 0 && Date.now() < until) {
      this.#kick();
      await new Promise((r) => setTimeout(r, 25));
    }
    await this.#draining;
    await this.#refreshing;
    return this.#pending.size === 0;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#draining;
    await this.#refreshing;
  }

  #kick(): void {
    if (this.#stopped || this.#draining) return;
    this.#draining = this.#drain().finally(() => {
      this.#draining = undefined;
      this.#schedule();
    });
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    if (this.#stopped || this.#pending.size === 0) return;
    const next = Math.min(...[...this.#pending.values()].map((p) => p.dueAt));
    this.#timer = setTimeout(() => this.#kick(), Math.max(0, next - Date.now()));
    this.#timer.unref();
  }

  async #drain(): Promise<void> {
    let wrote = false;
    for (const [id, pending] of [...this.#pending]) {
      if (this.#stopped) break;
      if (pending.dueAt > Date.now()) continue;
      try {
        await this.#o.write(pending.record);
      } catch (error) {
        pending.attempts += 1;
        const backoff = Math.min(this.#o.maxDelayMs, this.#o.minDelayMs * 2 ** (pending.attempts - 1));
        pending.dueAt = Date.now() + backoff * (0.75 + Math.random() * 0.5);
        // One line per doubling of the wait is enough to see an outage without drowning in it.
        if ((pending.attempts & (pending.attempts - 1)) === 0) this.#o.onError(error, `writing game ${id} (attempt ${pending.attempts})`);
        continue;
      }
      this.#pending.delete(id);
      this.delivered += 1;
      wrote = true;
      await this.#o.store.remove(id).catch((error) => this.#o.onError(error, `removing game ${id} from the outbox`));
    }
    if (wrote) this.#refresh();
  }

  #refresh(): void {
    if (this.#refreshing) {
      this.#refreshAgain = true;
      return;
    }
    this.#refreshing = this.#o
      .afterWrites()
      .catch((error) => this.#o.onError(error, "refreshing the leaderboard"))
      .finally(() => {
        this.#refreshing = undefined;
        if (this.#refreshAgain) {
          this.#refreshAgain = false;
          this.#refresh();
        }
      });
  }
}
