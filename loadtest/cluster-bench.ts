/**
 * Benchmark: rooms created per second and games completed per second with 1 and with 3 server
 * processes sharing Redis and PostgreSQL, the load generator on the same machine. Medians over
 * `--repeat` runs, and the 3-process/1-process ratio measured in the same run.
 *
 *   node loadtest/cluster-bench.ts [--rooms 300] [--games 12] [--repeat 3]
 *       [--redis redis://127.0.0.1:6379/4] [--postgres postgres://postgres@127.0.0.1:5432/test]
 *
 * Rooms: `--rooms` POST /matchmake/create/party, 25 in flight, spread round-robin over the
 * processes. Games: `--games` whole 8-round games at once, 3 bots each (bots/runner.ts, no
 * think time), each bot connecting through a different process.
 */
import os from "node:os";
import { parseArgs } from "node:util";
import { flushRedis, startProcesses, type ServerProcess } from "../test/support/cluster.ts";
import { createTestDatabase, findFreePort } from "../test/support/postgres.ts";
import { runBot, type BotHandle } from "../bots/runner.ts";

const { values } = parseArgs({
  options: {
    rooms: { type: "string", default: "300" },
    games: { type: "string", default: "12" },
    repeat: { type: "string", default: "3" },
    redis: { type: "string", default: "redis://127.0.0.1:6379/4" },
    postgres: { type: "string" },
  },
});
if (values.postgres) process.env.TEST_POSTGRES_URL = values.postgres;
const ROOMS = Number(values.rooms);
const GAMES = Number(values.games);
const REPEAT = Number(values.repeat);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function createRooms(processes: ServerProcess[]): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: 25 }, async () => {
      for (let i = next++; i < ROOMS; i = next++) {
        const via = processes[i % processes.length]!;
        const r = await fetch(`${via.http}/matchmake/create/party`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: `Bench ${i}`, icon: "robot" }),
        });
        if (r.status !== 200) throw new Error(`create failed: ${r.status} ${await r.text()}`);
      }
    }),
  );
  return ROOMS / ((performance.now() - start) / 1000);
}

async function playGames(processes: ServerProcess[], salt: number): Promise<number> {
  const fast = { minDelayMs: 0, maxDelayMs: 5, hostPauseMs: 0 };
  const start = performance.now();
  await Promise.all(
    Array.from({ length: GAMES }, async (_, g) => {
      const bots: BotHandle[] = [];
      const host = await runBot({ ...fast, endpoint: processes[g % processes.length]!.endpoint, name: `Host${salt}-${g}`, create: {}, minPlayers: 3 });
      bots.push(host);
      for (let i = 1; i < 3; i++) {
        bots.push(await runBot({ ...fast, endpoint: processes[(g + i) % processes.length]!.endpoint, name: `Bot${salt}-${g}-${i}`, code: host.code }));
      }
      await Promise.all(bots.map((b) => b.finished));
      await Promise.all(bots.map((b) => b.stop()));
    }),
  );
  return GAMES / ((performance.now() - start) / 1000);
}

async function measure(count: number) {
  await flushRedis(values.redis);
  const db = await createTestDatabase("robots_bench");
  const ports = await Promise.all(Array.from({ length: count }, () => findFreePort()));
  const processes = await startProcesses(ports, {
    REDIS_URL: values.redis,
    DATABASE_URL: db.url,
    PUBLIC_ADDRESS: "127.0.0.1:{port}",
    LOG_LEVEL: "error",
    MONITOR: "false",
    // Every request comes from this one address: lift the per-address creation limit.
    CREATE_ROOMS_PER_MINUTE: "100000",
  });
  const rooms: number[] = [];
  const games: number[] = [];
  try {
    for (let r = 0; r < REPEAT; r++) {
      rooms.push(await createRooms(processes));
      games.push(await playGames(processes, r));
    }
  } finally {
    await Promise.all(processes.map((p) => p.kill("SIGTERM")));
    await db.drop();
  }
  return { count, rooms, games };
}

const one = await measure(1);
const three = await measure(3);
console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; generator on the same machine`);
console.log(`rooms per run: ${ROOMS}, concurrent games per run: ${GAMES} (3 bots, 8 rounds), runs: ${REPEAT}\n`);
console.log("processes  rooms/s (median; runs)            games/s (median; runs)");
for (const r of [one, three]) {
  const fmt = (xs: number[]) => `${median(xs).toFixed(1).padStart(7)}  (${xs.map((x) => x.toFixed(1)).join(", ")})`;
  console.log(`${String(r.count).padStart(9)}  ${fmt(r.rooms).padEnd(32)} ${fmt(r.games)}`);
}
console.log(`\nratio 3/1: rooms ${(median(three.rooms) / median(one.rooms)).toFixed(2)}×, games ${(median(three.games) / median(one.games)).toFixed(2)}×`);
process.exit(0);
