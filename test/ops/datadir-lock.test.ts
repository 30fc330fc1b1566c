/**
 * Issue 12 #6: the embedded database opens in one process at a time. While `npm start` runs on a
 * DATA_DIR, `npm run migrate|seed|replay` and a second `npm start` (another PORT) on the same
 * DATA_DIR exit 2 with one line naming the server's pid and the directory, and touch nothing; once
 * the server stops (or is killed with SIGKILL: its lock goes stale) they run. With DATABASE_URL
 * there is nothing to protect and the CLIs run beside the server as before.
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DataDirBusyError, LOCK_NAME, lockDataDir, OWNER_NAME, STALE_MS } from "../../src/persistence/dataDirLock.ts";
import { ServerProcess } from "../support/cluster.ts";
import { createTestDatabase, findFreePort, usePostgres } from "../support/postgres.ts";
import { runIndex } from "../support/runIndex.ts";
import { eventually } from "../support/within.ts";

const ROOT = join(import.meta.dirname, "../..");
const GAME_ID = "00000000-0000-4000-8000-000000000000";
const started: ServerProcess[] = [];

afterAll(async () => {
  await Promise.all(started.map((s) => s.kill("SIGKILL")));
});

/** Environment of every process here: no Redis, no PostgreSQL unless given. */
function envFor(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== "DATABASE_URL" && k !== "REDIS_URL") env[k] = v;
  return { ...env, HOST: "127.0.0.1", DATA_DIR: dataDir, LOG_LEVEL: "warn", STARTUP_TIMEOUT_SECONDS: "5", ...extra };
}

/** Starts `npm start` and waits for /health (PGlite's first start is slow on a busy machine: up to 90 s). */
async function startServer(dataDir: string, extra: Record<string, string> = {}): Promise<ServerProcess> {
  const server = new ServerProcess(await findFreePort(), envFor(dataDir, extra));
  started.push(server);
  await eventually(`server on ${server.port} answers /health`, async () => {
    if (server.child.exitCode !== null) throw new Error(`server exited ${server.child.exitCode}: ${server.output}`);
    return (await fetch(`${server.http}/health`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined))?.ok;
  }, 90_000);
  return server;
}

/** Runs `node src/cli/db.ts …args` as `npm run` does, to its exit (killed after 60 s). */
function cli(env: Record<string, string>, ...args: string[]): Promise<{ exit: number | string; stdout: string; stderr: string; ms: number }> {
  const began = Date.now();
  const child = spawn(process.execPath, ["src/cli/db.ts", ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ exit: code ?? String(signal), stdout, stderr, ms: Date.now() - began });
    });
  });
}

