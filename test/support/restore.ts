/**
 * Helpers for the restore tests (issue 11): a client coming back after its server was lost, the
 * process that holds a room, and a round scored by the oracle from what the test sent.
 */
import { Client } from "@colyseus/sdk";
import type { Redis } from "ioredis";
import { TestClient } from "./clients.ts";
import { expectedRoundScores } from "./oracle.ts";
import { secretIds } from "./pack.ts";
import { expect } from "vitest";
import { pickOther, playRound, type RoundPlan, type RoundView, type Table } from "./table.ts";

/** Port of the process whose listing holds `code` (its PUBLIC_ADDRESS is 127.0.0.1:{port}). */
export async function ownerPort(redis: Redis, code: string): Promise<number> {
  const listing = await redis.hget("roomcaches", code);
  if (!listing) throw new Error(`room ${code} is not listed`);
  return Number((JSON.parse(listing) as { publicAddress: string }).publicAddress.split(":")[1]);
}

/**
 * What a client does when its server is lost (docs/PROTOCOL.md): `client.reconnect(token)`
 * through matchmaking at `endpoint`, retried every 250 ms for up to 30 s. Resolves with the
 * client in the room and how long after `since` it got back.
 */
export async function comeBack(old: TestClient, endpoint: string, since: number): Promise<{ client: TestClient; ms: number }> {
  const token = old.room.reconnectionToken;
  const sdk = new Client(endpoint);
  for (;;) {
    try {
      const room = await sdk.reconnect(token);
      const ms = Date.now() - since;
      const client = new TestClient(sdk, room, endpoint);
      await client.waitState((s) => !!s.code, "state after reconnecting");
      return { client, ms };
    } catch (error) {
      if (Date.now() - since > 30_000) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

export interface PartialRound {
  view: RoundView;
  eliminationVotes: Record<string, string>;
  eliminatedId: string | null;
}

const STEP_MS = 70;
const step = () => new Promise((resolve) => setTimeout(resolve, STEP_MS));

/** Plays the current round's answers and elimination; resolves in voting, before any vote. */
export async function untilVoting(t: Table, plan: RoundPlan): Promise<PartialRound> {
  const started = await t.host.next("round-started");
  await Promise.all(t.all.map((c) => c.waitPhase("question")));
  await step();
  t.players.forEach((p, i) => p.send("submit-answer", { answer: plan.answer(i, started.round) }));
  const answersOut = await t.host.next("all-answers-submitted");
  await Promise.all(t.all.map((c) => c.waitPhase("elimination")));
  const options = answersOut.options as { id: string; text: string }[];
  const own: Record<string, string[]> = {};
  for (const p of t.players) own[p.id] = (await p.until(() => (p.you?.ownOptionIds.length ? p.you : undefined), "own option ids")).ownOptionIds;
  const view: RoundView = { round: started.round, questionId: started.question.id, options, own, ...secretIds(started.question.id, options) };
  const eliminationVotes: Record<string, string> = {};
  await step();
  t.players.forEach((p, i) => {
    const optionId = plan.eliminate(i, view)!;
    eliminationVotes[p.id] = optionId;
    p.send("submit-elimination-vote", { optionId });
  });
  const complete = await t.host.next("elimination-complete");
  await Promise.all(t.all.map((c) => c.waitPhase("voting")));
  await step();
  return { view, eliminationVotes, eliminatedId: complete.eliminatedId };
}

/** The server's scores for a round and the oracle's, both sorted by player, to compare. */
export function scoreRound(
  t: Table,
  round: number,
  played: { view: RoundView; eliminationVotes: Record<string, string>; finalVotes: Record<string, string>; scores: { scores: { playerId: string; total: number }[] } },
  totalRounds = 8,
) {
  const authors: Record<string, string[]> = {};
  for (const [playerId, ids] of Object.entries(played.view.own)) for (const id of ids) (authors[id] ??= []).push(playerId);
  const expected = expectedRoundScores({
    round,
    totalRounds,
    players: t.players.map((p) => p.id),
    truthId: played.view.truthId,
    robotId: played.view.robotId,
    authors,
    eliminationVotes: played.eliminationVotes,
    finalVotes: played.finalVotes,
  });
  const byPlayer = <R extends { playerId: string }>(rows: R[]) => [...rows].sort((a, b) => a.playerId.localeCompare(b.playerId));
  return { actual: byPlayer(played.scores.scores as ReturnType<typeof expectedRoundScores>), expected: byPlayer(expected) };
}

export interface CrashedGame {
  /** The table as it is after everyone came back (new SDK rooms, same player ids). */
  table: Table;
  /** The clients as they were before the loss. */
  before: Table;
  firstBackMs: number;
  lastBackMs: number;
}

/**
 * Plays a 3-player, 8-round game on `t`, loses its server in round 2's voting after two of the
 * three votes were accepted (`lose` kills it and says where clients find the game again), brings
 * every client back with its token, and plays on to the end. Checks along the way: each player
 * comes back with its id, score and accepted vote; every round's scores equal the oracle's; the
 * final standings equal the sum of the rounds (the same game without the crash).
 */
export async function playThroughLoss(t: Table, lose: () => Promise<{ endpoint: string; lostAt: number }>): Promise<CrashedGame> {
  const before = t;
  const totals = new Map<string, number>();
  // GAME.md §7: a score never goes below zero.
  const add = (rows: { playerId: string; total: number }[]) => rows.forEach((s) => totals.set(s.playerId, Math.max(0, (totals.get(s.playerId) ?? 0) + s.total)));
  const plan = (round: number): RoundPlan => ({
    answer: (i) => `lost fake ${round} ${i}`,
    eliminate: (i, view) => pickOther(t, i, view, i + round),
    vote: (i, view, eliminated) => pickOther(t, i, view, i + 2 * round, [eliminated]),
  });
  t.host.send("start-game", {});
  const first = scoreRound(t, 1, await playRound(t, plan(1)));
  expect(first.actual).toEqual(first.expected);
  add(first.actual);
  t.host.send("next-round", {});

  const partial = await untilVoting(t, plan(2));
  const finalVotes: Record<string, string> = {};
  for (const i of [0, 1]) {
    const p = t.players[i]!;
    const optionId = plan(2).vote(i, partial.view, partial.eliminatedId)!;
    finalVotes[p.id] = optionId;
    p.send("submit-final-vote", { optionId });
    await p.until(() => p.you?.finalVote === optionId, "vote accepted");
  }
  const scores = Object.fromEntries(t.players.map((p) => [p.id, p.state.players.get(p.id).score as number]));
  const { endpoint, lostAt } = await lose();
  const back = await Promise.all(t.all.map((c) => comeBack(c, endpoint, lostAt)));
  const clients = back.map((b) => b.client);
  t = { code: t.code, host: clients[0]!, players: clients, audience: [], all: clients };
  for (const [i, c] of clients.entries()) {
    expect(c.id).toBe(before.players[i]!.id);
    expect(c.room.roomId).toBe(before.code);
    await c.waitState((s) => s.phase === "voting" && s.players.get(c.id)?.score === scores[c.id], "voting, score kept");
  }
  for (const i of [0, 1]) await clients[i]!.until(() => clients[i]!.you?.finalVote === finalVotes[clients[i]!.id], "accepted vote kept");

  const lastVote = plan(2).vote(2, partial.view, partial.eliminatedId)!;
  finalVotes[clients[2]!.id] = lastVote;
  clients[2]!.send("submit-final-vote", { optionId: lastVote });
  const allVotes = await t.host.next("all-votes-submitted");
  expect([allVotes.truthId, allVotes.robotId]).toEqual([partial.view.truthId, partial.view.robotId]);
  const second = scoreRound(t, 2, { ...partial, finalVotes, scores: await t.host.next("final-round-scores") });
  expect(second.actual).toEqual(second.expected);
  add(second.actual);
  await Promise.all(t.all.map((c) => c.waitPhase("results")));
  for (let round = 3; round <= 8; round++) {
    t.host.send("next-round", {});
    const scored = scoreRound(t, round, await playRound(t, plan(round)));
    expect(scored.actual).toEqual(scored.expected);
    add(scored.actual);
  }
  t.host.send("next-round", {});
  const complete = await t.host.next("game-complete");
  expect(complete.standings).toHaveLength(3);
  for (const row of complete.standings) expect(row.score).toBe(totals.get(row.playerId));
  const times = back.map((b) => b.ms);
  return { table: t, before, firstBackMs: Math.min(...times), lastBackMs: Math.max(...times) };
}
