/**
 * Whole games through real @colyseus/sdk clients over real sockets (GAME.md §3, §6, §7, §10):
 * 8- and 12-round games with 2, 5 and 8 players, the host playing and not. Every round's scores
 * are checked against an independent scorer fed only with what the test sent and the question
 * pack; the final standings against the accumulated totals.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { leaveAll } from "../support/clients.ts";
import { expectedPlaces, expectedRoundScores, multiplierOf, type Tally } from "../support/oracle.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { openTable, pickOther, playRound, type RoundPlan, type Table } from "../support/table.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

/**
 * A varied but deterministic plan: every third round players 0 and 1 write the same answer
 * (differently spelled, so §5 merging is exercised); votes rotate over the options.
 */
function variedPlan(t: Table): RoundPlan {
  return {
    answer: (i, round) => {
      if (round % 3 === 0 && i <= 1) return i === 0 ? `The shared fake ${round}` : `  shared FAKE ${round}!`;
      return `fake ${round} by ${i}`;
    },
    eliminate: (i, view) => pickOther(t, i, view, i + view.round),
    vote: (i, view, eliminatedId) => pickOther(t, i, view, i * 2 + view.round, [eliminatedId]),
  };
}

async function playWholeGame(t: Table, totalRounds: number, plan: RoundPlan) {
  const tallies: Record<string, Tally> = Object.fromEntries(
    t.players.map((p) => [p.id, { score: 0, truthsFound: 0, robotsSpotted: 0, timesFooled: 0 }]),
  );
  t.host.send("start-game", {});
  for (let round = 1; round <= totalRounds; round++) {
    const played = await playRound(t, plan);
    const { view } = played;
    expect(view.round).toBe(round);
    const authors: Record<string, string[]> = {};
    for (const [playerId, optionIds] of Object.entries(view.own)) {
      for (const optionId of optionIds) (authors[optionId] ??= []).push(playerId);
    }
    const expected = expectedRoundScores({
      round,
      totalRounds,
      players: t.players.map((p) => p.id),
      truthId: view.truthId,
      robotId: view.robotId,
      authors,
      eliminationVotes: played.eliminationVotes,
      finalVotes: played.finalVotes,
    });
    const s = played.scores;
    expect(s.round).toBe(round);
    expect(s.multiplier).toBe(multiplierOf(round, totalRounds));
    expect(s.truthId).toBe(view.truthId);
    expect(s.robotId).toBe(view.robotId);
    expect(s.eliminationVotes).toEqual(played.eliminationVotes);
    expect(s.finalVotes).toEqual(played.finalVotes);
    for (const optionId of Object.keys(authors)) expect([...s.authors[optionId]].sort()).toEqual([...authors[optionId]!].sort());
    expect([...s.scores].sort((a: any, b: any) => a.playerId.localeCompare(b.playerId))).toEqual(
      [...expected].sort((a, b) => a.playerId.localeCompare(b.playerId)),
    );
    for (const row of expected) {
      const tally = tallies[row.playerId]!;
      tally.score = Math.max(0, tally.score + row.total);
      if (played.finalVotes[row.playerId] === view.truthId) tally.truthsFound++;
      if (played.eliminationVotes[row.playerId] === view.robotId) tally.robotsSpotted++;
      if (played.finalVotes[row.playerId] === view.robotId) tally.timesFooled++;
    }
    for (const p of t.players) expect(t.host.state.players.get(p.id).score).toBe(tallies[p.id]!.score);
    t.host.send("next-round", {});
  }
  const complete = await t.host.next("game-complete");
  await Promise.all(t.all.map((c) => c.waitPhase("final")));
  const places = expectedPlaces(tallies);
  expect(complete.gameId).toEqual(expect.any(String));
  expect(complete.standings).toHaveLength(t.players.length);
  for (const row of complete.standings) {
    const tally = tallies[row.playerId]!;
    expect(row).toMatchObject({ ...tally, place: places[row.playerId] });
  }
  const scores = complete.standings.map((r: any) => r.score);
  expect(scores).toEqual([...scores].sort((a: number, b: number) => b - a));
  expect([...complete.winners].sort()).toEqual(Object.keys(places).filter((id) => places[id] === 1).sort());
  // Every client, player or not, got the same final message.
  for (const c of t.all.filter((c) => c !== t.host)) expect((await c.next("game-complete")).gameId).toBe(complete.gameId);
  return complete;
}

describe("§3 §7 whole games over real sockets", () => {
  it("8-round game, 2 players, host plays", async () => {
    const t = await openTable(server.endpoint, { players: 2 });
    expect(t.host.state.totalRounds).toBe(8);
    await playWholeGame(t, 8, variedPlan(t));
    await leaveAll(t.all);
  });

  it("8-round game, 5 players, host is a display that does not play", async () => {
    const t = await openTable(server.endpoint, { players: 5, hostPlays: false });
    expect(t.host.state.players.has(t.host.id)).toBe(false);
    expect(t.host.state.hostId).toBe(t.host.id);
    expect(t.host.state.settings.hostPlays).toBe(false);
    await playWholeGame(t, 8, variedPlan(t));
    await leaveAll(t.all);
  });

  it("12-round game, 8 players, host plays", async () => {
    const t = await openTable(server.endpoint, { players: 8, mode: "12-round" });
    expect(t.host.state.mode).toBe("12-round");
    expect(t.host.state.totalRounds).toBe(12);
    await playWholeGame(t, 12, variedPlan(t));
    await leaveAll(t.all);
  });

  it("12-round game chosen in the lobby, 5 players, host does not play", async () => {
    const t = await openTable(server.endpoint, { players: 5, hostPlays: false });
    t.host.send("update-settings", { mode: "12-round" });
    await t.host.waitState((s) => s.totalRounds === 12, "12 rounds");
    await playWholeGame(t, 12, variedPlan(t));
    await leaveAll(t.all);
  });

  it("§7 everyone finds the truth and spots the robot: exact totals 1500 × 13", async () => {
    const t = await openTable(server.endpoint, { players: 3 });
    const complete = await playWholeGame(t, 8, {
      answer: (i, round) => `honest fake ${i} ${round}`,
      eliminate: (_i, view) => view.robotId,
      vote: (_i, view) => view.truthId,
    });
    for (const row of complete.standings) expect(row).toMatchObject({ score: 19_500, place: 1, truthsFound: 8, robotsSpotted: 8, timesFooled: 0 });
    expect(complete.winners).toHaveLength(3);
    await leaveAll(t.all);
  });
});