/** Every file under `dir` with its size and modification time: what "changes nothing" compares. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const s = await stat(path);
    out[path] = `${s.size}@${s.mtimeMs}`;
  }
  return out;
}

function expectRefused(o: { exit: number | string; stdout: string; stderr: string }, dataDir: string, pid: number): void {
  expect(o.exit, `stdout: ${o.stdout}\nstderr: ${o.stderr}`).toBe(2);
  const lines = o.stderr.trimEnd().split("\n");
  expect(lines, o.stderr).toHaveLength(1);
  expect(lines[0]).toContain(`DATA_DIR ${JSON.stringify(dataDir)}`);
  expect(lines[0]).toMatch(new RegExp(`in use by a Robots server \\(pid ${pid}\\b`));
  expect(o.stdout).toBe("");
}

describe("the embedded database: one process at a time", () => {
  it("beside a running server, migrate, seed, replay and a second `npm start` (another PORT) exit 2 with one line and change nothing", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "robots-lock-"));
    const server = await startServer(dataDir);
    const before = await snapshot(join(dataDir, "pglite"));
    const env = envFor(dataDir);
    const [migrate, seed, replay, second] = await Promise.all([
      cli(env, "migrate"),
      cli(env, "seed"),
      cli(env, "replay", GAME_ID),
      runIndex(envFor(dataDir, { PORT: String(await findFreePort()) }), { giveUpMs: 45_000 }),
    ]);
    for (const refused of [migrate, seed, replay, second]) expectRefused(refused, dataDir, server.child.pid!);
    expect(await snapshot(join(dataDir, "pglite"))).toEqual(before);
    // The server did not notice.
    expect((await fetch(`${server.http}/api/leaderboard`, { signal: AbortSignal.timeout(5_000) })).status).toBe(200);
    // Stopped the ordinary way, it lets go, and the same command runs.
    await server.kill("SIGTERM");
    const after = await cli(env, "migrate");
    expect(after.exit, after.stderr).toBe(0);
    expect(after.stdout).toMatch(/already up to date/);
  }, 240_000);

  it("a server killed with SIGKILL does not block the next process for long", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "robots-lock-"));
    const server = await startServer(dataDir);
    await server.kill("SIGKILL");
    // Its lock is still on disk; the CLI sees its holder is gone and waits for it to go stale
    // (STALE_MS, 10 s) instead of refusing.
    const o = await cli(envFor(dataDir), "migrate");
    expect(o.exit, o.stderr).toBe(0);
    expect(o.stdout).toMatch(/already up to date/);
  }, 180_000);
});

describe("lockDataDir in one process", () => {
  it("refuses a second holder, naming the first, until it is released", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "robots-lock-unit-"));
    const first = await lockDataDir(dataDir, { role: "server", port: 2567 });
    const refused = await lockDataDir(dataDir, { role: "migrate" }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DataDirBusyError);
    const line = (refused as Error).message;
    expect(line.startsWith(`DATA_DIR ${JSON.stringify(dataDir)} is in use by a Robots server (pid ${process.pid}, port 2567, since `), line).toBe(true);
    await first.release();
    await first.release();
    const second = await lockDataDir(dataDir, { role: "migrate" });
    await second.release();
  });

  it("takes over a lock nobody has refreshed for longer than STALE_MS at once", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "robots-lock-unit-"));
    await mkdir(join(dataDir, LOCK_NAME));
    const old = new Date(Date.now() - STALE_MS - 60_000);
    await utimes(join(dataDir, LOCK_NAME), old, old);
    const began = Date.now();
    const lock = await lockDataDir(dataDir, { role: "seed" });
    expect(Date.now() - began).toBeLessThan(STALE_MS);
    await lock.release();
  });

  it("a holder description that is not ours (garbage, hostile) still refuses, without a pid", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "robots-lock-unit-"));
    await mkdir(join(dataDir, LOCK_NAME));
    await writeFile(join(dataDir, OWNER_NAME), '{"__proto__":{"pid":1},"pid":"1; rm -rf /","role":"server","host":"x","startedAt":"y"}');
    const refused = await lockDataDir(dataDir, { role: "replay" }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DataDirBusyError);
    expect((refused as Error).message).toContain("is in use by another process");
  });
});

describe("with DATABASE_URL (PostgreSQL)", async () => {
  const available = await usePostgres();
  it.skipIf(!available)("the CLIs run beside a server on the same DATA_DIR", async () => {
    const database = await createTestDatabase("robots_lock");
    try {
      const dataDir = await mkdtemp(join(tmpdir(), "robots-lock-pg-"));
      const server = await startServer(dataDir, { DATABASE_URL: database.url });
      const migrate = await cli(envFor(dataDir, { DATABASE_URL: database.url }), "migrate");
      expect(migrate.exit, migrate.stderr).toBe(0);
      expect(migrate.stdout).toMatch(/already up to date/);
      const seed = await cli(envFor(dataDir, { DATABASE_URL: database.url }), "seed");
      expect(seed.exit, seed.stderr).toBe(0);
      await server.kill("SIGTERM");
    } finally {
      await database.drop();
    }
  }, 180_000);
});
