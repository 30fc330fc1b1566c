/**
 * Benchmark: what the hostile-client limits cost a well-behaved client. The same workload runs
 * against the server as it was before the limits (a git revision, checked out into a temporary
 * worktree) and against this tree, alternating A/B/A/B in one invocation so both see the same
 * machine noise. Medians over `--repeat` runs, and the after/before ratio.
 *
 *   node loadtest/limits-bench.ts [--before 38a54ed] [--rooms 200] [--rounds 40] [--repeat 3]
 *
 * Room creation: `--rooms` rooms created one after another by a fresh SDK client each (HTTP
 * matchmaking request + WebSocket join + first state), each creation from its own client address
 * (X-Forwarded-For from a trusted proxy, so the per-IP creation limit counts every address once).
 * Message round trip: 8 rooms of a host and a player; every client sends `submit-answer` in the
 * lobby every 70 ms (under the 20/s limit) and waits for its `wrong-phase` answer: the full path
 * of shape check, rate limit, role and phase checks, and the reply. `--rounds` messages per client.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Client, type Room } from "@colyseus/sdk";
import { findFreePort } from "../test/support/postgres.ts";
import { BenchServer, checkoutRevision, removeCheckout } from "./support/benchServer.ts";
import { silenceUnhandledMessageWarnings } from "./support/sdkWarnings.ts";

const { values } = parseArgs({
  options: {
    before: { type: "string", default: "38a54ed" },
    rooms: { type: "string", default: "200" },
    rounds: { type: "string", default: "40" },
    repeat: { type: "string", default: "3" },
  },
});
const ROOMS = Number(values.rooms);
const ROUNDS = Number(values.rounds);
const REPEAT = Number(values.repeat);
const MESSAGE_ROOMS = 8;
const SEND_EVERY_MS = 70;
const ROOT = new URL("../", import.meta.url).pathname;

silenceUnhandledMessageWarnings();

const quantile = (xs: number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};
const median = (xs: number[]) => quantile(xs, 0.5);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startServer(label: string, cwd: string, port: number, dataDir: string): BenchServer {
  // The bench's proxy is this process; the old revision ignores the variable.
  return new BenchServer({ label, cwd, port, env: { DATA_DIR: dataDir, TRUSTED_PROXIES: "127.0.0.1" } });
}

/** A documentation address (RFC 5737) per creation: only ever a header value, never a target. */
const clientAddress = (i: number) => `198.51.${100 + Math.floor(i / 250) % 3}.${1 + (i % 250)}`;

async function createRooms(server: BenchServer, salt: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < ROOMS; i++) {
    const sdk = new Client(server.endpoint, { headers: { "x-forwarded-for": clientAddress(salt * ROOMS + i) } });
    const start = performance.now();
    const room = await sdk.create("party", { name: "Bench", icon: "robot" });
    await new Promise<void>((resolve) => (room.state?.code ? resolve() : room.onStateChange.once(() => resolve())));
    latencies.push(performance.now() - start);
    await room.leave(true);
  }
  return latencies;
}

async function roundTrips(server: BenchServer): Promise<number[]> {
  const rooms: Room[] = [];
  for (let r = 0; r < MESSAGE_ROOMS; r++) {
    const host = await new Client(server.endpoint).create("party", { name: `Host${r}`, icon: "robot" });
    const player = await new Client(server.endpoint).joinById(host.roomId, { name: `Player${r}`, icon: "cat" });
    rooms.push(host, player);
  }
  await sleep(500);
  const latencies: number[] = [];
  await Promise.all(
    rooms.map(async (room) => {
      let waiting: ((t: number) => void) | undefined;
      room.onMessage("error", () => waiting?.(performance.now()));
      room.onMessage("*", () => {});
      for (let i = 0; i < ROUNDS; i++) {
        const sent = performance.now();
        const answered = new Promise<number>((resolve) => (waiting = resolve));
        room.send("submit-answer", { answer: "a bench answer" });
        latencies.push((await answered) - sent);
        await sleep(Math.max(0, SEND_EVERY_MS - (performance.now() - sent)));
      }
    }),
  );
  await Promise.all(rooms.map((r) => r.leave(true)));
  return latencies;
}


const beforeDir = await checkoutRevision(values.before);
const dataDirs: string[] = [];
const results = { before: { create: [] as number[][], rtt: [] as number[][] }, after: { create: [] as number[][], rtt: [] as number[][] } };
try {
  for (let run = 0; run < REPEAT; run++) {
    for (const which of ["before", "after"] as const) {
      const dataDir = await mkdtemp(join(os.tmpdir(), "robots-bench-data-"));
      dataDirs.push(dataDir);
      const server = startServer(which, which === "before" ? beforeDir : ROOT, await findFreePort(), dataDir);
      try {
        await server.ready();
        await createRooms(server, run); // warm-up: JIT, PGlite, question pool
        results[which].create.push(await createRooms(server, run + REPEAT));
        results[which].rtt.push(await roundTrips(server));
      } finally {
        await server.stop();
      }
    }
  }
} finally {
  removeCheckout(beforeDir);
  await Promise.all(dataDirs.map((d) => rm(d, { recursive: true, force: true })));
}

const summary = (runs: number[][]) => ({
  p50: median(runs.map((r) => quantile(r, 0.5))),
  p99: median(runs.map((r) => quantile(r, 0.99))),
});
console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; generator on the same machine`);
console.log(`before = ${values.before}, after = this tree; ${REPEAT} alternating runs; ${ROOMS} creations and ${MESSAGE_ROOMS * 2}×${ROUNDS} round trips per run\n`);
console.log("                        before p50   before p99    after p50    after p99   ratio p50   ratio p99");
for (const [label, key] of [["room creation (ms)", "create"], ["message round trip (ms)", "rtt"]] as const) {
  const b = summary(results.before[key]);
  const a = summary(results.after[key]);
  const f = (x: number) => x.toFixed(2).padStart(12);
  console.log(`${label.padEnd(23)}${f(b.p50)} ${f(b.p99)} ${f(a.p50)} ${f(a.p99)} ${(a.p50 / b.p50).toFixed(2).padStart(10)}× ${(a.p99 / b.p99).toFixed(2).padStart(10)}×`);
}
console.log("\nper-run p99 (ms): creation before", results.before.create.map((r) => quantile(r, 0.99).toFixed(1)).join(", "), "after", results.after.create.map((r) => quantile(r, 0.99).toFixed(1)).join(", "));
console.log("per-run p99 (ms): round trip before", results.before.rtt.map((r) => quantile(r, 0.99).toFixed(1)).join(", "), "after", results.after.rtt.map((r) => quantile(r, 0.99).toFixed(1)).join(", "));
process.exit(0);
