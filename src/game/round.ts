/**
 * One round, question to results (GAME.md §5–§7): answers, the shuffled pool, both votes, the
 * display host's censor, deadlines, and scoring when the votes are in. Role and phase were
 * checked by the gate in rules.ts before any of these runs.
 */
import { ErrorCode, gameError, type GameError } from "./errors.ts";
import { enter, PHASE_TIMER } from "./phases.ts";
import { Rng } from "./rng.ts";
import type { Ctx, GameEvent } from "./rules.ts";
import { applyRoundTotal, roundMultiplier, roundWinners, scoreRound, standings, winnersOf } from "./scoring.ts";
import { comparisonKey, containsProfanity, normalizeText } from "./text.ts";
import type { AnswerOption, GameState, RoundResult } from "./types.ts";
import { audiencePick, expectedActors, gameCompletePayload, publicQuestion, rosterOrder, roundScoresPayload, tally, voteCounts } from "./views.ts";

/** Opens the next round's question phase. */
export function startRound(s: GameState, ctx: Ctx, ev: GameEvent[]): void {
  s.round += 1;
  const question = s.questions[s.round - 1]!;
  s.current = {
    question,
    answers: {},
    answerOrder: [],
    options: [],
    eliminationVotes: {},
    finalVotes: {},
    audienceVotes: {},
    eliminatedId: null,
    eliminationTie: false,
    result: null,
  };
  enter(s, "question", ctx.now);
  ev.push({
    type: "round-started",
    payload: {
      round: s.round,
      totalRounds: s.totalRounds,
      multiplier: roundMultiplier(s.round, s.totalRounds),
      question: publicQuestion(question),
      deadline: s.deadline,
    },
  });
}

export function submitAnswer(s: GameState, by: string, raw: string, ctx: Ctx, ev: GameEvent[]): GameError | undefined {
  const round = s.current!;
  const text = normalizeText(raw);
  const key = comparisonKey(text);
  if (round.answers[by]) return gameError(ErrorCode.AlreadyAnswered, "you already answered this round");
  if (key === comparisonKey(round.question.correctAnswer)) {
    return gameError(ErrorCode.AnswerIsTruth, "that is the real answer: write a fake one");
  }
  if (key === comparisonKey(round.question.robotAnswer)) {
    return gameError(ErrorCode.AnswerIsRobot, "the robot already wrote that one: try another");
  }
  if (s.settings.familyFriendly && containsProfanity(text)) {
    return gameError(ErrorCode.Profanity, "family-friendly is on: keep it clean");
  }
  round.answers[by] = { text, key };
  round.answerOrder.push(by);
  ev.push({ type: "player-answered", payload: { playerId: by } });
  advanceIfEveryoneActed(s, ctx, ev);
  return undefined;
}

export function submitEliminationVote(s: GameState, by: string, optionId: string, ctx: Ctx, ev: GameEvent[]): GameError | undefined {
  const round = s.current!;
  if (round.eliminationVotes[by]) return gameError(ErrorCode.AlreadyVoted, "you already voted to eliminate");
  const option = round.options.find((o) => o.id === optionId);
  if (!option) return gameError(ErrorCode.InvalidVote, `no option ${optionId}`);
  if (option.authors.includes(by)) return gameError(ErrorCode.OwnAnswer, "you cannot vote for your own answer");
  round.eliminationVotes[by] = optionId;
  ev.push({ type: "elimination-vote-cast", payload: { playerId: by, ...voteCounts(s, round.eliminationVotes) } });
  advanceIfEveryoneActed(s, ctx, ev);
  return undefined;
}

