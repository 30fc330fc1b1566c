/**
 * Issue #7 finding 3, "games are predictable", over real sockets and real HTTP: two games played
 * back to back (play-again) by real SDK clients, then the API and everything the clients
 * received are searched for the seed. Each game must have its own secret seed of at least 128
 * bits, stored for replay and never served; replay must still rebuild both games exactly.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replayGame } from "../../src/game/replay.ts";
import { getGameRecord } from "../../src/persistence/gamesRepo.ts";
import { questionsById } from "../../src/persistence/questionsRepo.ts";
import { leaveAll, type TestClient } from "../support/clients.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { openTable, pickOther, playRound, type Table } from "../support/table.ts";

/** Key names that would carry generator state, anywhere in a served JSON body. */
const SECRET_KEYS = ["seed", "rngSeed", "rng_seed", "gameSeed", "rng", "actionLog", "action_log"];

let server: TestServer;
let t: Table;
const games: { gameId: string; row: Record<string, unknown>; seed: string }[] = [];

async function playGame(table: Table): Promise<string> {
  table.host.send("start-game", {});
  for (let round = 1; round <= 8; round++) {
    await playRound(table, {
      answer: (i, r) => `unpredictable fake ${r} ${i}`,
      eliminate: (i, view) => pickOther(table, i, view, i + round),
      vote: (i, view, eliminatedId) => pickOther(table, i, view, 2 * i + round, [eliminatedId]),
    });
    table.host.send("next-round", {});
  }
  const complete = await table.host.next("game-complete");
  await Promise.all(table.all.map((c) => c.waitPhase("final")));
  return complete.gameId as string;
}

/** The stored row, read with plain SQL so this test reads the seed whatever its column is called. */
async function storedRow(gameId: string): Promise<Record<string, unknown>> {
  const { rows } = await sql<Record<string, unknown>>`select * from games where id = ${gameId}`.execute(server.persistence.database.db);
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

function storedSeed(row: Record<string, unknown>): string {
  const value = row.seed ?? row.rng_seed;
  expect(value, "the games row keeps a seed for replay").not.toBeNull();
  return String(value);
}

/** Every key name at any depth of a parsed JSON value. */
function keysOf(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) keysOf(item, into);
  else if (value && typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) {
      into.add(key);
      keysOf(inner, into);
    }
  }
  return into;
}

async function getJson(path: string): Promise<{ status: number; raw: string; body: unknown }> {
  const response = await fetch(`http://127.0.0.1:${server.port}${path}`);
  const raw = await response.text();
  return { status: response.status, raw, body: JSON.parse(raw) };
}

/** Everything a client got: messages, state snapshots, and the raw frames read as Latin-1 text. */
function everythingReceived(client: TestClient): { json: string; frames: string } {
  const json = JSON.stringify({ received: client.received, snapshots: client.snapshots });
  const frames = client.frames.map((f) => Buffer.from(f.bytes).toString("latin1")).join("\n");
  return { json, frames };
}

beforeAll(async () => {
  server = await startTestServer();
  t = await openTable(server.endpoint, { players: 2 });
  const first = await playGame(t);
  t.host.send("play-again", {});
  await Promise.all(t.all.map((c) => c.waitPhase("lobby")));
  const second = await playGame(t);
  expect(await server.persistence.recorder.flush(15_000)).toBe(true);
  for (const gameId of [first, second]) {
    const row = await storedRow(gameId);
    games.push({ gameId, row, seed: storedSeed(row) });
  }
}, 120_000);

afterAll(async () => {
  if (t) await leaveAll(t.all);
  await server?.close();
});

describe("issue #7 finding 3: a game's seed stays secret and fresh", () => {
  it("GET /api/games/:id serves no seed and no generator state", async () => {
    for (const { gameId, seed } of games) {
      const { status, raw, body } = await getJson(`/api/games/${gameId}`);
      expect(status).toBe(200);
      expect(raw.includes(seed), "the stored seed appears in the body").toBe(false);
      const keys = keysOf(body);
      for (const key of SECRET_KEYS) expect(keys.has(key), `served key ${key}`).toBe(false);
    }
  });

  it("GET /api/games?room= lists the games without their seeds", async () => {
    const { status, raw, body } = await getJson(`/api/games?room=${t.code.toLowerCase()}`);
    expect(status).toBe(200);
    expect((body as { games: { id: string }[] }).games.map((g) => g.id).sort()).toEqual(games.map((g) => g.gameId).sort());
    for (const { seed } of games) expect(raw.includes(seed), "the stored seed appears in the listing").toBe(false);
    const keys = keysOf(body);
    for (const key of SECRET_KEYS) expect(keys.has(key), `served key ${key}`).toBe(false);
  });

  it("no client ever receives a seed or generator state, in messages, state or raw frames", () => {
    for (const client of t.all) {
      const { json, frames } = everythingReceived(client);
      for (const { seed } of games) {
        expect(json.includes(seed), "a seed in a message or state").toBe(false);
        expect(frames.includes(seed), "a seed in a raw frame").toBe(false);
      }
      const keys = keysOf(JSON.parse(json));
      for (const key of SECRET_KEYS) expect(keys.has(key), `client saw key ${key}`).toBe(false);
    }
  });

  it("each game has its own seed of at least 128 bits; play-again does not continue game 1's stream", () => {
    const [one, two] = games as [(typeof games)[0], (typeof games)[0]];
    for (const { seed } of games) expect(seed).toMatch(/^[0-9a-f]{32,}$/);
    expect(two.seed).not.toBe(one.seed);
    // Game 2's stored record (its log, its start state) carries nothing of game 1's generator.
    expect(JSON.stringify(two.row)).not.toContain(one.seed);
  });

  it("`npm run replay`'s rebuild still matches every round of both games from the stored seeds", async () => {
    const { db } = server.persistence.database;
    const pool = await questionsById(db);
    for (const { gameId } of games) {
      const record = await getGameRecord(db, gameId);
      const report = replayGame(record!, pool);
      expect(report.problems).toEqual([]);
      expect(report.rounds).toHaveLength(8);
      expect(report.rounds.every((r) => r.matches)).toBe(true);
    }
  });
});
