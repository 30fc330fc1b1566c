/**
 * Issue 9 ("finished-game writes to PGlite run on the game loop") and issue 12 ("the embedded
 * database off the game loop"): PGlite runs in a worker thread behind openDatabase. These tests
 * check behaviour, not speed: the main thread keeps running while a query works, a worker that
 * dies fails its queries with a clear error and leaves the process up, a transaction never
 * continues on a restarted worker, and closing leaves nothing that keeps the process alive.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { threadId } from "node:worker_threads";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { migrateToLatest, openDatabase, type OpenDatabase } from "../../src/persistence/database.ts";
import { getGame, writeGameRecord } from "../../src/persistence/gamesRepo.ts";
import { loadQuestionPack } from "../../src/persistence/questionPack.ts";
import { seedQuestions } from "../../src/persistence/questionsRepo.ts";
import { makeRecord } from "../support/records.ts";
import { within } from "../support/within.ts";

const run = promisify(execFile);
/** A query that keeps PGlite busy for a while (hundreds of ms here) without touching any table. */
const BUSY_QUERY = sql<{ n: number }>`select count(*)::int as n from generate_series(1, 600000)`;

/** How many times the main thread's event loop turned while `work` was running. */
async function turnsDuring(work: Promise<unknown>): Promise<number> {
  let turns = 0;
  let done = false;
  const spin = () => {
    turns++;
    if (!done) setImmediate(spin);
  };
  setImmediate(spin);
  try {
    await work;
  } finally {
    done = true;
  }
  return turns;
}

