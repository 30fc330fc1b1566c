/**
 * Issue 12: the leaderboard and game lookups are cached briefly, so an API flood costs one query
 * per key and not one per request; and a finished game shows at once, never after the cache's TTL.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refreshLeaderboard, writeGameRecord } from "../../src/persistence/gamesRepo.ts";
import { loadQuestionPack } from "../../src/persistence/questionPack.ts";
import { ReadCache } from "../../src/persistence/readCache.ts";
import { makeRecord } from "../support/records.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

describe("ReadCache", () => {
  it("concurrent reads of one key share one load; other keys load on their own", async () => {
    const cache = new ReadCache({ ttlMs: 60_000, max: 10 });
    let loads = 0;
    const load = async () => {
      loads++;
      await new Promise((r) => setTimeout(r, 20));
      return { n: loads };
    };
    const answers = await Promise.all(Array.from({ length: 50 }, () => cache.get("a", load)));
    expect(loads).toBe(1);
    expect(new Set(answers).size).toBe(1);
    await cache.get("b", load);
    expect(loads).toBe(2);
    await cache.get("a", load);
    expect(loads).toBe(2);
  });

  it("a write (a new version) makes every older answer stale at once", async () => {
    let version = 0;
    const cache = new ReadCache({ ttlMs: 60_000, max: 10, version: () => version });
    let value = "before";
    expect(await cache.get("k", async () => value)).toBe("before");
    value = "after";
    expect(await cache.get("k", async () => value)).toBe("before");
    version++;
    expect(await cache.get("k", async () => value)).toBe("after");
  });

  it("'not found' is cached, a failure is not, and an answer expires after its TTL", async () => {
    const cache = new ReadCache({ ttlMs: 100, max: 10 });
    let loads = 0;
    expect(await cache.get("missing", async () => (loads++, undefined))).toBeUndefined();
    expect(await cache.get("missing", async () => (loads++, undefined))).toBeUndefined();
    expect(loads).toBe(1);
    await expect(cache.get("flaky", async () => Promise.reject(new Error("database down")))).rejects.toThrow("database down");
    expect(await cache.get("flaky", async () => "recovered")).toBe("recovered");
    await new Promise((r) => setTimeout(r, 250));
    expect(await cache.get("missing", async () => (loads++, "found now"))).toBe("found now");
  });

  it("holds at most `max` entries", async () => {
    const cache = new ReadCache({ ttlMs: 60_000, max: 3 });
    let loads = 0;
    for (const key of ["a", "b", "c", "d"]) await cache.get(key, async () => ++loads);
    expect(await cache.get("a", async () => ++loads)).toBe(5);
  });
});

describe("§12 the API's cache never hides a finished game", () => {
  let server: TestServer;
  const api = async (path: string) => {
    const response = await fetch(`http://127.0.0.1:${server.port}${path}`);
    return { status: response.status, body: (await response.json()) as any };
  };

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it("a game written (and the leaderboard refreshed) shows on the very next request, cached or not", async () => {
    const pack = await loadQuestionPack();
    const record = makeRecord(pack, { seed: 77, names: ["Cachey", "Stale", "Fresh"], code: "QZXW" });
    // Asked before the game exists: these answers are now cached.
    expect((await api("/api/leaderboard?limit=50")).body.players).toEqual([]);
    expect((await api(`/api/games/${record.id}`)).status).toBe(404);
    expect((await api("/api/games?room=QZXW")).body.games).toEqual([]);
    expect((await api("/api/players/Cachey/stats")).status).toBe(404);

    const { db } = server.persistence.database;
    expect(await writeGameRecord(db, record)).toBe(true);
    await refreshLeaderboard(db);

    expect((await api(`/api/games/${record.id}`)).body.id).toBe(record.id);
    expect((await api("/api/games?room=QZXW")).body.games.map((g: any) => g.id)).toEqual([record.id]);
    const board = (await api("/api/leaderboard?limit=50")).body.players.map((p: any) => p.name).sort();
    expect(board).toEqual(["Cachey", "Fresh", "Stale"]);
    expect((await api("/api/players/cachey/stats")).body).toMatchObject({ name: "Cachey", gamesPlayed: 1 });
    // An unknown id is still a 404, and a malformed one a 400 (validated before the cache).
    expect((await api(`/api/games/${randomUUID()}`)).status).toBe(404);
    expect((await api("/api/games/not-a-uuid")).status).toBe(400);
  });
});
