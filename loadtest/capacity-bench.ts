/**
 * Capacity benchmark (`npm run bench:capacity`): how many rooms of 8 bots one Robots server holds
 * at a given pace, and what each action costs it, next to a raw `ws` broadcast server driven at
 * the same message rate in the same invocation (issue #9).
 *
 *   npm run bench:capacity -- --rooms 250 --pace realistic --baseline
 *   npm run bench:capacity -- --steps 100,250,500,1000 --pace realistic --baseline --repeat 3 --json out.json
 *   npm run bench:capacity -- --knee --pace fast --baseline
 *
 * Each run starts a fresh server child (`node src/index.ts`, 127.0.0.1, a temporary DATA_DIR,
 * LOG_LEVEL=warn, the per-address limits lifted since every client shares 127.0.0.1) and
 * `--generators` child processes holding whole rooms of 8 bots (bots/runner.ts). It measures the
 * idle server, creates the rooms in batches (R lobbies: CPU per lobby per second, memory), starts
 * every game (spread over the first think times; games loop with play-again), waits `--warmup`,
 * then measures `--window` seconds. `--help` lists the options; README "Capacity benchmark"
 * explains the columns.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Think, WindowReport } from "./capacity/generator.ts";
import { ROOM_SIZE } from "./capacity/generator.ts";
import {
  collectAndMeasure,
  cpuMicros,
  killAll,
  machineTicks,
  rawStats,
  rssBytes,
  scrapeMetrics,
  startGenerator,
  startRawServer,
  startRobotsServer,
  writeCalls,
  type Generator,
  type ServerUnderTest,
} from "./capacity/processes.ts";
import { findKnee, median, parseSteps, parseThink, perRoom, summarize, type LatencySummary } from "./capacity/stats.ts";

const HELP = `Robots capacity benchmark: R rooms of ${ROOM_SIZE} bots against one server, and a raw ws baseline.

  --rooms N            one step of N rooms (default 100)
  --steps A,B,C        successive room counts; stops after the first whose p99 passes --limit-ms
  --knee               steps 50, 100, 200, … up to --max-rooms, until p99 passes --limit-ms
  --max-rooms N        the largest step --knee (and the baseline's extra steps) may try (default 2000)
  --limit-ms MS        the p99 that defines the knee (default 50)
  --pace realistic|fast  think time 2–20 s (default) or 0.1–0.4 s
  --think MIN-MAX      think time in seconds instead, e.g. 1-5
  --host-pause S       hosting bot's pause on results and final (default: the think time's midpoint)
  --generators N       load generator processes (default 2); a room's 8 bots share one
  --batch N            rooms being filled at once (default 25)
  --warmup S           seconds between starting the games and the window (default 30 realistic, 10 fast)
  --window S           measured seconds (default 60 realistic, 30 fast)
  --lobby-window S     seconds the idle lobbies' CPU is measured (default 10)
  --repeat N           runs per step; medians are shown (default 1)
  --baseline           also run the raw ws broadcast server at the same message rate, same rooms
  --raw-rate X         baseline messages per second per room (default: the rate Robots reached at the first step)
  --json FILE          write every run and the medians to FILE
  --server-args "..."  extra node flags for the servers under test (Robots and raw), e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
  --env KEY=VAL        extra environment for the Robots server (repeatable)
  --no-gc              skip the forced garbage collection before memory readings
  --timeout MIN        stop everything after this many minutes (default 180)
  -h, --help           this text`;

class UsageError extends Error {}

interface Options {
  steps: number[];
  stepping: boolean;
  maxRooms: number;
  limitMs: number;
  pace: string;
  think: Think;
  generators: number;
  batch: number;
  warmupS: number;
  windowS: number;
  lobbyWindowS: number;
  repeat: number;
  baseline: boolean;
  rawRate: number | undefined;
  json: string | undefined;
  serverArgs: string[];
  env: Record<string, string>;
  gc: boolean;
  timeoutMin: number;
}

function parseOptions(argv: string[]): Options | "help" {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        rooms: { type: "string" },
        steps: { type: "string" },
        knee: { type: "boolean", default: false },
        "max-rooms": { type: "string", default: "2000" },
        "limit-ms": { type: "string", default: "50" },
        pace: { type: "string", default: "realistic" },
        think: { type: "string" },
        "host-pause": { type: "string" },
        generators: { type: "string", default: "2" },
        batch: { type: "string", default: "25" },
        warmup: { type: "string" },
        window: { type: "string" },
        "lobby-window": { type: "string", default: "10" },
        repeat: { type: "string", default: "1" },
        baseline: { type: "boolean", default: false },
        "raw-rate": { type: "string" },
        json: { type: "string" },
        "server-args": { type: "string", default: "" },
        env: { type: "string", multiple: true, default: [] },
        "no-gc": { type: "boolean", default: false },
        timeout: { type: "string", default: "180" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return "help";
  const int = (name: string, raw: string, min: number, max: number) => {
    if (!/^\d+$/.test(raw)) throw new UsageError(`--${name} must be a whole number, got "${raw}"`);
    const n = Number(raw);
    if (n < min || n > max) throw new UsageError(`--${name} must be between ${min} and ${max}, got ${n}`);
    return n;
  };
  const num = (name: string, raw: string, min: number) => {
    const n = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(n) || n < min) throw new UsageError(`--${name} must be a number ≥ ${min}, got "${raw}"`);
    return n;
  };
  const chosen = [values.rooms !== undefined, values.steps !== undefined, values.knee].filter(Boolean).length;
  if (chosen > 1) throw new UsageError("give one of --rooms, --steps and --knee");
  const maxRooms = int("max-rooms", values["max-rooms"]!, 1, 100_000);
  let steps: number[];
  if (values.knee) {
    steps = [];
    for (let r = 50; r <= maxRooms; r *= 2) steps.push(r);
  } else if (values.steps !== undefined) {
    try {
      steps = parseSteps(values.steps);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  } else {
    steps = [int("rooms", values.rooms ?? "100", 1, 100_000)];
  }
  const pace = values.pace!;
  if (pace !== "realistic" && pace !== "fast") throw new UsageError(`--pace must be realistic or fast, got "${pace}"`);
  let think = pace === "fast" ? { minMs: 100, maxMs: 400 } : { minMs: 2000, maxMs: 20_000 };
  if (values.think !== undefined) {
    try {
      think = parseThink(values.think);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  const hostPauseMs = values["host-pause"] !== undefined ? Math.round(num("host-pause", values["host-pause"], 0) * 1000) : Math.round((think.minMs + think.maxMs) / 2);
  const fastish = think.maxMs <= 2000;
  const env: Record<string, string> = {};
  for (const entry of values.env!) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(entry);
    if (!match) throw new UsageError(`--env must look like KEY=VALUE, got "${entry}"`);
    env[match[1]!] = match[2]!;
  }
  const serverArgs = values["server-args"]!.split(/\s+/).filter((a) => a !== "");
  return {
    steps,
    stepping: values.knee || values.steps !== undefined,
    maxRooms,
    limitMs: num("limit-ms", values["limit-ms"]!, 0),
    pace: values.think !== undefined ? `think ${values.think} s` : pace,
    think: { ...think, hostPauseMs },
    generators: int("generators", values.generators!, 1, 64),
    batch: int("batch", values.batch!, 1, 1000),
    warmupS: num("warmup", values.warmup ?? (fastish ? "10" : "30"), 0),
    windowS: num("window", values.window ?? (fastish ? "30" : "60"), 1),
    lobbyWindowS: num("lobby-window", values["lobby-window"]!, 0),
    repeat: int("repeat", values.repeat!, 1, 50),
    baseline: values.baseline!,
    rawRate: values["raw-rate"] !== undefined ? num("raw-rate", values["raw-rate"], 0.001) : undefined,
    json: values.json,
    serverArgs,
    env,
    gc: !values["no-gc"],
    timeoutMin: num("timeout", values.timeout!, 1),
  };
}

// ------------------------------------------------------------------ one run

interface Memory {
  /** V8 heap in use (after a forced GC unless --no-gc), bytes. */
  heapUsed: number;
  /** Resident set size from /proc/<pid>/status, bytes. */
  rss: number;
}

