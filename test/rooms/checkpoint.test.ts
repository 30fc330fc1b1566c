/**
 * Checkpoints as data (issue 11): what a room writes, read back and rebuilt through the rules
 * core, equals the room's own state and action log at every point of a game, in Redis (base +
 * appended actions) and in a file (whole); writes coalesce; a store that is down never holds a
 * game's outcomes back.
 */
import { appendFile, mkdtemp, readdir, readFile, readlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendToLog, type ActionLog } from "../../src/game/record.ts";
import { apply, createGame, type Action } from "../../src/game/rules.ts";
import type { GameState } from "../../src/game/types.ts";
import {
  checkpointKeys,
  FileCheckpointStore,
  parseCheckpoint,
  rebuild,
  RedisCheckpointStore,
  RoomCheckpointer,
  serialiseCheckpoint,
  WRITE_TIMEOUT_MS,
  type CheckpointBatch,
  type CheckpointStore,
} from "../../src/rooms/checkpoint.ts";
import { restoredDropOrder } from "../../src/rooms/restore.ts";
import { redisReachable, redisUrlFor } from "../support/cluster.ts";
import { findFreePort, REQUIRE_SERVICES } from "../support/postgres.ts";
import { pool, T0, testSeed } from "../game/helpers.ts";

const REDIS = redisUrlFor(9);
const redisUp = await redisReachable(REDIS);
if (!redisUp && REQUIRE_SERVICES) throw new Error(`CI=true but Redis is not reachable at ${REDIS}`);

const SETTINGS = { secondMillis: 1000, reconnectSeconds: 60, messagesPerSecond: 20, maxAudiencePerIp: 64 };

/** The rules core driven the way PartyRoom drives it, with a checkpointer beside it. */
class Game {
  state: GameState;
  log: ActionLog | null = null;
  now = T0;
  checkpointer: RoomCheckpointer;

  readonly code: string;

  constructor(store: CheckpointStore, code: string) {
    this.code = code;
    this.state = createGame({ code });
    this.checkpointer = this.#checkpointer(store);
  }

  /** A checkpointer over another store, as a restarted process would have. */
  useStore(store: CheckpointStore): void {
    this.checkpointer = this.#checkpointer(store);
  }

  #checkpointer(store: CheckpointStore): RoomCheckpointer {
    const code = this.code;
    return new RoomCheckpointer(store, code, {
      base: (savedAt) => ({ v: 1, code, savedAt, createdAt: T0, settings: SETTINGS, creatorId: "p1", game: this.state, log: this.log }),
    });
  }

  act(action: Action): void {
    const outcome = apply(this.state, action, { now: this.now });
    if (!outcome.ok) throw new Error(`${action.type} refused: ${outcome.error.code}`);
    this.log = appendToLog(this.log, this.state, action, this.now);
    this.checkpointer.action(action, this.now);
    this.state = outcome.state;
    this.now += 700;
  }

  optionNotBy(player: string, exclude: string[] = []): string {
    const own = new Set(Object.values(this.state.current!.options).filter((o) => o.authors.includes(player)).map((o) => o.id));
    return this.state.current!.options.find((o) => !own.has(o.id) && !o.eliminated && !exclude.includes(o.id))!.id;
  }
}

