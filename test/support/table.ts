/**
 * A table of real clients around one room, and a round driver that plays one round the way a
 * plan says, recording what every client sent so the tests can score it independently.
 */
import { expect } from "vitest";
import { ICONS } from "../../src/protocol.ts";
import { TestClient } from "./clients.ts";
import { secretIds } from "./pack.ts";

export interface Table {
  code: string;
  host: TestClient;
  players: TestClient[];
  audience: TestClient[];
  all: TestClient[];
}

export interface TableOptions {
  players: number;
  hostPlays?: boolean;
  mode?: "8-round" | "12-round";
  audience?: number;
}

export async function openTable(endpoint: string, o: TableOptions): Promise<Table> {
  const hostPlays = o.hostPlays ?? true;
  const host = await TestClient.create(endpoint, {
    name: "Host",
    icon: "robot",
    hostPlays,
    ...(o.mode ? { mode: o.mode } : {}),
  });
  const code = host.room.roomId;
  const seated: TestClient[] = [];
  for (let i = hostPlays ? 1 : 0; i < o.players; i++) {
    seated.push(await TestClient.join(endpoint, code, { name: `Player ${i}`, icon: ICONS[i % ICONS.length] }));
  }
  const audience: TestClient[] = [];
  for (let i = 0; i < (o.audience ?? 0); i++) {
    audience.push(await TestClient.join(endpoint, code, { name: `Fan ${i}`, icon: "ghost", audience: true }));
  }
  const players = hostPlays ? [host, ...seated] : seated;
  const all = [host, ...seated, ...audience];
  await Promise.all(all.map((c) => c.waitState((s) => s.players.size === o.players, "all players seated")));
  return { code, host, players, audience, all };
}

export interface RoundView {
  round: number;
  questionId: string;
  options: { id: string; text: string }[];
  truthId: string;
  robotId: string;
  /** option ids each player authored, as its private `you` message says */
  own: Record<string, string[]>;
}

export interface RoundPlan {
  answer: (playerIndex: number, round: number) => string | undefined;
  eliminate: (playerIndex: number, view: RoundView) => string | undefined;
  vote: (playerIndex: number, view: RoundView, eliminatedId: string | null) => string | undefined;
  audienceVote?: (audienceIndex: number, view: RoundView, eliminatedId: string | null) => string | undefined;
}

export interface PlayedRound {
  view: RoundView;
  eliminationVotes: Record<string, string>;
  finalVotes: Record<string, string>;
  audienceVotes: Record<string, string>;
  eliminationComplete: any;
  allVotes: any;
  scores: any;
}

/**
 * The server answers each step at once (issue #9), so a round can take milliseconds; a host that
 * plays sends four messages a round (three here, `next-round` after), and GAME.md §11 refuses more
 * than 20 a second sustained. Steps this far apart keep every client under that rate.
 */
const STEP_MS = 70;
const step = () => new Promise((resolve) => setTimeout(resolve, STEP_MS));

/** Plays the current round from `question` to `results`. */
export async function playRound(t: Table, plan: RoundPlan): Promise<PlayedRound> {
  const started = await t.host.next("round-started");
  await Promise.all(t.all.map((c) => c.waitPhase("question")));
  await step();
  t.players.forEach((p, i) => {
    const answer = plan.answer(i, started.round);
    if (answer !== undefined) p.send("submit-answer", { answer });
  });
  const answersOut = await t.host.next("all-answers-submitted");
  await Promise.all(t.all.map((c) => c.waitPhase("elimination")));
  const options = answersOut.options as { id: string; text: string }[];
  const own: Record<string, string[]> = {};
  for (const [i, p] of t.players.entries()) {
    const answered = plan.answer(i, started.round) !== undefined;
    const you = await p.until(() => {
      const y = p.you;
      return y && (answered ? y.ownOptionIds.length > 0 : true) ? y : undefined;
    }, "own option ids");
    own[p.id] = you.ownOptionIds;
  }
  const view: RoundView = { round: started.round, questionId: started.question.id, options, own, ...secretIds(started.question.id, options) };

  const eliminationVotes: Record<string, string> = {};
  await step();
  t.players.forEach((p, i) => {
    const optionId = plan.eliminate(i, view);
    if (optionId !== undefined) {
      eliminationVotes[p.id] = optionId;
      p.send("submit-elimination-vote", { optionId });
    }
  });
  const eliminationComplete = await t.host.next("elimination-complete");
  await Promise.all(t.all.map((c) => c.waitPhase("voting")));

  const finalVotes: Record<string, string> = {};
  const audienceVotes: Record<string, string> = {};
  t.audience.forEach((a, i) => {
    const optionId = plan.audienceVote?.(i, view, eliminationComplete.eliminatedId);
    if (optionId !== undefined) {
      audienceVotes[a.id] = optionId;
      a.send("submit-final-vote", { optionId });
    }
  });
  // Audience votes land before the players' last vote closes the phase.
  await Promise.all(t.audience.map((a) => (audienceVotes[a.id] ? a.until(() => a.you?.finalVote, "audience vote confirmed") : null)));
  await step();
  t.players.forEach((p, i) => {
    const optionId = plan.vote(i, view, eliminationComplete.eliminatedId);
    if (optionId !== undefined) {
      finalVotes[p.id] = optionId;
      p.send("submit-final-vote", { optionId });
    }
  });
  const allVotes = await t.host.next("all-votes-submitted");
  const scores = await t.host.next("final-round-scores");
  await Promise.all(t.all.map((c) => c.waitPhase("results")));
  expect(allVotes.truthId).toBe(view.truthId);
  expect(allVotes.robotId).toBe(view.robotId);
  return { view, eliminationVotes, finalVotes, audienceVotes, eliminationComplete, allVotes, scores };
}

/** The first option that `playerIndex` did not write, counting from `offset`. */
export function pickOther(t: Table, playerIndex: number, view: RoundView, offset: number, exclude: (string | null)[] = []): string {
  const mine = new Set(view.own[t.players[playerIndex]!.id] ?? []);
  const candidates = view.options.filter((o) => !mine.has(o.id) && !exclude.includes(o.id));
  return candidates[offset % candidates.length]!.id;
}
