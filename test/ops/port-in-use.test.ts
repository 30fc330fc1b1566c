/**
 * Issue 12 #6: `npm start` on a PORT another process already listens on exits 2 with one stderr
 * line naming PORT, instead of Colyseus printing a bind stack trace and never exiting.
 */
import { mkdtemp } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findFreePort } from "../support/postgres.ts";
import { runIndex } from "../support/runIndex.ts";

const held: Server[] = [];
afterAll(async () => {
  await Promise.all(held.map((s) => new Promise((resolve) => s.close(resolve))));
});

/** Listens on `host:port` until the end of the file. */
async function hold(host: string, port: number): Promise<void> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  held.push(server);
}

async function startOn(host: string, port: number) {
  const env: NodeJS.ProcessEnv = { ...process.env, HOST: host, PORT: String(port), DATA_DIR: await mkdtemp(join(tmpdir(), "robots-port-")), STARTUP_TIMEOUT_SECONDS: "2", LOG_LEVEL: "info" };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  return runIndex(env, { giveUpMs: 30_000 });
}

describe("PORT already in use", () => {
  it("exits 2 with one line naming PORT and HOST, and never says it listens", async () => {
    const port = await findFreePort();
    await hold("127.0.0.1", port);
    const o = await startOn("127.0.0.1", port);
    expect(o.exit, `stderr: ${o.stderr}`).toBe(2);
    const lines = o.stderr.trimEnd().split("\n");
    expect(lines, o.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`\\bPORT ${port}\\b.*already in use.*\\bHOST 127\\.0\\.0\\.1\\b`));
    expect(o.stdout).not.toContain("Robots server listening");
  }, 40_000);

  it("also when the holder listens on every address (0.0.0.0) and HOST is one of them", async () => {
    const port = await findFreePort();
    await hold("0.0.0.0", port);
    const o = await startOn("127.0.0.1", port);
    expect(o.exit, `stderr: ${o.stderr}`).toBe(2);
    expect(o.stderr.trimEnd().split("\n")).toEqual([expect.stringMatching(new RegExp(`\\bPORT ${port}\\b.*already in use`))]);
  }, 40_000);
});