/** Plays into round 2's voting, checking the stored checkpoint against the game after each step. */
async function playChecked(store: CheckpointStore, code: string, check: (g: Game) => Promise<void>): Promise<Game> {
  const g = new Game(store, code);
  const step = async (action: Action) => {
    g.act(action);
    await g.checkpointer.flushed();
    await check(g);
  };
  await step({ type: "join", clientId: "p1", name: "Ann", icon: "cat", creator: true });
  g.checkpointer.seat("p1", "token-1");
  for (const [id, name] of [["p2", "Bob"], ["p3", "Cy"]] as const) {
    await step({ type: "join", clientId: id, name, icon: "dog" });
    g.checkpointer.seat(id, `token-${id}`);
  }
  await step({ type: "start-game", by: "p1", pool: pool(), gameId: "game-1", seed: testSeed(7) });
  for (let round = 1; round <= 2; round++) {
    for (const p of ["p1", "p2", "p3"]) await step({ type: "submit-answer", by: p, answer: `fake ${p} ${round}` });
    for (const p of ["p1", "p2", "p3"]) await step({ type: "submit-elimination-vote", by: p, optionId: g.optionNotBy(p) });
    const eliminated = g.state.current!.eliminatedId ?? "";
    const voters = round === 1 ? ["p1", "p2", "p3"] : ["p1", "p2"];
    for (const p of voters) await step({ type: "submit-final-vote", by: p, optionId: g.optionNotBy(p, [eliminated]) });
    if (round === 1) await step({ type: "next-round", by: "p1" });
  }
  return g;
}

function expectRebuilt(g: Game, checkpoint: ReturnType<typeof parseCheckpoint>) {
  const rebuilt = rebuild(checkpoint);
  expect(rebuilt.game).toEqual(g.state);
  expect(rebuilt.log).toEqual(g.log);
}

