/**
 * Issue #12 #2: the log tells the story of a game. A real server process (`node src/index.ts`,
 * as `npm start` runs it) is played against by SDK clients; its stdout is read back as
 * JSON lines, the way an operator's `jq` would.
 */
import { spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GameComplete } from "../../src/protocol.ts";
import { joinError, leaveAll, TestClient } from "../support/clients.ts";
import { startProcesses, type ServerProcess } from "../support/cluster.ts";
import { findFreePort } from "../support/postgres.ts";
import { openTable, pickOther, playRound } from "../support/table.ts";
import { eventually, within } from "../support/within.ts";
import { logLines, type LogLine } from "../support/logLines.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

let server: ServerProcess;
let stdout = "";
let stderr = "";
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "robots-logs-"));
  [server] = (await startProcesses([await findFreePort()], {
    LOG_LEVEL: "info",
    DATA_DIR: dataDir,
    REDIS_URL: "",
    DATABASE_URL: "",
  })) as [ServerProcess];
  server.child.stdout!.on("data", (d) => (stdout += d));
  server.child.stderr!.on("data", (d) => (stderr += d));
}, 60_000);

afterAll(async () => {
  await server?.kill();
});

const lines = () => logLines(stdout);
const withMsg = (msg: string, match: (l: LogLine) => boolean = () => true) => lines().filter((l) => l.msg === msg && match(l));
const one = (label: string, msg: string, match?: (l: LogLine) => boolean) =>
  eventually(label, () => {
    const found = withMsg(msg, match);
    return found.length === 1 ? found[0]! : undefined;
  });

