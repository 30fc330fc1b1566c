/**
 * One storage contract, run against both backends (GAME.md §4, §12): embedded PGlite in-process
 * and PostgreSQL at 127.0.0.1:5432. Whatever one backend does, the other must do the same.
 */
import { randomUUID } from "node:crypto";
import { sql, type Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replayGame } from "../../src/game/replay.ts";
import type { Question } from "../../src/game/types.ts";
import { migrateToLatest, openDatabase, type OpenDatabase } from "../../src/persistence/database.ts";
import { gamesInRoom, getGame, getGameRecord, leaderboard, playerStats, refreshLeaderboard, writeGameRecord } from "../../src/persistence/gamesRepo.ts";
import { loadQuestionPack } from "../../src/persistence/questionPack.ts";
import { activeQuestions, questionsById, seedQuestions } from "../../src/persistence/questionsRepo.ts";
import type { Database } from "../../src/persistence/schema.ts";
import { createTestDatabase, usePostgres } from "../support/postgres.ts";
import { makeRecord } from "../support/records.ts";

interface Backend {
  name: string;
  open(): Promise<{ database: OpenDatabase; cleanup(): Promise<void> }>;
}

const pglite: Backend = {
  name: "PGlite",
  async open() {
    const database = await openDatabase({ kind: "pglite", dataDir: null });
    return { database, cleanup: () => database.close() };
  },
};

const postgres: Backend = {
  name: "PostgreSQL",
  async open() {
    const created = await createTestDatabase("robots_contract");
    const database = await openDatabase({ kind: "postgres", url: created.url, poolSize: 4 });
    return {
      database,
      async cleanup() {
        await database.close();
        await created.drop();
      },
    };
  },
};

const postgresAvailable = await usePostgres();

