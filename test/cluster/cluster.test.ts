/**
 * Rooms spread over processes (Redis presence and driver): three real server processes share
 * Redis and PostgreSQL. Codes are unique across all of them, a client reaches any room through
 * any process, games complete with the right scores, and a process killed with SIGKILL leaves
 * the others' games alone while its rooms come back on a live process (issue 11).
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CODE_ALPHABET } from "../../src/protocol.ts";
import { leaveAll, TestClient } from "../support/clients.ts";
import { flushRedis, REDIS_URL, redisReachable, startProcesses, type ServerProcess } from "../support/cluster.ts";
import { createTestDatabase, findFreePort, REQUIRE_SERVICES, usePostgres } from "../support/postgres.ts";
import { scoreRound } from "../support/restore.ts";
import { pickOther, playRound, type Table } from "../support/table.ts";

const redisUp = await redisReachable();
if (!redisUp && REQUIRE_SERVICES) throw new Error(`CI=true but Redis is not reachable at ${REDIS_URL}`);
const postgresUp = await usePostgres();

/** A table whose clients each come in through a different process. */
async function spreadTable(processes: ServerProcess[], players: number): Promise<Table> {
  const host = await TestClient.create(processes[0]!.endpoint, { name: "Host", icon: "robot" });
  const others: TestClient[] = [];
  for (let i = 1; i < players; i++) {
    const via = processes[i % processes.length]!;
    others.push(await TestClient.join(via.endpoint, host.room.roomId.toLowerCase(), { name: `Player ${i}`, icon: "cat" }));
  }
  const all = [host, ...others];
  await Promise.all(all.map((c) => c.waitState((s) => s.players.size === players, "all seated")));
  return { code: host.room.roomId, host, players: all, audience: [], all };
}

async function playScoredGame(t: Table) {
  t.host.send("start-game", {});
  for (let round = 1; round <= 8; round++) {
    const played = await playRound(t, {
      answer: (i, r) => `cluster fake ${r} ${i}`,
      eliminate: (i, view) => pickOther(t, i, view, i + round),
      vote: (i, view, eliminatedId) => pickOther(t, i, view, i + 2 * round, [eliminatedId]),
    });
    const { actual, expected } = scoreRound(t, round, played);
    expect(actual).toEqual(expected);
    t.host.send("next-round", {});
  }
  return t.host.next("game-complete");
}

describe.runIf(redisUp && postgresUp)("several processes sharing Redis", () => {
  let processes: ServerProcess[];
  let dropDatabase: () => Promise<void>;
  let redis: Redis;

  beforeAll(async () => {
    await flushRedis();
    redis = new Redis(REDIS_URL);
    const db = await createTestDatabase("robots_cluster");
    dropDatabase = db.drop;
    const ports = [await findFreePort(), await findFreePort(), await findFreePort()];
    processes = await startProcesses(ports, {
      REDIS_URL,
      DATABASE_URL: db.url,
      PUBLIC_ADDRESS: "127.0.0.1:{port}",
      DATA_DIR: "/nonexistent-unused",
      // Every room here comes from 127.0.0.1: the per-address creation limit would stop the burst.
      CREATE_ROOMS_PER_MINUTE: "10000",
    });
  }, 90_000);

  afterAll(async () => {
    await Promise.all((processes ?? []).map((p) => p.kill("SIGTERM")));
    redis?.disconnect();
    await dropDatabase?.();
  });

  it("200 rooms created at once through all processes get 200 distinct codes and land on every process", async () => {
    const created = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const via = processes[i % processes.length]!;
        const response = await fetch(`${via.http}/matchmake/create/party`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: `Host ${i}`, icon: "robot" }),
        });
        expect(response.status).toBe(200);
        return (await response.json()) as { roomId: string; processId: string };
      }),
    );
    const codes = created.map((r) => r.roomId);
    expect(new Set(codes).size).toBe(200);
    for (const code of codes) expect(code).toMatch(new RegExp(`^[${CODE_ALPHABET}]{4}$`));
    const byProcess = new Map<string, number>();
    for (const r of created) byProcess.set(r.processId, (byProcess.get(r.processId) ?? 0) + 1);
    expect(byProcess.size).toBe(3);
    for (const count of byProcess.values()) expect(count).toBeGreaterThan(20);
  });

  it("players reach a room through any process and play a whole game with the right scores", async () => {
    const tables = await Promise.all([0, 1, 2].map((shift) => spreadTable([...processes.slice(shift), ...processes.slice(0, shift)], 3)));
    const results = await Promise.all(tables.map((t) => playScoredGame(t)));
    for (const complete of results) expect(complete.standings).toHaveLength(3);
    await Promise.all(tables.map((t) => leaveAll(t.all)));
  });

  it("SIGKILL of one process leaves the other games going; its rooms come back on a live process under their codes", async () => {
    // Two rooms on two different processes: one process will be killed, the other's game must
    // not notice.
    const tables: Table[] = [];
    const ownerPort = async (t: Table) => Number(JSON.parse((await redis.hget("roomcaches", t.code))!).publicAddress.split(":")[1]);
    let victimTable: Table | undefined;
    let survivorsTable: Table | undefined;
    for (let i = 0; i < 30 && !survivorsTable; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 300));
      const t = await spreadTable(processes, 2);
      tables.push(t);
      if (!victimTable) victimTable = t;
      else if ((await ownerPort(t)) !== (await ownerPort(victimTable))) survivorsTable = t;
    }
    expect(survivorsTable).toBeDefined();
    const victimPort = await ownerPort(victimTable!);
    const victim = processes.find((p) => p.port === victimPort)!;
    const survivorA = processes.find((p) => p.port !== victimPort)!;
    const survivors = survivorsTable!;
    survivors.host.send("start-game", {});
    await playRound(survivors, {
      answer: (i) => `before kill ${i}`,
      eliminate: (i, view) => pickOther(survivors, i, view, i),
      vote: (i, view, eliminatedId) => pickOther(survivors, i, view, i, [eliminatedId]),
    });

    const killedAt = Date.now();
    await victim.kill("SIGKILL");
    const victimCode = victimTable!.code;

    // The surviving game goes on untouched.
    survivors.host.send("next-round", {});
    await playRound(survivors, {
      answer: (i) => `after kill ${i}`,
      eliminate: (i, view) => pickOther(survivors, i, view, i + 1),
      vote: (i, view, eliminatedId) => pickOther(survivors, i, view, i + 1, [eliminatedId]),
    });

    // The killed process's room comes back on a live process under the same code (issue 11):
    // its listing moves, its code stays claimed, and a new player reaches it there.
    let movedMs = -1;
    while (Date.now() - killedAt < 15_000 && movedMs < 0) {
      const listing = await redis.hget("roomcaches", victimCode);
      if (listing && JSON.parse(listing).publicAddress !== `127.0.0.1:${victimPort}`) movedMs = Date.now() - killedAt;
      else await new Promise((r) => setTimeout(r, 250));
    }
    console.log(`after SIGKILL: room restored on a live process in ${movedMs} ms`);
    expect(movedMs).toBeGreaterThanOrEqual(0);
    expect(await redis.exists(`robots:room-code:${victimCode}`)).toBe(1);
    const late = await TestClient.join(survivorA.endpoint, victimCode, { name: "Late", icon: "cat" });
    expect(late.room.roomId).toBe(victimCode);
    await late.leave();
    await Promise.all(tables.map((t) => leaveAll(t.all)));
  }, 120_000);
});
