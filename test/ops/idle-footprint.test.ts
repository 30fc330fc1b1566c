/**
 * Issue #9 (idle memory and CPU): what a running server keeps that it does not need. The bundler
 * that built the browser client is gone once the bundle is built (its service process and the
 * output buffer kept for it), and `@pm2/io`, which Colyseus loads for pm2's dashboard, is not
 * loaded outside pm2 (its metrics walk every handle of the process on timers of their own).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { underPm2 } from "../../src/pm2Io.ts";
import { ServerProcess } from "../support/cluster.ts";
import { findFreePort } from "../support/postgres.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { eventually } from "../support/within.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** The pids of a process's direct children. */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" }).split("\n").filter(Boolean).map(Number);
  } catch {
    // ps exits 1 when no process matches.
    return [];
  }
}

describe("a started server keeps only what it uses", () => {
  let server: ServerProcess | undefined;
  let dataDir: string | undefined;
  let inProcess: TestServer | undefined;
  afterAll(async () => {
    await server?.kill();
    await inProcess?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("npm start: once the browser client is built, no bundler process is left, and the pages are still served", { timeout: 150_000 }, async () => {
    dataDir = await mkdtemp(join(tmpdir(), "robots-footprint-"));
    server = new ServerProcess(await findFreePort(), { DATA_DIR: dataDir, LOG_LEVEL: "info", LOG_FORMAT: "json" });
    await server.ready(90_000);
    await eventually("the bundle to be built", async () => {
      return server!.output.includes("open the host screen");
    }, 60_000);
    await eventually("esbuild's service process to be gone", async () => {
      expect(childrenOf(server!.child.pid!)).toEqual([]);
      return true;
    }, 10_000);
    const page = await fetch(`${server.http}/host`);
    expect(page.status).toBe(200);
    const script = /src="(\/web\/[^"]+\.js)"/.exec(await page.text())?.[1];
    expect(script).toBeDefined();
    expect((await fetch(`${server.http}${script}`)).status).toBe(200);
  });

  it("outside pm2, @pm2/io is never loaded; under pm2 (pm_id set) it would be", async () => {
    expect(underPm2({})).toBe(false);
    expect(underPm2({ pm_id: "0" })).toBe(true);
    expect(underPm2(process.env)).toBe(false);
    inProcess = await startTestServer();
    // Colyseus's import of it is asynchronous: give it every chance to land.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const loaded = Object.keys(createRequire(import.meta.url).cache).filter((path) => path.includes("/node_modules/@pm2/io/"));
    expect(loaded).toEqual([]);
  });

  it("without @pm2/io's handler, the server's own keeps a stray rejection from ending the process: one error line", () => {
    const script = [
      `import { logUnhandledRejections } from "./src/unhandledRejections.ts";`,
      `logUnhandledRejections();`,
      `Promise.reject(new Error("Connection is closed."));`,
      `setTimeout(() => console.log("still running"), 200);`,
    ].join("\n");
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT, encoding: "utf8", timeout: 30_000, env: { ...process.env, LOG_LEVEL: "info", LOG_FORMAT: "json" } });
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.split("\n").filter(Boolean);
    expect(lines.at(-1)).toBe("still running");
    const logged = lines.filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as { level: number; msg: string; err?: { message: string } });
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 50, msg: "a promise was rejected with no handler; the server goes on", err: { message: "Connection is closed." } });
  });
});
