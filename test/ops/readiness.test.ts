/**
 * Issue 12, item 1 (readiness): GET /ready says whether a process should get new players — the
 * database answers, Redis answers, the outbox is not stuck, the process is not draining — while
 * GET /health (liveness) stays 200 through every outage. A real server process (`node
 * src/index.ts`) runs against a private PostgreSQL cluster and a private redis-server, and each
 * is stopped for real, then started again; another process gets SIGTERM with a game running and
 * drains. Under CI=true missing PostgreSQL binaries or redis-server are failures, not skips.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sql } from "kysely";
import pg from "pg";
import { isDraining, OUTBOX_MAX_AGE_MS, OUTBOX_MAX_PENDING, Readiness, setDraining, type ReadinessReport } from "../../src/http/readiness.ts";
import { TestClient } from "../support/clients.ts";
import { ServerProcess } from "../support/cluster.ts";
import { findFreePort, PG_BIN, ThrowawayCluster } from "../support/postgres.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { eventually, within } from "../support/within.ts";

const REDIS_SERVER = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].find((p) => existsSync(p)) ?? null;
const HAVE_SERVICES = !!PG_BIN && !!REDIS_SERVER;
if (!HAVE_SERVICES && process.env.CI === "true") throw new Error("CI=true but PostgreSQL server binaries or redis-server are missing");

/** A redis-server of this test's own on `port`, with nothing saved to disk. */
class PrivateRedis {
  readonly port: number;
  #child: ChildProcess | undefined;
  constructor(port: number) {
    this.port = port;
  }

  async start(): Promise<void> {
    const child = spawn(REDIS_SERVER!, ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    this.#child = child;
    await eventually("the private redis-server to listen", async () => {
      if (child.exitCode !== null) throw new Error(`redis-server exited ${child.exitCode}`);
      const socket = await import("node:net").then(({ connect }) => connect(this.port, "127.0.0.1"));
      return await new Promise<boolean>((resolve) => {
        socket.once("connect", () => (socket.destroy(), resolve(true)));
        socket.once("error", () => resolve(false));
      });
    });
  }

  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await within(exited, 5_000, "redis-server to exit");
  }
}

async function ready(http: string, timeoutMs = 5_000): Promise<{ status: number; body: ReadinessReport }> {
  const response = await fetch(`${http}/ready`, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, body: (await response.json()) as ReadinessReport };
}

async function healthStatus(http: string): Promise<number> {
  return (await fetch(`${http}/health`, { signal: AbortSignal.timeout(5_000) })).status;
}

