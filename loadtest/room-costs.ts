/**
 * What a room costs the server while nothing happens in it (issue #9): CPU per idle lobby per
 * second, heap per room in the lobby and while playing, and the RSS of a server with no rooms.
 * The same steps run against a git revision (checked out into a temporary worktree, the "before")
 * and against this tree, one after the other in one invocation, so the ratios compare like with
 * like on the same machine.
 *
 *   node loadtest/room-costs.ts [--before e1e1c4a] [--rooms 300] [--clients 8] [--window 20] [--only after]
 *                               [--snapshots DIR]
 *
 * Per server: start it (with a small probe on its IPC channel that collects
 * garbage twice and reports `process.memoryUsage()` and `process.cpuUsage()`), measure with no
 * rooms (RSS idle, heap, CPU over `--window` seconds), open `--rooms` rooms of `--clients` SDK
 * clients each and leave them idle in the lobby (heap, CPU over the window again), then start
 * every game and have every player answer, so each room sits in `elimination` with its options
 * on the board (heap). Per-room figures are the differences from the empty server divided by
 * the room count. `--snapshots DIR` also writes a heap snapshot of each server at each step, and
 * `--profiles DIR` a CPU profile of its main thread over the idle-lobby window.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { Client, type Room } from "@colyseus/sdk";
import { findFreePort } from "../test/support/postgres.ts";
import { BenchServer, checkoutRevision, removeCheckout } from "./support/benchServer.ts";
import { silenceUnhandledMessageWarnings } from "./support/sdkWarnings.ts";

const { values } = parseArgs({
  options: {
    before: { type: "string", default: "e1e1c4a" },
    rooms: { type: "string", default: "300" },
    clients: { type: "string", default: "8" },
    window: { type: "string", default: "20" },
    only: { type: "string" },
    snapshots: { type: "string" },
    profiles: { type: "string" },
  },
});
const ROOMS = Number(values.rooms);
const CLIENTS = Number(values.clients);
const WINDOW_MS = Number(values.window) * 1000;
const ROOT = new URL("../", import.meta.url).pathname;
const SNAPSHOTS = values.snapshots ? resolve(values.snapshots) : undefined;
const PROFILES = values.profiles ? resolve(values.profiles) : undefined;
const CREATE_BATCH = 10;

silenceUnhandledMessageWarnings();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs inside the server: answers `measure` and `snapshot` requests on the IPC channel. */
const PROBE = `
import fs from "node:fs";
import inspector from "node:inspector";
import v8 from "node:v8";
import vm from "node:vm";
import { isMainThread } from "node:worker_threads";
// Not --expose-gc on the command line: worker threads (PGlite's) refuse V8 flags in execArgv.
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc");
if (isMainThread) process.on("message", (m) => {
  if (m?.probe === "measure") {
    gc(); gc();
    const sockets = process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap").length;
    process.send({ probe: m.probe, id: m.id, memory: process.memoryUsage(), cpu: process.cpuUsage(), sockets });
  } else if (m?.probe === "cpu") {
    process.send({ probe: m.probe, id: m.id, cpu: process.cpuUsage(), thread: process.threadCpuUsage() });
  } else if (m?.probe === "profile-start") {
    const session = (globalThis.__probeSession ??= new inspector.Session());
    session.connect();
    session.post("Profiler.enable", () => session.post("Profiler.start", () => process.send({ probe: m.probe, id: m.id })));
  } else if (m?.probe === "profile-stop") {
    const session = globalThis.__probeSession;
    session.post("Profiler.stop", (err, result) => {
      fs.writeFileSync(m.file, JSON.stringify(result.profile));
      session.disconnect();
      process.send({ probe: m.probe, id: m.id });
    });
  } else if (m?.probe === "snapshot") {
    gc();
    process.send({ probe: m.probe, id: m.id, file: v8.writeHeapSnapshot(m.file) });
  }
});
`;

interface Measure {
  memory: NodeJS.MemoryUsage;
  cpu: NodeJS.CpuUsage;
  /** Open TCP sockets of the server (its listening socket is not one). */
  sockets: number;
}