describe("checkpoint data", () => {
  it("a file checkpoint, parsed and rebuilt, deep-equals the game and its log after every step", async () => {
    const store = new FileCheckpointStore(await mkdtemp(join(tmpdir(), "robots-ckpt-")));
    let checks = 0;
    const g = await playChecked(store, "BCDF", async (game) => {
      const stored = (await store.read("BCDF"))!;
      expectRebuilt(game, parseCheckpoint(serialiseCheckpoint(stored)));
      checks++;
    });
    expect(checks).toBeGreaterThan(20);
    expect((await store.read("BCDF"))!.seats).toEqual({ p1: "token-1", p2: "token-p2", p3: "token-p3" });
    expect(g.state.phase).toBe("voting");
    // Written by rename: no temp file is left behind.
    expect((await readdir(store.dir)).sort()).toEqual(["BCDF.json", "BCDF.tail"]);
    await store.remove("BCDF");
    expect(await store.read("BCDF")).toBeNull();
  });

  it("a refused or malformed checkpoint is refused by the parser, not half-restored", () => {
    expect(() => parseCheckpoint("{}")).toThrow(/not a checkpoint/);
    expect(() => parseCheckpoint(JSON.stringify({ base: { v: 99 }, tail: [], seats: {} }))).toThrow(/not a checkpoint/);
    expect(() => parseCheckpoint("not json")).toThrow();
  });

  it("a restored room drops players who have acted first, so no phase closes early", () => {
    const g = new Game(new FileCheckpointStore("/nonexistent"), "BCDF");
    g.act({ type: "join", clientId: "p1", name: "Ann", icon: "cat", creator: true });
    g.act({ type: "join", clientId: "p2", name: "Bob", icon: "dog" });
    g.act({ type: "join", clientId: "p3", name: "Cy", icon: "dog" });
    g.act({ type: "start-game", by: "p1", pool: pool(), gameId: "game-1", seed: testSeed(3) });
    g.act({ type: "submit-answer", by: "p1", answer: "one" });
    g.act({ type: "submit-answer", by: "p3", answer: "three" });
    const order = restoredDropOrder(g.state);
    expect(order.slice(0, 2).sort()).toEqual(["p1", "p3"]);
    expect(order[2]).toBe("p2");
    for (const id of order) g.act({ type: "drop", clientId: id });
    expect(g.state.phase).toBe("question");
    expect(g.state.paused).toBe(true);
    expect(g.state.pausedRemainingMs).toBeGreaterThan(0);
  });

  it("writes coalesce: actions applied during a write go out together in the next one", async () => {
    const batches: CheckpointBatch[] = [];
    let release: () => void = () => {};
    const slow: CheckpointStore = {
      kind: "file",
      write: (_code, batch) => {
        batches.push(batch);
        return new Promise<void>((resolve) => (release = resolve));
      },
      read: async () => null,
      remove: async () => {},
      close: async () => {},
    };
    const g = new Game(slow, "BCDF");
    const shown: number[] = [];
    g.act({ type: "join", clientId: "p1", name: "Ann", icon: "cat", creator: true });
    g.checkpointer.after(() => shown.push(1));
    await new Promise((r) => setImmediate(r));
    for (let i = 2; i <= 5; i++) {
      g.act({ type: "join", clientId: `p${i}`, name: `P${i}`, icon: "dog" });
      g.checkpointer.after(() => shown.push(i));
    }
    expect(batches).toHaveLength(1);
    expect(shown).toEqual([]);
    release();
    await new Promise((r) => setImmediate(r));
    expect(shown).toEqual([1]);
    expect(batches).toHaveLength(2);
    expect(batches[1]!.base).toBeNull();
    expect(batches[1]!.tail.map((e) => e.action.type)).toEqual(["join", "join", "join", "join"]);
    release();
    await new Promise((r) => setImmediate(r));
    expect(shown).toEqual([1, 2, 3, 4, 5]);
  });

  it("a file checkpoint appends one short line per action, and a line cut short by a crash is ignored", async () => {
    const store = new FileCheckpointStore(await mkdtemp(join(tmpdir(), "robots-ckpt-")));
    const g = new Game(store, "BCDF");
    for (let i = 1; i <= 3; i++) {
      g.act({ type: "join", clientId: `p${i}`, name: `P${i}`, icon: "dog", creator: i === 1 });
      await g.checkpointer.flushed();
    }
    g.act({ type: "start-game", by: "p1", pool: pool(), gameId: "game-1", seed: testSeed(5) });
    await g.checkpointer.flushed();
    const baseBytes = (await readFile(join(store.dir, "BCDF.json"))).length;
    g.act({ type: "submit-answer", by: "p1", answer: "a fake" });
    await g.checkpointer.flushed();
    g.act({ type: "submit-answer", by: "p2", answer: "another fake" });
    await g.checkpointer.flushed();
    // The base was not rewritten for the answers: each went in as one line of the tail.
    expect((await readFile(join(store.dir, "BCDF.json"))).length).toBe(baseBytes);
    const tail = (await readFile(join(store.dir, "BCDF.tail"), "utf8")).trim().split("\n");
    expect(tail).toHaveLength(2);
    for (const line of tail) expect(line.length).toBeLessThan(400);
    expectRebuilt(g, (await store.read("BCDF"))!);
    // A process killed inside its write leaves half a line: the checkpoint is the one before it.
    const before = (await store.read("BCDF"))!;
    await appendFile(join(store.dir, "BCDF.tail"), '{"g":"');
    expect(await store.read("BCDF")).toEqual(before);
    // The restarted process's first write is a base of a new generation: the old lines, the
    // broken one included, are skipped from then on.
    const again = new FileCheckpointStore(store.dir);
    g.useStore(again);
    g.act({ type: "submit-answer", by: "p3", answer: "third fake" });
    await g.checkpointer.flushed();
    expect(g.state.phase).toBe("elimination");
    expectRebuilt(g, (await again.read("BCDF"))!);
    g.act({ type: "submit-elimination-vote", by: "p1", optionId: g.optionNotBy("p1") });
    await g.checkpointer.flushed();
    expect((await readFile(join(store.dir, "BCDF.tail"), "utf8")).trim().split("\n")).toHaveLength(1);
    expectRebuilt(g, (await again.read("BCDF"))!);
    await store.remove("BCDF");
    expect(await readdir(store.dir)).toEqual([]);
  });

  it("a room's tail file is opened once and kept open for its lines, until the checkpoint is removed or the store closes", async () => {
    const store = new FileCheckpointStore(await mkdtemp(join(tmpdir(), "robots-ckpt-")));
    /** This process's open descriptors on a room's tail file. */
    const openOn = async (code: string) => {
      const target = join(store.dir, `${code}.tail`);
      const links = await Promise.all((await readdir("/proc/self/fd")).map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => "")));
      return links.filter((link) => link === target).length;
    };
    const games = [new Game(store, "BCDF"), new Game(store, "GHJK")];
    for (const g of games) {
      g.act({ type: "join", clientId: "p1", name: "Ann", icon: "dog", creator: true });
      await g.checkpointer.flushed();
      g.act({ type: "join", clientId: "p2", name: "Bob", icon: "cat" });
      await g.checkpointer.flushed();
    }
    // One descriptor per room, held between writes: a line costs one write(2), not open+write+close.
    expect(await openOn("BCDF")).toBe(1);
    expect(await openOn("GHJK")).toBe(1);
    games[0]!.act({ type: "join", clientId: "p3", name: "Cy", icon: "owl" });
    await games[0]!.checkpointer.flushed();
    expect(await openOn("BCDF")).toBe(1);
    expect((await readFile(join(store.dir, "BCDF.tail"), "utf8")).trim().split("\n")).toHaveLength(2);
    await store.remove("BCDF");
    expect(await openOn("BCDF")).toBe(0);
    expect(await openOn("GHJK")).toBe(1);
    await store.close();
    expect(await openOn("GHJK")).toBe(0);
  });

  it("with its store down, a write fails fast and the outcomes still go out; the next write is a whole base", async () => {
    const store = new RedisCheckpointStore(`redis://127.0.0.1:${await findFreePort()}/0`, () => "p-test");
    const g = new Game(store, "BCDF");
    g.act({ type: "join", clientId: "p1", name: "Ann", icon: "cat", creator: true });
    const began = performance.now();
    await g.checkpointer.flushed();
    expect(performance.now() - began).toBeLessThan(WRITE_TIMEOUT_MS + 500);
    const batches: CheckpointBatch[] = [];
    const write = store.write.bind(store);
    store.write = (code, batch) => (batches.push(batch), write(code, batch));
    g.act({ type: "join", clientId: "p2", name: "Bob", icon: "dog" });
    await g.checkpointer.flushed();
    expect(batches[0]!.base).not.toBeNull();
    await store.close();
  });
});