/** Everything one run measured. Times in ms, CPU in µs, memory in bytes unless named otherwise. */
export interface RunResult {
  kind: "robots" | "raw";
  rooms: number;
  roomsHeld: number;
  failedRooms: number;
  setupSeconds: number;
  setupErrors: Record<string, number>;
  latency: LatencySummary;
  actions: number;
  actionsPerSecond: number;
  actionsPerRoomPerSecond: number;
  serverCpuMicros: number;
  cpuMicrosPerAction: number;
  /** Write system calls of the server process per action in the window (all sockets, pings included). */
  writeCallsPerAction: number;
  /** Server CPU over the window as a share of one core. */
  serverCpuShare: number;
  /** All cores' busy share over the window (server, generators and everything else). */
  machineBusy: number;
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
  recordsPending: number;
  gamesCompleted: number;
  unfinished: number;
  silentRooms: number;
  errors: Record<string, number>;
  sent: Record<string, number>;
  memory: { idle: Memory; lobby: Memory; playing: Memory; metricsHeapIdle: number; metricsHeapLobby: number; metricsHeapPlaying: number };
  heapKbPerRoomLobby: number;
  heapKbPerRoomPlaying: number;
  rssKbPerRoomLobby: number;
  rssKbPerRoomPlaying: number;
  /** Server CPU per second with no room at all. */
  idleCpuMicrosPerSecond: number;
  /** Server CPU per idle lobby per second, the idle server's own subtracted. */
  lobbyCpuMicrosPerRoomPerSecond: number;
  generatorCpuShare: number;
  generatorEventLoopMaxMs: number;
  /** Baseline: the per-room message rate it was driven at. */
  targetRatePerRoom: number | undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function progress(text: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${text}\n`);
}

const addCounts = (into: Record<string, number>, from: Record<string, number>) => {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
  return into;
};

const temporaryDirs = new Set<string>();

async function runOnce(kind: "robots" | "raw", rooms: number, o: Options, rawRatePerRoom: number | undefined, label: string): Promise<RunResult> {
  let server: ServerUnderTest | undefined;
  let dataDir: string | undefined;
  const generators: Generator[] = [];
  try {
    if (kind === "robots") {
      dataDir = await mkdtemp(join(os.tmpdir(), "robots-capacity-"));
      temporaryDirs.add(dataDir);
      server = await startRobotsServer({ dataDir, nodeArgs: o.serverArgs, env: o.env });
    } else {
      server = await startRawServer(o.serverArgs);
    }
    const s = server;
    for (let g = 0; g < o.generators; g++) generators.push(startGenerator());
    const metrics = async () => (kind === "robots" ? await scrapeMetrics(s) : new Map<string, number>());
    const memory = async (): Promise<Memory> => {
      const measured = o.gc ? await collectAndMeasure(s) : undefined;
      // V8 hands freed pages back to the OS a moment after the collection.
      if (o.gc) await sleep(1500);
      const heapUsed = measured?.heapUsed ?? (kind === "robots" ? ((await metrics()).get("nodejs_heap_size_used_bytes") ?? NaN) : (await rawStats(s)).heapUsed!);
      return { heapUsed, rss: await rssBytes(s.pid) };
    };
    const metricsHeap = async () => (await metrics()).get("nodejs_heap_size_used_bytes") ?? NaN;

    // The idle server: CPU per second with no room (subtracted from the lobbies'), then memory.
    // Its first seconds still finish the start (database, JIT: 150 ms of CPU per second): wait
    // until a second passes with under 2 % of a core, for at most 30 s. A first forced GC frees
    // what the start left (the embedded database's start-up buffers: RSS falls from about 700 to
    // 360 MB two to four seconds later), so the idle reading does not count it.
    if (o.gc) await collectAndMeasure(s);
    for (let waited = 0; waited < 30; waited++) {
      const before = await cpuMicros(s.pid);
      await sleep(1000);
      if ((await cpuMicros(s.pid)) - before <= 20_000 && waited >= 4) break;
    }
    const idleCpu0 = await cpuMicros(s.pid);
    await sleep(o.lobbyWindowS * 1000);
    const idleCpuPerSecond = o.lobbyWindowS > 0 ? (await cpuMicros(s.pid) - idleCpu0) / o.lobbyWindowS : NaN;
    const idle = await memory();
    const metricsHeapIdle = await metricsHeap();

    // ---- the rooms, in batches, as lobbies
    progress(`${label}: filling ${rooms} rooms (${rooms * ROOM_SIZE} clients)`);
    // Scale of the raw clients' think times that gives the requested per-room message rate.
    const meanThinkS = (o.think.minMs + o.think.maxMs) / 2000;
    const rawScale = rawRatePerRoom ? ROOM_SIZE / (rawRatePerRoom * meanThinkS) : 1;
    const share = (g: number) => Array.from({ length: rooms }, (_, i) => i).filter((i) => i % o.generators === g);
    const setupTimeout = 120_000 + rooms * 500;
    const setups = await Promise.all(
      generators.map((gen, g) =>
        gen.call(
          { cmd: "setup", mode: kind, endpoint: s.endpoint, rooms: share(g), batch: Math.ceil(o.batch / o.generators), think: o.think, rawScale },
          "setup-done",
          setupTimeout,
        ),
      ),
    );
    const roomsHeld = setups.reduce((n, r) => n + r.rooms, 0);
    const failedRooms = setups.reduce((n, r) => n + r.failedRooms, 0);
    const setupErrors = setups.reduce((acc, r) => addCounts(acc, r.errors), {} as Record<string, number>);
    const setupSeconds = Math.max(...setups.map((r) => r.setupMs)) / 1000;
    progress(`${label}: ${roomsHeld} rooms held, ${failedRooms} failed, in ${setupSeconds.toFixed(1)} s`);
    if (roomsHeld === 0) throw new Error(`${label}: no room could be filled (${JSON.stringify(setupErrors)})\n${s.output().slice(-2000)}`);

    await sleep(2000);
    const lobbyCpu0 = await cpuMicros(s.pid);
    await sleep(o.lobbyWindowS * 1000);
    const lobbyCpu1 = await cpuMicros(s.pid);
    const lobby = await memory();
    const metricsHeapLobby = await metricsHeap();

    // ---- play
    progress(`${label}: starting the games; warm-up ${o.warmupS} s`);
    const spreadMs = Math.min(o.think.maxMs, (o.warmupS * 1000) / 2);
    await Promise.all(generators.map((gen) => gen.call({ cmd: "start", spreadMs }, "started", 30_000)));
    await sleep(o.warmupS * 1000);

    // ---- the window
    const m0 = await metrics(); // also resets prom-client's event-loop histogram
    if (kind === "raw") await rawStats(s); // resets the raw server's histogram
    const genCpu0 = await Promise.all(generators.map((g) => cpuMicros(g.pid)));
    const machine0 = await machineTicks();
    const cpu0 = await cpuMicros(s.pid);
    const writes0 = await writeCalls(s.pid);
    await Promise.all(generators.map((gen) => gen.call({ cmd: "begin" }, "begun", 30_000)));
    progress(`${label}: measuring ${o.windowS} s`);
    await sleep(o.windowS * 1000);
    const cpu1 = await cpuMicros(s.pid);
    const writes1 = await writeCalls(s.pid);
    const machine1 = await machineTicks();
    const genCpu1 = await Promise.all(generators.map((g) => cpuMicros(g.pid)));
    const m1 = await metrics();
    const raw1 = kind === "raw" ? await rawStats(s) : undefined;
    const reports = await Promise.all(generators.map((gen) => gen.call({ cmd: "end", graceMs: 5000 }, "window", 60_000)));
    const playing = await memory();
    const metricsHeapPlaying = await metricsHeap();

    const all: number[] = [];
    for (const r of reports) for (const x of r.latencies) all.push(x);
    const sum = (pick: (r: WindowReport) => number) => reports.reduce((n, r) => n + pick(r), 0);
    const actions = sum((r) => r.actions);
    const serverCpuMicros = cpu1 - cpu0;
    const windowMicros = o.windowS * 1e6;
    const kb = (bytes: number) => bytes / 1024;
    return {
      kind,
      rooms,
      roomsHeld,
      failedRooms,
      setupSeconds,
      setupErrors,
      latency: summarize(all),
      actions,
      actionsPerSecond: actions / o.windowS,
      actionsPerRoomPerSecond: actions / o.windowS / roomsHeld,
      serverCpuMicros,
      cpuMicrosPerAction: actions > 0 ? serverCpuMicros / actions : NaN,
      writeCallsPerAction: actions > 0 ? (writes1 - writes0) / actions : NaN,
      serverCpuShare: serverCpuMicros / windowMicros,
      machineBusy: 1 - (machine1.idle - machine0.idle) / Math.max(1, machine1.total - machine0.total),
      eventLoopP99Ms: 1000 * (kind === "robots" ? (m1.get("nodejs_eventloop_lag_p99_seconds") ?? NaN) : raw1!.eventLoopP99Seconds!),
      eventLoopMaxMs: 1000 * (kind === "robots" ? (m1.get("nodejs_eventloop_lag_max_seconds") ?? NaN) : raw1!.eventLoopMaxSeconds!),
      recordsPending: kind === "robots" ? (m1.get("robots_outbox_pending") ?? NaN) : 0,
      gamesCompleted: kind === "robots" ? (m1.get("robots_games_completed_total") ?? NaN) - (m0.get("robots_games_completed_total") ?? NaN) : 0,
      unfinished: sum((r) => r.unfinished),
      silentRooms: sum((r) => r.silentRooms),
      errors: reports.reduce((acc, r) => addCounts(acc, r.errors), {} as Record<string, number>),
      sent: reports.reduce((acc, r) => addCounts(acc, r.sent), {} as Record<string, number>),
      memory: { idle, lobby, playing, metricsHeapIdle, metricsHeapLobby, metricsHeapPlaying },
      heapKbPerRoomLobby: kb(perRoom(idle.heapUsed, lobby.heapUsed, roomsHeld)),
      heapKbPerRoomPlaying: kb(perRoom(idle.heapUsed, playing.heapUsed, roomsHeld)),
      rssKbPerRoomLobby: kb(perRoom(idle.rss, lobby.rss, roomsHeld)),
      rssKbPerRoomPlaying: kb(perRoom(idle.rss, playing.rss, roomsHeld)),
      idleCpuMicrosPerSecond: idleCpuPerSecond,
      lobbyCpuMicrosPerRoomPerSecond: o.lobbyWindowS > 0 ? ((lobbyCpu1 - lobbyCpu0) / o.lobbyWindowS - idleCpuPerSecond) / roomsHeld : NaN,
      generatorCpuShare: genCpu1.reduce((n, c, i) => n + c - genCpu0[i]!, 0) / windowMicros,
      generatorEventLoopMaxMs: Math.max(...reports.map((r) => r.eventLoopMaxMs)),
      targetRatePerRoom: kind === "raw" ? rawRatePerRoom : undefined,
    };
  } finally {
    await Promise.all(
      generators.map(async (gen) => {
        try {
          await gen.call({ cmd: "stop" }, "stopped", 20_000);
        } catch {
          // killed below
        }
        gen.kill();
      }),
    );
    await server?.stop();
    if (dataDir) {
      await rm(dataDir, { recursive: true, force: true });
      temporaryDirs.delete(dataDir);
    }
  }
}

// ------------------------------------------------------------------ medians

/** The run whose numbers are the medians, field by field, of `runs` (counts of errors summed). */
function medianRun(runs: RunResult[]): RunResult {
  const first = runs[0]!;
  const m = (pick: (r: RunResult) => number) => median(runs.map(pick));
  const mem = (pick: (r: RunResult) => Memory): Memory => ({ heapUsed: m((r) => pick(r).heapUsed), rss: m((r) => pick(r).rss) });
  return {
    ...first,
    roomsHeld: m((r) => r.roomsHeld),
    failedRooms: m((r) => r.failedRooms),
    setupSeconds: m((r) => r.setupSeconds),
    setupErrors: runs.reduce((acc, r) => addCounts(acc, r.setupErrors), {} as Record<string, number>),
    latency: {
      count: m((r) => r.latency.count),
      p50: m((r) => r.latency.p50),
      p95: m((r) => r.latency.p95),
      p99: m((r) => r.latency.p99),
      max: m((r) => r.latency.max),
    },
    actions: m((r) => r.actions),
    actionsPerSecond: m((r) => r.actionsPerSecond),
    actionsPerRoomPerSecond: m((r) => r.actionsPerRoomPerSecond),
    serverCpuMicros: m((r) => r.serverCpuMicros),
    cpuMicrosPerAction: m((r) => r.cpuMicrosPerAction),
    writeCallsPerAction: m((r) => r.writeCallsPerAction),
    serverCpuShare: m((r) => r.serverCpuShare),
    machineBusy: m((r) => r.machineBusy),
    eventLoopP99Ms: m((r) => r.eventLoopP99Ms),
    eventLoopMaxMs: m((r) => r.eventLoopMaxMs),
    recordsPending: m((r) => r.recordsPending),
    gamesCompleted: m((r) => r.gamesCompleted),
    unfinished: m((r) => r.unfinished),
    silentRooms: m((r) => r.silentRooms),
    errors: runs.reduce((acc, r) => addCounts(acc, r.errors), {} as Record<string, number>),
    sent: first.sent,
    memory: {
      idle: mem((r) => r.memory.idle),
      lobby: mem((r) => r.memory.lobby),
      playing: mem((r) => r.memory.playing),
      metricsHeapIdle: m((r) => r.memory.metricsHeapIdle),
      metricsHeapLobby: m((r) => r.memory.metricsHeapLobby),
      metricsHeapPlaying: m((r) => r.memory.metricsHeapPlaying),
    },
    heapKbPerRoomLobby: m((r) => r.heapKbPerRoomLobby),
    heapKbPerRoomPlaying: m((r) => r.heapKbPerRoomPlaying),
    rssKbPerRoomLobby: m((r) => r.rssKbPerRoomLobby),
    rssKbPerRoomPlaying: m((r) => r.rssKbPerRoomPlaying),
    idleCpuMicrosPerSecond: m((r) => r.idleCpuMicrosPerSecond),
    lobbyCpuMicrosPerRoomPerSecond: m((r) => r.lobbyCpuMicrosPerRoomPerSecond),
    generatorCpuShare: m((r) => r.generatorCpuShare),
    generatorEventLoopMaxMs: m((r) => r.generatorEventLoopMaxMs),
  };
}

// ------------------------------------------------------------------ output

const fixed = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : "–");
const pct = (x: number) => (Number.isFinite(x) ? `${Math.round(x * 100)}%` : "–");
const counts = (c: Record<string, number>) =>
  Object.entries(c)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(", ") || "none";

/** A fixed-width table: the first column left-aligned, the others right-aligned. */
function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(head), ...rows.map(line)].join("\n");
}

interface Step {
  rooms: number;
  robots: RunResult;
  robotsRuns: RunResult[];
  raw?: RunResult;
  rawRuns: RunResult[];
}

/** A baseline step beyond the Robots knee. */
interface RawStep {
  rooms: number;
  raw: RunResult;
  rawRuns: RunResult[];
}

function report(o: Options, machine: string, command: string, steps: Step[], rawOnly: RawStep[], knees: Knees): string {
  const out: string[] = [];
  out.push(`machine: ${machine}`);
  out.push(`command: ${command}`);
  const think = `think ${o.think.minMs / 1000}–${o.think.maxMs / 1000} s, host pause ${o.think.hostPauseMs / 1000} s`;
  out.push(`load: ${ROOM_SIZE} clients per room in ${o.generators} generator processes on the same machine; ${o.pace}: ${think}; warm-up ${o.warmupS} s, window ${o.windowS} s; medians of ${o.repeat} run(s)`);
  const results = [...steps.flatMap((s) => [s.robots, ...(s.raw ? [s.raw] : [])]), ...rawOnly.map((s) => s.raw)];
  const name = (r: RunResult) => (r.kind === "robots" ? "robots" : "raw ws");
  out.push("");
  out.push("latency = a client's action until all 8 clients of its room have its broadcast (ms); CPU = server process, /proc utime+stime");
  out.push(
    table(
      ["server", "rooms", "clients", "actions/s", "p50", "p95", "p99", "max", "loop p99", "loop max", "CPU µs/action", "writes/action", "server CPU", "generators CPU", "machine busy"],
      results.map((r) => [
        name(r),
        String(r.roomsHeld),
        String(r.roomsHeld * ROOM_SIZE),
        fixed(r.actionsPerSecond),
        fixed(r.latency.p50),
        fixed(r.latency.p95),
        fixed(r.latency.p99),
        fixed(r.latency.max),
        fixed(r.eventLoopP99Ms),
        fixed(r.eventLoopMaxMs),
        fixed(r.cpuMicrosPerAction, 0),
        fixed(r.writeCallsPerAction),
        pct(r.serverCpuShare),
        pct(r.generatorCpuShare),
        pct(r.machineBusy),
      ]),
    ),
  );
  out.push("");
  out.push(`memory (${o.gc ? "after a forced full GC" : "no forced GC"}); per room = (reading − idle) / rooms; idle CPU = server with no room; lobby CPU = per idle lobby, idle subtracted`);
  out.push(
    table(
      ["server", "rooms", "idle heap MB", "idle RSS MB", "heap KB/room lobby", "heap KB/room playing", "RSS KB/room lobby", "RSS KB/room playing", "idle CPU µs/s", "lobby CPU µs/room/s"],
      results.map((r) => [
        name(r),
        String(r.roomsHeld),
        fixed(r.memory.idle.heapUsed / 2 ** 20),
        fixed(r.memory.idle.rss / 2 ** 20),
        fixed(r.heapKbPerRoomLobby),
        fixed(r.heapKbPerRoomPlaying),
        fixed(r.rssKbPerRoomLobby),
        fixed(r.rssKbPerRoomPlaying),
        fixed(r.idleCpuMicrosPerSecond, 0),
        fixed(r.lobbyCpuMicrosPerRoomPerSecond, 0),
      ]),
    ),
  );
  out.push("");
  out.push("health: failed = rooms whose fill was refused; silent = rooms without one accepted action in the window; unfinished = actions whose broadcast missed a client after 5 s");
  out.push(
    table(
      ["server", "rooms", "failed", "silent", "unfinished", "records pending", "games done", "setup s", "errors seen by clients"],
      results.map((r) => [
        name(r),
        String(r.roomsHeld),
        String(r.failedRooms),
        String(r.silentRooms),
        String(r.unfinished),
        r.kind === "robots" ? String(r.recordsPending) : "–",
        r.kind === "robots" ? String(r.gamesCompleted) : "–",
        fixed(r.setupSeconds),
        counts(addCounts({ ...r.setupErrors }, r.errors)),
      ]),
    ),
  );
  if (o.baseline) {
    out.push("");
    const rate = steps.find((s) => s.raw)?.raw?.targetRatePerRoom;
    out.push(`baseline driven at ${fixed(rate ?? NaN, 2)} messages/s per room (${o.rawRate !== undefined ? "--raw-rate" : "the rate Robots reached at the first step"})`);
    for (const s of steps) {
      if (!s.raw) continue;
      out.push(`ratio robots/raw at ${s.rooms} rooms: CPU per action ${fixed(s.robots.cpuMicrosPerAction / s.raw.cpuMicrosPerAction, 2)}×, p99 ${fixed(s.robots.latency.p99 / s.raw.latency.p99, 2)}×`);
    }
  }
  if (o.stepping) {
    out.push("");
    const held = (k: { knee: number | undefined; lastHeld: number | undefined }, tried: number) =>
      `${k.lastHeld ?? "none"} rooms held p99 ≤ ${o.limitMs} ms; ${k.knee !== undefined ? `passed at ${k.knee}` : `not passed up to ${tried}`}`;
    out.push(`knee robots: ${held(knees.robots, Math.max(...steps.map((s) => s.rooms)))}`);
    if (knees.raw) {
      const tried = Math.max(...[...steps, ...rawOnly].filter((s) => s.raw).map((s) => s.rooms));
      out.push(`knee raw ws: ${held(knees.raw, tried)}`);
      const ratio = knees.robots.lastHeld !== undefined && knees.raw.lastHeld !== undefined ? knees.robots.lastHeld / knees.raw.lastHeld : NaN;
      out.push(`ratio robots/raw of rooms held: ${fixed(ratio, 2)}×${knees.raw.knee === undefined ? " (raw's knee not reached: an upper bound)" : ""}`);
    }
  }
  return out.join("\n");
}

interface Knees {
  robots: { knee: number | undefined; lastHeld: number | undefined };
  raw?: { knee: number | undefined; lastHeld: number | undefined };
}

// ------------------------------------------------------------------ main

async function openFileLimit(): Promise<string> {
  try {
    const line = (await readFile("/proc/self/limits", "utf8")).split("\n").find((l) => l.startsWith("Max open files"));
    const [, soft, hard] = /Max open files\s+(\S+)\s+(\S+)/.exec(line ?? "") ?? [];
    return `${soft}/${hard}`;
  } catch {
    return "unknown";
  }
}

async function main(): Promise<number> {
  let o: Options | "help";
  try {
    o = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bench:capacity: ${error.message}\n(run with --help for the options)\n`);
    return 2;
  }
  if (o === "help") {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const opts = o;
  setTimeout(() => {
    progress(`time bound of ${opts.timeoutMin} min reached: stopping`);
    void cleanUpAndExit(3);
  }, opts.timeoutMin * 60_000).unref();
  const cpus = os.cpus();
  const limit = await openFileLimit();
  const machine = `${cpus.length} × ${cpus[0]?.model.trim() ?? "?"}, ${fixed(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, Linux ${os.release()}; open files ${limit} (soft/hard)`;
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`);
  const command = ["node loadtest/capacity-bench.ts", ...process.argv.slice(2).map(quote)].join(" ");
  // The server holds 8 sockets per room; each generator its share. Warn before the kernel refuses.
  const soft = Number(limit.split("/")[0]);
  const biggest = Math.max(...opts.steps);
  if (Number.isFinite(soft) && soft < biggest * ROOM_SIZE + 1000) {
    process.stderr.write(`bench:capacity: warning: open-file limit ${soft} is below the ${biggest * ROOM_SIZE + 1000} sockets and files the server needs at ${biggest} rooms; raise it with \`ulimit -n\` (hard limit: ${limit.split("/")[1]})\n`);
  }

  const steps: Step[] = [];
  const rawOnly: RawStep[] = [];
  let rawRate = opts.rawRate;
  const runsOf = async (kind: "robots" | "raw", rooms: number) => {
    const runs: RunResult[] = [];
    for (let rep = 0; rep < opts.repeat; rep++) {
      runs.push(await runOnce(kind, rooms, opts, kind === "raw" ? rawRate : undefined, `${kind} ${rooms} rooms, run ${rep + 1}/${opts.repeat}`));
      const r = runs.at(-1)!;
      progress(`${kind} ${rooms} rooms: p99 ${fixed(r.latency.p99)} ms, ${fixed(r.cpuMicrosPerAction, 0)} µs/action, ${fixed(r.actionsPerSecond)} actions/s`);
    }
    return runs;
  };

  for (const rooms of opts.steps) {
    const robotsRuns = await runsOf("robots", rooms);
    const robots = medianRun(robotsRuns);
    rawRate ??= robots.actionsPerRoomPerSecond;
    const step: Step = { rooms, robots, robotsRuns, rawRuns: [] };
    if (opts.baseline) {
      step.rawRuns = await runsOf("raw", rooms);
      step.raw = medianRun(step.rawRuns);
    }
    steps.push(step);
    if (opts.stepping && !(robots.latency.p99 <= opts.limitMs)) break;
  }
  const knees: Knees = { robots: findKnee(steps.map((s) => ({ rooms: s.rooms, p99: s.robots.latency.p99 })), opts.limitMs) };
  if (opts.baseline && opts.stepping) {
    // The baseline goes on (the remaining steps, then doubling) until its own knee.
    const rawSteps = () => [...steps, ...rawOnly].flatMap((s) => (s.raw ? [{ rooms: s.rooms, p99: s.raw.latency.p99 }] : []));
    let next = opts.steps.filter((r) => r > Math.max(...steps.map((s) => s.rooms)));
    while (findKnee(rawSteps(), opts.limitMs).knee === undefined) {
      const last = Math.max(...rawSteps().map((s) => s.rooms));
      const rooms = next.shift() ?? last * 2;
      if (rooms > opts.maxRooms) break;
      const rawRuns = await runsOf("raw", rooms);
      rawOnly.push({ rooms, raw: medianRun(rawRuns), rawRuns });
    }
    knees.raw = findKnee(rawSteps(), opts.limitMs);
  }

  const text = report(opts, machine, command, steps, rawOnly, knees);
  process.stdout.write(`\n${text}\n`);
  if (opts.json) {
    const json = {
      machine,
      command,
      options: opts,
      steps: steps.map((s) => ({ rooms: s.rooms, robots: s.robots, raw: s.raw, robotsRuns: s.robotsRuns, rawRuns: s.rawRuns })),
      baselineOnlySteps: rawOnly.map((s) => ({ rooms: s.rooms, raw: s.raw, rawRuns: s.rawRuns })),
      knees,
      ratios: steps
        .filter((s) => s.raw)
        .map((s) => ({ rooms: s.rooms, cpuPerAction: s.robots.cpuMicrosPerAction / s.raw!.cpuMicrosPerAction, p99: s.robots.latency.p99 / s.raw!.latency.p99 })),
      roomsHeldRatio: knees.raw?.lastHeld && knees.robots.lastHeld ? knees.robots.lastHeld / knees.raw.lastHeld : null,
    };
    await writeFile(opts.json, `${JSON.stringify(json, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2)}\n`);
    progress(`wrote ${opts.json}`);
  }
  return 0;
}

/** Ctrl-C, SIGTERM, the time bound or a crash: no child and no temporary directory is left behind. */
async function cleanUpAndExit(code: number): Promise<never> {
  killAll();
  await Promise.all([...temporaryDirs].map((d) => rm(d, { recursive: true, force: true }).catch(() => {})));
  process.exit(code);
}

if (import.meta.main) {
  let interrupted = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (interrupted) process.exit(130);
      interrupted = true;
      progress(`${signal}: stopping the server and the generators`);
      void cleanUpAndExit(130);
    });
  }
  process.on("exit", () => killAll());
  try {
    await cleanUpAndExit(await main());
  } catch (error) {
    process.stderr.write(`bench:capacity: ${(error as Error)?.stack ?? String(error)}\n`);
    await cleanUpAndExit(1);
  }
}

