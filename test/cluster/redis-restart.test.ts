/**
 * Issue 11: Redis restarted in the middle of a game. A private `redis-server` (a free port, no
 * persistence, so a restart loses every key) backs one real server process. Killed while a game
 * plays, the game goes on with every round scored as the oracle says; started again, the next
 * write puts the whole checkpoint back (base, seats, owner), and it rebuilds to the live game.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rebuild, RedisCheckpointStore } from "../../src/rooms/checkpoint.ts";
import { leaveAll } from "../support/clients.ts";
import { startProcesses, type ServerProcess } from "../support/cluster.ts";
import { createTestDatabase, findFreePort, REQUIRE_SERVICES, usePostgres } from "../support/postgres.ts";
import { scoreRound } from "../support/restore.ts";
import { openTable, pickOther, playRound, type Table } from "../support/table.ts";
import { eventually } from "../support/within.ts";

const REDIS_SERVER = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].find((p) => existsSync(p));
if (!REDIS_SERVER && REQUIRE_SERVICES) throw new Error("CI=true but redis-server is not installed");
const postgresUp = await usePostgres();

function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(REDIS_SERVER!, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  return eventually("redis-server up", async () => {
    const probe = new Redis(port, "127.0.0.1", { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on("error", () => {});
    try {
      await probe.connect();
      return (await probe.ping()) === "PONG" ? child : undefined;
    } catch {
      return undefined;
    } finally {
      probe.disconnect();
    }
  }, 10_000);
}

function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

describe.runIf(!!REDIS_SERVER && postgresUp)("Redis restarted in the middle of a game", () => {
  let redisPort: number;
  let redisServer: ChildProcess | undefined;
  let server: ServerProcess[] = [];
  let url: string;
  let dropDatabase: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    redisPort = await findFreePort();
    url = `redis://127.0.0.1:${redisPort}/0`;
    redisServer = await startRedis(redisPort);
    const db = await createTestDatabase("robots_redis_restart");
    dropDatabase = db.drop;
    server = await startProcesses([await findFreePort()], {
      REDIS_URL: url,
      DATABASE_URL: db.url,
      PUBLIC_ADDRESS: "127.0.0.1:{port}",
      DATA_DIR: await mkdtemp(join(tmpdir(), "robots-redis-restart-")),
    });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(server.map((p) => p.kill("SIGKILL")));
    await stop(redisServer);
    await dropDatabase?.();
  });

  it("the game goes on while Redis is away, and its checkpoint is whole again once Redis is back", async () => {
    const t: Table = await openTable(server[0]!.endpoint, { players: 3 });
    const plan = (round: number) => ({
      answer: (i: number) => `redis fake ${round} ${i}`,
      eliminate: (i: number, view: Parameters<typeof pickOther>[2]) => pickOther(t, i, view, i + round),
      vote: (i: number, view: Parameters<typeof pickOther>[2], eliminated: string | null) => pickOther(t, i, view, i + 2 * round, [eliminated]),
    });
    t.host.send("start-game", {});
    const first = await playRound(t, plan(1));
    expect(scoreRound(t, 1, first).actual).toEqual(scoreRound(t, 1, first).expected);

    await stop(redisServer);
    // Two whole rounds with Redis gone: every outcome still reaches the players.
    for (const round of [2, 3]) {
      t.host.send("next-round", {});
      const played = await playRound(t, plan(round));
      const scored = scoreRound(t, round, played);
      expect(scored.actual).toEqual(scored.expected);
    }

    redisServer = await startRedis(redisPort);
    const store = new RedisCheckpointStore(url, () => "reader");
    await new Promise((resolve) => store.redis.once("ready", resolve));
    try {
      // The server's checkpoint connection is back once its alive key is (it renews it each second).
      await eventually("server reconnected to Redis", async () => (await store.redis.keys("robots:ckpt:alive:*")).length > 0, 15_000);
      t.host.send("next-round", {});
      await playRound(t, plan(4));
      // The first write after the outage is a whole base: the checkpoint rebuilds to the live game.
      const checkpoint = await eventually("checkpoint back in Redis", () => store.read(t.code).then((c) => c ?? undefined), 10_000);
      const { game } = rebuild(checkpoint);
      expect(game.round).toBe(4);
      expect(game.phase).toBe("results");
      for (const p of t.players) {
        expect(game.players[p.id]!.score).toBe(p.state.players.get(p.id).score);
        // The SDK keeps the token as `<roomId>:<token>`.
        expect(`${t.code}:${checkpoint.seats[p.id]}`).toBe(p.room.reconnectionToken);
      }
      expect(await store.redis.hget("robots:ckpt:index", t.code)).toBeTruthy();
    } finally {
      await store.close();
    }
    await leaveAll(t.all);
  }, 120_000);
});
