/**
 * The processes of the capacity benchmark: the server under test (the Robots server or the raw
 * `ws` baseline) and the load generators, with what is read from them — CPU time and RSS from
 * /proc, heap after a forced garbage collection through the V8 inspector, /metrics. Every child
 * is registered so that `killAll()` can stop it on an error or Ctrl-C.
 */
import { fork, spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import WebSocket from "ws";
import type { Command, Reply } from "./generator.ts";
import { parseProcStat, parseProcStatusKb, parseProcStatTotals, parsePrometheus } from "./stats.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const children = new Set<ChildProcess>();

/** Every child still running, killed at once (SIGKILL): for errors, Ctrl-C and the time bound. */
export function killAll(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  children.clear();
}

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A free TCP port on 127.0.0.1 (the OS picks; a race with another process is unlikely). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ): 100 on every Linux architecture that matters. */
const TICKS_PER_SECOND = 100;

/** CPU time (user + system) the process used so far, µs; 10 ms resolution. */
export async function cpuMicros(pid: number): Promise<number> {
  const { utimeTicks, stimeTicks } = parseProcStat(await readFile(`/proc/${pid}/stat`, "utf8"));
  return ((utimeTicks + stimeTicks) * 1e6) / TICKS_PER_SECOND;
}

/**
 * Write-type system calls (`write`, `writev`, …) the process made so far (`syscw` of
 * /proc/<pid>/io): a count, so CPU contention does not inflate it. Node merges writes queued
 * behind a socket whose client is not reading, so a starved generator lowers it.
 */
export async function writeCalls(pid: number): Promise<number> {
  return Number(/^syscw:\s+(\d+)/m.exec(await readFile(`/proc/${pid}/io`, "utf8"))?.[1] ?? NaN);
}

/** Resident set size of the process, bytes. */
export async function rssBytes(pid: number): Promise<number> {
  return parseProcStatusKb(await readFile(`/proc/${pid}/status`, "utf8"), "VmRSS");
}

/** Whole-machine jiffies, to tell how busy all cores were over a window. */
export async function machineTicks(): Promise<{ total: number; idle: number }> {
  return parseProcStatTotals(await readFile("/proc/stat", "utf8"));
}

// ------------------------------------------------------------------ the server under test

export interface ServerUnderTest {
  kind: "robots" | "raw";
  pid: number;
  port: number;
  /** ws://127.0.0.1:port */
  endpoint: string;
  /** The V8 inspector's WebSocket address (for the forced GC). */
  inspector: string;
  output(): string;
  stop(): Promise<void>;
}

/** Starts a server child with the V8 inspector on a free 127.0.0.1 port; resolves once it answers. */
async function startChild(kind: "robots" | "raw", args: string[], env: NodeJS.ProcessEnv, port: number, ready: (child: ChildProcess, out: () => string) => Promise<number>): Promise<ServerUnderTest> {
  let output = "";
  const child = track(
    spawn(process.execPath, ["--inspect=127.0.0.1:0", ...args], {
      cwd: ROOT,
      env,
      // stdin stays a pipe: the raw server exits when it closes (the bench died).
      stdio: ["pipe", "pipe", "pipe"],
    }),
  );
  const keep = (d: Buffer) => {
    output += d;
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const out = () => output;
  try {
    const actualPort = await ready(child, out);
    const inspector = /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1];
    if (!inspector) throw new Error(`${kind} server: no inspector address in its output:\n${output}`);
    return {
      kind,
      pid: child.pid!,
      port: actualPort || port,
      endpoint: `ws://127.0.0.1:${actualPort || port}`,
      inspector,
      output: out,
      stop: () => stopChild(child),
    };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}

/** SIGTERM, then SIGKILL after 20 s (a CPU profile is written on the way out). */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

export interface RobotsServerOptions {
  dataDir: string;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeArgs: string[];
  /** Extra environment (wins over the bench's). */
  env: Record<string, string>;
}

/**
 * The Robots server as `npm start` runs it (node src/index.ts) on 127.0.0.1 with a fresh data
 * directory, quiet logs and the per-address limits lifted: every bench client comes from
 * 127.0.0.1, which the limits would otherwise treat as one abusive address.
 */
export async function startRobotsServer(o: RobotsServerOptions): Promise<ServerUnderTest> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: "127.0.0.1",
    DATA_DIR: o.dataDir,
    LOG_LEVEL: "warn",
    MONITOR: "false",
    // As the image, compose file and pm2 run it: some libraries (mutative) pick a slower
    // development build without it.
    NODE_ENV: "production",
    // A busy shared machine can take more than the default 30 s to start (PGlite, migrations).
    STARTUP_TIMEOUT_SECONDS: "300",
    // The largest values the configuration accepts (src/config.ts).
    CREATE_ROOMS_PER_MINUTE: "100000",
    FAILED_JOIN_LIMIT: "100000",
    MAX_SOCKETS_PER_IP: "1000000",
    MAX_AUDIENCE_PER_IP: "100000",
    ...o.env,
  };
  for (const key of ["DATABASE_URL", "REDIS_URL", "METRICS_TOKEN", "METRICS_ALLOW", "TRUSTED_PROXIES", "ROBOTS_SECOND_MS", "RATE_LIMIT_PER_SECOND"]) if (!(key in o.env)) delete env[key];
  return startChild("robots", [...o.nodeArgs, "src/index.ts"], env, port, async (child, out) => {
    const until = Date.now() + 300_000;
    while (Date.now() < until) {
      if (child.exitCode !== null) throw new Error(`the Robots server exited with ${child.exitCode}:\n${out()}`);
      try {
        if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return port;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`the Robots server did not answer /health within 300 s:\n${out()}`);
  });
}