class Server extends BenchServer {
  #nextId = 0;
  constructor(label: string, cwd: string, port: number, dataDir: string) {
    super({
      label,
      cwd,
      port,
      nodeArgs: ["--import", `data:text/javascript,${encodeURIComponent(PROBE)}`],
      ipc: true,
      env: {
        DATA_DIR: dataDir,
        // One address opens every room and socket of the bench.
        CREATE_ROOMS_PER_MINUTE: "100000",
        MAX_SOCKETS_PER_IP: "1000000",
        FAILED_JOIN_LIMIT: "100000",
      },
    });
  }
  #ask<T>(message: Record<string, unknown>): Promise<T> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      const onMessage = (m: any) => {
        if (m?.id !== id) return;
        this.child.off("message", onMessage);
        resolve(m as T);
      };
      this.child.on("message", onMessage);
      this.child.send({ ...message, id });
    });
  }
  /** Memory after two full collections, and CPU so far. */
  measure(): Promise<Measure> {
    return this.#ask({ probe: "measure" });
  }
  /**
   * CPU so far, of the whole process and of its main thread (the rooms' thread; the process
   * also runs PGlite's worker and V8's helpers), without collecting garbage, which would count
   * in the window.
   */
  cpu(): Promise<{ cpu: NodeJS.CpuUsage; thread: NodeJS.CpuUsage }> {
    return this.#ask({ probe: "cpu" });
  }
  async snapshot(name: string): Promise<void> {
    if (!SNAPSHOTS) return;
    await this.#ask({ probe: "snapshot", file: join(SNAPSHOTS, `${this.label}-${name}.heapsnapshot`) });
  }
  /** Runs `during` with the server's main thread under the CPU profiler (`--profiles DIR`). */
  async profiled<T>(name: string, during: () => Promise<T>): Promise<T> {
    if (!PROFILES) return during();
    await this.#ask({ probe: "profile-start" });
    const result = await during();
    await this.#ask({ probe: "profile-stop", file: join(PROFILES, `${this.label}-${name}.cpuprofile`) });
    return result;
  }
}

interface Table {
  host: Room;
  all: Room[];
}

const stateIs = (room: Room, check: (state: any) => boolean) =>
  new Promise<void>((resolve, reject) => {
    if (room.state && check(room.state)) return resolve();
    const timer = setTimeout(() => reject(new Error(`room ${room.roomId}: state not reached`)), 60_000);
    const listener = (state: any) => {
      if (!check(state)) return;
      clearTimeout(timer);
      room.onStateChange.remove(listener);
      resolve();
    };
    room.onStateChange(listener);
  });

/** A join can time out on a machine this loaded; the bench wants the room, so it asks again. */
async function retried<T>(attempt: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (i === 3) throw error;
      await sleep(500);
    }
  }
}

async function openTable(endpoint: string, index: number): Promise<Table> {
  const host = await retried(() => new Client(endpoint).create("party", { name: `Host ${index}`, icon: "robot" }));
  host.onMessage("*", () => {});
  const all = [host];
  for (let i = 1; i < CLIENTS; i++) {
    const player = await retried(() => new Client(endpoint).joinById(host.roomId, { name: `Player ${i}`, icon: "cat" }));
    player.onMessage("*", () => {});
    all.push(player);
  }
  await stateIs(host, (s) => s.players.size === CLIENTS);
  return { host, all };
}

/** The server's CPU time over the window, µs per wall second: the process's and its main thread's. */
async function cpuRate(server: Server): Promise<{ process: number; thread: number }> {
  const a = await server.cpu();
  const start = performance.now();
  await sleep(WINDOW_MS);
  const b = await server.cpu();
  const elapsedS = (performance.now() - start) / 1000;
  const used = (x: NodeJS.CpuUsage, y: NodeJS.CpuUsage) => (y.user + y.system - x.user - x.system) / elapsedS;
  return { process: used(a.cpu, b.cpu), thread: used(a.thread, b.thread) };
}

interface Result {
  rssIdleMB: number;
  heapIdleMB: number;
  externalIdleMB: number;
  cpuEmptyUsPerS: number;
  cpuLobbyUsPerS: number;
  cpuPerLobbyUsPerS: number;
  mainEmptyUsPerS: number;
  mainLobbyUsPerS: number;
  mainPerLobbyUsPerS: number;
  heapPerLobbyKB: number;
  externalPerLobbyKB: number;
  heapPerPlayingKB: number;
  externalPerPlayingKB: number;
  rssWithRoomsMB: number;
}

/** Opens `count` tables and plays each to `elimination` (or stays in the lobby). */
async function openTables(server: Server, count: number): Promise<Table[]> {
  const tables: Table[] = [];
  for (let i = 0; i < count; i += CREATE_BATCH) {
    const batch = Array.from({ length: Math.min(CREATE_BATCH, count - i) }, (_, k) => openTable(server.endpoint, i + k));
    tables.push(...(await Promise.all(batch)));
  }
  return tables;
}

async function playToElimination(tables: Table[]): Promise<void> {
  for (const t of tables) t.host.send("start-game", {});
  await Promise.all(tables.map((t) => stateIs(t.host, (s) => s.phase === "question")));
  for (const t of tables) t.all.forEach((room, i) => room.send("submit-answer", { answer: `a made-up answer ${i}` }));
  await Promise.all(tables.map((t) => stateIs(t.host, (s) => s.phase === "elimination")));
}

const leaveTables = (tables: Table[]) => Promise.allSettled(tables.flatMap((t) => t.all.map((r) => r.leave(true))));

