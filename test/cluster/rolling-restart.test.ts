/**
 * A rolling restart of `npm run cluster` while games play (issue 11, item 4): pm2 itself, with a
 * private PM2_HOME, starts the shipped ecosystem.config.js (three processes, Redis database 11,
 * one PostgreSQL database), bots play 20 games, and `pm2 reload ecosystem.config.js` restarts
 * every process in turn. Each stopped process drains: its rooms move to the others and the bots
 * take their seats back with their tokens.
 *
 * Checked: the 20 games complete; no create, join or seat recovery is refused (a bot that cannot
 * get back fails its game); no accepted action is lost, seen from both sides: a bot never sees
 * an answer or vote of its own, once shown as accepted, vanish or change within the round, and
 * every accepted action a bot saw is in the finished game's action log in PostgreSQL; every
 * process was restarted and handed rooms over.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBots, type Bot, type BotEvent, type BotHandle } from "../../bots/runner.ts";
import { flushRedis, redisReachable, redisUrlFor } from "../support/cluster.ts";
import { createTestDatabase, REQUIRE_SERVICES, usePostgres } from "../support/postgres.ts";
import { eventually, within } from "../support/within.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const PM2 = join(ROOT, "node_modules/pm2/bin/pm2");
const REDIS = redisUrlFor(11);
const redisUp = await redisReachable(REDIS);
if (!redisUp && REQUIRE_SERVICES) throw new Error(`CI=true but Redis is not reachable at ${REDIS}`);
const postgresUp = await usePostgres();

const GAMES_BEFORE = 14;
const GAMES_DURING = 6;

/** Runs the pm2 CLI (under this Node) to its end, bounded. */
function pm2(args: string[], env: Record<string, string>, timeoutMs = 240_000): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [PM2, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "0.0.0.0", () => server.close(() => resolve(true)));
  });
}

/** Three consecutive free ports (the ecosystem file numbers its processes from PORT). */
async function freePortRun(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 10_000);
    if ((await portFree(base)) && (await portFree(base + 1)) && (await portFree(base + 2))) return base;
  }
  throw new Error("no three consecutive free ports");
}

/** One bot's view of its own accepted actions: key `round:kind` → value first seen. */
interface Watch {
  handle: BotHandle;
  seen: Map<string, string>;
  violations: string[];
  counts: Record<"submit-answer" | "submit-elimination-vote" | "submit-final-vote", number>;
}

const KINDS = [
  ["answer", "submit-answer"],
  ["elimination", "submit-elimination-vote"],
  ["final", "submit-final-vote"],
] as const;

/** Looks at what the bot sees now: a value once seen for this round must stay the same. */
function observe(w: Watch): void {
  const snap = w.handle.bot.snapshot();
  if (!snap.phase || snap.phase === "lobby" || snap.round === 0) return;
  const me = snap.players.get(snap.me);
  const now: Record<string, string | null> = {
    answer: me?.hasAnswered ? "yes" : null,
    elimination: snap.own?.eliminationVote ?? null,
    final: snap.own?.finalVote ?? null,
  };
  for (const [kind, type] of KINDS) {
    const key = `${snap.round}:${kind}`;
    const before = w.seen.get(key);
    const value = now[kind];
    if (before === undefined) {
      if (value) {
        w.seen.set(key, value);
        w.counts[type]++;
      }
    } else if (value !== before && snap.phase !== "final") {
      w.violations.push(`${w.handle.name} round ${key}: was ${before}, now ${value} (phase ${snap.phase})`);
    }
  }
}

