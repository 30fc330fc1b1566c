/**
 * Issue 12, item 4 (metrics the seed lists): messages received by result, action-to-broadcast
 * latency, games started / completed / abandoned, game duration, players per game, and rooms
 * stuck past their phase deadline. Whole games are played by real SDK clients against a real
 * server (fast timer seconds), and GET /metrics is read as Prometheus would read it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GameState } from "../../src/game/types.ts";
import { Histogram, Registry } from "prom-client";
import { LoopHistogram, PAST_DEADLINE_GRACE_MS, registry } from "../../src/metrics.ts";
import { observeCommit, observeDispose } from "../../src/rooms/roomMetrics.ts";
import { leaveAll, TestClient } from "../support/clients.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { eventually } from "../support/within.ts";

/** 8 rounds of default timers are 1,080 timer seconds: about 4 s at 4 ms each. */
const SECOND_MS = 4;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ secondMillis: SECOND_MS });
}, 120_000);
afterAll(async () => {
  await server?.close();
});

/** Every sample of GET /metrics, by its full series name (`name{labels}`). */
async function scrape(): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${server.port}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match) samples.set(match[1]!, Number(match[2]));
  }
  return samples;
}

function delta(before: Map<string, number>, after: Map<string, number>, series: string): number {
  expect(after.has(series), `${series} is exported`).toBe(true);
  return after.get(series)! - (before.get(series) ?? 0);
}

async function openRoom(players: number): Promise<TestClient[]> {
  const host = await TestClient.create(server.endpoint, { name: "Host", icon: "robot", hostPlays: true });
  const clients = [host];
  for (let i = 1; i < players; i++) clients.push(await TestClient.join(server.endpoint, host.room.roomId, { name: `Player ${i}`, icon: "cat" }));
  await Promise.all(clients.map((c) => c.waitState((s) => s.players.size === players, "all seated")));
  return clients;
}

describe("game metrics from whole games played by SDK clients", () => {
  it("a completed game: messages by result, latency per accepted message, started, completed, duration, players", async () => {
    const before = await scrape();
    const clients = await openRoom(3);
    const [host, guest] = clients as [TestClient, TestClient];
    // Refused: only the host may start (not-host), and a message of no known type (bad-request).
    guest.send("start-game", {});
    await guest.next("error", (e) => e.code === "not-host");
    guest.send("no-such-message", {});
    await guest.next("error", (e) => e.code === "bad-request");
    // Accepted: the start.
    host.send("start-game", {});
    await host.next("game-complete", () => true, 30_000);
    const after = await scrape();

    expect(delta(before, after, 'robots_messages_received_total{result="refused"}')).toBe(2);
    expect(delta(before, after, 'robots_messages_received_total{result="accepted"}')).toBe(1);
    // One latency sample per accepted message, each under the largest bucket.
    expect(delta(before, after, "robots_action_broadcast_seconds_count")).toBe(1);
    expect(delta(before, after, 'robots_action_broadcast_seconds_bucket{le="0.5"}')).toBe(1);
    expect(delta(before, after, "robots_games_started_total")).toBe(1);
    expect(delta(before, after, "robots_games_completed_total")).toBe(1);
    expect(delta(before, after, "robots_games_abandoned_total")).toBe(0);
    expect(delta(before, after, "robots_game_players_count")).toBe(1);
    expect(delta(before, after, "robots_game_players_sum")).toBe(3);
    expect(delta(before, after, 'robots_game_players_bucket{le="2"}')).toBe(0);
    expect(delta(before, after, 'robots_game_players_bucket{le="3"}')).toBe(1);
    expect(delta(before, after, "robots_game_duration_seconds_count")).toBe(1);
    // 8 rounds of timers at SECOND_MS each: seconds of wall time, not zero, not minutes.
    const seconds = delta(before, after, "robots_game_duration_seconds_sum");
    expect(seconds).toBeGreaterThan(1);
    expect(seconds).toBeLessThan(60);
    expect(after.get("robots_rooms_past_deadline")).toBe(0);
    await leaveAll(clients);
  }, 60_000);

  it("a room closed with its game still running counts one abandoned game", async () => {
    const before = await scrape();
    const clients = await openRoom(2);
    clients[0]!.send("start-game", {});
    await Promise.all(clients.map((c) => c.waitPhase("question")));
    await leaveAll(clients);
    const after = await eventually("the room to close", async () => {
      const now = await scrape();
      return (now.get("robots_games_abandoned_total") ?? 0) > (before.get("robots_games_abandoned_total") ?? 0) && now;
    });
    expect(delta(before, after, "robots_games_started_total")).toBe(1);
    expect(delta(before, after, "robots_games_abandoned_total")).toBe(1);
    expect(delta(before, after, "robots_games_completed_total")).toBe(0);
  }, 30_000);
});

describe("robots_rooms_past_deadline", () => {
  async function pastDeadline(): Promise<number> {
    const metric = await registry.getSingleMetric("robots_rooms_past_deadline")!.get();
    return metric.values[0]!.value;
  }
  const at = (phase: GameState["phase"], deadline: number) => ({ phase, deadline, startedAt: 0, completedAt: 0, players: {} }) as unknown as GameState;

  it("counts a room whose deadline passed more than the grace ago with the phase unchanged, until it moves on or closes", async () => {
    const room = {};
    const start = await pastDeadline();
    const now = Date.now();
    observeCommit(room, at("lobby", 0), at("question", now + 60_000));
    expect(await pastDeadline()).toBe(start);
    // Its timer never fired: the deadline lies well beyond the grace in the past.
    observeCommit(room, at("question", now + 60_000), at("question", now - PAST_DEADLINE_GRACE_MS - 1_000));
    expect(await pastDeadline()).toBe(start + 1);
    // A deadline only just passed is a timer about to fire, not a stuck room.
    const other = {};
    observeCommit(other, at("lobby", 0), at("question", now - 100));
    expect(await pastDeadline()).toBe(start + 1);
    // Paused (deadline 0) or closed: no longer counted.
    observeCommit(room, at("question", 1), at("question", 0));
    expect(await pastDeadline()).toBe(start);
    observeCommit(room, at("question", 0), at("question", now - PAST_DEADLINE_GRACE_MS - 1_000));
    observeDispose(room, at("question", 0));
    observeDispose(other, undefined);
    expect(await pastDeadline()).toBe(start);
  });
});

describe("LoopHistogram (the hot path's histogram)", () => {
  it("prints exactly what prom-client's own Histogram prints for the same observations", async () => {
    const buckets = [0.0001, 0.001, 0.01, 0.1, 0.5];
    const ours = new Registry();
    const theirs = new Registry();
    const loop = new LoopHistogram({ name: "latency_seconds", help: "h", buckets, registers: [ours] });
    const reference = new Histogram({ name: "latency_seconds", help: "h", buckets, registers: [theirs] });
    // On a bound, between bounds, below the first, above the last (only +Inf), and zero.
    for (const value of [0.0001, 0.00005, 0.002, 0.01, 0.3, 0.5, 0.75, 12, 0]) {
      loop.record(value);
      reference.observe(value);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    // The JSON form too (registry.getMetricsAsJSON, as cluster aggregation reads it), exemplars aside.
    const samples = async (r: Registry) => ((await r.getMetricsAsJSON())[0]!.values as object[]).map(({ labels, value, metricName }: any) => ({ labels, value, metricName }));
    expect(await samples(ours)).toEqual(await samples(theirs));
  });
});
