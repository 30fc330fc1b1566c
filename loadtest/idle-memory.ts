/**
 * Idle server memory (issue #9 target: RSS ≤ 150 MB): `node loadtest/idle-memory.ts`. Starts
 * `node src/index.ts` of this tree (NODE_ENV=production, as deployed) in each variant, waits for
 * /health and then `--settle` seconds, and reads VmRSS, the anonymous and file-backed parts
 * (`/proc/PID/smaps_rollup`) and the V8 heap (`/metrics`). Variants alternate, `--repeat` times;
 * medians are printed. RSS does not depend on how busy the machine is, so this is a quiet figure
 * even on a shared box.
 *
 *   node loadtest/idle-memory.ts [--repeat 3] [--settle 15] [--variants embedded,postgres,…]
 *
 * Variants: `embedded` (PGlite in its worker, on disk, measured at the second start over the
 * same DATA_DIR, as a restarted server runs), `fresh` (the first start, which also runs PGlite's
 * initdb), `postgres` (DATABASE_URL to a throwaway database on TEST_POSTGRES_URL's server). Any
 * variant may end in `:KEY=VAL` (repeatable) to add environment, e.g. `embedded:MALLOC_ARENA_MAX=2`.
 */
import { readFile, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createTestDatabase, findFreePort } from "../test/support/postgres.ts";
import { BenchServer } from "./support/benchServer.ts";

const { values } = parseArgs({
  options: {
    repeat: { type: "string", default: "3" },
    settle: { type: "string", default: "15" },
    variants: { type: "string", default: "embedded,postgres" },
  },
});
const REPEAT = Number(values.repeat);
const SETTLE_MS = Number(values.settle) * 1000;
const VARIANTS = values.variants!.split(",").filter(Boolean);
const ROOT = new URL("../", import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

interface Reading {
  rssMiB: number;
  anonMiB: number;
  fileMiB: number;
  heapMiB: number;
}

async function readMemory(server: BenchServer): Promise<Reading> {
  const rollup = await readFile(`/proc/${server.child.pid}/smaps_rollup`, "utf8");
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(rollup)?.[1] ?? NaN) / 1024;
  const metrics = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
  const heap = Number(/^nodejs_heap_size_used_bytes (\S+)/m.exec(metrics)?.[1] ?? NaN) / 2 ** 20;
  return { rssMiB: kb("Rss"), anonMiB: kb("Anonymous"), fileMiB: kb("Rss") - kb("Anonymous"), heapMiB: heap };
}

async function measure(variant: string): Promise<Reading> {
  const [kind, ...assignments] = variant.split(":");
  const extra = Object.fromEntries(assignments.map((a) => [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]));
  if (!["embedded", "fresh", "postgres"].includes(kind!)) throw new Error(`unknown variant "${variant}"`);
  const dataDir = await mkdtemp(join(os.tmpdir(), "robots-bench-data-"));
  const database = kind === "postgres" ? await createTestDatabase("robots_idle") : undefined;
  const env = { DATA_DIR: dataDir, NODE_ENV: "production", STARTUP_TIMEOUT_SECONDS: "300", ...(database ? { DATABASE_URL: database.url } : {}), ...extra };
  const start = async () => {
    const server = new BenchServer({ label: variant, cwd: ROOT, port: await findFreePort(), env });
    await server.ready(120_000);
    return server;
  };
  let server: BenchServer | undefined;
  try {
    server = await start();
    if (kind === "embedded") {
      // A restarted server opens an existing database; the first start also ran initdb.
      await server.stop();
      server = await start();
    }
    await sleep(SETTLE_MS);
    return await readMemory(server);
  } finally {
    await server?.stop();
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 500 });
  }
}

const readings = new Map<string, Reading[]>(VARIANTS.map((v) => [v, []]));
for (let run = 0; run < REPEAT; run++) {
  for (const variant of VARIANTS) readings.get(variant)!.push(await measure(variant));
}

console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, Node ${process.version}; ${REPEAT} run(s) per variant, alternating, ${SETTLE_MS / 1000} s after /health; medians (MiB)\n`);
console.log(`${"variant".padEnd(36)}${"RSS".padStart(8)}${"anon".padStart(8)}${"file".padStart(8)}${"heap".padStart(8)}   RSS per run`);
for (const [variant, rs] of readings) {
  const m = (pick: (r: Reading) => number) => median(rs.map(pick)).toFixed(1).padStart(8);
  console.log(`${variant.padEnd(36)}${m((r) => r.rssMiB)}${m((r) => r.anonMiB)}${m((r) => r.fileMiB)}${m((r) => r.heapMiB)}   ${rs.map((r) => r.rssMiB.toFixed(0)).join(", ")}`);
}
process.exit(0);
