/**
 * SIGTERM of the only process (issue 11, item 3: drain with no peer). A real `node src/index.ts`
 * with its embedded database and checkpoint files under a temporary DATA_DIR, real SDK clients.
 * - A game in progress plays on to its end and is recorded before the process exits 0; new rooms
 *   are refused meanwhile (503). Before the drain existed, SIGTERM closed every game at once with
 *   4001 and nothing was recorded.
 * - DRAIN_SECONDS cuts a long game off: its clients are closed with 4100 (server moving), the
 *   process exits 0, and a restarted process gives the same players their seats back in the
 *   same round, through `client.reconnect(token)`.
 * (A second signal stops the wait early, like DRAIN_SECONDS: test/cluster/drain-unit.test.ts.)
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@colyseus/sdk";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { CloseCode } from "../../src/protocol.ts";
import { leaveAll, TestClient } from "../support/clients.ts";
import { ServerProcess } from "../support/cluster.ts";
import { findFreePort } from "../support/postgres.ts";
import { eventually, within } from "../support/within.ts";

const dirs: string[] = [];
const live: ServerProcess[] = [];

async function startServer(dataDir: string, env: Record<string, string>): Promise<ServerProcess> {
  // LOG_LEVEL info: the drain's steps are checked in the output.
  const server = new ServerProcess(await findFreePort(), { REDIS_URL: "", DATABASE_URL: "", DATA_DIR: dataDir, LOG_LEVEL: "info", ...env });
  live.push(server);
  await server.ready(90_000);
  return server;
}

function exitOf(server: ServerProcess): Promise<number | string> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return Promise.resolve(server.child.exitCode ?? String(server.child.signalCode));
  return new Promise((resolve) => server.child.once("exit", (code, signal) => resolve(code ?? String(signal))));
}

/** Every close code a client's room reports, in order. */
function closeCodes(client: TestClient): number[] {
  const codes: number[] = [];
  client.room.onLeave((code: number) => void codes.push(code));
  return codes;
}

async function table(server: ServerProcess, players: number): Promise<TestClient[]> {
  const host = await TestClient.create(server.endpoint, { name: "Host", icon: "robot", hostPlays: true });
  const all = [host];
  for (let i = 1; i < players; i++) all.push(await TestClient.join(server.endpoint, host.room.roomId, { name: `Player ${i}`, icon: "cat" }));
  await host.waitState((s) => s.players.size === players, "everyone seated");
  return all;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "robots-drain-"));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(live.splice(0).map((p) => p.kill("SIGKILL")));
});

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe("SIGTERM with no other process", () => {
  it("a game in progress plays to its end and is recorded before the process exits 0; new rooms get 503 meanwhile", async () => {
    const dataDir = await tempDir();
    // A timer second of 15 ms: a whole 8-round game on timeouts alone lasts about 16 s.
    const server = await startServer(dataDir, { ROBOTS_SECOND_MS: "15" });
    const players = await table(server, 3);
    const host = players[0]!;
    const codes = players.map(closeCodes);
    const lobby = await TestClient.create(server.endpoint, { name: "Waiting", icon: "cat" });
    const lobbyCodes = closeCodes(lobby);
    host.send("start-game", {});
    await host.waitPhase("question");
    const exited = exitOf(server);
    server.child.kill("SIGTERM");

    // New rooms go nowhere while the only process drains: 503, retry later.
    const seen: string[] = [];
    const refused = await eventually("a create refused with 503", async () => {
      const r = await fetch(`${server.http}/matchmake/create/party`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "Late", icon: "cat" }) });
      seen.push(`${r.status} ${await r.text()}`);
      return r.status === 503 ? r.status : undefined;
    }, 5_000).catch((e) => { throw new Error(`${e}: ${seen.join(" | ")}\n${server.output}`); });
    expect(refused).toBe(503);
    // The lobby had no game to finish: it is closed at once with the move code, kept for a restart.
    await eventually("the lobby closed with 4100", () => lobbyCodes.length > 0, 5_000);
    expect(lobbyCodes).toEqual([CloseCode.ServerMoving]);

    const complete = await host.next("game-complete", () => true, 60_000);
    expect(complete.standings).toHaveLength(3);
    // Nobody was closed while the game ran (the old shutdown closed everyone with 4001).
    expect(codes.flat().filter((c) => c !== CloseCode.ServerMoving)).toEqual([]);
    expect(await within(exited, 20_000, "exit after the drain")).toBe(0);
    expect(server.output).toMatch(/drain: started/);
    expect(server.output).toMatch(/drain: waiting for the game in progress to end/);
    expect(server.output).not.toMatch(/"level":50/);

    // Recorded: a fresh process on the same data finds the game.
    const again = await startServer(dataDir, {});
    const games = (await (await fetch(`${again.http}/api/games?room=${host.room.roomId}`)).json()) as { games: { id: string }[] };
    expect(games.games.map((g) => g.id)).toEqual([complete.gameId]);
    await leaveAll([...players, lobby]);
  }, 180_000);

  it("DRAIN_SECONDS=1 cuts a long game off with 4100; a restarted process gives every player its seat back in the same round", async () => {
    const dataDir = await tempDir();
    const server = await startServer(dataDir, { DRAIN_SECONDS: "1" });
    const players = await table(server, 3);
    const host = players[0]!;
    const codes = players.map(closeCodes);
    host.send("start-game", {});
    await host.waitPhase("question");
    host.send("submit-answer", { answer: "kept across the restart" });
    await host.waitState((s) => s.players.get(host.id)?.hasAnswered === true, "answer counted");
    const tokens = players.map((p) => p.room.reconnectionToken);
    const began = Date.now();
    const exited = exitOf(server);
    server.child.kill("SIGTERM");
    expect(await within(exited, 15_000, "exit after DRAIN_SECONDS")).toBe(0);
    const ms = Date.now() - began;
    console.log(`DRAIN_SECONDS=1: exited ${ms} ms after SIGTERM`);
    expect(ms).toBeGreaterThanOrEqual(1_000);
    for (const c of codes) expect(c).toEqual([CloseCode.ServerMoving]);
    expect(server.output).toMatch(/DRAIN_SECONDS passed/);

    // The same address, restarted with the same data: every player reconnects with its token.
    const again = new ServerProcess(server.port, { REDIS_URL: "", DATABASE_URL: "", DATA_DIR: dataDir });
    live.push(again);
    await again.ready(90_000);
    const back = await Promise.all(tokens.map((token) => eventually("reconnect after restart", () => new Client(again.endpoint).reconnect(token), 15_000))).catch((e) => {
      throw new Error(`${e}\n${again.output}`);
    });
    expect(back.map((r) => r.sessionId).sort()).toEqual(players.map((p) => p.id).sort());
    const state = back[0]!.state as any;
    await eventually("state after reconnect", () => state.phase === "question", 5_000);
    expect(state.round).toBe(1);
    expect(state.players.get(host.id).hasAnswered).toBe(true);
    await Promise.all(back.map((r) => r.leave(true)));
  }, 180_000);
});