async function dependencyUp(http: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${http}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
  return Object.fromEntries([...text.matchAll(/^robots_dependency_up\{dependency="(\w+)"\} (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
}

/** Transactions the cluster's `postgres` database has committed, for counting probe queries. */
async function commits(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query("select xact_commit::bigint as n from pg_stat_database where datname = 'postgres'");
    return Number(rows[0].n);
  } finally {
    await client.end();
  }
}

describe.runIf(HAVE_SERVICES)("GET /ready on a real process with PostgreSQL and Redis", () => {
  let cluster: ThrowawayCluster;
  let redis: PrivateRedis;
  let server: ServerProcess;

  beforeAll(async () => {
    cluster = await ThrowawayCluster.create();
    redis = new PrivateRedis(await findFreePort());
    await redis.start();
    server = new ServerProcess(await findFreePort(), {
      HOST: "127.0.0.1",
      DATA_DIR: await mkdtemp(join(tmpdir(), "robots-ready-")),
      DATABASE_URL: cluster.url,
      REDIS_URL: `redis://127.0.0.1:${redis.port}/14`,
    });
    // Generous: other suites may load the machine; a slow start is not what is tested here.
    await server.ready(90_000);
  }, 150_000);

  afterAll(async () => {
    await server?.kill();
    await redis?.stop();
    await cluster?.destroy();
  }, 30_000);

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => console.error(`server exit ${server.child.exitCode ?? server.child.signalCode ?? "none"}; its output:\n${server.output.slice(-4000)}`));
  });

  it("is 200 with every check passing while both services answer", async () => {
    const { status, body } = await ready(server.http);
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.ready).toBe(true);
    expect(Object.keys(body.checks).sort()).toEqual(["database", "draining", "outbox", "redis"]);
    for (const check of Object.values(body.checks)) expect(check.ok).toBe(true);
    expect(body.checks.outbox).toMatchObject({ pending: 0, oldestSeconds: 0 });
    expect(await dependencyUp(server.http)).toEqual({ database: 1, redis: 1 });
  });

  it("a flood of /ready costs the database a few queries, not one each (answers are cached)", async () => {
    const before = await commits(cluster.url);
    const started = Date.now();
    // Generous per-request bound: 200 requests at once on a loaded 2-core machine queue up.
    const answers = await Promise.all(Array.from({ length: 200 }, () => ready(server.http, 30_000)));
    const seconds = Math.ceil((Date.now() - started) / 1000);
    const after = await commits(cluster.url);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    // About one probe per second of flood; without the cache it would be 200. PostgreSQL's counter
    // also takes the cluster's own background work and lags by up to a second per connection, so
    // the bound is a quarter of the uncached count rather than a tight one.
    expect(after - before, `${after - before} transactions in ${seconds} s`).toBeLessThan(50);
  }, 60_000);

  it("the database down: 503 naming the database within seconds, /health still 200; back: 200", async () => {
    await cluster.stop();
    try {
      const down = await eventually("/ready to report the database down", async () => {
        const answer = await ready(server.http);
        return answer.status === 503 && answer;
      });
      expect(down.body.ready).toBe(false);
      expect(down.body.checks.database!.ok).toBe(false);
      expect(down.body.checks.database!.reason).toMatch(/database/);
      // The cause stays in words: no host, port or driver text.
      expect(JSON.stringify(down.body)).not.toContain(String(cluster.port));
      expect(down.body.checks.redis!.ok).toBe(true);
      expect(await healthStatus(server.http)).toBe(200);
      expect((await dependencyUp(server.http)).database).toBe(0);
    } finally {
      await cluster.start();
    }
    await eventually("/ready to be 200 again after the database returned", async () => (await ready(server.http)).status === 200, 30_000);
    expect((await dependencyUp(server.http)).database).toBe(1);
  }, 60_000);

  it("Redis down: 503 naming Redis within seconds, /health still 200; back: 200", async () => {
    await redis.stop();
    try {
      const down = await eventually("/ready to report Redis down", async () => {
        const answer = await ready(server.http);
        return answer.status === 503 && answer;
      });
      expect(down.body.checks.redis!.ok).toBe(false);
      expect(down.body.checks.redis!.reason).toMatch(/Redis|within/);
      expect(down.body.checks.database!.ok).toBe(true);
      expect(await healthStatus(server.http)).toBe(200);
      expect((await dependencyUp(server.http)).redis).toBe(0);
    } finally {
      await redis.start();
    }
    await eventually("/ready to be 200 again after Redis returned", async () => (await ready(server.http)).status === 200, 30_000);
    expect(server.child.exitCode).toBeNull();
  }, 60_000);
});

