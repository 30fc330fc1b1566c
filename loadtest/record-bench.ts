/**
 * Benchmark: writing finished-game records (GAME.md §12) on embedded PGlite and on PostgreSQL in
 * one run, so the two are compared on the same machine at the same moment.
 *
 *   node loadtest/record-bench.ts [--games 1000] [--concurrency 8] [--postgres postgres://postgres@127.0.0.1:5432/test]
 *
 * For each backend: a fresh database, migrations, the question pack, then
 *   1. latency: `--games` records written one after another (p50, p90, p99, max);
 *   2. throughput: `--games` more written by `--concurrency` writers at once (games/s);
 *   3. one leaderboard refresh over everything written.
 * Records are real games played with the rules core (see test/support/records.ts).
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { migrateToLatest, openDatabase, type DatabaseTarget } from "../src/persistence/database.ts";
import { refreshLeaderboard, writeGameRecord } from "../src/persistence/gamesRepo.ts";
import { loadQuestionPack } from "../src/persistence/questionPack.ts";
import { seedQuestions } from "../src/persistence/questionsRepo.ts";
import { makeRecord } from "../test/support/records.ts";

const { values } = parseArgs({
  options: {
    games: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "8" },
    postgres: { type: "string", default: "postgres://postgres@127.0.0.1:5432/test" },
  },
});
const games = Number(values.games);
const concurrency = Number(values.concurrency);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function bench(name: string, target: DatabaseTarget) {
  const { db, close } = await openDatabase(target);
  await migrateToLatest(db);
  const pack = await loadQuestionPack();
  await seedQuestions(db, pack);
  const names = ["Ada", "Bob", "Cy", "Dee", "Eve"];
  const make = (i: number) => makeRecord(pack, { seed: i + 1, names: names.map((n) => `${n}${i % 50}`), code: "BNCH" });

  const latencies: number[] = [];
  for (let i = 0; i < games; i++) {
    const record = make(i);
    const t0 = performance.now();
    await writeGameRecord(db, record);
    latencies.push(performance.now() - t0);
  }
  // Time spent writing only: making the records (playing the games) is left out.
  const sequentialSeconds = latencies.reduce((a, b) => a + b, 0) / 1000;
  latencies.sort((a, b) => a - b);

  const queue = Array.from({ length: games }, (_, i) => make(games + i));
  const parallelStart = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let r = queue.pop(); r; r = queue.pop()) await writeGameRecord(db, r);
    }),
  );
  const parallelSeconds = (performance.now() - parallelStart) / 1000;

  const refreshStart = performance.now();
  await refreshLeaderboard(db);
  const refreshMs = performance.now() - refreshStart;
  await close();
  return {
    backend: name,
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    max: latencies.at(-1)!,
    sequentialPerSecond: games / sequentialSeconds,
    parallelPerSecond: games / parallelSeconds,
    refreshMs,
  };
}

const dir = await mkdtemp(join(os.tmpdir(), "robots-bench-"));
const dbName = `robots_bench_${randomBytes(4).toString("hex")}`;
const admin = new pg.Client({ connectionString: values.postgres });
await admin.connect();
await admin.query(`create database ${dbName}`);
const url = new URL(values.postgres);
url.pathname = `/${dbName}`;

try {
  const results = [
    await bench("PGlite (on disk)", { kind: "pglite", dataDir: join(dir, "pglite") }),
    await bench("PostgreSQL 127.0.0.1", { kind: "postgres", url: url.toString(), poolSize: concurrency }),
  ];
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
  console.log(`games per phase: ${games}, writers in the throughput phase: ${concurrency}\n`);
  console.log("backend               p50 ms  p90 ms  p99 ms  max ms  seq games/s  parallel games/s  refresh ms");
  for (const r of results) {
    console.log(
      `${r.backend.padEnd(20)} ${r.p50.toFixed(2).padStart(7)} ${r.p90.toFixed(2).padStart(7)} ${r.p99.toFixed(2).padStart(7)} ${r.max.toFixed(1).padStart(7)} ${r.sequentialPerSecond.toFixed(0).padStart(12)} ${r.parallelPerSecond.toFixed(0).padStart(17)} ${r.refreshMs.toFixed(0).padStart(11)}`,
    );
  }
  const [lite, postgres] = results as [(typeof results)[0], (typeof results)[0]];
  console.log(`\nratio PostgreSQL / PGlite: p50 ${(postgres.p50 / lite.p50).toFixed(2)}×, parallel throughput ${(postgres.parallelPerSecond / lite.parallelPerSecond).toFixed(2)}×`);
} finally {
  await admin.query(`drop database if exists ${dbName} with (force)`);
  await admin.end();
  await rm(dir, { recursive: true, force: true });
}