const tempDirs: string[] = [];
afterAll(async () => {
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe("PGlite runs in a worker thread", () => {
  it("queries are answered by another thread while the main thread's event loop keeps turning", async () => {
    const database = await openDatabase({ kind: "pglite", dataDir: null });
    try {
      // Started and warm first: PGlite's start-up yields to the event loop wherever it runs.
      await sql`select 1`.execute(database.db);
      // The public proof: PGlite's WebAssembly runs a query synchronously on its calling thread,
      // so on the game loop not one timer or socket callback could run until it returned.
      const turns = await turnsDuring(BUSY_QUERY.execute(database.db));
      expect(turns).toBeGreaterThan(50);
      const worker = (database as OpenDatabase).pgliteWorker;
      expect(worker?.threadId).toEqual(expect.any(Number));
      expect(worker!.threadId).not.toBe(threadId);
    } finally {
      await database.close();
    }
  });

  it("the database's errors reach the caller with their SQLSTATE, and the connection carries on", async () => {
    const database = await openDatabase({ kind: "pglite", dataDir: null });
    try {
      await migrateToLatest(database.db);
      await expect(sql`select * from no_such_table`.execute(database.db)).rejects.toMatchObject({ code: "42P01", message: expect.stringMatching(/no_such_table/) });
      const pack = await loadQuestionPack();
      const record = makeRecord(pack, { seed: 5 });
      // §12 one transaction: a duplicate stats row fails the whole record with a unique violation.
      const broken = { ...record, players: [record.players[0]!, record.players[0]!] };
      await expect(writeGameRecord(database.db, broken)).rejects.toMatchObject({ code: "23505" });
      expect(await getGame(database.db, record.id)).toBeUndefined();
      expect(await writeGameRecord(database.db, record)).toBe(true);
      expect((await getGame(database.db, record.id))?.id).toBe(record.id);
    } finally {
      await database.close();
    }
  });

  it("concurrent callers never see each other's transaction: statements outside it wait for COMMIT", async () => {
    const database = await openDatabase({ kind: "pglite", dataDir: null });
    try {
      await sql`create table t (n int primary key)`.execute(database.db);
      let releaseTransaction!: () => void;
      const held = new Promise<void>((r) => (releaseTransaction = r));
      let inserted!: () => void;
      const insertedOne = new Promise<void>((r) => (inserted = r));
      const transaction = database.db.transaction().execute(async (trx) => {
        await sql`insert into t values (1)`.execute(trx);
        inserted();
        await held;
        throw new Error("roll it back");
      });
      await insertedOne;
      // Sent while the transaction is open: it must not run inside it (and see or keep its row).
      const outside = sql<{ n: number }>`select count(*)::int as n from t`.execute(database.db);
      releaseTransaction();
      await expect(transaction).rejects.toThrow("roll it back");
      expect((await outside).rows[0]!.n).toBe(0);
    } finally {
      await database.close();
    }
  });
});

describe("a worker that dies", () => {
  it("fails the pending query with a clear error; the process stays up; in memory, later queries keep failing", async () => {
    const database = await openDatabase({ kind: "pglite", dataDir: null });
    const pending = BUSY_QUERY.execute(database.db);
    await new Promise((r) => setTimeout(r, 50));
    await database.pgliteWorker!.worker!.terminate();
    await expect(within(pending, 10_000, "pending query")).rejects.toThrow(/database worker stopped/);
    await expect(sql`select 1`.execute(database.db)).rejects.toThrow(/in-memory database is gone/);
    await within(database.close(), 10_000, "close after a crash");
  });

  it("on disk: the next query starts a new worker over the same data, and a transaction cut by the crash is not half-applied", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "robots-pglite-worker-"));
    tempDirs.push(dataDir);
    const database = await openDatabase({ kind: "pglite", dataDir });
    try {
      await migrateToLatest(database.db);
      await seedQuestions(database.db, await loadQuestionPack());
      const pack = await loadQuestionPack();
      const kept = makeRecord(pack, { seed: 31 });
      expect(await writeGameRecord(database.db, kept)).toBe(true);
      const firstThread = database.pgliteWorker!.threadId;

      const cut = makeRecord(pack, { seed: 32 });
      // The worker dies between two statements of one transaction: the second must not run
      // on a fresh worker outside any transaction.
      const transaction = database.db.transaction().execute(async (trx) => {
        await trx.insertInto("games").values({
          id: cut.id, room_code: cut.roomCode, mode: cut.mode, started_at: new Date(cut.startedAt), completed_at: new Date(cut.completedAt),
          winners: JSON.stringify(cut.winners), seed: cut.seed as string, action_log: JSON.stringify(cut.actionLog), snapshot: JSON.stringify(cut.snapshot),
        }).execute();
        await database.pgliteWorker!.worker!.terminate();
        await sql`select 1`.execute(trx);
      });
      await expect(transaction).rejects.toThrow(/stopped during this transaction/);

      // A restart is attempted at most once a second; keep asking for a bounded while.
      let game: Awaited<ReturnType<typeof getGame>>;
      const until = Date.now() + 20_000;
      for (;;) {
        try {
          game = await getGame(database.db, kept.id);
          break;
        } catch (error) {
          if (Date.now() > until) throw error;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      expect(game?.id).toBe(kept.id);
      expect(database.pgliteWorker!.threadId).not.toBe(firstThread);
      expect(await getGame(database.db, cut.id)).toBeUndefined();
      expect(await writeGameRecord(database.db, cut)).toBe(true);
    } finally {
      await database.close();
    }
  });
});

describe("closing", () => {
  it("close() ends the worker even when no query ever ran, and a second close() is harmless", async () => {
    const database = await openDatabase({ kind: "pglite", dataDir: null });
    const worker = database.pgliteWorker!.worker!;
    const exited = new Promise<number>((resolve) => worker.once("exit", resolve));
    await within(database.close(), 10_000, "close");
    expect(await within(exited, 10_000, "worker exit")).toBe(0);
    expect(database.pgliteWorker!.threadId).toBeUndefined();
    await within(database.close(), 10_000, "second close");
    await expect(sql`select 1`.execute(database.db)).rejects.toThrow();
  });

  const script = (dataDir: string | null, close: boolean) => `
    import { sql } from "kysely";
    import { migrateToLatest, openDatabase } from "./src/persistence/database.ts";
    const database = await openDatabase({ kind: "pglite", dataDir: ${JSON.stringify(dataDir)} });
    await migrateToLatest(database.db);
    const { rows } = await sql\`select count(*)::int as n from questions\`.execute(database.db);
    console.log("rows", rows[0].n);
    ${close ? "await database.close(); console.log('closed');" : ""}
  `;

  it.each([
    ["in memory, closed", null, true],
    ["on disk, closed", "disk", true],
    ["in memory, never closed", null, false],
  ] as const)("%s: the process ends by itself (no handle left behind)", async (_label, where, close) => {
    let dataDir: string | null = null;
    if (where === "disk") {
      dataDir = await mkdtemp(join(tmpdir(), "robots-pglite-close-"));
      tempDirs.push(dataDir);
    }
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script(dataDir, close)], {
      cwd: new URL("../../", import.meta.url).pathname,
      timeout: 60_000,
      env: { ...process.env, LOG_LEVEL: "error" },
    });
    expect(stdout).toContain("rows 0");
    if (close) expect(stdout).toContain("closed");
  }, 90_000);
});