async function measureServer(server: Server): Promise<Result> {
  await server.ready();
  // Warm-up: code compiled, pools and caches filled, so that the differences below are the
  // rooms' own and not one-time costs.
  const warm = await openTables(server, Math.min(ROOMS, 30));
  await playToElimination(warm);
  await leaveTables(warm);
  // Until every warm-up socket is closed and its room gone, with a few seconds to spare.
  for (let i = 0; i < 60 && (await server.measure()).sockets > 0; i++) await sleep(500);
  await sleep(3000);
  const empty = await server.measure();
  await server.snapshot("empty");
  const cpuEmpty = await cpuRate(server);

  const tables = await openTables(server, ROOMS);
  await sleep(3000);
  const lobby = await server.measure();
  await server.snapshot("lobby");
  const cpuLobby = await server.profiled("lobby", () => cpuRate(server));

  // Every game starts, every player answers: the rooms sit in `elimination`, options shown.
  await playToElimination(tables);
  await sleep(1000);
  const playing = await server.measure();
  await server.snapshot("playing");

  await leaveTables(tables);
  const mb = (b: number) => b / 2 ** 20;
  const perRoomKB = (b: number) => b / ROOMS / 1024;
  return {
    rssIdleMB: mb(empty.memory.rss),
    heapIdleMB: mb(empty.memory.heapUsed),
    externalIdleMB: mb(empty.memory.external),
    cpuEmptyUsPerS: cpuEmpty.process,
    cpuLobbyUsPerS: cpuLobby.process,
    cpuPerLobbyUsPerS: (cpuLobby.process - cpuEmpty.process) / ROOMS,
    mainEmptyUsPerS: cpuEmpty.thread,
    mainLobbyUsPerS: cpuLobby.thread,
    mainPerLobbyUsPerS: (cpuLobby.thread - cpuEmpty.thread) / ROOMS,
    heapPerLobbyKB: perRoomKB(lobby.memory.heapUsed - empty.memory.heapUsed),
    externalPerLobbyKB: perRoomKB(lobby.memory.external - empty.memory.external),
    heapPerPlayingKB: perRoomKB(playing.memory.heapUsed - empty.memory.heapUsed),
    externalPerPlayingKB: perRoomKB(playing.memory.external - empty.memory.external),
    rssWithRoomsMB: mb(playing.memory.rss),
  };
}


const which = values.only ? [values.only as "before" | "after"] : (["before", "after"] as const);
const beforeDir = which.includes("before") ? await checkoutRevision(values.before) : undefined;
const dataDirs: string[] = [];
const results: Partial<Record<"before" | "after", Result>> = {};
try {
  for (const label of which) {
    const dataDir = await mkdtemp(join(os.tmpdir(), "robots-costs-data-"));
    dataDirs.push(dataDir);
    const server = new Server(label, label === "before" ? beforeDir! : ROOT, await findFreePort(), dataDir);
    try {
      results[label] = await measureServer(server);
    } catch (error) {
      console.error(`${label} failed: ${(error as Error).message} (${(error as { code?: unknown }).code})\n${server.output.slice(-3000)}`);
      throw error;
    } finally {
      await server.stop();
    }
  }
} finally {
  if (beforeDir) removeCheckout(beforeDir);
  await Promise.all(dataDirs.map((d) => rm(d, { recursive: true, force: true })));
}

console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; generator on the same machine`);
console.log(`before = ${values.before}, after = this tree; ${ROOMS} rooms × ${CLIENTS} SDK clients; CPU over ${WINDOW_MS / 1000} s windows\n`);
const rows: [string, keyof Result][] = [
  ["RSS, no rooms (MB)", "rssIdleMB"],
  ["heap, no rooms (MB)", "heapIdleMB"],
  ["external, no rooms (MB)", "externalIdleMB"],
  ["CPU, no rooms (µs/s)", "cpuEmptyUsPerS"],
  ["CPU, all lobbies (µs/s)", "cpuLobbyUsPerS"],
  ["CPU per idle lobby (µs/s)", "cpuPerLobbyUsPerS"],
  ["main thread, no rooms (µs/s)", "mainEmptyUsPerS"],
  ["main thread, lobbies (µs/s)", "mainLobbyUsPerS"],
  ["main thread per lobby (µs/s)", "mainPerLobbyUsPerS"],
  ["heap per lobby room (KB)", "heapPerLobbyKB"],
  ["external per lobby (KB)", "externalPerLobbyKB"],
  ["heap per playing room (KB)", "heapPerPlayingKB"],
  ["external per playing (KB)", "externalPerPlayingKB"],
  ["RSS with rooms (MB)", "rssWithRoomsMB"],
];
console.log(`${"".padEnd(30)}${"before".padStart(12)}${"after".padStart(12)}${"ratio".padStart(10)}`);
for (const [label, key] of rows) {
  const b = results.before?.[key];
  const a = results.after?.[key];
  const f = (x: number | undefined) => (x === undefined ? "-" : x.toFixed(1)).padStart(12);
  const ratio = a !== undefined && b !== undefined && b !== 0 ? `${(a / b).toFixed(2)}×` : "-";
  console.log(`${label.padEnd(30)}${f(b)}${f(a)}${ratio.padStart(10)}`);
}
console.log(`\n${JSON.stringify({ rooms: ROOMS, clients: CLIENTS, windowS: WINDOW_MS / 1000, results })}`);
process.exit(0);
