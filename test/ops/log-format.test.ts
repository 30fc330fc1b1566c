/**
 * Issue #12 #2: a person at a terminal reads pino-pretty's lines, everything else gets JSON
 * lines. The server runs as `npm start` runs it, under a pseudo-terminal made by `script(1)`,
 * and exits promptly on SIGTERM: pretty printing starts no worker thread to hold the process.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { prettyWanted } from "../../src/logger.ts";
import { logLines } from "../support/logLines.ts";
import { findFreePort, REQUIRE_SERVICES } from "../support/postgres.ts";
import { runIndex } from "../support/runIndex.ts";
import { eventually, within } from "../support/within.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SCRIPT = ["/usr/bin/script", "/bin/script"].find((p) => existsSync(p));
if (REQUIRE_SERVICES && !SCRIPT) throw new Error("CI=true but script(1) (package bsdutils) is not installed");

/** pino-pretty's level word after its time stamp, e.g. `[14:02:03.123] INFO:` (colours removed). */
const PRETTY_LINE = /^\[\d\d:\d\d:\d\d\.\d{3}\] (INFO|WARN|ERROR|DEBUG): /m;
// eslint-disable-next-line no-control-regex
const uncolored = (text: string) => text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "").replace(/\r/g, "");

interface TtyRun {
  output: string;
  exit: number | null;
  /** From SIGTERM to the process's exit. */
  stopMs: number;
}

/**
 * Runs the server on a pseudo-terminal until it listens, then sends it SIGTERM and waits for
 * `script` (which returns the server's exit code) to end.
 */
async function runOnTerminal(env: Record<string, string>): Promise<TtyRun> {
  const port = await findFreePort();
  const dataDir = await mkdtemp(join(tmpdir(), "robots-logformat-"));
  const child = spawn(SCRIPT!, ["-qefc", `exec '${process.execPath}' src/index.ts`, "/dev/null"], {
    cwd: ROOT,
    env: { ...process.env, REDIS_URL: "", DATABASE_URL: "", LOG_LEVEL: "info", ...env, PORT: String(port), DATA_DIR: dataDir },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  try {
    await eventually("the server listens", () => uncolored(output).includes("Robots server listening"), 60_000);
    // `exec` made the server script's only child.
    const serverPid = Number(execFileSync("ps", ["-o", "pid=", "--ppid", String(child.pid)], { encoding: "utf8" }).trim());
    const stopping = Date.now();
    process.kill(serverPid, "SIGTERM");
    const exit = await within(exited, 15_000, "exit after SIGTERM");
    return { output: uncolored(output), exit, stopMs: Date.now() - stopping };
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
}

describe.runIf(SCRIPT)("#12 log format: pretty on a terminal, JSON lines otherwise", () => {
  it("on a terminal: pino-pretty lines, no JSON, and the server exits 0 promptly on SIGTERM; LOG_FORMAT=json keeps JSON there", async () => {
    const [pretty, json] = await Promise.all([runOnTerminal({}), runOnTerminal({ LOG_FORMAT: "json" })]);

    expect(pretty.output).toMatch(PRETTY_LINE);
    expect(pretty.output).toMatch(/INFO: Robots server listening \{"port":\d+/);
    // The shutdown's own lines are pretty too (whatever they say, they name the signal).
    expect(pretty.output).toMatch(/INFO: .*"signal":"SIGTERM"/);
    expect(pretty.output).not.toContain('{"level":');
    expect(pretty.exit).toBe(0);
    expect(pretty.stopMs).toBeLessThan(10_000);

    const jsonLines = json.output.split("\n").filter((l) => l.trim() !== "");
    expect(() => logLines(jsonLines.join("\n"))).not.toThrow();
    expect(logLines(jsonLines.join("\n")).some((l) => l.msg === "Robots server listening")).toBe(true);
    expect(json.exit).toBe(0);
  }, 120_000);

  it("LOG_FORMAT is validated like every other variable: a bad value is one line and exit 2", async () => {
    const outcome = await runIndex({ ...process.env, LOG_FORMAT: "fancy", PORT: String(await findFreePort()) });
    expect(outcome.exit).toBe(2);
    expect(outcome.stderr.trim().split("\n")).toHaveLength(1);
    expect(outcome.stderr).toMatch(/LOG_FORMAT/);
  }, 30_000);

  it("auto is pretty only with a terminal on stdout; json and pretty are what they say", () => {
    expect(prettyWanted("auto", true)).toBe(true);
    expect(prettyWanted("auto", false)).toBe(false);
    expect(prettyWanted("auto", undefined)).toBe(false);
    expect(prettyWanted("json", true)).toBe(false);
    expect(prettyWanted("pretty", false)).toBe(true);
  });
});
