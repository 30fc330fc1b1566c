/**
 * Benchmark (issue 11): what checkpoints cost and how fast a crashed process's rooms come back.
 *
 *   node loadtest/checkpoint-bench.ts [--rooms 50] [--repeat 5] [--restore-rooms 20]
 *       [--redis redis://127.0.0.1:6379/9] [--postgres postgres://postgres@127.0.0.1:5432/test]
 *       [--only cost|restore]
 *
 * 1. Cost per action: `--rooms` rooms play whole 4-player 8-round games through the rules core
 *    at once, each action awaited the way a room holds its outcome until the write is done.
 *    Three modes in the same run, alternated `--repeat` times (medians): no checkpoint, Redis,
 *    file. Reported: CPU µs per action of this process (user + system) and the median / p99
 *    time from an action to its outcome being released.
 * 2. Bytes per room in Redis (MEMORY USAGE of a room's keys) in the lobby, in round 4's voting
 *    and at the final scoreboard.
 * 3. kill -9 → first client back: two server processes share Redis and PostgreSQL;
 *    `--restore-rooms` rooms with a game running (2 players each) on one of them; it is killed
 *    with SIGKILL and every client calls `client.reconnect(token)` through the other every
 *    250 ms. Per room, the time until its first client is back in; p50 and p99.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Client, type Room } from "@colyseus/sdk";
import { Redis } from "ioredis";
import { appendToLog, type ActionLog } from "../src/game/record.ts";
import { apply, createGame, type Action } from "../src/game/rules.ts";
import type { GameState, Question } from "../src/game/types.ts";
import { loadQuestionPack } from "../src/persistence/questionPack.ts";
import { FileCheckpointStore, RedisCheckpointStore, RoomCheckpointer, type CheckpointStore } from "../src/rooms/checkpoint.ts";
import { flushRedis, ServerProcess } from "../test/support/cluster.ts";
import { createTestDatabase, findFreePort } from "../test/support/postgres.ts";

const { values } = parseArgs({
  options: {
    rooms: { type: "string", default: "50" },
    repeat: { type: "string", default: "5" },
    "restore-rooms": { type: "string", default: "20" },
    redis: { type: "string", default: "redis://127.0.0.1:6379/9" },
    postgres: { type: "string" },
    only: { type: "string" },
  },
});
if (values.postgres) process.env.TEST_POSTGRES_URL = values.postgres;
const ROOMS = Number(values.rooms);
const REPEAT = Number(values.repeat);
const RESTORE_ROOMS = Number(values["restore-rooms"]);
const REDIS = values.redis;

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))]!;
const median = (xs: number[]) => quantile(xs, 0.5);
const SETTINGS = { secondMillis: 1000, reconnectSeconds: 60, messagesPerSecond: 20, maxAudiencePerIp: 64 };

/** One room's rules state driven like PartyRoom drives it; `store` null: no checkpoint. */
class BenchRoom {
  state: GameState;
  log: ActionLog | null = null;
  readonly checkpointer: RoomCheckpointer | null;
  readonly latencies: number[];
  readonly code: string;

  constructor(code: string, store: CheckpointStore | null, latencies: number[]) {
    this.code = code;
    this.state = createGame({ code });
    this.latencies = latencies;
    this.checkpointer = store
      ? new RoomCheckpointer(store, code, { base: (savedAt) => ({ v: 1, code, savedAt, createdAt: 0, settings: SETTINGS, creatorId: "p1", game: this.state, log: this.log }) })
      : null;
  }

  async act(action: Action): Promise<void> {
    const began = performance.now();
    const now = Date.now();
    const outcome = apply(this.state, action, { now });
    if (!outcome.ok) throw new Error(`${action.type} refused: ${outcome.error.code}`);
    this.log = appendToLog(this.log, this.state, action, now);
    this.checkpointer?.action(action, now);
    this.state = outcome.state;
    if (this.checkpointer) await this.checkpointer.flushed();
    this.latencies.push(performance.now() - began);
  }

