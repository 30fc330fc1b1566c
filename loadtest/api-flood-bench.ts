/**
 * Benchmark (issues 9 and 12): does an API flood delay a room? A room's message round trip with
 * and without a flood of JSON API requests, and the RSS of an idle server, measured on the server
 * as it was before the embedded database moved off the game loop (a git revision checked out
 * into a temporary worktree) and on this tree, alternating in one invocation so both see the same
 * machine noise. Only ratios from one run are comparable.
 *
 *   node loadtest/api-flood-bench.ts [--before e1e1c4a] [--after <dir>] [--seconds 15] [--rate 350] [--games 200] [--repeat 1]
 *
 * For each server: a fresh on-disk PGlite data directory holding `--games` finished games (real
 * games played with the rules core, written by that tree's own code), then
 *   1. idle RSS: the server process's VmRSS after it has sat idle a few seconds;
 *   2. quiet: one room (host + player); the player sends `submit-answer` in the lobby every 50 ms
 *      and waits for its `wrong-phase` error (the full message path and reply), for `--seconds`;
 *   3. flood: the same, while another process sends `--rate` requests/s (open loop, at most 64 in
 *      flight) to /api/leaderboard?limit=10|20|50 (half), /api/games/<a stored id> (40 %) and
 *      /api/games/<a random uuid> (10 %, a 404 every time).
 * Target (issue 12): the flood moves the room's p99 by no more than 2× its quiet value.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { BenchServer, checkoutRevision, removeCheckout } from "./support/benchServer.ts";
import { silenceUnhandledMessageWarnings } from "./support/sdkWarnings.ts";

const { values } = parseArgs({
  options: {
    before: { type: "string", default: "e1e1c4a" },
    // A directory to measure as "after" instead of this tree (e.g. the base plus one change).
    after: { type: "string" },
    seconds: { type: "string", default: "15" },
    rate: { type: "string", default: "350" },
    games: { type: "string", default: "200" },
    repeat: { type: "string", default: "1" },
    // Internal modes: this file also runs as the populating and the flooding child process.
    populate: { type: "string" },
    root: { type: "string" },
    flood: { type: "string" },
    ids: { type: "string" },
  },
});
const ROOT = new URL("../", import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quantile = (xs: number[], q: number) => {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};
const median = (xs: number[]) => quantile(xs, 0.5);

if (values.populate) {
  await populate(values.populate, values.root ?? ROOT, Number(values.games));
  process.exit(0);
}
if (values.flood) {
  await flood(Number(values.flood), Number(values.rate), Number(values.seconds), JSON.parse(readFileSync(values.ids!, "utf8")) as string[]);
  process.exit(0);
}

/** Child mode: fills a data directory through the tree's own code, prints the game ids. */
async function populate(dataDir: string, root: string, games: number) {
  const from = (path: string) => import(pathToFileURL(join(root, path)).href);
  const { migrateToLatest, openDatabase } = await from("src/persistence/database.ts");
  const { refreshLeaderboard, writeGameRecord } = await from("src/persistence/gamesRepo.ts");
  const { loadQuestionPack } = await from("src/persistence/questionPack.ts");
  const { seedQuestions } = await from("src/persistence/questionsRepo.ts");
  const { makeRecord } = await from("test/support/records.ts");
  const { db, close } = await openDatabase({ kind: "pglite", dataDir });
  await migrateToLatest(db);
  const pack = await loadQuestionPack();
  await seedQuestions(db, pack);
  const names = ["Ada", "Bob", "Cy", "Dee", "Eve", "Fay"];
  const ids: string[] = [];
  for (let i = 0; i < games; i++) {
    const record = makeRecord(pack, { seed: i + 1, names: names.map((n) => `${n}${i % 40}`), code: "BNCH" });
    await writeGameRecord(db, record);
    ids.push(record.id);
  }
  await refreshLeaderboard(db);
  await close();
  console.log(JSON.stringify(ids));
}

