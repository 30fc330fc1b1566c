/**
 * Benchmark: games completed during a rolling restart of 3 processes (issue 11, item 5).
 *
 *   node loadtest/rolling-bench.ts [--games 20] [--repeat 1] [--redis redis://127.0.0.1:6379/11]
 *       [--postgres postgres://postgres@127.0.0.1:5432/test]
 *
 * Three server processes share Redis and PostgreSQL. `--games` games of 3 bots each (think time
 * 0.8–2 s, so a game lasts about a minute) are started; once every game is in its first round,
 * the processes are restarted one at a time as `pm2 reload` does in fork mode: SIGTERM, wait for
 * the drain and the exit, start a new process on the same port, wait until it answers, go on.
 * Measured: games completed and lost, how long the restart took, and for every client closed
 * with 4100 the time until it held its seat again (p50/p99). The baseline in the same run is the
 * same games with no restart: the ratio of their median game lengths is the restart's cost.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startBots, type BotEvent, type BotHandle } from "../bots/runner.ts";
import { CloseCode } from "../src/protocol.ts";
import { flushRedis, ServerProcess } from "../test/support/cluster.ts";
import { createTestDatabase, findFreePort } from "../test/support/postgres.ts";

const { values } = parseArgs({
  options: {
    games: { type: "string", default: "20" },
    repeat: { type: "string", default: "1" },
    redis: { type: "string", default: "redis://127.0.0.1:6379/11" },
    postgres: { type: "string" },
  },
});
if (values.postgres) process.env.TEST_POSTGRES_URL = values.postgres;
const GAMES = Number(values.games);
const REPEAT = Number(values.repeat);

const quantile = (xs: number[], q: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]! : NaN);
const median = (xs: number[]) => quantile(xs, 0.5);

interface RunResult {
  completed: number;
  lost: number;
  gameMs: number[];
  restartMs: number;
  backMs: number[];
}

async function cluster(dir: string, databaseUrl: string, ports: number[]): Promise<ServerProcess[]> {
  const processes = ports.map((port) => spawnServer(dir, databaseUrl, port));
  await Promise.all(processes.map((p) => p.ready(120_000)));
  return processes;
}

function spawnServer(dir: string, databaseUrl: string, port: number): ServerProcess {
  return new ServerProcess(port, {
    REDIS_URL: values.redis!,
    DATABASE_URL: databaseUrl,
    DATA_DIR: join(dir, `p${port}`),
    PUBLIC_ADDRESS: "127.0.0.1:{port}",
    CREATE_ROOMS_PER_MINUTE: "100000",
    LOG_LEVEL: "warn",
  });
}

let refusedStarts = 0;

/**
 * Starts a room, once more after a refusal: on this shared 2-core machine a create or join now
 * and then times out inside the server (Redis slow to answer) with or without a restart. Each
 * refusal is counted and printed, so a result never hides one.
 */
async function startRoom(start: () => Promise<BotHandle[]>): Promise<BotHandle[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      refusedStarts++;
      console.error(`room start refused (attempt ${attempt}): ${(error as Error).message}`);
      if (attempt === 3) throw error;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}

async function run(restart: boolean): Promise<RunResult> {
  await flushRedis(values.redis);
  const db = await createTestDatabase("robots_rolling_bench");
  const dir = await mkdtemp(join(os.tmpdir(), "robots-rolling-bench-"));
  const ports = [await findFreePort(), await findFreePort(), await findFreePort()];
  let processes = await cluster(dir, db.url, ports);
  const endpoints = ports.map((p) => `ws://127.0.0.1:${p}`);
  const droppedAt = new Map<string, number>();
  const backMs: number[] = [];
  const handles: BotHandle[] = [];
  try {
    const began: number[] = [];
    const rooms: BotHandle[][] = [];
    // One room after another, as players arrive; a burst of 60 joins on a loaded 2-core machine
    // measures the machine, not the restart.
    for (let g = 0; g < GAMES; g++) {
      rooms.push(
        await startRoom(() => startBots({
          endpoint: endpoints[g % 3]!,
          players: 3,
          minDelayMs: 800,
          maxDelayMs: 2_000,
          hostPauseMs: 1_500,
          fallbackEndpoints: endpoints,
          onEvent: (event: BotEvent, bot) => {
            const key = `${g}:${bot.name}`;
            if (event.type === "dropped" && event.code === CloseCode.ServerMoving) droppedAt.set(key, performance.now());
            if (event.type === "reconnected" && droppedAt.has(key)) {
              backMs.push(performance.now() - droppedAt.get(key)!);
              droppedAt.delete(key);
            }
          },
        })),
      );
      handles.push(...rooms[g]!);
      began[g] = performance.now();
    }
    const ended = rooms.map((bots, g) => Promise.allSettled(bots.map((b) => b.finished)).then((r) => ({ ok: r.every((x) => x.status === "fulfilled"), ms: performance.now() - began[g]! })));
    let restartMs = 0;
    if (restart) {
      while (!rooms.every((bots) => (bots[0]!.bot.snapshot().round ?? 0) >= 1)) await new Promise((r) => setTimeout(r, 200));
      const t0 = performance.now();
      for (let i = 0; i < processes.length; i++) {
        const old = processes[i]!;
        await old.kill("SIGTERM");
        const fresh = spawnServer(dir, db.url, old.port);
        await fresh.ready(120_000);
        processes = processes.map((p, j) => (j === i ? fresh : p));
      }
      restartMs = performance.now() - t0;
    }
    const outcomes = await Promise.all(ended);
    return {
      completed: outcomes.filter((o) => o.ok).length,
      lost: outcomes.filter((o) => !o.ok).length,
      gameMs: outcomes.filter((o) => o.ok).map((o) => o.ms),
      restartMs,
      backMs,
    };
  } catch (error) {
    // A refused create or join is a result too: show what the servers said about it.
    for (const p of processes) console.error(`--- server ${p.port}:\n${p.output.split("\n").slice(-15).join("\n")}`);
    throw error;
  } finally {
    await Promise.allSettled(handles.map((h) => h.stop()));
    await Promise.all(processes.map((p) => p.kill("SIGKILL")));
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "?"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
console.log(`${GAMES} games of 3 bots on 3 processes, ${REPEAT} run(s) each\n`);
const baseline: RunResult[] = [];
const rolling: RunResult[] = [];
for (let r = 0; r < REPEAT; r++) {
  baseline.push(await run(false));
  rolling.push(await run(true));
}
const line = (label: string, runs: RunResult[]) => {
  const games = runs.flatMap((x) => x.gameMs);
  const back = runs.flatMap((x) => x.backMs);
  const restart = runs.map((x) => x.restartMs);
  console.log(
    `${label.padEnd(16)} completed ${runs.map((x) => x.completed).join("/")} of ${GAMES}, lost ${runs.map((x) => x.lost).join("/")}` +
      `, median game ${(median(games) / 1000).toFixed(1)} s` +
      (restart.some((x) => x > 0) ? `, restart of 3 processes ${(median(restart) / 1000).toFixed(1)} s, clients moved ${back.length}, back after 4100 p50 ${Math.round(quantile(back, 0.5))} ms p99 ${Math.round(quantile(back, 0.99))} ms` : ""),
  );
};
line("no restart", baseline);
line("rolling restart", rolling);
console.log(`room starts refused and retried (both runs): ${refusedStarts}`);
console.log(`game length ratio (rolling / no restart): ${(median(rolling.flatMap((x) => x.gameMs)) / median(baseline.flatMap((x) => x.gameMs))).toFixed(2)}`);
process.exit(0);
