/**
 * Issue #12 #1: an outage of Redis or PostgreSQL after start is logged once when it begins and
 * once when it ends, with nothing per retry in between. Real outages: a private redis-server
 * killed and started again on the same port, and a private PostgreSQL cluster stopped and
 * started again, each under a real server process (`node src/index.ts`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { leaveAll, TestClient } from "../support/clients.ts";
import { openTable, pickOther, playRound } from "../support/table.ts";
import { redisReachable, startProcesses, type ServerProcess } from "../support/cluster.ts";
import { logLines, type LogLine } from "../support/logLines.ts";
import { findFreePort, PG_BIN, REQUIRE_SERVICES, ThrowawayCluster } from "../support/postgres.ts";
import { eventually } from "../support/within.ts";
import { existsSync } from "node:fs";

const REDIS_SERVER = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].find((p) => existsSync(p));
if (REQUIRE_SERVICES && !REDIS_SERVER) throw new Error("CI=true but redis-server is not installed");
if (REQUIRE_SERVICES && !PG_BIN) throw new Error("CI=true but no PostgreSQL server binaries are installed");

/** How long each outage lasts: long enough for ioredis and pg to retry many times. */
const OUTAGE_MS = 10_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One PING with a client that has its `error` listener (the test's own output stays clean too). */
/** A redis-server of the test's own, on a port of its own, that the test can kill. */
class PrivateRedis {
  readonly port: number;
  #child: ChildProcess | undefined;
  constructor(port: number) {
    this.port = port;
  }
  get url(): string {
    return `redis://127.0.0.1:${this.port}/15`;
  }
  async start(): Promise<void> {
    this.#child = spawn(REDIS_SERVER!, ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    await eventually("redis-server up", () => redisReachable(this.url), 10_000);
  }
  kill(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once("exit", () => resolve());
      child.kill("SIGKILL");
    });
  }
}

/** Starts one server process with `env`, collecting its stdout and stderr. */
async function serverWith(env: Record<string, string>) {
  const [server] = (await startProcesses([await findFreePort()], { LOG_LEVEL: "info", DATA_DIR: await mkdtemp(join(tmpdir(), "robots-outage-logs-")), ...env })) as [ServerProcess];
  const out = { server, stdout: "", stderr: "" };
  server.child.stdout!.on("data", (d) => (out.stdout += d));
  server.child.stderr!.on("data", (d) => (out.stderr += d));
  return out;
}

const atLeastWarn = (lines: LogLine[]) => lines.filter((l) => l.level >= 40);

describe.runIf(REDIS_SERVER)("#12 a Redis outage is logged once when it begins and once when it ends", () => {
  let redis: PrivateRedis;
  let run: Awaited<ReturnType<typeof serverWith>>;

  beforeAll(async () => {
    redis = new PrivateRedis(await findFreePort());
    await redis.start();
    run = await serverWith({ REDIS_URL: redis.url, DATABASE_URL: "" });
  }, 60_000);

  afterAll(async () => {
    await run?.server.kill();
    await redis?.kill();
  });

  it("presence, room listing and outbox clients: one warn, one info, no retry spam, no ioredis 'Unhandled error event'", async () => {
    // A room lives through the outage: its code renewals fail quietly too.
    const host = await TestClient.create(run.server.endpoint, { name: "Ada", icon: "robot" });
    try {
      const before = logLines(run.stdout).length;
      await redis.kill();
      await sleep(OUTAGE_MS);
      await redis.start();
      const back = await eventually("the 'reachable again' line", () => logLines(run.stdout).find((l) => l.msg.startsWith("Redis is reachable again")), 20_000);
      const during = logLines(run.stdout).slice(before);
      const down = during.filter((l) => l.msg.startsWith("Redis is unreachable"));
      expect(down).toHaveLength(1);
      expect(down[0]).toMatchObject({ level: 40, dependency: "Redis" });
      expect(String(down[0]!.reason)).toMatch(/ECONNREFUSED|closed|ECONNRESET/);
      expect(down[0]).not.toHaveProperty("err");
      expect(back).toMatchObject({ level: 30, dependency: "Redis" });
      expect(back.downMs).toBeGreaterThanOrEqual(OUTAGE_MS - 1_000);
      expect(during.filter((l) => l.msg.startsWith("Redis is reachable again"))).toHaveLength(1);
      // Nothing else at warn or above in ~10 s of failed reconnections, renewals and sweeps.
      expect(atLeastWarn(during)).toEqual(down);
      expect(run.stderr).not.toMatch(/Unhandled error event|RedisPresence|ECONNREFUSED/);
      expect(run.stdout).not.toMatch(/^\s+at /m);
      // And the server works again: a new room can be made through Redis.
      const again = await TestClient.create(run.server.endpoint, { name: "Bea", icon: "cat" });
      await leaveAll([again]);
    } finally {
      await leaveAll([host]);
    }
  }, 60_000);
});

