/**
 * Issue 12 #6: `npm run loadtest` without a terminal runs headless: the bots play against a real
 * server, a summary (rooms, clients, joins, messages, errors, games, duration) is printed at the
 * end and written as JSON to --output, and the exit code says whether the run went well (0), did
 * not (1: joins failed), or was asked wrongly (2).
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logger } from "../../src/logger.ts";
import { findFreePort } from "../support/postgres.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

const ROOT = join(import.meta.dirname, "../..");
let server: TestServer;

beforeAll(async () => {
  // The server's own lines are not what this file is about.
  logger.level = "warn";
  // Fast timers: a game of bots lasts a few seconds.
  server = await startTestServer({ secondMillis: 50 });
}, 120_000);

afterAll(async () => {
  await server?.close();
});

/** `npm run loadtest -- …args` with stdout and stderr piped (no TTY), to its exit (killed after 90 s). */
function loadtest(...args: string[]): Promise<{ exit: number | string; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["loadtest/party.loadtest.ts", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ exit: code ?? String(signal), stdout, stderr });
    });
  });
}

/** The value on a summary line such as "  joins ok          4". */
function field(stdout: string, name: string): string | undefined {
  return stdout.match(new RegExp(`^  ${name} +(.+)$`, "m"))?.[1];
}

describe("npm run loadtest without a terminal", () => {
  it("plays against a real server for --duration seconds and prints a summary; exit 0", async () => {
    const output = join(await mkdtemp(join(tmpdir(), "robots-loadtest-")), "summary.json");
    const o = await loadtest("--room", "party", "--endpoint", server.endpoint, "--numClients", "4", "--duration", "15", "--minDelay", "20", "--maxDelay", "60", "--hostPause", "100", "--output", output);
    expect(o.exit, `stdout: ${o.stdout}\nstderr: ${o.stderr}`).toBe(0);
    expect(o.stdout).not.toContain("Writing log file");
    expect(o.stdout).toMatch(/^load test summary \(ended: 15 s elapsed\)$/m);
    expect(field(o.stdout, "clients")).toBe("4");
    expect(field(o.stdout, "rooms")).toBe("1");
    expect(field(o.stdout, "joins ok")).toBe("4");
    expect(field(o.stdout, "joins failed")).toBe("0");
    expect(field(o.stdout, "errors")).toBe("0");
    expect(Number(field(o.stdout, "games completed"))).toBeGreaterThanOrEqual(1);
    expect(Number(field(o.stdout, "messages sent"))).toBeGreaterThan(0);
    expect(Number(field(o.stdout, "messages received"))).toBeGreaterThan(Number(field(o.stdout, "messages sent")));
    expect(Number(field(o.stdout, "duration")?.replace(" s", ""))).toBeGreaterThanOrEqual(15);
    const summary = JSON.parse(await readFile(output, "utf8"));
    expect(summary).toMatchObject({ clients: 4, rooms: 1, joins: { ok: 4, failed: 0 }, errors: 0, disconnects: 0, ended: "15 s elapsed" });
    expect(summary.gamesCompleted).toBe(Number(field(o.stdout, "games completed")));
  }, 120_000);

  it("reports failed joins against a closed port and exits 1 once every client has tried", async () => {
    const port = await findFreePort();
    const o = await loadtest("--room", "party", "--endpoint", `ws://127.0.0.1:${port}`, "--numClients", "2");
    expect(o.exit, `stdout: ${o.stdout}\nstderr: ${o.stderr}`).toBe(1);
    expect(o.stdout).toMatch(/^load test summary \(ended: every client finished\)$/m);
    expect(field(o.stdout, "joins ok")).toBe("0");
    expect(field(o.stdout, "joins failed")).toMatch(/^2\b/);
  }, 60_000);

  it("refuses a bad flag with one line and exit 2", async () => {
    const o = await loadtest("--room", "party", "--endpoint", server.endpoint, "--numClients", "many");
    expect(o.exit, o.stdout).toBe(2);
    expect(o.stderr.trimEnd().split("\n")).toEqual([expect.stringContaining("--numClients")]);
  }, 60_000);
});
