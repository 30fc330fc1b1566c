/**
 * Room checkpoints (issue 11): enough of a room, written as it plays, to rebuild it on another
 * process after a crash. A checkpoint is a base (the rules state, the game's action log, the
 * room's settings) plus the actions applied since (the tail), which the pure rules core replays on
 * restore, plus the seats (each session's current reconnection token).
 *
 * A base is rewritten when a game starts, after a failed write (the next write carries
 * everything), and when the tail passes MAX_TAIL actions; otherwise a write appends the actions
 * applied since the last one, a few hundred bytes each.
 *
 * Checkpoints hold the secret parts of a game (seed, answers' authors, votes, tokens): they live
 * under their own keys (Redis) or files (DATA_DIR), never in a room listing, its metadata, the
 * synchronised state, the API or the monitor.
 */
import { randomBytes } from "node:crypto";
import { closeSync, ftruncateSync, mkdirSync, openSync, renameSync, writeFileSync, writeSync } from "node:fs";
import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { Redis } from "ioredis";
import { appendToLog, type ActionLog } from "../game/record.ts";
import { apply, type Action } from "../game/rules.ts";
import type { GameState } from "../game/types.ts";
import { logger } from "../logger.ts";

/** Format of a stored checkpoint; a reader refuses any other. */
export const CHECKPOINT_VERSION = 1;
/** A tail this long is folded into a new base on the next write. */
export const MAX_TAIL = 64;
/** Longest a write may take before it counts as failed: a game never waits longer on its store. */
export const WRITE_TIMEOUT_MS = 1_000;

/** The room-level settings a restored room needs (a copy of PartyRoomSettings, kept plain here). */
export interface CheckpointSettings {
  secondMillis: number;
  reconnectSeconds: number;
  messagesPerSecond: number;
  maxAudiencePerIp: number;
}

/** Everything but the recent actions and the seats. */
export interface CheckpointBase {
  v: typeof CHECKPOINT_VERSION;
  code: string;
  /** Epoch ms of the write: a restored phase resumes with `deadline - savedAt` left. */
  savedAt: number;
  /** When the room was made: a restored room keeps its lifetime. */
  createdAt: number;
  settings: CheckpointSettings;
  /** The session whose create request made the room (the host once it joins). */
  creatorId: string | null;
  game: GameState;
  log: ActionLog | null;
}

/** An action applied after the base, with the time it was applied at. Never a start-game. */
export interface TailEntry {
  at: number;
  action: Exclude<Action, { type: "start-game" }>;
}

export interface RoomCheckpoint {
  base: CheckpointBase;
  tail: TailEntry[];
  /** Session id → its current reconnection token. */
  seats: Record<string, string>;
}

/** One write: a new base (and so an empty tail) or tail entries, and seat changes (null: gone). */
export interface CheckpointBatch {
  base: CheckpointBase | null;
  tail: TailEntry[];
  seats: Record<string, string | null>;
  /**
   * The whole checkpoint as of this write, for a store writing a base. Call it synchronously
   * within `write`, before any await: it reads the room as it is then.
   */
  whole: () => RoomCheckpoint;
}

/** Where checkpoints live. Every method is bounded in time; a failure rejects, never hangs. */
export interface CheckpointStore {
  readonly kind: "redis" | "file";
  write(code: string, batch: CheckpointBatch): Promise<void>;
  read(code: string): Promise<RoomCheckpoint | null>;
  remove(code: string): Promise<void>;
  close(): Promise<void>;
}

// ------------------------------------------------------------ serialise, parse, rebuild

export function serialiseCheckpoint(checkpoint: RoomCheckpoint): string {
  return JSON.stringify(checkpoint);
}

/** A stored checkpoint back as data; throws on anything this version did not write. */
export function parseCheckpoint(text: string): RoomCheckpoint {
  const value = JSON.parse(text) as RoomCheckpoint;
  checkShape(value);
  return value;
}

/** Parses the three Redis parts of a checkpoint. */
export function parseParts(base: string, tail: string[], seats: Record<string, string>): RoomCheckpoint {
  const checkpoint: RoomCheckpoint = { base: JSON.parse(base) as CheckpointBase, tail: tail.map((t) => JSON.parse(t) as TailEntry), seats: { ...seats } };
  checkShape(checkpoint);
  return checkpoint;
}

function checkShape(c: RoomCheckpoint): void {
  const ok =
    typeof c === "object" && c !== null &&
    typeof c.base === "object" && c.base !== null && c.base.v === CHECKPOINT_VERSION &&
    typeof c.base.code === "string" && typeof c.base.savedAt === "number" && typeof c.base.createdAt === "number" &&
    typeof c.base.game === "object" && c.base.game !== null && c.base.game.code === c.base.code &&
    typeof c.base.settings === "object" && c.base.settings !== null &&
    Array.isArray(c.tail) && c.tail.every((e) => typeof e?.at === "number" && typeof e.action?.type === "string" && (e.action.type as string) !== "start-game") &&
    typeof c.seats === "object" && c.seats !== null && Object.values(c.seats).every((t) => typeof t === "string");
  if (!ok) throw new Error("not a checkpoint of this version");
}