/** Child mode: open-loop API requests at `rate`/s for `seconds`; prints what it managed. */
async function flood(port: number, rate: number, seconds: number, ids: string[]) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let inFlight = 0;
  let skipped = 0;
  let sent = 0;
  const pick = () => {
    const r = Math.random();
    if (r < 0.5) return `/api/leaderboard?limit=${[10, 20, 50][Math.floor(Math.random() * 3)]}`;
    if (r < 0.9) return `/api/games/${ids[Math.floor(Math.random() * ids.length)]}`;
    return `/api/games/${randomUUID()}`;
  };
  const request = (path: string) =>
    new Promise<void>((resolve) => {
      const start = performance.now();
      const req = http.get({ host: "127.0.0.1", port, path, agent }, (res) => {
        res.resume();
        res.on("end", () => {
          latencies.push(performance.now() - start);
          statuses.set(res.statusCode ?? 0, (statuses.get(res.statusCode ?? 0) ?? 0) + 1);
          resolve();
        });
      });
      req.on("error", () => {
        statuses.set(-1, (statuses.get(-1) ?? 0) + 1);
        resolve();
      });
    });
  const startedAt = performance.now();
  let due = 0;
  while (performance.now() - startedAt < seconds * 1000) {
    due += (rate * 10) / 1000;
    while (due >= 1) {
      due--;
      if (inFlight >= 64) {
        skipped++;
        continue;
      }
      inFlight++;
      sent++;
      void request(pick()).then(() => inFlight--);
    }
    await sleep(10);
  }
  const elapsed = (performance.now() - startedAt) / 1000;
  while (inFlight > 0) await sleep(10);
  console.log(JSON.stringify({ perSecond: latencies.length / elapsed, sent, skipped, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), statuses: Object.fromEntries(statuses) }));
  agent.destroy();
}

// ---- the driver ----
const { Client } = await import("@colyseus/sdk");
const { findFreePort } = await import("../test/support/postgres.ts");
const SECONDS = Number(values.seconds);
const RATE = Number(values.rate);
const SEND_EVERY_MS = 50;

silenceUnhandledMessageWarnings();

function runChild(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [new URL(import.meta.url).pathname, ...args], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, LOG_LEVEL: "error" } });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("exit", (code) => (code === 0 ? resolve(out.trim().split("\n").at(-1)!) : reject(new Error(`${args.join(" ")} exited ${code}`))));
  });
}

function startServer(cwd: string, port: number, dataDir: string): BenchServer {
  // 20 messages/s per client is this bench's pace; the default limit is that exactly.
  return new BenchServer({ label: "server", cwd, port, env: { DATA_DIR: dataDir, RATE_LIMIT_PER_SECOND: "100" } });
}

/** Round trips of a lobby message refused `wrong-phase`, one every 50 ms, for `seconds`. */
async function roundTrips(player: import("@colyseus/sdk").Room, seconds: number): Promise<number[]> {
  const latencies: number[] = [];
  let waiting: ((t: number) => void) | undefined;
  player.onMessage("error", () => waiting?.(performance.now()));
  const until = performance.now() + seconds * 1000;
  while (performance.now() < until) {
    const sent = performance.now();
    const answered = new Promise<number>((resolve) => (waiting = resolve));
    player.send("submit-answer", { answer: "a bench answer" });
    latencies.push((await answered) - sent);
    await sleep(Math.max(0, SEND_EVERY_MS - (performance.now() - sent)));
  }
  return latencies;
}

interface Result {
  rss: number;
  quiet: number[];
  flooded: number[];
  flood: { perSecond: number; sent: number; skipped: number; p50: number; p99: number; statuses: Record<string, number> };
}