describe.runIf(redisUp)("checkpoints in Redis", () => {
  let redis: Redis;
  let store: RedisCheckpointStore;

  beforeAll(async () => {
    redis = new Redis(REDIS);
    await redis.flushdb();
    store = new RedisCheckpointStore(REDIS, () => "p-test");
    // Without an offline queue, commands sent before the connection is up fail at once.
    await new Promise((resolve) => store.redis.once("ready", resolve));
  });

  afterAll(async () => {
    await redis?.flushdb();
    redis?.disconnect();
    await store?.close();
  });

  it("base + appended actions, read back and replayed, deep-equal the game after every step; phase changes append too", async () => {
    let tailSeen = 0;
    let lastTail: string[] = [];
    const g = await playChecked(store, "GHJK", async (game) => {
      const stored = (await store.read("GHJK"))!;
      tailSeen = Math.max(tailSeen, stored.tail.length);
      lastTail = stored.tail.map((e) => e.action.type);
      expectRebuilt(game, stored);
    });
    // Only the start wrote a base: every later action, across phases and rounds, was appended.
    expect(lastTail).toEqual(expect.arrayContaining(["submit-answer", "submit-elimination-vote", "submit-final-vote", "next-round"]));
    expect(await redis.llen(checkpointKeys("GHJK").tail)).toBe(tailSeen);
    expect(await redis.hget("robots:ckpt:index", "GHJK")).toBe("p-test");
    expect(g.state.current!.finalVotes).toHaveProperty("p1");
    expect(await store.bytes("GHJK")).toBeGreaterThan(0);
    await store.remove("GHJK");
    expect(await redis.keys("robots:ckpt:GHJK*")).toEqual([]);
    expect(await redis.hexists("robots:ckpt:index", "GHJK")).toBe(0);
  });
});