  optionNotBy(player: string): string {
    const round = this.state.current!;
    return round.options.find((o) => !o.authors.includes(player) && !o.eliminated)!.id;
  }
}

const PLAYERS = ["p1", "p2", "p3", "p4"];

/** A whole 4-player game; `at` is called at named points (for the size probe). */
async function playGame(room: BenchRoom, pool: readonly Question[], at: (point: string) => Promise<void> = async () => {}): Promise<number> {
  let actions = 0;
  const act = async (a: Action) => {
    await room.act(a);
    actions++;
  };
  for (const [i, id] of PLAYERS.entries()) {
    await act({ type: "join", clientId: id, name: `Player ${i}`, icon: "cat", creator: i === 0 });
    room.checkpointer?.seat(id, `token-${id}-${room.code}`);
  }
  await at("lobby");
  await act({ type: "start-game", by: "p1", pool, gameId: `game-${room.code}`, seed: "ab".repeat(32) });
  for (let round = 1; round <= 8; round++) {
    for (const p of PLAYERS) await act({ type: "submit-answer", by: p, answer: `bench fake ${p} ${round}` });
    for (const p of PLAYERS) await act({ type: "submit-elimination-vote", by: p, optionId: room.optionNotBy(p) });
    if (round === 4) await at("voting, round 4");
    for (const p of PLAYERS) await act({ type: "submit-final-vote", by: p, optionId: room.optionNotBy(p) });
    await act({ type: "next-round", by: "p1" });
  }
  if (room.state.phase !== "final") throw new Error(`game ended in ${room.state.phase}`);
  await at("final");
  return actions;
}

async function costRun(mode: "none" | "redis" | "file", pool: readonly Question[], redisStore: RedisCheckpointStore, fileDir: string) {
  const store = mode === "redis" ? redisStore : mode === "file" ? new FileCheckpointStore(fileDir) : null;
  const latencies: number[] = [];
  const cpu = process.cpuUsage();
  const actions = await Promise.all(Array.from({ length: ROOMS }, (_, i) => playGame(new BenchRoom(`R${mode[0]}${i}`.toUpperCase(), store, latencies), pool)));
  const used = process.cpuUsage(cpu);
  const total = actions.reduce((a, b) => a + b, 0);
  return { cpuUsPerAction: (used.user + used.system) / total, p50: median(latencies) * 1000, p99: quantile(latencies, 0.99) * 1000 };
}

async function measureCost(pool: readonly Question[]) {
  const redisStore = new RedisCheckpointStore(REDIS, () => "bench");
  await new Promise((resolve) => redisStore.redis.once("ready", resolve));
  const fileDir = await mkdtemp(join(os.tmpdir(), "robots-ckpt-bench-"));
  const modes = ["none", "redis", "file"] as const;
  const runs: Record<(typeof modes)[number], { cpuUsPerAction: number; p50: number; p99: number }[]> = { none: [], redis: [], file: [] };
  await costRun("redis", pool, redisStore, fileDir); // warm-up: JIT, connections
  for (let r = 0; r < REPEAT; r++) for (const mode of modes) runs[mode].push(await costRun(mode, pool, redisStore, fileDir));
  console.log(`\n1. cost per action (${ROOMS} rooms at once, whole 4-player games, medians of ${REPEAT} runs)`);
  console.log("| checkpoint | CPU µs / action | ratio | action → outcome p50 µs | p99 µs |\n|---|---|---|---|---|");
  const base = median(runs.none.map((x) => x.cpuUsPerAction));
  for (const mode of modes) {
    const cpu = median(runs[mode].map((x) => x.cpuUsPerAction));
    console.log(`| ${mode} | ${cpu.toFixed(1)} | ${(cpu / base).toFixed(2)} | ${median(runs[mode].map((x) => x.p50)).toFixed(0)} | ${median(runs[mode].map((x) => x.p99)).toFixed(0)} |`);
  }

  // 2. bytes per room in Redis
  const sizes = new Map<string, number[]>();
  await Promise.all(
    Array.from({ length: 10 }, (_, i) => {
      const room = new BenchRoom(`SIZE${i}`, redisStore, []);
      return playGame(room, pool, async (point) => {
        const list = sizes.get(point) ?? [];
        list.push(await redisStore.bytes(room.code));
        sizes.set(point, list);
      });
    }),
  );
  console.log("\n2. bytes per room in Redis (MEMORY USAGE of its keys, median of 10 rooms, 4 players)");
  for (const [point, list] of sizes) console.log(`- ${point}: ${median(list)} bytes`);
  await redisStore.redis.flushdb();
  await redisStore.close();
  await rm(fileDir, { recursive: true, force: true });
}

