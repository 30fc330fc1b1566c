/**
 * Issue #7 finding 11 (hygiene): a refused join is the client's doing, not a server fault. The
 * server started as `npm start` runs it logs one structured info line per refused join (its code
 * and room), prints no stack trace and writes nothing to stderr; the client still gets the code.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { joinError, leaveAll, TestClient } from "../support/clients.ts";
import { startProcesses, type ServerProcess } from "../support/cluster.ts";
import { findFreePort } from "../support/postgres.ts";

let server: ServerProcess;
let stdout = "";
let stderr = "";
beforeAll(async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "robots-joinlog-"));
  [server] = (await startProcesses([await findFreePort()], { LOG_LEVEL: "info", DATA_DIR: dataDir, REDIS_URL: "", DATABASE_URL: "" })) as [ServerProcess];
  server.child.stdout!.on("data", (d) => (stdout += d));
  server.child.stderr!.on("data", (d) => (stderr += d));
}, 60_000);
afterAll(async () => {
  await server?.kill();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** stdout's JSON lines (pino); a line that is not JSON fails the test. */
function logLines(): Record<string, unknown>[] {
  return stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`not a structured log line: ${line}`);
      }
    });
}

describe("#11 a refused join logs one info line, no stack trace", () => {
  it("#11 §9 name-taken and bad-request joins: the client gets the code; the log has one info line each and stderr stays empty", async () => {
    const host = await TestClient.create(server.endpoint, { name: "Ada", icon: "robot" });
    const code = host.room.roomId;
    expect(await joinError(TestClient.join(server.endpoint, code, { name: "ada", icon: "cat" }))).toBe("name-taken");
    expect(await joinError(TestClient.join(server.endpoint, code, { name: "   ", icon: "cat" }))).toBe("bad-request");
    // Let whatever the server writes after the refusal reach us.
    await sleep(500);
    await leaveAll([host]);

    const everything = stdout + stderr;
    expect(everything).not.toMatch(/^\s+at /m);
    expect(everything).not.toMatch(/Error: (name-taken|bad-request)/);
    expect(stderr).toBe("");
    const refusals = logLines().filter((l) => l.msg === "join refused");
    expect(refusals.map((l) => l.code)).toEqual(["name-taken", "bad-request"]);
    for (const line of refusals) {
      expect(line.level).toBe(30); // pino's info
      expect(line.roomId).toBe(code);
      expect(line).not.toHaveProperty("err");
      expect(line).not.toHaveProperty("stack");
    }
  });
});