describe.runIf(PG_BIN)("#12 a PostgreSQL outage is logged once when it begins and once when it ends", () => {
  let cluster: ThrowawayCluster;
  let run: Awaited<ReturnType<typeof serverWith>>;

  beforeAll(async () => {
    cluster = await ThrowawayCluster.create();
    // Retries of a game's record at most 1 s apart, so the write after the outage comes soon.
    run = await serverWith({ DATABASE_URL: cluster.url, REDIS_URL: "", RECORD_RETRY_MAX_MS: "1000" });
  }, 90_000);

  afterAll(async () => {
    await run?.server.kill();
    await cluster?.destroy();
  });

  it("a game finished and API requests during the outage: one warn, record retries and failed requests without stacks, one info when back, then the record written", async () => {
    const ask = (limit: number, id: string) => fetch(`${run.server.http}/api/leaderboard?limit=${limit}`, { headers: { "x-request-id": id } });
    expect((await ask(1, "before-1")).status).toBe(200);
    // The room draws its questions while the database is up; the game itself needs none.
    const t = await openTable(run.server.endpoint, { players: 3 });
    const before = logLines(run.stdout).length;
    await cluster.stop();
    const began = Date.now();
    const game = (async () => {
      t.host.send("start-game", {});
      for (let round = 1; round <= 8; round++) {
        await playRound(t, {
          answer: (i, r) => `outage fake ${r} ${i}`,
          eliminate: (i, view) => pickOther(t, i, view, i + round),
          vote: (i, view, eliminatedId) => pickOther(t, i, view, i + 2 * round, [eliminatedId]),
        });
        t.host.send("next-round", {});
      }
      return t.host.next("game-complete");
    })();
    // Distinct limits: each is its own cache key, so each request really asks the database.
    for (let i = 2; i <= 6; i++) {
      const res = await ask(i, `during-${i}`);
      expect(res.status).toBe(503);
      expect(res.headers.get("x-request-id")).toBe(`during-${i}`);
      await sleep(1_500);
    }
    const { gameId } = await game;
    await leaveAll(t.all);
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - began)));
    await cluster.start();
    expect((await eventually("the API answers again", async () => (await ask(7, "after-7")).status === 200 || undefined, 20_000))).toBe(true);
    const back = await eventually("the 'reachable again' line", () => logLines(run.stdout).find((l) => l.msg.startsWith("the database is reachable again")), 10_000);
    const during = logLines(run.stdout).slice(before);
    const down = during.filter((l) => l.msg.startsWith("the database is unreachable"));
    expect(down).toHaveLength(1);
    expect(down[0]).toMatchObject({ level: 40, dependency: "the database" });
    expect(back).toMatchObject({ level: 30, dependency: "the database" });
    expect(during.filter((l) => l.msg.startsWith("the database is reachable again"))).toHaveLength(1);
    // Each failed request has its line with its id and the reason, never a stack.
    const failed = during.filter((l) => l.msg === "HTTP request failed: the database did not answer");
    expect(failed.map((l) => l.reqId)).toEqual(["during-2", "during-3", "during-4", "during-5", "during-6"]);
    for (const line of failed) {
      expect(line).not.toHaveProperty("err");
      expect(typeof line.reason).toBe("string");
    }
    // The first failure may come before the outage is known; after that, info.
    expect(failed.slice(1).every((l) => l.level === 30)).toBe(true);
    // The finished game waited: retried on its 1st, 2nd, 4th… failure only, then written once.
    const retried = during.filter((l) => l.msg === "game record not written yet; retrying" && l.gameId === gameId);
    expect(retried.length).toBeGreaterThanOrEqual(1);
    expect(retried.map((l) => l.attempt).every((n) => Number.isInteger(n) && ((n as number) & ((n as number) - 1)) === 0)).toBe(true);
    for (const line of retried) {
      expect(line).toMatchObject({ level: 30, roomId: t.code });
      expect(line).not.toHaveProperty("err");
    }
    const written = await eventually("the record written after the outage", () => logLines(run.stdout).find((l) => l.msg === "game record written" && l.gameId === gameId), 20_000);
    expect(written.attempts).toBeGreaterThan(1);
    // At warn or above: the outage, and at most the first failed request before it was known.
    expect(atLeastWarn(during).length).toBeLessThanOrEqual(2);
    expect(run.stdout + run.stderr).not.toMatch(/^\s+at /m);
  }, 90_000);
});