/**
 * The room's rules state and action log as they were at the last write: the base's, with the
 * tail replayed through the pure rules core exactly as the room applied it.
 */
export function rebuild(checkpoint: RoomCheckpoint): { game: GameState; log: ActionLog | null } {
  let game = checkpoint.base.game;
  let log = checkpoint.base.log;
  for (const { at, action } of checkpoint.tail) {
    const outcome = apply(game, action, { now: at });
    if (!outcome.ok) throw new Error(`checkpoint of ${checkpoint.base.code}: ${action.type} refused on replay (${outcome.error.code})`);
    log = appendToLog(log, game, action, at);
    game = outcome.state;
  }
  return { game, log };
}

// ------------------------------------------------------------ Redis

const PREFIX = "robots:ckpt:";
/** Keys of a room's checkpoint; nothing a client reaches reads under this prefix. */
export const checkpointKeys = (code: string) => ({ base: `${PREFIX}${code}:base`, tail: `${PREFIX}${code}:tail`, seats: `${PREFIX}${code}:seats` });
/** code → processId of the process that holds the room (empty: free for adoption). */
export const INDEX_KEY = `${PREFIX}index`;
export const aliveKey = (processId: string) => `${PREFIX}alive:${processId}`;
export const lockKey = (code: string) => `${PREFIX}lock:${code}`;
/** A process is presumed dead once its alive key is this old. */
export const ALIVE_TTL_MS = 3_000;

/**
 * Checkpoints in Redis, through a client of their own that fails fast: no offline queue, no
 * retries per command, a timeout on each. While Redis is away a write rejects at once and the
 * game goes on; the client reconnects by itself.
 */
export class RedisCheckpointStore implements CheckpointStore {
  readonly kind = "redis";
  readonly redis: Redis;
  readonly #processId: () => string;