describe("GET /ready on an embedded-database server: draining and a stuck outbox", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  }, 120_000);
  afterAll(async () => {
    setDraining(false);
    await server?.close();
  });

  it("without REDIS_URL there is no Redis check and no Redis gauge", async () => {
    const { status, body } = await ready(`http://127.0.0.1:${server.port}`);
    expect(status).toBe(200);
    expect(Object.keys(body.checks).sort()).toEqual(["database", "draining", "outbox"]);
    expect(await dependencyUp(`http://127.0.0.1:${server.port}`)).toEqual({ database: 1 });
  });

  it("setDraining(): 503 with the draining check failing, /health still 200; cleared: 200", async () => {
    const http = `http://127.0.0.1:${server.port}`;
    setDraining();
    expect(isDraining()).toBe(true);
    const { status, body } = await ready(http);
    expect(status).toBe(503);
    expect(body.checks.draining).toEqual({ ok: false, reason: "the process is shutting down" });
    expect(body.checks.database!.ok).toBe(true);
    expect(await healthStatus(http)).toBe(200);
    setDraining(false);
    expect((await ready(http)).status).toBe(200);
  });

  it("the outbox is stuck past OUTBOX_MAX_PENDING records or OUTBOX_MAX_AGE_MS of waiting", async () => {
    const now = Date.now();
    const outbox = { pendingCount: 0, oldestPendingAt: undefined as number | undefined };
    const readiness = new Readiness({ database: server.persistence.database.db, redisUrl: null, outbox });
    try {
      expect((await readiness.report(now)).ready).toBe(true);
      Object.assign(outbox, { pendingCount: 3, oldestPendingAt: now - OUTBOX_MAX_AGE_MS + 5_000 });
      expect((await readiness.report(now)).checks.outbox).toEqual({ ok: true, pending: 3, oldestSeconds: OUTBOX_MAX_AGE_MS / 1000 - 5 });
      Object.assign(outbox, { oldestPendingAt: now - OUTBOX_MAX_AGE_MS - 5_000 });
      const aged = await readiness.report(now);
      expect(aged.ready).toBe(false);
      expect(aged.checks.outbox!.ok).toBe(false);
      Object.assign(outbox, { pendingCount: OUTBOX_MAX_PENDING + 1, oldestPendingAt: now });
      const full = await readiness.report(now);
      expect(full.ready).toBe(false);
      expect(full.checks.outbox!.reason).toContain(String(OUTBOX_MAX_PENDING));
    } finally {
      readiness.close();
    }
  });
});

describe("GET /ready while a real process drains (SIGTERM with a game running and no peer)", () => {
  let server: ServerProcess;
  const clients: TestClient[] = [];
  beforeAll(async () => {
    server = new ServerProcess(await findFreePort(), { HOST: "127.0.0.1", DATA_DIR: await mkdtemp(join(tmpdir(), "robots-ready-drain-")) });
    await server.ready(90_000);
  }, 120_000);
  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.leave()));
    await server?.kill("SIGKILL");
  });

  it("answers 503 with the draining check failing while the game plays on, and /health stays 200", async () => {
    const host = await TestClient.create(server.endpoint, { name: "Host", icon: "robot", hostPlays: true });
    clients.push(host, await TestClient.join(server.endpoint, host.room.roomId, { name: "Guest", icon: "cat" }));
    await Promise.all(clients.map((c) => c.waitState((s) => s.players.size === 2, "both seated")));
    host.send("start-game", {});
    await host.waitPhase("question");
    expect((await ready(server.http)).status).toBe(200);
    server.child.kill("SIGTERM");
    const draining = await eventually("/ready to report draining", async () => {
      const answer = await ready(server.http);
      return answer.status === 503 && answer;
    });
    expect(draining.body.checks.draining).toEqual({ ok: false, reason: "the process is shutting down" });
    expect(draining.body.checks.database!.ok).toBe(true);
    expect(await healthStatus(server.http)).toBe(200);
    // The game is still being played here: the drain waits for it.
    expect(server.child.exitCode).toBeNull();
    expect(host.phase).not.toBe("lobby");
  }, 60_000);
});

describe.runIf(!!PG_BIN)("the database going away under a connection in use does not crash the process", () => {
  let cluster: ThrowawayCluster;
  beforeAll(async () => {
    cluster = await ThrowawayCluster.create();
  }, 60_000);
  afterAll(async () => {
    await cluster?.destroy();
  }, 30_000);

  // Readiness probes check a connection out every second; PostgreSQL stopping while one is out
  // used to end the process ("Connection terminated unexpectedly", an 'error' event nobody heard).
  it("a checked-out connection's server stops: the work in progress fails, no uncaught error", async () => {
    const { openDatabase } = await import("../../src/persistence/database.ts");
    const database = await openDatabase({ kind: "postgres", url: cluster.url, poolSize: 2 });
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on("uncaughtException", onUncaught);
    try {
      const held = database.db.connection().execute(async (connection) => {
        await sql`select 1`.execute(connection);
        await cluster.stop();
        // The server is gone while this connection is checked out and idle.
        await new Promise((resolve) => setTimeout(resolve, 500));
        await sql`select 1`.execute(connection);
      });
      await expect(held).rejects.toThrow();
      expect(uncaught).toEqual([]);
    } finally {
      process.off("uncaughtException", onUncaught);
      await cluster.start();
      await database.close().catch(() => {});
    }
  }, 60_000);
});
