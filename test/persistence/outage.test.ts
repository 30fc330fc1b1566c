/**
 * GAME.md §12: a database outage loses no finished game. A private PostgreSQL cluster is really
 * stopped while a game played by real clients reaches `final`: the room does not wait, the record
 * waits in the durable outbox (surviving a process restart), and once the database is back it is
 * written exactly once.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeGameRecord } from "../../src/persistence/gamesRepo.ts";
import { openDatabase } from "../../src/persistence/database.ts";
import { FileOutbox } from "../../src/persistence/outbox.ts";
import { GameRecorder } from "../../src/persistence/recorder.ts";
import { leaveAll } from "../support/clients.ts";
import { PG_BIN, REQUIRE_SERVICES, ThrowawayCluster } from "../support/postgres.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { openTable, pickOther, playRound } from "../support/table.ts";

if (!PG_BIN && REQUIRE_SERVICES) throw new Error("CI=true but no PostgreSQL server binaries are installed");

async function countRows(url: string, gameId: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const games = await client.query("select count(*)::int as n from games where id = $1", [gameId]);
    const stats = await client.query("select count(*)::int as n from player_game_stats where game_id = $1", [gameId]);
    return { games: games.rows[0].n as number, stats: stats.rows[0].n as number };
  } finally {
    await client.end();
  }
}

describe.runIf(PG_BIN)("§12 database outage", () => {
  let cluster: ThrowawayCluster;
  let server: TestServer;

  beforeAll(async () => {
    cluster = await ThrowawayCluster.create();
    server = await startTestServer({
      database: { kind: "postgres", url: cluster.url, poolSize: 2 },
      recordRetryMaxMs: 1_000,
    });
  });

  afterAll(async () => {
    await server?.close();
    await cluster?.destroy();
  });

  it("§12 a game finished while Postgres is down is queued on disk and written exactly once when it returns", async () => {
    const t = await openTable(server.endpoint, { players: 3 });
    t.host.send("start-game", {});
    for (let round = 1; round <= 8; round++) {
      await playRound(t, {
        answer: (i, r) => `outage fake ${r} ${i}`,
        eliminate: (i, view) => pickOther(t, i, view, i),
        vote: (i, view, eliminatedId) => pickOther(t, i, view, i + 1, [eliminatedId]),
      });
      if (round < 8) t.host.send("next-round", {});
    }

    await cluster.stop();
    t.host.send("next-round", {});
    // The room does not wait for the database: everyone gets the end of the game at once.
    const complete = await t.host.next("game-complete");
    await Promise.all(t.all.map((c) => c.waitPhase("final")));

    // Attempts fail while the database is down; the record stays queued, on disk.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(server.persistence.recorder.pendingCount).toBe(1);
    const outbox = new FileOutbox(join(server.dataDir, "outbox"));
    expect((await outbox.list()).map((r) => r.id)).toEqual([complete.gameId]);

    // A second process started now (a restart) would find it there too and deliver it as well:
    // the write is idempotent, so two deliveries still store one game.
    const { db, close } = await openDatabase({ kind: "postgres", url: cluster.url, poolSize: 1 });
    const restarted = new GameRecorder({ store: outbox, write: (r) => writeGameRecord(db, r), minDelayMs: 200, maxDelayMs: 500 });
    await restarted.start();

    await cluster.start();
    expect(await server.persistence.recorder.flush(20_000)).toBe(true);
    expect(await restarted.flush(20_000)).toBe(true);
    await restarted.stop();
    await close();

    expect(await countRows(cluster.url, complete.gameId)).toEqual({ games: 1, stats: 3 });
    expect((await readdir(join(server.dataDir, "outbox"))).filter((f) => f.endsWith(".json"))).toEqual([]);
    const api = await fetch(`http://127.0.0.1:${server.port}/api/games/${complete.gameId}`);
    expect(api.status).toBe(200);
    await leaveAll(t.all);
  });
});