  /** `processId` is read at each write: Colyseus assigns it only once the server is set up. */
  constructor(url: string, processId: () => string) {
    this.#processId = processId;
    this.redis = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: WRITE_TIMEOUT_MS,
      connectTimeout: 2_000,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    });
    // Without a listener ioredis prints every connection error; the room logs write failures once.
    this.redis.on("error", () => {});
  }

  get processId(): string {
    return this.#processId();
  }

  async write(code: string, batch: CheckpointBatch): Promise<void> {
    const keys = checkpointKeys(code);
    const m = this.redis.multi();
    if (batch.base) {
      m.set(keys.base, JSON.stringify(batch.base)).del(keys.tail).del(keys.seats);
      // A base rewrites the seats whole: after a failed write the changes in between are lost.
      const seats = batch.whole().seats;
      if (Object.keys(seats).length) m.hset(keys.seats, seats);
    } else {
      const gone = Object.entries(batch.seats).filter(([, t]) => t === null).map(([id]) => id);
      const set = Object.fromEntries(Object.entries(batch.seats).filter(([, t]) => t !== null)) as Record<string, string>;
      if (gone.length) m.hdel(keys.seats, ...gone);
      if (Object.keys(set).length) m.hset(keys.seats, set);
    }
    if (batch.tail.length) m.rpush(keys.tail, ...batch.tail.map((e) => JSON.stringify(e)));
    // The owner and its liveness go with the data, so a checkpoint is never newer than its owner's claim.
    m.hset(INDEX_KEY, code, this.processId).set(aliveKey(this.processId), "1", "PX", ALIVE_TTL_MS);
    await m.exec();
  }

  async read(code: string): Promise<RoomCheckpoint | null> {
    const keys = checkpointKeys(code);
    const [base, tail, seats] = await Promise.all([this.redis.get(keys.base), this.redis.lrange(keys.tail, 0, -1), this.redis.hgetall(keys.seats)]);
    return base === null ? null : parseParts(base, tail, seats);
  }

  async remove(code: string): Promise<void> {
    const keys = checkpointKeys(code);
    await this.redis.multi().del(keys.base, keys.tail, keys.seats).hdel(INDEX_KEY, code).exec();
  }

  /** Bytes the room's checkpoint takes in Redis (MEMORY USAGE of its keys). */
  async bytes(code: string): Promise<number> {
    const keys = Object.values(checkpointKeys(code));
    const sizes = await Promise.all(keys.map((k) => this.redis.memory("USAGE", k) as Promise<number | null>));
    return sizes.reduce<number>((sum, s) => sum + (s ?? 0), 0);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

// ------------------------------------------------------------ file (embedded, no Redis)

/** The base file of a room: its base and seats as of that base, and the generation its tail lines carry. */
interface FileBase {
  gen: string;
  base: CheckpointBase;
  seats: Record<string, string>;
}

/** One appended line: actions and seat changes after the base of generation `g`. */
interface FileTailLine {
  g: string;
  t: TailEntry[];
  s: Record<string, string | null>;
}

/**
 * Two files per room under `dir`, like the Redis keys: `CODE.json` holds a base (rewritten whole
 * through a temp file and a rename, so a crash leaves the old or the new one, never half of it)
 * and `CODE.tail` the lines appended since. Each base has a fresh generation and each line names
 * the generation it follows, so lines left over from an older base are skipped and the tail
 * never needs truncating in step with the base.
 *
 * The writes are synchronous: appending a line of a few hundred bytes is one write(2) into the
 * page cache, cheaper than a trip through the thread pool, and once it returns the line survives
 * the process being killed. Each room's tail stays open while the room lives, so a line costs
 * that one call rather than an open, a write and a close (issue #9: opening the file was 2 % of
 * the server's busy time at 1,000 rooms). Only one process uses a DATA_DIR
 * (src/persistence/dataDirLock.ts).
 */
export class FileCheckpointStore implements CheckpointStore {
  readonly kind = "file";
  readonly dir: string;
  #madeDir = false;
  /** Code → generation of the base this process last wrote for it. */
  #gens = new Map<string, string>();
  /** Code → its open tail file (append mode). */
  #tails = new Map<string, number>();

  constructor(dir: string) {
    this.dir = dir;
  }

  #baseFile(code: string): string {
    return join(this.dir, `${code}.json`);
  }

  #tailFile(code: string): string {
    return join(this.dir, `${code}.tail`);
  }

  async write(code: string, batch: CheckpointBatch): Promise<void> {
    if (!this.#madeDir) {
      mkdirSync(this.dir, { recursive: true });
      this.#madeDir = true;
    }
    let gen = this.#gens.get(code);
    if (batch.base || gen === undefined) {
      // A first write from this process is a base too: a line must never follow a base it cannot name.
      gen = randomBytes(6).toString("hex");
      const whole = batch.whole();
      const file: FileBase = { gen, base: batch.base ?? whole.base, seats: whole.seats };
      const temp = join(this.dir, `.${code}.${gen}.tmp`);
      writeFileSync(temp, JSON.stringify(file), { mode: 0o600 });
      renameSync(temp, this.#baseFile(code));
      this.#gens.set(code, gen);
      if (!batch.base) return;
      // The new base folds in everything; the old lines are dead weight from here on.
      ftruncateSync(this.#tail(code), 0);
      return;
    }
    if (batch.tail.length === 0 && Object.keys(batch.seats).length === 0) return;
    const line: FileTailLine = { g: gen, t: batch.tail, s: batch.seats };
    const bytes = Buffer.from(`${JSON.stringify(line)}\n`);
    try {
      for (let written = 0; written < bytes.length; ) written += writeSync(this.#tail(code), bytes, written);
    } catch (err) {
      // The next write opens the file afresh (and, as after any failed write, is a whole base).
      this.#closeTail(code);
      throw err;
    }
  }

  /** The room's tail file, opened for appending on first use. */
  #tail(code: string): number {
    let fd = this.#tails.get(code);
    if (fd === undefined) {
      fd = openSync(this.#tailFile(code), "a", 0o600);
      this.#tails.set(code, fd);
    }
    return fd;
  }

  #closeTail(code: string): void {
    const fd = this.#tails.get(code);
    if (fd === undefined) return;
    this.#tails.delete(code);
    try {
      closeSync(fd);
    } catch {
      // Already closed: nothing more to release.
    }
  }

  async read(code: string): Promise<RoomCheckpoint | null> {
    let file: FileBase;
    try {
      file = JSON.parse(await readFile(this.#baseFile(code), "utf8")) as FileBase;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw err;
    }
    const checkpoint: RoomCheckpoint = { base: file.base, tail: [], seats: { ...file.seats } };
    const lines = (await readFile(this.#tailFile(code), "utf8").catch(() => "")).split("\n");
    for (const text of lines) {
      if (!text) continue;
      let line: FileTailLine;
      try {
        line = JSON.parse(text) as FileTailLine;
      } catch {
        // Only the last line can be cut short (the process died inside its write); nothing follows it.
        break;
      }
      if (line.g !== file.gen) continue;
      checkpoint.tail.push(...line.t);
      for (const [id, token] of Object.entries(line.s)) {
        if (token === null) delete checkpoint.seats[id];
        else checkpoint.seats[id] = token;
      }
    }
    checkShape(checkpoint);
    return checkpoint;
  }

  async remove(code: string): Promise<void> {
    this.#gens.delete(code);
    this.#closeTail(code);
    await Promise.all([rm(this.#baseFile(code), { force: true }), rm(this.#tailFile(code), { force: true })]);
  }

  /** Codes with a checkpoint file (what a restarted process restores). */
  async codes(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((f) => /^[A-Z]+\.json$/.test(f)).map((f) => f.slice(0, -5));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
  }

  async close(): Promise<void> {
    for (const code of [...this.#tails.keys()]) this.#closeTail(code);
  }
}

// ------------------------------------------------------------ the room's writer

/** What the writer asks the room for when it needs a base. */
export interface CheckpointSource {
  base(savedAt: number): CheckpointBase;
}

/**
 * Writes one room's checkpoint and holds back the outcomes that depend on it: an outcome queued
 * with `after` runs once a write that includes its action has finished (or failed: a store that
 * is down never stops a game). Writes never overlap; what arrives during one goes in the next,
 * so a burst of actions costs one write, and outcomes run in the order they were queued.
 */
export class RoomCheckpointer {
  readonly #store: CheckpointStore;
  readonly #code: string;
  readonly #source: CheckpointSource;
  #needBase = true;
  #tail: TailEntry[] = [];
  /** Entries in the stored tail: past MAX_TAIL the next write is a base. */
  #stored = 0;
  #seats = new Map<string, string>();
  #seatChanges: Record<string, string | null> = {};
  #outcomes: (() => void)[] = [];
  #writing: Promise<void> | undefined;
  #failing = false;
  #stopped = false;

  constructor(store: CheckpointStore, code: string, source: CheckpointSource, seats: Record<string, string> = {}) {
    this.#store = store;
    this.#code = code;
    this.#source = source;
    for (const [id, token] of Object.entries(seats)) this.#seats.set(id, token);
  }

  /**
   * An applied action. A start-game makes the next write a new base (its question pool is the
   * room's, not worth a tail entry); any other goes in the tail, phase changes included: a base
   * is the whole state and the game's log (10–30 KB), a tail entry a few hundred bytes, and
   * replaying up to MAX_TAIL actions on restore takes a few milliseconds.
   */
  action(action: Action, at: number): void {
    if (action.type === "start-game") this.#needBase = true;
    else this.#tail.push({ at, action });
  }

  seat(sessionId: string, token: string | null): void {
    if (token === null) this.#seats.delete(sessionId);
    else this.#seats.set(sessionId, token);
    this.#seatChanges[sessionId] = token;
  }

  get seats(): Record<string, string> {
    return Object.fromEntries(this.#seats);
  }

  /** Runs `outcome` once what has been recorded so far is written. */
  after(outcome: () => void): void {
    this.#outcomes.push(outcome);
    this.#writing ??= this.#pump();
  }

  /** Resolves when everything recorded so far is written (or its write failed). */
  flushed(): Promise<void> {
    return new Promise((resolve) => this.after(resolve));
  }

  /** Stops writing (the room ends or moves); queued outcomes still run. */
  stop(): void {
    this.#stopped = true;
  }

  /**
   * Stops writing and resolves once a write in flight has settled: deleting the checkpoint
   * before that would let the late write bring it back.
   */
  async close(): Promise<void> {
    this.stop();
    await this.#writing;
  }

  async #pump(): Promise<void> {
    while (this.#outcomes.length) {
      const outcomes = this.#outcomes.splice(0);
      if (!this.#stopped) await this.#writeOnce();
      for (const run of outcomes) run();
    }
    this.#writing = undefined;
  }

  async #writeOnce(): Promise<void> {
    const savedAt = Date.now();
    const base = this.#needBase || this.#stored + this.#tail.length > MAX_TAIL ? this.#source.base(savedAt) : null;
    const tail = base ? [] : this.#tail;
    const seats = this.#seatChanges;
    this.#tail = [];
    this.#seatChanges = {};
    this.#needBase = false;
    const batch: CheckpointBatch = {
      base,
      tail,
      seats,
      // The base folds in every action applied so far, so the whole checkpoint needs no tail.
      // Built only when a store asks, during its write call (before it awaits anything).
      whole: () => ({ base: base ?? this.#source.base(savedAt), tail: [], seats: this.seats }),
    };
    try {
      await withTimeout(this.#store.write(this.#code, batch), WRITE_TIMEOUT_MS);
      this.#stored = base ? 0 : this.#stored + tail.length;
      if (this.#failing) logger.info({ roomId: this.#code }, "checkpoint writes work again");
      this.#failing = false;
    } catch (err) {
      // The next write carries everything; the game does not wait for the store to come back.
      this.#needBase = true;
      if (!this.#failing) logger.warn({ err, roomId: this.#code, store: this.#store.kind }, "checkpoint write failed: the game goes on, checkpoints resume when the store is back");
      this.#failing = true;
    }
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`checkpoint write took over ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
