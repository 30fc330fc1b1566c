/**
 * Issue 11: a game survives `kill -9` of the process that holds it. Two real server processes
 * share Redis (DB 8) and PostgreSQL; the holder of a game in the middle of voting is killed with
 * SIGKILL; the other process restores the room from its checkpoint under the same code, and the
 * stock SDK's `client.reconnect(token)` brings every player back with its old id. Every vote
 * accepted before the kill counts, and every round's scores equal the oracle's (so the final
 * scores equal those of the same game without the crash). A client's create options can never
 * trigger a restore, and nothing a client can read carries the checkpoint.
 */
import { Client } from "@colyseus/sdk";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { leaveAll } from "../support/clients.ts";
import { flushRedis, redisReachable, redisUrlFor, startProcesses, type ServerProcess } from "../support/cluster.ts";
import { createTestDatabase, findFreePort, REQUIRE_SERVICES, usePostgres } from "../support/postgres.ts";
import { openTable, type Table } from "../support/table.ts";
import { ownerPort, playThroughLoss } from "../support/restore.ts";

const REDIS = redisUrlFor(8);
const redisUp = await redisReachable(REDIS);
if (!redisUp && REQUIRE_SERVICES) throw new Error(`CI=true but Redis is not reachable at ${REDIS}`);
const postgresUp = await usePostgres();

describe.runIf(redisUp && postgresUp)("a game survives kill -9 of its process", () => {
  let processes: ServerProcess[] = [];
  let dropDatabase: (() => Promise<void>) | undefined;
  let redis: Redis;

  beforeAll(async () => {
    await flushRedis(REDIS);
    redis = new Redis(REDIS);
    const db = await createTestDatabase("robots_restore");
    dropDatabase = db.drop;
    processes = await startProcesses([await findFreePort(), await findFreePort()], {
      REDIS_URL: REDIS,
      DATABASE_URL: db.url,
      PUBLIC_ADDRESS: "127.0.0.1:{port}",
      DATA_DIR: "/nonexistent-unused",
      CREATE_ROOMS_PER_MINUTE: "10000",
    });
  }, 90_000);

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill("SIGKILL")));
    await redis?.flushdb();
    redis?.disconnect();
    await dropDatabase?.();
  });

  it("killed in the middle of voting: restored elsewhere within 15 s, votes kept, every round scored as without the crash", async () => {
    const t: Table = await openTable(processes[0]!.endpoint, { players: 3 });
    const code = t.code;
    const port = await ownerPort(redis, code);
    const holder = processes.find((p) => p.port === port)!;
    const survivor = processes.find((p) => p.port !== port)!;
    let checkpoint = "";
    const game = await playThroughLoss(t, async () => {
      checkpoint = (await redis.get(`robots:ckpt:${code}:base`)) ?? "";
      const lostAt = Date.now();
      await holder.kill("SIGKILL");
      // A client cannot restore a room by asking for it in its create options.
      const hijack = await fetch(`${survivor.http}/matchmake/create/party`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "Thief", icon: "cat", restore: code, roomId: code, code, checkpoint }),
      });
      const hijacked = hijack.ok ? ((await hijack.json()) as { roomId: string }).roomId : null;
      expect(hijacked).not.toBe(code);
      return { endpoint: survivor.endpoint, lostAt };
    });
    console.log(`kill -9 → first client back in the restored room after ${game.firstBackMs} ms, all back after ${game.lastBackMs} ms`);
    expect(game.firstBackMs).toBeLessThanOrEqual(15_000);
    expect(await ownerPort(redis, code)).toBe(survivor.port);

    // Nothing a client received, nor the room listing, carries the checkpoint's secrets: the
    // game's seed and the other players' reconnection tokens.
    expect(checkpoint).not.toBe("");
    const seed = JSON.parse(checkpoint).game.rng.seed as string;
    const seats = await redis.hgetall(`robots:ckpt:${code}:seats`);
    expect(Object.keys(seats)).toHaveLength(3);
    for (const c of [...game.before.all, ...game.table.all]) {
      const seen = JSON.stringify([c.received, c.snapshots]);
      expect(seen).not.toContain(seed);
      for (const [id, token] of Object.entries(seats)) if (id !== c.id) expect(seen).not.toContain(token);
    }
    const listing = (await redis.hget("roomcaches", code)) ?? "";
    expect(listing).not.toContain(seed);
    expect(listing).not.toContain("ckpt");
    await leaveAll(game.table.all);
  }, 120_000);
});