describe.runIf(redisUp && postgresUp)("rolling restart of a pm2 cluster (pm2 reload)", () => {
  let home: string;
  let basePort: number;
  let env: Record<string, string>;
  let dropDatabase: (() => Promise<void>) | undefined;
  let databaseUrl: string;

  beforeAll(async () => {
    await flushRedis(REDIS);
    home = await mkdtemp(join(tmpdir(), "robots-pm2-"));
    basePort = await freePortRun();
    const db = await createTestDatabase("robots_rolling");
    dropDatabase = db.drop;
    databaseUrl = db.url;
    env = {
      PM2_HOME: join(home, "pm2"),
      // One process at a time: the two others keep taking the rooms.
      PM2_CONCURRENT_ACTIONS: "1",
      CLUSTER_PROCESSES: "3",
      PORT: String(basePort),
      REDIS_URL: REDIS,
      DATABASE_URL: databaseUrl,
      DATA_DIR: join(home, "data"),
      PUBLIC_ADDRESS: "127.0.0.1:{port}",
      CREATE_ROOMS_PER_MINUTE: "10000",
      LOG_LEVEL: "info",
      DRAIN_SECONDS: "120",
    };
    const started = await pm2(["start", "ecosystem.config.js"], env);
    expect(started.code, started.out).toBe(0);
    await Promise.all([0, 1, 2].map((i) => eventually(`process ${i} up`, async () => (await fetch(`http://127.0.0.1:${basePort + i}/health`)).ok, 120_000)));
  }, 200_000);

  afterAll(async () => {
    if (home) await pm2(["kill"], env, 60_000);
    await dropDatabase?.();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it("20 games complete across `pm2 reload`; no join refused, no accepted action lost", async () => {
    const endpoints = [0, 1, 2].map((i) => `ws://127.0.0.1:${basePort + i}`);
    const watches: Watch[] = [];
    const hosts: BotHandle[] = [];
    const left: string[] = [];
    const droppedAt = new Map<Bot, number>();
    const backMs: number[] = [];
    const botOptions = (endpoint: string) => ({
      endpoint,
      players: 3,
      minDelayMs: 800,
      maxDelayMs: 2_000,
      hostPauseMs: 1_500,
      // The bots' own window is the documented 30 s (docs/PROTOCOL.md §13): a seat not back by
      // then is a failed game.
      fallbackEndpoints: endpoints,
      onBot: (handle: BotHandle) => watches.push({ handle, seen: new Map(), violations: [], counts: { "submit-answer": 0, "submit-elimination-vote": 0, "submit-final-vote": 0 } }),
      onEvent: (event: BotEvent, bot: Bot) => {
        if (event.type === "left") left.push(`${bot.name} ${event.code} ${event.reason ?? ""}`);
        if (event.type === "dropped") droppedAt.set(bot, Date.now());
        if (event.type === "reconnected" && droppedAt.has(bot)) {
          backMs.push(Date.now() - droppedAt.get(bot)!);
          droppedAt.delete(bot);
        }
      },
    });
    const startRoom = async (endpoint: string) => {
      const handles = await startBots(botOptions(endpoint));
      hosts.push(handles[0]!);
    };
    const poll = setInterval(() => watches.forEach(observe), 100);
    try {
      for (let i = 0; i < GAMES_BEFORE; i++) await startRoom(endpoints[i % 3]!);
      await eventually("every game started", () => hosts.every((h) => (h.bot.snapshot().round ?? 0) >= 1), 60_000);

      const pidsBefore = await pm2(["jlist"], env, 30_000).then((r) => (JSON.parse(r.out) as { pid: number }[]).map((p) => p.pid));
      const reloadBegan = Date.now();
      const reload = pm2(["reload", "ecosystem.config.js"], env, 400_000);
      // New games keep starting while processes restart, through whichever process says it is ready.
      for (let i = 0; i < GAMES_DURING; i++) {
        await new Promise((r) => setTimeout(r, 4_000));
        // As a load balancer would: a process that is up and does not report itself unready.
        const ready = await eventually("a ready process", async () => {
          for (const [p, endpoint] of endpoints.entries()) {
            const http = `http://127.0.0.1:${basePort + p}`;
            const up = await fetch(`${http}/health`).then((r) => r.ok, () => false);
            if (up && (await fetch(`${http}/ready`).then((r) => r.status !== 503, () => false))) return endpoint;
          }
          return undefined;
        }, 60_000);
        await startRoom(ready);
      }
      const reloaded = await reload;
      const reloadMs = Date.now() - reloadBegan;
      expect(reloaded.code, reloaded.out).toBe(0);
      const pidsAfter = await pm2(["jlist"], env, 30_000).then((r) => (JSON.parse(r.out) as { pid: number }[]).map((p) => p.pid));
      expect(pidsAfter.filter((pid) => pidsBefore.includes(pid))).toEqual([]);

      const finished = await within(Promise.allSettled(watches.map((w) => w.handle.finished)), 300_000, "every bot's game");
      const failures = finished.flatMap((f, i) => (f.status === "rejected" ? [`${watches[i]!.handle.name}: ${(f.reason as Error).message}`] : []));
      expect(failures).toEqual([]);
      expect(left).toEqual([]);
      expect(hosts).toHaveLength(GAMES_BEFORE + GAMES_DURING);
      expect(watches.flatMap((w) => w.violations)).toEqual([]);
      // Clients were moved, and each was back within the window it is told to use.
      expect(backMs.length).toBeGreaterThan(0);
      expect(droppedAt.size).toBe(0);
      const sorted = [...backMs].sort((a, b) => a - b);
      console.log(`rolling restart: ${backMs.length} seats taken back, p50 ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted.at(-1)} ms after the drop`);

      // Every accepted action a bot saw is in its game's log, written by whichever process ended it.
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        const games = await eventually("20 games recorded", async () => {
          const rows = (await client.query("SELECT room_code, action_log FROM games")).rows as { room_code: string; action_log: { entries: { action: { type: string; by?: string } }[] } }[];
          return rows.length >= GAMES_BEFORE + GAMES_DURING ? rows : undefined;
        }, 60_000);
        const byRoom = new Map(games.map((g) => [g.room_code, g.action_log]));
        let checked = 0;
        for (const w of watches) {
          const log = byRoom.get(w.handle.code);
          expect(log, `game of room ${w.handle.code}`).toBeDefined();
          for (const [type, count] of Object.entries(w.counts)) {
            const logged = log!.entries.filter((e) => e.action.type === type && e.action.by === w.handle.sessionId).length;
            expect(logged, `${w.handle.name} ${type}`).toBeGreaterThanOrEqual(count);
            checked += count;
          }
        }
        expect(checked).toBeGreaterThan(0);
        console.log(`rolling restart: ${hosts.length} games complete, reload took ${reloadMs} ms, ${checked} accepted actions checked against the logs`);
      } finally {
        await client.end();
      }

      // Every process drained and handed rooms over (pm2 keeps their output).
      const logs = join(env.PM2_HOME!, "logs");
      const outputs = await Promise.all((await readdir(logs)).filter((f) => f.endsWith("-out.log")).map((f) => readFile(join(logs, f), "utf8")));
      const all = outputs.join("\n");
      expect(all.match(/drain: started/g)?.length).toBe(3);
      expect(all).toMatch(/drain: room handed to a peer/);
    } finally {
      clearInterval(poll);
      await Promise.allSettled(watches.map((w) => w.handle.stop()));
    }
  }, 900_000);
});