/** The raw `ws` broadcast server (loadtest/capacity/raw-ws-server.ts). */
export async function startRawServer(nodeArgs: string[]): Promise<ServerUnderTest> {
  return startChild("raw", [...nodeArgs, "loadtest/capacity/raw-ws-server.ts"], process.env, 0, async (child, out) => {
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      if (child.exitCode !== null) throw new Error(`the raw ws server exited with ${child.exitCode}:\n${out()}`);
      const port = /listening (\d+)/.exec(out())?.[1];
      if (port) return Number(port);
      await sleep(50);
    }
    throw new Error(`the raw ws server did not start within 30 s:\n${out()}`);
  });
}

/** GET /metrics of the Robots server, parsed. Reading it also resets prom-client's event-loop histogram. */
export async function scrapeMetrics(server: ServerUnderTest): Promise<Map<string, number>> {
  const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
  if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
  return parsePrometheus(await response.text());
}

/** GET /stats of the raw server (event-loop delay since the last call, memory). */
export async function rawStats(server: ServerUnderTest): Promise<Record<string, number>> {
  const response = await fetch(`http://127.0.0.1:${server.port}/stats`);
  return (await response.json()) as Record<string, number>;
}

/**
 * Forces a full garbage collection in the server through the V8 inspector, then reads its
 * `process.memoryUsage()`: heap figures without the garbage of the moment. Bounded at 30 s.
 */
export async function collectAndMeasure(server: ServerUnderTest): Promise<{ heapUsed: number; rss: number }> {
  const socket = new WebSocket(server.inspector);
  const calls = new Map<number, (result: any) => void>();
  let id = 0;
  const call = (method: string, params: object = {}) =>
    new Promise<any>((resolve) => {
      calls.set(++id, resolve);
      socket.send(JSON.stringify({ id, method, params }));
    });
  socket.on("message", (data) => {
    const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: unknown };
    if (message.id !== undefined) calls.get(message.id)?.(message.error ? { error: message.error } : message.result);
  });
  const work = (async () => {
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    // Twice: objects freed by finalisers of the first pass go in the second.
    await call("HeapProfiler.collectGarbage");
    await call("HeapProfiler.collectGarbage");
    const evaluated = await call("Runtime.evaluate", { expression: "JSON.stringify(process.memoryUsage())", returnByValue: true });
    const usage = JSON.parse(evaluated?.result?.value ?? "{}") as { heapUsed?: number; rss?: number };
    if (typeof usage.heapUsed !== "number") throw new Error(`inspector: no memory figures (${JSON.stringify(evaluated)})`);
    return { heapUsed: usage.heapUsed, rss: usage.rss ?? NaN };
  })();
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("inspector: no answer within 30 s")), 30_000).unref());
  try {
    return await Promise.race([work, timeout]);
  } finally {
    socket.terminate();
  }
}

// ------------------------------------------------------------------ generators

export interface Generator {
  call<R extends Reply["ev"]>(command: Command, expect: R, timeoutMs: number): Promise<Extract<Reply, { ev: R }>>;
  /** CPU µs the generator process used so far (from /proc). */
  pid: number;
  kill(): void;
}

/** Forks one generator (loadtest/capacity/generator.ts) with an IPC channel. */
export function startGenerator(): Generator {
  const child = track(
    fork(new URL("./generator.ts", import.meta.url).pathname, [], {
      cwd: ROOT,
      execArgv: ["--max-old-space-size=4096"],
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    }),
  );
  let waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void } | undefined;
  child.on("message", (reply: Reply) => {
    const w = waiting;
    waiting = undefined;
    if (!w) return;
    if (reply.ev === "fatal") w.reject(new Error(`generator ${child.pid}: ${reply.message}`));
    else w.resolve(reply);
  });
  child.once("exit", (code, signal) => {
    waiting?.reject(new Error(`generator ${child.pid} exited (${code ?? signal})`));
    waiting = undefined;
  });
  return {
    pid: child.pid!,
    call(command, expect, timeoutMs) {
      if (waiting) return Promise.reject(new Error("generator: one command at a time"));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting = undefined;
          reject(new Error(`generator ${child.pid}: no answer to ${command.cmd} within ${Math.round(timeoutMs / 1000)} s`));
        }, timeoutMs);
        waiting = {
          resolve: (reply) => {
            clearTimeout(timer);
            if (reply.ev !== expect) reject(new Error(`generator ${child.pid}: expected ${expect}, got ${reply.ev}`));
            else resolve(reply as Extract<Reply, { ev: typeof expect }>);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        };
        child.send(command);
      });
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}
