/**
 * Issue #7 finding 10, GAME.md §12 (a finished game is never lost): a failing or hanging outbox
 * must not keep a finished game from a database that is up, and a game that at shutdown is in
 * neither is counted and logged loudly, never dropped in silence.
 *
 * - a real server whose outbox directory cannot be written, a whole game played by real SDK
 *   clients: the `games` row lands in PostgreSQL anyway and /metrics counts the outbox failure;
 * - the same server with PostgreSQL really stopped too: close() counts the game in
 *   `robots_records_lost_total` and logs one error line naming it;
 * - a Redis outbox pointed at a port where nothing listens: nothing hangs, the database gets it.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { logger } from "../../src/logger.ts";
import { registry } from "../../src/metrics.ts";
import { openPersistence } from "../../src/persistence/index.ts";
import { loadQuestionPack } from "../../src/persistence/questionPack.ts";
import { leaveAll, TestClient } from "../support/clients.ts";
import { findFreePort, PG_BIN, REQUIRE_SERVICES, ThrowawayCluster } from "../support/postgres.ts";
import { makeRecord } from "../support/records.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { within } from "../support/within.ts";

if (!PG_BIN && REQUIRE_SERVICES) throw new Error("CI=true but no PostgreSQL server binaries are installed");


const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The value of one sample in Prometheus text, or null when the metric is not there. */
function sample(text: string, name: string): number | null {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : null;
}

async function gameRows(url: string, gameId: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query("select count(*)::int as n from games where id = $1", [gameId]);
    return rows[0].n as number;
  } finally {
    await client.end();
  }
}

/**
 * A host and one player play a whole game, the host ending each phase (skip-phase, next-round)
 * a little apart to stay under the message rate limit. `beforeLastRound` runs once, in the
 * results of the last round, before the host ends the game. Resolves with the game id.
 */
async function playGame(endpoint: string, beforeLastRound?: () => Promise<void>): Promise<{ gameId: string; clients: TestClient[] }> {
  const host = await TestClient.create(endpoint, { name: "Host", icon: "robot" });
  const player = await TestClient.join(endpoint, host.room.roomId, { name: "Guest", icon: "cat" });
  const clients = [host, player];
  await host.waitState((s) => s.players.size === 2, "both seated");
  host.send("start-game", {});
  await host.waitPhase("question");
  while (host.phase !== "final") {
    const { phase, round, totalRounds } = host.state;
    if (phase === "results" && round === totalRounds && beforeLastRound) {
      await beforeLastRound();
      beforeLastRound = undefined;
    }
    await sleep(60);
    host.send(phase === "results" ? "next-round" : "skip-phase", {});
    await host.waitState((s) => s.phase !== phase || s.round !== round, `leaving ${phase} of round ${round}`);
  }
  const complete = await host.next("game-complete");
  return { gameId: complete.gameId as string, clients };
}

describe.runIf(PG_BIN)("#10 a server whose outbox cannot be written", () => {
  let cluster: ThrowawayCluster;
  let server: TestServer;
  let closed = false;

  beforeAll(async () => {
    cluster = await ThrowawayCluster.create();
    server = await startTestServer({
      database: { kind: "postgres", url: cluster.url, poolSize: 2 },
      recordRetryMaxMs: 1_000,
    });
    // The outbox directory becomes a regular file: every put fails (as a full disk or a lost
    // permission would), and the server must carry on without it.
    await writeFile(join(server.dataDir, "outbox"), "not a directory");
  }, 60_000);

  afterAll(async () => {
    if (!closed) await server?.close();
    await cluster?.destroy();
  }, 60_000);

  it("#10 a finished game still reaches the database, and /metrics counts the outbox failure", async () => {
    const { gameId, clients } = await playGame(server.endpoint);
    let rows = 0;
    for (let waited = 0; waited < 10_000 && rows === 0; waited += 200) {
      await sleep(200);
      rows = await gameRows(cluster.url, gameId);
    }
    expect(rows, "games row written although the outbox refused the record").toBe(1);
    const api = await fetch(`http://127.0.0.1:${server.port}/api/games/${gameId}`);
    expect(api.status).toBe(200);
    expect(server.persistence.recorder.pendingCount).toBe(0);

    const metrics = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
    expect(sample(metrics, "robots_outbox_failures_total")).toBeGreaterThanOrEqual(1);
    expect(sample(metrics, "robots_records_lost_total")).toBe(0);
    await leaveAll(clients);
  }, 60_000);

  it("#10 with PostgreSQL down as well, close() counts the game as lost and logs an error naming it", async () => {
    const errors = vi.spyOn(logger, "error");
    try {
      const { gameId, clients } = await playGame(server.endpoint, () => cluster.stop());
      await leaveAll(clients);
      // Let the first attempts fail: the record is pending, in neither store.
      await server.persistence.recorder.flush(1_500);
      expect(server.persistence.recorder.pendingCount, "the record is still held, in memory").toBe(1);

      closed = true;
      await within(server.close(), 20_000, "server.close()");
      const lost = await registry.getSingleMetricAsString("robots_records_lost_total");
      expect(sample(lost, "robots_records_lost_total")).toBe(1);

      const naming = errors.mock.calls.filter(([fields, message]) => {
        const text = `${JSON.stringify(fields)} ${typeof message === "string" ? message : ""}`;
        return text.includes(gameId) && /lost/i.test(text);
      });
      expect(naming, "one error line that names the lost game").toHaveLength(1);
    } finally {
      errors.mockRestore();
    }
  }, 60_000);
});

describe("#10 a Redis outbox that cannot be reached", () => {
  it("#10 submit does not hang and the database gets the record", async () => {
    const port = await findFreePort(); // nothing listens there
    const persistence = await within(
      openPersistence({
        database: { kind: "pglite", dataDir: null },
        outboxDir: "/nonexistent/unused",
        redisUrl: `redis://127.0.0.1:${port}`,
        outboxTimeoutMs: 1_000,
      }),
      // Opening runs PGlite's initdb in a worker: seconds on a quiet machine, far more on a busy
      // one. The bound is against a hang, not a speed limit; the submit below is what must not wait.
      60_000,
      "opening the persistence with Redis unreachable",
    );
    try {
      const record = makeRecord(await loadQuestionPack(), { seed: 51 });
      await within(persistence.recorder.submit(record), 5_000, "submit with Redis unreachable");
      expect(await persistence.recorder.flush(5_000)).toBe(true);
      const rows = await persistence.database.db.selectFrom("games").select("id").where("id", "=", record.id).execute();
      expect(rows).toHaveLength(1);
      expect(persistence.recorder.lost).toBe(0);
    } finally {
      await within(persistence.close(), 10_000, "closing");
    }
  }, 90_000);
});