for (const backend of [pglite, ...(postgresAvailable ? [postgres] : [])]) {
  describe(`storage contract on ${backend.name}`, () => {
    let db: Kysely<Database>;
    let cleanup: () => Promise<void>;
    let pack: Question[];

    beforeAll(async () => {
      const opened = await backend.open();
      db = opened.database.db;
      cleanup = opened.cleanup;
      pack = await loadQuestionPack();
    });
    afterAll(async () => {
      await cleanup();
    });

    it("migrations apply from empty, and again as a no-op", async () => {
      const first = await migrateToLatest(db);
      expect(first.results?.every((r) => r.status === "Success")).toBe(true);
      const second = await migrateToLatest(db);
      expect(second.results).toEqual([]);
    });

    it("§4 the pack loads idempotently and comes back whole", async () => {
      expect(await seedQuestions(db, pack)).toBe(pack.length);
      await seedQuestions(db, pack);
      const pool = await activeQuestions(db);
      expect(pool).toHaveLength(pack.length);
      expect(pool.length).toBeGreaterThanOrEqual(200);
      expect(pool.filter((q) => q.type === "picture").length).toBeGreaterThanOrEqual(20);
      const byId = new Map(pack.map((q) => [q.id, q]));
      for (const q of pool) expect(q).toEqual(byId.get(q.id));
    });

    it("§4 re-seeding an edited question updates it in place", async () => {
      const edited = { ...pack[0]!, robotAnswer: "an edited robot answer" };
      await seedQuestions(db, [edited]);
      expect((await questionsById(db)).get(edited.id)!.robotAnswer).toBe("an edited robot answer");
      await seedQuestions(db, [pack[0]!]);
      expect((await activeQuestions(db)).length).toBe(pack.length);
    });

    it("§12 a record writes one games row and one stats row per player, exactly once", async () => {
      const record = makeRecord(pack, { seed: 11, code: "KXQT" });
      expect(await writeGameRecord(db, record)).toBe(true);
      expect(await writeGameRecord(db, record)).toBe(false);
      const games = await db.selectFrom("games").select(sql<number>`count(*)::integer`.as("n")).where("id", "=", record.id).executeTakeFirstOrThrow();
      expect(games.n).toBe(1);
      const game = await getGame(db, record.id);
      expect(game).toMatchObject({ id: record.id, roomCode: "KXQT", mode: "8-round", winners: record.winners });
      // Issue #7 finding 3: the seed is stored for replay (see the round-trip below), never served.
      expect(game).not.toHaveProperty("seed");
      expect(game!.players).toHaveLength(3);
      for (const p of record.players) expect(game!.players).toContainEqual(p);
      expect(game!.startedAt).toBe(new Date(record.startedAt).toISOString());
    });

    it("§12 the stored record round-trips and replays to the same scores", async () => {
      const record = makeRecord(pack, { seed: 12 });
      await writeGameRecord(db, record);
      const stored = await getGameRecord(db, record.id);
      expect(stored).toEqual({ ...record, players: expect.arrayContaining(record.players) });
      const report = replayGame(stored!, await questionsById(db));
      expect(report.problems).toEqual([]);
      expect(report.matches).toBe(true);
      expect(report.rounds).toHaveLength(8);
    });

    it("§12 a failing stats insert leaves no games row (one transaction)", async () => {
      const record = makeRecord(pack, { seed: 13 });
      const broken = { ...record, players: [record.players[0]!, record.players[0]!] };
      await expect(writeGameRecord(db, broken)).rejects.toThrow();
      expect(await getGame(db, record.id)).toBeUndefined();
    });

    it("§12 the leaderboard aggregates by name after a refresh, ranked by wins, score, truths, robots", async () => {
      const r1 = makeRecord(pack, { seed: 21, names: ["Zed", "Yan", "Xia"], code: "ZZZZ" });
      const r2 = makeRecord(pack, { seed: 22, names: ["zed", "Yan", "Wu"], code: "ZZZZ" });
      await writeGameRecord(db, r1);
      await writeGameRecord(db, r2);
      await refreshLeaderboard(db);
      const board = await leaderboard(db, 100);
      const zed = board.find((r) => r.name.toLowerCase() === "zed")!;
      const zedRows = [...r1.players, ...r2.players].filter((p) => p.name.toLowerCase() === "zed");
      expect(zed.gamesPlayed).toBe(2);
      expect(zed.totalScore).toBe(zedRows.reduce((n, p) => n + p.finalScore, 0));
      expect(zed.wins).toBe(zedRows.filter((p) => p.isWinner).length);
      expect(zed.truthsFound).toBe(zedRows.reduce((n, p) => n + p.truthsFound, 0));
      expect(board[0]!.rank).toBe(1);
      for (let i = 1; i < board.length; i++) {
        const [a, b] = [board[i - 1]!, board[i]!];
        const key = (r: typeof a) => [r.wins, r.totalScore, r.truthsFound, r.robotsSpotted];
        const [ka, kb] = [key(a), key(b)];
        const firstDifference = ka.findIndex((v, j) => v !== kb[j]);
        // Sorted by wins, score, truths, robots; equal rows share a rank (1, 1, 3).
        if (firstDifference === -1) expect(b.rank).toBe(a.rank);
        else {
          expect(ka[firstDifference]! > kb[firstDifference]!).toBe(true);
          expect(b.rank).toBe(i + 1);
        }
      }
      expect(await leaderboard(db, 2)).toHaveLength(2);

      const stats = await playerStats(db, "ZED");
      expect(stats).toMatchObject({ gamesPlayed: 2, rank: zed.rank });
      expect(stats!.recentGames.map((g) => g.gameId).sort()).toEqual([r1.id, r2.id].sort());
      expect(await playerStats(db, "nobody here")).toBeUndefined();
      const inRoom = await gamesInRoom(db, "ZZZZ", 10);
      expect(inRoom.map((g) => g.id).sort()).toEqual([r1.id, r2.id].sort());
      expect(await gamesInRoom(db, "BBBB", 10)).toEqual([]);
      // Two players with identical totals share a rank.
      const original = makeRecord(pack, { seed: 23, names: ["TwinA", "Other1", "Other2"] });
      const mirrored = structuredClone(original);
      mirrored.id = randomUUID();
      for (const p of mirrored.players) p.name = p.name.replace("TwinA", "TwinB").replace("Other", "Else");
      await writeGameRecord(db, original);
      await writeGameRecord(db, mirrored);
      await refreshLeaderboard(db);
      const twins = await Promise.all(["TwinA", "TwinB"].map((n) => playerStats(db, n)));
      expect(twins[0]!.rank).toBe(twins[1]!.rank);
      const full = await leaderboard(db, 100);
      expect(full.find((r) => r.name === "TwinA")!.rank).toBe(full.find((r) => r.name === "TwinB")!.rank);
    });
  });
}