async function measureRestore(): Promise<void> {
  await flushRedis(REDIS);
  const db = await createTestDatabase("robots_checkpoint_bench");
  const redis = new Redis(REDIS);
  let processes: ServerProcess[] = [];
  try {
    const env = {
      REDIS_URL: REDIS,
      DATABASE_URL: db.url,
      PUBLIC_ADDRESS: "127.0.0.1:{port}",
      DATA_DIR: "/nonexistent-unused",
      CREATE_ROOMS_PER_MINUTE: "100000",
      LOG_LEVEL: "error",
    };
    processes = [new ServerProcess(await findFreePort(), env), new ServerProcess(await findFreePort(), env)];
    // Start-up takes long on a busy machine.
    await Promise.all(processes.map((p) => p.ready(120_000)));
    const [victim, survivor] = processes as [ServerProcess, ServerProcess];
    const rooms: Room[][] = [];
    for (let attempt = 0; rooms.length < RESTORE_ROOMS && attempt < RESTORE_ROOMS * 6; attempt++) {
      // Under load a create may time out; another attempt is as good.
      const host = await new Client(victim.endpoint).create("party", { name: "Host", icon: "robot" }).catch((error: Error) => {
        console.log(`create refused (${error.message || "no message"}); trying again`);
        return null;
      });
      if (!host) continue;
      const listing = JSON.parse((await redis.hget("roomcaches", host.roomId))!) as { publicAddress: string };
      // A room placed on the other process stays open: placement balances by room count, so
      // closing it would send every next room there too.
      if (!listing.publicAddress.endsWith(`:${victim.port}`)) continue;
      const guest = await new Client(victim.endpoint).joinById(host.roomId, { name: "Guest", icon: "cat" });
      await new Promise((resolve) => setTimeout(resolve, 100));
      host.send("start-game", {});
      rooms.push([host, guest]);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const pair of rooms) for (const r of pair) r.reconnection.enabled = false;
    const killedAt = Date.now();
    await victim.kill("SIGKILL");
    const firstBack = await Promise.all(
      rooms.map((pair) =>
        Promise.any(
          pair.map(async (old) => {
            const sdk = new Client(survivor.endpoint);
            for (;;) {
              try {
                const room = await sdk.reconnect(old.reconnectionToken);
                const ms = Date.now() - killedAt;
                void room.leave(true);
                return ms;
              } catch (error) {
                if (Date.now() - killedAt > 60_000) throw error;
                await new Promise((resolve) => setTimeout(resolve, 250));
              }
            }
          }),
        ),
      ),
    );
    console.log(`\n3. kill -9 → first client back, ${rooms.length} rooms (games running, 2 players each), reconnect attempts every 250 ms`);
    console.log(`- p50 ${median(firstBack)} ms, p99 ${quantile(firstBack, 0.99)} ms, max ${Math.max(...firstBack)} ms`);
  } finally {
    await Promise.all(processes.map((p) => p.kill("SIGKILL")));
    await redis.flushdb();
    redis.disconnect();
    await db.drop();
  }
}

console.log(`checkpoint-bench on ${os.cpus()[0]?.model ?? "?"} × ${os.cpus().length}, Node ${process.version}, load avg ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
if (values.only !== "restore") await measureCost(await loadQuestionPack());
if (values.only !== "cost") await measureRestore();
process.exit(0);