describe("#12 the log tells the story of a game", () => {
  let complete: GameComplete;
  let code: string;

  it("a whole game: room created, game started, game finished (gameId of game-complete), record written, room closed", async () => {
    const t = await openTable(server.endpoint, { players: 3 });
    code = t.code;
    try {
      t.host.send("start-game", {});
      for (let round = 1; round <= 8; round++) {
        await playRound(t, {
          answer: (i, r) => `logged fake ${r} ${i}`,
          eliminate: (i, view) => pickOther(t, i, view, i + round),
          vote: (i, view, eliminatedId) => pickOther(t, i, view, i + 2 * round, [eliminatedId]),
        });
        t.host.send("next-round", {});
      }
      complete = await t.host.next("game-complete");
    } finally {
      await leaveAll(t.all);
    }
    const gameId = complete.gameId;
    const created = await one("room created", "room created", (l) => l.roomId === code);
    const started = await one("game started", "game started", (l) => l.roomId === code);
    const finished = await one("game finished", "game finished", (l) => l.roomId === code);
    const written = await one("record written", "game record written", (l) => l.gameId === gameId);
    const closed = await one("room closed", "room closed", (l) => l.roomId === code);

    expect(started).toMatchObject({ level: 30, gameId, mode: "8-round", players: 3, rounds: 8 });
    expect(finished).toMatchObject({ level: 30, gameId, mode: "8-round", players: 3, rounds: 8, winners: complete.winners });
    expect(finished.durationMs).toBeGreaterThan(0);
    expect(written).toMatchObject({ level: 30, roomId: code, attempts: 1 });
    expect(typeof written.ms).toBe("number");
    expect(closed).toMatchObject({ level: 30, reason: "empty", games: 1 });
    expect(closed.lifetimeMs).toBeGreaterThan(0);
    // In the order they happened.
    const order = [created, started, finished, closed].map((l) => lines().indexOf(l));
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // Every line of the game carries both ids, so one filter tells its story.
    const story = lines().filter((l) => l.gameId === gameId);
    expect(story.map((l) => l.msg)).toEqual(expect.arrayContaining(["game started", "game finished", "game record written"]));
    for (const line of story) expect(line.roomId).toBe(code);
    // Three players joined and left: one line each, by id, never by name or answer.
    expect(withMsg("player joined", (l) => l.roomId === code)).toHaveLength(3);
    expect(withMsg("player left", (l) => l.roomId === code)).toHaveLength(3);
    expect(stdout).not.toContain("Player 1");
    expect(stdout).not.toContain("logged fake");
  }, 90_000);

  it("a reconnection and a kick each have their line", async () => {
    const host = await TestClient.create(server.endpoint, { name: "Ada", icon: "robot" });
    const roomId = host.room.roomId;
    const bea = await TestClient.join(server.endpoint, roomId, { name: "Bea", icon: "cat" });
    const cy = await TestClient.join(server.endpoint, roomId, { name: "Cy", icon: "owl" });
    try {
      bea.drop();
      await one("drop", "player dropped", (l) => l.roomId === roomId && l.playerId === bea.id);
      const back = await bea.reconnect();
      await one("reconnection", "player reconnected", (l) => l.roomId === roomId && l.playerId === bea.id);
      host.send("kick-player", { playerId: cy.id });
      const kicked = await one("kick", "player kicked", (l) => l.roomId === roomId);
      expect(kicked).toMatchObject({ level: 30, playerId: cy.id, by: host.id, byHost: true });
      await leaveAll([back]);
    } finally {
      await leaveAll([host, bea, cy]);
    }
  }, 30_000);

  it("refused joins are one info line each with their code or status, and no stack anywhere", async () => {
    const host = await TestClient.create(server.endpoint, { name: "Dee", icon: "robot" });
    try {
      // An unknown code is refused by matchmaking (404), bad options by onAuth (bad-request),
      // a name in use by the rules in the room (name-taken).
      expect(await joinError(TestClient.join(server.endpoint, "ZZZZ", { name: "Eve", icon: "cat" }))).toMatch(/not found|ZZZZ/);
      expect(await joinError(TestClient.join(server.endpoint, host.room.roomId, { name: "Eve", icon: "cat", hostPlays: "yes" }))).toBe("bad-request");
      expect(await joinError(TestClient.join(server.endpoint, host.room.roomId, { name: "dee", icon: "cat" }))).toBe("name-taken");
      const unknown = await one("unknown code", "join refused", (l) => l.roomId === "ZZZZ");
      expect(unknown).toMatchObject({ level: 30, method: "joinById", status: 404 });
      expect(typeof unknown.reqId).toBe("string");
      await one("name-taken", "join refused", (l) => l.roomId === host.room.roomId && l.code === "name-taken");
    } finally {
      await leaveAll([host]);
    }
    for (const line of withMsg("join refused")) {
      expect(line).not.toHaveProperty("err");
      expect(line).not.toHaveProperty("stack");
    }
    expect(stdout + stderr).not.toMatch(/^\s+at /m);
  }, 30_000);

  it("every HTTP response carries X-Request-Id; a safe one offered is kept, a hostile one replaced", async () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    const get = (path: string, id?: string) => fetch(`${server.http}${path}`, id === undefined ? {} : { headers: { "x-request-id": id } });
    expect((await get("/health")).headers.get("x-request-id")).toMatch(uuid);
    expect((await get("/no-such-page")).headers.get("x-request-id")).toMatch(uuid);
    expect((await get("/health", "lb-7f3a.9_x")).headers.get("x-request-id")).toBe("lb-7f3a.9_x");
    for (const hostile of ["a".repeat(65), "<script>alert(1)</script>", "x y", "id\",\"level\":60", ""]) {
      expect((await get("/api/leaderboard", hostile)).headers.get("x-request-id")).toMatch(uuid);
    }
    // Colyseus's matchmaking router and the request guard answer without Express: they carry it too.
    const matchmake = await fetch(`${server.http}/matchmake/joinById/QQQQ`, { method: "POST", headers: { "content-type": "application/json", "x-request-id": "probe-42" }, body: "{}" });
    expect(matchmake.status).toBe(404);
    expect(matchmake.headers.get("x-request-id")).toBe("probe-42");
    await one("the refusal's line carries the id", "join refused", (l) => l.reqId === "probe-42");
    const tooBig = await fetch(`${server.http}/matchmake/create/party`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ pad: "x".repeat(10_000) }) });
    expect(tooBig.status).toBe(413);
    expect(tooBig.headers.get("x-request-id")).toMatch(uuid);
    // Successful requests are not logged one by one.
    expect(lines().filter((l) => l.reqId !== undefined && l.msg !== "join refused")).toEqual([]);
  }, 30_000);

  it("stdout is JSON lines only, and `npm run replay` takes the logged game id", async () => {
    expect(() => lines()).not.toThrow();
    const gameId = withMsg("game finished", (l) => l.roomId === code)[0]?.gameId;
    expect(gameId).toBe(complete.gameId);
    // The embedded database is the server's: replay opens it once the server is gone.
    await server.kill();
    const replay = spawn(process.execPath, ["src/cli/db.ts", "replay", String(gameId)], { cwd: ROOT, env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: "", REDIS_URL: "", LOG_LEVEL: "warn" }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    replay.stdout!.on("data", (d) => (out += d));
    replay.stderr!.on("data", (d) => (out += d));
    const exit = await within(new Promise<number | null>((resolve) => replay.once("exit", resolve)), 60_000, "replay");
    expect(out).toContain("replay matches the stored scores");
    expect(exit).toBe(0);
  }, 90_000);
});