async function measure(label: string, root: string): Promise<Result> {
  const dataDir = await mkdtemp(join(os.tmpdir(), "robots-flood-data-"));
  const idsFile = join(dataDir, "..", `${label}-${process.pid}-ids.json`);
  try {
    // Where the server looks for its embedded database under DATA_DIR (src/config.ts).
    const ids = await runChild(["--populate", join(dataDir, "pglite"), "--root", root, "--games", values.games!]);
    await writeFile(idsFile, ids);
    const server = startServer(root, await findFreePort(), dataDir);
    try {
      await server.ready();
      await sleep(5_000);
      const rssSamples: number[] = [];
      for (let i = 0; i < 5; i++) {
        rssSamples.push(server.rssMiB());
        await sleep(500);
      }
      const endpoint = `ws://127.0.0.1:${server.port}`;
      const host = await new Client(endpoint).create("party", { name: "Host", icon: "robot" });
      const player = await new Client(endpoint).joinById(host.roomId, { name: "Player", icon: "cat" });
      host.onMessage("*", () => {});
      player.onMessage("*", () => {});
      // Warm-up: JIT and the API's first queries.
      await Promise.all([roundTrips(player, 2), fetch(`http://127.0.0.1:${server.port}/api/leaderboard`)]);
      const quiet = await roundTrips(player, SECONDS);
      const flooding = runChild(["--flood", String(server.port), "--rate", String(RATE), "--seconds", String(SECONDS + 3), "--ids", idsFile]);
      await sleep(1_500);
      const flooded = await roundTrips(player, SECONDS);
      const flood = JSON.parse(await flooding) as Result["flood"];
      await Promise.all([host.leave(true), player.leave(true)]);
      return { rss: median(rssSamples), quiet, flooded, flood };
    } finally {
      await server.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
    await rm(idsFile, { force: true });
  }
}

const beforeDir = await checkoutRevision(values.before!);
const results: Record<"before" | "after", Result[]> = { before: [], after: [] };
try {
  for (let run = 0; run < Number(values.repeat); run++) {
    for (const which of ["before", "after"] as const) {
      console.error(`run ${run + 1}: ${which}...`);
      results[which].push(await measure(which, which === "before" ? beforeDir : (values.after ?? ROOT)));
    }
  }
} finally {
  removeCheckout(beforeDir);
}

const f = (x: number, w = 9) => x.toFixed(1).padStart(w);
console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, Node ${process.version}; generator on the same machine`);
console.log(`before = ${values.before}, after = ${values.after ?? "this tree"}; ${values.repeat} run(s); ${SECONDS} s per phase; flood target ${RATE} req/s; ${values.games} stored games\n`);
console.log("          idle RSS   quiet p50  quiet p99  flood p50  flood p99  p99 flood/quiet  API req/s  API p50  API p99");
const summary: Record<string, { rss: number; q50: number; q99: number; f50: number; f99: number; rate: number; a50: number; a99: number }> = {};
for (const which of ["before", "after"] as const) {
  const runs = results[which];
  const s = {
    rss: median(runs.map((r) => r.rss)),
    q50: median(runs.map((r) => quantile(r.quiet, 0.5))),
    q99: median(runs.map((r) => quantile(r.quiet, 0.99))),
    f50: median(runs.map((r) => quantile(r.flooded, 0.5))),
    f99: median(runs.map((r) => quantile(r.flooded, 0.99))),
    rate: median(runs.map((r) => r.flood.perSecond)),
    a50: median(runs.map((r) => r.flood.p50)),
    a99: median(runs.map((r) => r.flood.p99)),
  };
  summary[which] = s;
  console.log(`${which.padEnd(8)}${f(s.rss, 8)} MiB${f(s.q50, 10)}${f(s.q99, 11)}${f(s.f50, 11)}${f(s.f99, 11)}${(s.f99 / s.q99).toFixed(2).padStart(15)}×${f(s.rate, 11)}${f(s.a50)}${f(s.a99)}`);
}
const [b, a] = [summary.before!, summary.after!];
console.log(`\nafter/before: idle RSS ${(a.rss / b.rss).toFixed(2)}×, flooded p99 ${(a.f99 / b.f99).toFixed(3)}×, quiet p99 ${(a.q99 / b.q99).toFixed(2)}×, API throughput ${(a.rate / b.rate).toFixed(2)}×`);
console.log(`target: flood p99 ≤ 2× quiet p99 → after ${(a.f99 / a.q99).toFixed(2)}× ${a.f99 <= 2 * a.q99 ? "MET" : "NOT MET"}`);
for (const which of ["before", "after"] as const) {
  const runs = results[which];
  const per = (pick: (r: Result) => number) => runs.map((r) => pick(r).toFixed(1)).join(", ");
  console.log(`${which} per run: quiet p99 ${per((r) => quantile(r.quiet, 0.99))}; flood p99 ${per((r) => quantile(r.flooded, 0.99))}; idle RSS ${per((r) => r.rss)} MiB`);
}
for (const which of ["before", "after"] as const) {
  console.log(`${which} flood statuses: ${results[which].map((r) => JSON.stringify(r.flood.statuses) + ` sent ${r.flood.sent} skipped ${r.flood.skipped}`).join("; ")}`);
}
process.exit(0);
