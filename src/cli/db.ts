/**
 * Database maintenance commands:
 *   npm run migrate          apply pending migrations
 *   npm run seed             load the question pack (idempotent)
 *   npm run replay -- <id>   rebuild a finished game from its seed and action log and compare scores
 * They use the same configuration as the server (DATABASE_URL, DATA_DIR). On the embedded
 * database they take DATA_DIR's lock (src/persistence/dataDirLock.ts) and exit 2 with one line
 * while a server or another command holds it.
 */
import { ConfigError, loadConfig } from "../config.ts";
import { replayGame } from "../game/replay.ts";
import { migrateToLatest, openDatabase } from "../persistence/database.ts";
import { DataDirBusyError, lockDataDir } from "../persistence/dataDirLock.ts";
import { getGameRecord } from "../persistence/gamesRepo.ts";
import { loadQuestionPack } from "../persistence/questionPack.ts";
import { questionsById, seedQuestions } from "../persistence/questionsRepo.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function main(command: string | undefined, args: string[]): Promise<number> {
  if (command === "replay" && (args.length !== 1 || !UUID.test(args[0]!))) {
    console.error("usage: npm run replay -- <gameId>   (a game id is a UUID, as in game-complete and /api/games)");
    return 2;
  }
  if (command !== "migrate" && command !== "seed" && command !== "replay") {
    console.error("usage: node src/cli/db.ts migrate | seed | replay <gameId>");
    return 2;
  }
  const config = loadConfig();
  // A server (or another CLI) on the same embedded database: refused before anything opens.
  const lock = config.database.kind === "pglite" && config.database.dataDir
    ? await lockDataDir(config.dataDir, { role: command, onLost: (err) => console.error(`lost the lock on DATA_DIR ${JSON.stringify(config.dataDir)}: ${err.message}`) })
    : undefined;
  const { db, close, kind } = await openDatabase(config.database).catch(async (error: unknown) => {
    await lock?.release();
    throw error;
  });
  try {
    const applied = await migrateToLatest(db);
    if (command === "migrate") {
      const names = applied.results?.map((r) => `${r.migrationName}: ${r.status}`) ?? [];
      console.log(names.length ? names.join("\n") : `${kind}: already up to date`);
      return 0;
    }
    if (command === "seed") {
      const count = await seedQuestions(db, await loadQuestionPack());
      console.log(`${kind}: ${count} questions loaded`);
      return 0;
    }
    const record = await getGameRecord(db, args[0]!);
    if (!record) {
      console.error(`no game ${args[0]} in the ${kind} database`);
      return 1;
    }
    const report = replayGame(record, await questionsById(db));
    // The seed is a secret of the server: replay uses it but does not print it.
    console.log(`game ${record.id} (room ${record.roomCode}, ${record.mode}, ${record.actionLog.entries.length} actions)`);
    for (const r of report.rounds) {
      console.log(`  round ${String(r.round).padStart(2)}: ${r.matches ? "match   " : "MISMATCH"} stored [${r.expected.join(", ")}] replayed [${r.replayed.join(", ")}]`);
    }
    for (const problem of report.problems) console.log(`  problem: ${problem}`);
    console.log(report.matches ? "replay matches the stored scores" : "replay DOES NOT match the stored scores");
    return report.matches ? 0 : 1;
  } finally {
    await close();
    await lock?.release();
  }
}

try {
  process.exitCode = await main(process.argv[2], process.argv.slice(3));
} catch (error) {
  console.error(error instanceof ConfigError || error instanceof DataDirBusyError ? error.message : `failed: ${(error as Error).message}`);
  process.exitCode = 2;
}