/** A player's or an audience member's final vote; the audience's is counted apart (GAME.md §2). */
export function submitFinalVote(s: GameState, by: string, optionId: string, ctx: Ctx, ev: GameEvent[]): GameError | undefined {
  const round = s.current!;
  const isAudience = !!s.audience[by];
  const votes = isAudience ? round.audienceVotes : round.finalVotes;
  if (votes[by]) return gameError(ErrorCode.AlreadyVoted, "you already voted");
  const option = round.options.find((o) => o.id === optionId);
  if (!option || option.eliminated) return gameError(ErrorCode.InvalidVote, `option ${optionId} is not on the ballot`);
  if (option.authors.includes(by)) return gameError(ErrorCode.OwnAnswer, "you cannot vote for your own answer");
  votes[by] = optionId;
  if (isAudience) return undefined;
  ev.push({ type: "final-vote-cast", payload: { playerId: by, ...voteCounts(s, round.finalVotes) } });
  advanceIfEveryoneActed(s, ctx, ev);
  return undefined;
}

/**
 * GAME.md §5: a display host removes a player's answer; votes for it are void and may be cast
 * again. A playing host never gets here (`host-plays` in the gate), so `invalid-vote` for the
 * truth or the robot's answer tells nothing to anyone who could use it.
 */
export function censor(s: GameState, optionId: string, ctx: Ctx, ev: GameEvent[]): GameError | undefined {
  const round = s.current!;
  const option = round.options.find((o) => o.id === optionId);
  if (!option || option.source !== "player") return gameError(ErrorCode.InvalidVote, `no player answer ${optionId}`);
  round.options = round.options.filter((o) => o.id !== optionId);
  for (const [voter, voted] of Object.entries(round.eliminationVotes)) {
    if (voted === optionId) delete round.eliminationVotes[voter];
  }
  ev.push({ type: "answer-censored", payload: { optionId, ...voteCounts(s, round.eliminationVotes) } });
  advanceIfEveryoneActed(s, ctx, ev);
  return undefined;
}

/** A deadline timer fired (GAME.md §3: the server decides when a phase ends). */
export function timeout(s: GameState, ctx: Ctx, ev: GameEvent[]): GameError | undefined {
  // A stale or early timer changes nothing; only a phase whose deadline passed is closed.
  if (!PHASE_TIMER[s.phase] || s.paused || s.deadline === 0 || ctx.now < s.deadline) return undefined;
  return closePhase(s, ctx, ev);
}

/** Disconnected players never hold a phase open (GAME.md §3); an empty room waits instead. */
export function advanceIfEveryoneActed(s: GameState, ctx: Ctx, ev: GameEvent[]): void {
  const round = s.current;
  if (!round) return;
  const waitingFor = expectedActors(s);
  if (waitingFor.length === 0) return;
  const acted =
    s.phase === "question" ? round.answers :
    s.phase === "elimination" ? round.eliminationVotes :
    s.phase === "voting" ? round.finalVotes : null;
  if (acted && waitingFor.every((p) => acted[p.id])) closePhase(s, ctx, ev);
}

/** Ends the current phase as its deadline would (also `skip-phase` and `next-round`). */
export function closePhase(s: GameState, ctx: Ctx, ev: GameEvent[]): undefined {
  switch (s.phase) {
    case "question":
      closeQuestion(s, ctx, ev);
      break;
    case "elimination":
      closeElimination(s, ctx, ev);
      break;
    case "voting":
      closeVoting(s, ctx, ev);
      break;
    case "results":
      if (s.round < s.totalRounds) startRound(s, ctx, ev);
      else finishGame(s, ctx, ev);
      break;
    default:
      throw new Error(`closePhase in ${s.phase}`);
  }
  return undefined;
}

