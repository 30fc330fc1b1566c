/**
 * GAME.md §12 end to end: a game played by real clients over real sockets lands in the database
 * (embedded PGlite on disk, and PostgreSQL) with the right stats, shows on the leaderboard and
 * the JSON API, and `npm run replay` rebuilds it to the same scores.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseConfig } from "../../src/config.ts";
import { leaveAll } from "../support/clients.ts";
import { createTestDatabase, usePostgres } from "../support/postgres.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { openTable, pickOther, playRound } from "../support/table.ts";

const run = promisify(execFile);
const postgresAvailable = await usePostgres();

interface Backend {
  name: string;
  setup(): Promise<{ database: DatabaseConfig; env: Record<string, string>; cleanup(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: "embedded PGlite",
    async setup() {
      const dataDir = await mkdtemp(join(tmpdir(), "robots-record-"));
      return { database: { kind: "pglite", dataDir: join(dataDir, "pglite") }, env: { DATA_DIR: dataDir }, cleanup: async () => {} };
    },
  },
  ...(postgresAvailable
    ? [
        {
          name: "PostgreSQL",
          async setup() {
            const created = await createTestDatabase("robots_record");
            return { database: { kind: "postgres" as const, url: created.url, poolSize: 4 }, env: { DATABASE_URL: created.url }, cleanup: created.drop };
          },
        },
      ]
    : []),
];

for (const backend of backends) {
  describe(`§12 a finished game in ${backend.name}`, () => {
    let server: TestServer;
    let env: Record<string, string>;
    let cleanup: () => Promise<void>;
    let complete: any;
    let code: string;
    const roundsWon: Record<string, number> = {};
    const names: Record<string, string> = {};
    let api: (path: string) => Promise<{ status: number; body: any }>;

    beforeAll(async () => {
      const setup = await backend.setup();
      env = setup.env;
      cleanup = setup.cleanup;
      server = await startTestServer({ database: setup.database });
      api = async (path) => {
        const response = await fetch(`http://127.0.0.1:${server.port}${path}`);
        return { status: response.status, body: await response.json() };
      };
      const t = await openTable(server.endpoint, { players: 3 });
      code = t.code;
      for (const p of t.players) names[p.id] = t.host.state.players.get(p.id).name;
      t.host.send("start-game", {});
      for (let round = 1; round <= 8; round++) {
        const played = await playRound(t, {
          answer: (i, r) => `recorded fake ${r} ${i}`,
          eliminate: (i, view) => (i === 0 ? view.robotId : pickOther(t, i, view, round)),
          vote: (i, view, eliminatedId) => (i === 1 && view.truthId !== eliminatedId ? view.truthId : pickOther(t, i, view, i + round, [eliminatedId])),
        });
        const best = Math.max(...played.scores.scores.map((s: any) => s.total));
        for (const s of played.scores.scores) if (best > 0 && s.total === best) roundsWon[s.playerId] = (roundsWon[s.playerId] ?? 0) + 1;
        t.host.send("next-round", {});
      }
      complete = await t.host.next("game-complete");
      await leaveAll(t.all);
      expect(await server.persistence.recorder.flush(15_000)).toBe(true);
    });

    afterAll(async () => {
      await server.close();
      await cleanup();
    });

    it("§12 the games row and one stats row per player match game-complete", async () => {
      const { status, body } = await api(`/api/games/${complete.gameId}`);
      expect(status).toBe(200);
      expect(body).toMatchObject({ id: complete.gameId, roomCode: code, mode: "8-round" });
      expect(body.winners.map((w: any) => w.playerId).sort()).toEqual([...complete.winners].sort());
      expect(body.players).toHaveLength(3);
      for (const row of complete.standings) {
        expect(body.players).toContainEqual(
          expect.objectContaining({
            playerId: row.playerId,
            name: names[row.playerId],
            finalScore: row.score,
            placement: row.place,
            isWinner: complete.winners.includes(row.playerId),
            roundsWon: roundsWon[row.playerId] ?? 0,
            truthsFound: row.truthsFound,
            robotsSpotted: row.robotsSpotted,
            timesFooled: row.timesFooled,
          }),
        );
      }
      expect(body.snapshot.rounds).toHaveLength(8);
    });

    it("§12 the room's history, the leaderboard and player stats show the game", async () => {
      const room = await api(`/api/games?room=${code.toLowerCase()}`);
      expect(room.status).toBe(200);
      expect(room.body.games.map((g: any) => g.id)).toContain(complete.gameId);
      const board = await api("/api/leaderboard?limit=10");
      expect(board.status).toBe(200);
      for (const row of complete.standings) {
        expect(board.body.players).toContainEqual(expect.objectContaining({ name: names[row.playerId], gamesPlayed: 1, totalScore: row.score }));
      }
      const winner = complete.standings[0];
      const stats = await api(`/api/players/${encodeURIComponent(names[winner.playerId]!.toUpperCase())}/stats`);
      expect(stats.status).toBe(200);
      expect(stats.body).toMatchObject({ gamesPlayed: 1, totalScore: winner.score, rank: 1 });
      expect(stats.body.recentGames[0].gameId).toBe(complete.gameId);
    });

    it("GET /metrics reports the finished game, the empty outbox and the written record", async () => {
      const text = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
      // The counter is per process; this file runs one game per backend in the same process.
      expect(Number(text.match(/^robots_games_completed_total (\d+)$/m)?.[1])).toBeGreaterThanOrEqual(1);
      expect(text).toMatch(/^robots_outbox_pending 0$/m);
      expect(text).toMatch(/^robots_game_records_written 1$/m);
      expect(text).toMatch(/^robots_rooms \d+$/m);
      expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    });

    it("bad parameters get 400 with a message, unknown ids 404", async () => {
      for (const path of ["/api/games/not-a-uuid", "/api/games?room=AEIO", "/api/games", "/api/leaderboard?limit=0", "/api/leaderboard?limit=abc", "/api/leaderboard?limit=101"]) {
        const r = await api(path);
        expect(r.status, path).toBe(400);
        expect(r.body.error, path).toEqual(expect.any(String));
      }
      expect((await api(`/api/games/${randomUUID()}`)).status).toBe(404);
      expect((await api("/api/players/Nobody%20Here/stats")).status).toBe(404);
      expect((await api("/api/nothing")).status).toBe(404);
    });

    it("`npm run replay` rebuilds the game from its seed and log and matches every round", async () => {
      if (backend.name === "embedded PGlite") await server.close(); // one process at a time on a PGlite directory
      const { stdout } = await run("node_modules/.bin/node", ["src/cli/db.ts", "replay", complete.gameId], {
        env: { ...process.env, ...env, LOG_LEVEL: "silent" },
        timeout: 60_000,
      });
      expect(stdout).toContain("replay matches the stored scores");
      expect(stdout.match(/round +\d+: match/g)).toHaveLength(8);
    });
  });
}
