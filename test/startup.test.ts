/**
 * Start-up never hangs (issue #12 deliverable 1): each bad setting or missing service found by an
 * operator ends `node src/index.ts` with exactly one stderr line naming the variable — exit 2 for
 * wrong configuration, exit 1 for a service that did not answer within STARTUP_TIMEOUT_SECONDS —
 * and a URL's password never appears in it. A good configuration still starts and stops cleanly.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as config from "../src/config.ts";
import { findFreePort } from "./support/postgres.ts";
import { runIndex, type RunOutcome } from "./support/runIndex.ts";

/** Longest a failing start may take here: the 2 s service wait plus process start-up. */
const GIVE_UP_MS = 20_000;
const PASSWORD = "hunter2-not-shown";

type Outcome = RunOutcome;

/**
 * Runs `node src/index.ts` on 127.0.0.1 with a fresh DATA_DIR, no database or Redis unless given,
 * a 2 s service wait, and `vars` on top. Resolves at exit, or kills it after GIVE_UP_MS ("hung").
 * `whileUp` is called once stdout says it listens; the process is then expected to exit on its own.
 */
async function startWith(vars: Record<string, string>, whileUp?: (port: number, stop: () => void) => Promise<void>): Promise<Outcome> {
  const dataDir = await mkdtemp(join(tmpdir(), "robots-startup-"));
  const port = await findFreePort();
  const env: NodeJS.ProcessEnv = { ...process.env, HOST: "127.0.0.1", PORT: String(port), DATA_DIR: dataDir, STARTUP_TIMEOUT_SECONDS: "2", LOG_LEVEL: "info" };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  Object.assign(env, vars);
  let upCalled = false;
  const upFailures: unknown[] = [];
  const outcome = await runIndex(env, {
    giveUpMs: GIVE_UP_MS,
    onStdout: (stdout, child) => {
      if (whileUp && !upCalled && stdout.includes("Robots server listening")) {
        upCalled = true;
        whileUp(port, () => child.kill("SIGTERM")).catch((err) => {
          upFailures.push(err);
          child.kill("SIGKILL");
        });
      }
    },
  });
  if (upFailures.length > 0) throw upFailures[0];
  return outcome;
}

/** The outcome must be `code` with exactly one stderr line matching `line`. */
function expectOneLine(o: Outcome, code: number, line: RegExp): void {
  expect(o.exit, `stderr: ${o.stderr}`).toBe(code);
  const lines = o.stderr.trimEnd().split("\n");
  expect(lines, o.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(line);
  expect(o.stderr).not.toContain(PASSWORD);
}

describe("bad configuration: exit 2 and one line naming the variable", () => {
  it("HOST that does not resolve", async () => {
    expectOneLine(await startWith({ HOST: "not-a-host.invalid" }), 2, /\bHOST\b.*not-a-host\.invalid/);
  }, 30_000);

  it("HOST that is not an address of this machine (192.0.2.1, a documentation address)", async () => {
    expectOneLine(await startWith({ HOST: "192.0.2.1" }), 2, /\bHOST\b.*192\.0\.2\.1/);
  }, 30_000);

  it("DATA_DIR that cannot be created (/proc/nope)", async () => {
    expectOneLine(await startWith({ DATA_DIR: "/proc/nope" }), 2, /\bDATA_DIR\b.*\/proc\/nope/);
  }, 30_000);

  it("DATA_DIR that is a regular file, or below one", async () => {
    const file = join(await mkdtemp(join(tmpdir(), "robots-startup-file-")), "plain-file");
    await writeFile(file, "not a directory");
    expectOneLine(await startWith({ DATA_DIR: file }), 2, /\bDATA_DIR\b.*not a writable directory/);
    expectOneLine(await startWith({ DATA_DIR: join(file, "below") }), 2, /\bDATA_DIR\b.*not a writable directory/);
  }, 45_000);

  it("STARTUP_TIMEOUT_SECONDS is validated like the rest, default 30", () => {
    expect((config.loadConfig({}) as { startupTimeoutSeconds?: number }).startupTimeoutSeconds).toBe(30);
    expect((config.loadConfig({ STARTUP_TIMEOUT_SECONDS: "5" }) as { startupTimeoutSeconds?: number }).startupTimeoutSeconds).toBe(5);
    for (const bad of ["0", "-1", "1.5", "soon"]) {
      expect(() => config.loadConfig({ STARTUP_TIMEOUT_SECONDS: bad }), bad).toThrow(/STARTUP_TIMEOUT_SECONDS/);
    }
  });
});

describe("unreachable service: exit 1 after STARTUP_TIMEOUT_SECONDS, one line, no password", () => {
  it("REDIS_URL at a closed port", async () => {
    const port = await findFreePort();
    const o = await startWith({ REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${port}` });
    expectOneLine(o, 1, /\bREDIS_URL\b.*STARTUP_TIMEOUT_SECONDS=2/);
    // It waited for the service rather than giving up at the first refusal.
    expect(o.ms).toBeGreaterThanOrEqual(1900);
    expect(o.stdout + o.stderr).not.toMatch(/Unhandled error event/);
  }, 30_000);

  it("DATABASE_URL at a closed port", async () => {
    const port = await findFreePort();
    const o = await startWith({ DATABASE_URL: `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/test` });
    expectOneLine(o, 1, /\bDATABASE_URL\b.*STARTUP_TIMEOUT_SECONDS=2/);
    expect(o.ms).toBeGreaterThanOrEqual(1900);
  }, 30_000);
});

describe("a good configuration", () => {
  it("starts, answers /health, and stops on SIGTERM with exit 0 and nothing on stderr", async () => {
    let health: unknown;
    const o = await startWith({ STARTUP_TIMEOUT_SECONDS: "30" }, async (port, stop) => {
      const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(5_000) });
      health = { status: res.status, body: await res.json() };
      stop();
    });
    expect(o.exit, o.stderr).toBe(0);
    expect(health).toMatchObject({ status: 200 });
    expect(o.stderr).toBe("");
  }, 30_000);
});