function closeQuestion(s: GameState, ctx: Ctx, ev: GameEvent[]): void {
  const round = s.current!;
  const merged = new Map<string, { text: string; authors: string[] }>();
  for (const playerId of round.answerOrder) {
    const answer = round.answers[playerId]!;
    const existing = merged.get(answer.key);
    if (existing) existing.authors.push(playerId);
    else merged.set(answer.key, { text: answer.text, authors: [playerId] });
  }
  const q = round.question;
  const pool: Omit<AnswerOption, "id">[] = [
    ...[...merged].map(([key, m]) => ({ text: m.text, key, source: "player" as const, authors: m.authors, eliminated: false })),
    { text: normalizeText(q.correctAnswer), key: comparisonKey(q.correctAnswer), source: "truth", authors: [], eliminated: false },
    { text: normalizeText(q.robotAnswer), key: comparisonKey(q.robotAnswer), source: "robot", authors: [], eliminated: false },
  ];
  const rng = new Rng(s.rng!);
  round.options = rng.shuffle(pool).map((o, i) => ({ id: `a${i + 1}`, ...o }));
  s.rng = rng.state;
  enter(s, "elimination", ctx.now);
  ev.push({ type: "all-answers-submitted", payload: { options: round.options.map((o) => ({ id: o.id, text: o.text })) } });
}

function closeElimination(s: GameState, ctx: Ctx, ev: GameEvent[]): void {
  const round = s.current!;
  const counts = tally(round.eliminationVotes);
  const top = Math.max(0, ...Object.values(counts));
  const leaders = Object.keys(counts).filter((id) => counts[id] === top);
  round.eliminationTie = top > 0 && leaders.length > 1;
  round.eliminatedId = top > 0 && leaders.length === 1 ? leaders[0]! : null;
  const eliminated = round.options.find((o) => o.id === round.eliminatedId);
  if (eliminated) eliminated.eliminated = true;
  enter(s, "voting", ctx.now);
  ev.push({ type: "elimination-complete", payload: { eliminatedId: round.eliminatedId, tie: round.eliminationTie, counts } });
}

function closeVoting(s: GameState, ctx: Ctx, ev: GameEvent[]): void {
  const round = s.current!;
  const multiplier = roundMultiplier(s.round, s.totalRounds);
  const roster = rosterOrder(s);
  const scores = scoreRound({
    playerIds: roster.map((p) => p.id),
    options: round.options,
    eliminationVotes: round.eliminationVotes,
    finalVotes: round.finalVotes,
    multiplier,
  });
  const truthId = round.options.find((o) => o.source === "truth")!.id;
  const robotId = round.options.find((o) => o.source === "robot")!.id;
  const winners = roundWinners(scores);
  for (const row of scores) {
    const player = s.players[row.playerId]!;
    player.score = applyRoundTotal(player.score, row.total);
    if (round.finalVotes[player.id] === truthId) player.truthsFound += 1;
    if (round.eliminationVotes[player.id] === robotId) player.robotsSpotted += 1;
    if (round.finalVotes[player.id] === robotId) player.timesFooled += 1;
    if (winners.includes(player.id)) player.roundsWon += 1;
  }
  const counts = tally(round.finalVotes);
  const result: RoundResult = {
    round: s.round,
    multiplier,
    questionId: round.question.id,
    truthId,
    robotId,
    eliminatedId: round.eliminatedId,
    // Copied: the result also goes out as an event, which must hold plain arrays, not drafts.
    authors: Object.fromEntries(round.options.filter((o) => o.source === "player").map((o) => [o.id, [...o.authors]])),
    eliminationVotes: { ...round.eliminationVotes },
    finalVotes: { ...round.finalVotes },
    audiencePick: audiencePick(round.audienceVotes),
    counts,
    scores,
    winners,
    // A fresh read: `roster` is a snapshot from before this round's points were added.
    standings: standings(rosterOrder(s)),
  };
  round.result = result;
  s.history.push(result);
  enter(s, "results", ctx.now);
  ev.push({ type: "all-votes-submitted", payload: { truthId, robotId, counts } });
  ev.push({ type: "final-round-scores", payload: roundScoresPayload(result) });
}

function finishGame(s: GameState, ctx: Ctx, ev: GameEvent[]): void {
  enter(s, "final", 0);
  s.completedAt = ctx.now;
  const rows = standings(Object.values(s.players));
  const winners = winnersOf(rows);
  s.standings = rows;
  s.winners = winners;
  // Built from the plain rows, not read back through the draft.
  ev.push({ type: "game-complete", payload: gameCompletePayload({ gameId: s.gameId, winners, standings: rows }) });
}
