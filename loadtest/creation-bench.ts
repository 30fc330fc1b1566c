/**
 * Room creation latency (issue #9 target: p99 ≤ 15 ms one at a time, ≤ 60 ms with 50 in flight):
 * `npm run bench:creation`. One server of this tree (`node src/index.ts`, NODE_ENV=production as
 * deployed); every creation is a fresh SDK client (HTTP matchmaking request, WebSocket join,
 * first state), each from its own client address (X-Forwarded-For from the trusted 127.0.0.1) so
 * the per-address creation limit counts each once, with CREATE_ROOMS_PER_MINUTE raised anyway.
 *
 *   node loadtest/creation-bench.ts [--sequential 200] [--concurrent 50] [--waves 6] [--repeat 3]
 *                                   [--server-args "--cpu-prof --cpu-prof-dir=/tmp/prof"]
 *
 * Per run: a warm-up (one sequential pass of 50 and one wave), then `--sequential` creations one
 * after another, then `--waves` waves of `--concurrent` creations started together (the next wave
 * starts when the last one is done). Latency is from the create call to the first state. Each
 * room is left as soon as it is measured, so rooms do not pile up. Medians over `--repeat` runs,
 * each on a fresh server.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Client } from "@colyseus/sdk";
import { findFreePort } from "../test/support/postgres.ts";
import { BenchServer } from "./support/benchServer.ts";
import { silenceUnhandledMessageWarnings } from "./support/sdkWarnings.ts";

const { values } = parseArgs({
  options: {
    sequential: { type: "string", default: "200" },
    concurrent: { type: "string", default: "50" },
    waves: { type: "string", default: "6" },
    repeat: { type: "string", default: "3" },
    /** Extra node flags for the server, e.g. a CPU profile of where a creation's time goes. */
    "server-args": { type: "string", default: "" },
  },
});
const SEQUENTIAL = Number(values.sequential);
const CONCURRENT = Number(values.concurrent);
const WAVES = Number(values.waves);
const REPEAT = Number(values.repeat);
const ROOT = new URL("../", import.meta.url).pathname;

silenceUnhandledMessageWarnings();

const quantile = (xs: number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
};
const median = (xs: number[]) => quantile(xs, 0.5);

/** A documentation address (RFC 5737 / 3849 style) per creation: only ever a header value. */
let addresses = 0;
const nextAddress = () => {
  const i = addresses++;
  return `198.${18 + Math.floor(i / 65_000) % 2}.${Math.floor(i / 250) % 250}.${1 + (i % 250)}`;
};

async function createOne(endpoint: string): Promise<number> {
  const sdk = new Client(endpoint, { headers: { "x-forwarded-for": nextAddress() } });
  const start = performance.now();
  const room = await sdk.create("party", { name: "Bench", icon: "robot" });
  await new Promise<void>((resolve) => (room.state?.code ? resolve() : room.onStateChange.once(() => resolve())));
  const ms = performance.now() - start;
  await room.leave(true);
  return ms;
}

async function sequential(endpoint: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await createOne(endpoint));
  return out;
}

async function waves(endpoint: string, waves: number, width: number): Promise<number[]> {
  const out: number[] = [];
  for (let w = 0; w < waves; w++) out.push(...(await Promise.all(Array.from({ length: width }, () => createOne(endpoint)))));
  return out;
}

const runs: { sequential: number[]; concurrent: number[] }[] = [];
for (let run = 0; run < REPEAT; run++) {
  const dataDir = await mkdtemp(join(os.tmpdir(), "robots-bench-data-"));
  const server = new BenchServer({
    label: "robots",
    cwd: ROOT,
    nodeArgs: values["server-args"]!.split(" ").filter(Boolean),
    port: await findFreePort(),
    env: { DATA_DIR: dataDir, TRUSTED_PROXIES: "127.0.0.1", CREATE_ROOMS_PER_MINUTE: "100000", NODE_ENV: "production", STARTUP_TIMEOUT_SECONDS: "300" },
  });
  try {
    await server.ready(120_000);
    await sequential(server.endpoint, 50);
    await waves(server.endpoint, 1, CONCURRENT);
    runs.push({ sequential: await sequential(server.endpoint, SEQUENTIAL), concurrent: await waves(server.endpoint, WAVES, CONCURRENT) });
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 500 });
  }
}

const line = (label: string, pick: (r: (typeof runs)[number]) => number[]) => {
  const m = (q: number) => median(runs.map((r) => quantile(pick(r), q))).toFixed(1).padStart(8);
  const perRun = runs.map((r) => quantile(pick(r), 0.99).toFixed(1)).join(", ");
  console.log(`${label.padEnd(26)}${m(0.5)}${m(0.95)}${m(0.99)}${m(1)}   p99 per run: ${perRun}`);
};
console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, Node ${process.version}, load ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}; generator on the same machine`);
console.log(`${REPEAT} run(s): ${SEQUENTIAL} one at a time, then ${WAVES} waves of ${CONCURRENT} at once; medians of the runs (ms)\n`);
console.log(`${"creation".padEnd(26)}${"p50".padStart(8)}${"p95".padStart(8)}${"p99".padStart(8)}${"max".padStart(8)}`);
line("one at a time", (r) => r.sequential);
line(`${CONCURRENT} in flight`, (r) => r.concurrent);
process.exit(0);
