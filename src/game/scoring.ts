/**
 * GAME.md §7: round scores, the multiplier, round winners, standings and winners.
 */
import type { AnswerOption, Player, PlayerRoundScore, StandingRow } from "./types.ts";

export const POINTS = {
  truth: 1000,
  robotSpotted: 500,
  perPlayerFooled: 500,
  fooledByRobot: -500,
} as const;

/** ×1 for rounds 1…total/2, ×2 for the rest, ×3 for the last. */
export function roundMultiplier(round: number, totalRounds: number): number {
  if (round === totalRounds) return 3;
  return round <= totalRounds / 2 ? 1 : 2;
}

export interface RoundScoringInput {
  playerIds: readonly string[];
  options: readonly AnswerOption[];
  eliminationVotes: Readonly<Record<string, string>>;
  finalVotes: Readonly<Record<string, string>>;
  multiplier: number;
}

/** One row per player, every component already multiplied. */
export function scoreRound(input: RoundScoringInput): PlayerRoundScore[] {
  const { playerIds, options, eliminationVotes, finalVotes, multiplier } = input;
  const byId = new Map(options.map((o) => [o.id, o]));
  const truthId = options.find((o) => o.source === "truth")?.id;
  const robotId = options.find((o) => o.source === "robot")?.id;
  const fooled = new Map<string, number>();
  for (const [voterId, optionId] of Object.entries(finalVotes)) {
    for (const author of byId.get(optionId)?.authors ?? []) {
      if (author !== voterId) fooled.set(author, (fooled.get(author) ?? 0) + 1);
    }
  }
  return playerIds.map((playerId) => {
    const correctAnswerPoints = finalVotes[playerId] === truthId ? POINTS.truth * multiplier : 0;
    const robotIdentifiedPoints = eliminationVotes[playerId] === robotId ? POINTS.robotSpotted * multiplier : 0;
    const votesReceivedPoints = (fooled.get(playerId) ?? 0) * POINTS.perPlayerFooled * multiplier;
    const fooledPenalty = finalVotes[playerId] === robotId ? POINTS.fooledByRobot * multiplier : 0;
    return {
      playerId,
      correctAnswerPoints,
      robotIdentifiedPoints,
      votesReceivedPoints,
      fooledPenalty,
      total: correctAnswerPoints + robotIdentifiedPoints + votesReceivedPoints + fooledPenalty,
    };
  });
}

/** Players with the highest round total; nobody when that total is 0 or less. */
export function roundWinners(scores: readonly PlayerRoundScore[]): string[] {
  const best = Math.max(...scores.map((s) => s.total));
  if (!(best > 0)) return [];
  return scores.filter((s) => s.total === best).map((s) => s.playerId);
}

/** A score never drops below 0 after a round. */
export function applyRoundTotal(score: number, total: number): number {
  return Math.max(0, score + total);
}

type RankedPlayer = Pick<Player, "id" | "name" | "score" | "truthsFound" | "robotsSpotted" | "timesFooled" | "joinOrder">;

/**
 * Sorted by score, then truths found, then robots spotted; players equal on all three share a
 * place (1, 1, 3). Join order only makes the listing stable.
 */
export function standings(players: readonly RankedPlayer[]): StandingRow[] {
  const sorted = players.slice().sort(
    (a, b) =>
      b.score - a.score ||
      b.truthsFound - a.truthsFound ||
      b.robotsSpotted - a.robotsSpotted ||
      a.joinOrder - b.joinOrder,
  );
  const rows: StandingRow[] = [];
  sorted.forEach((p, index) => {
    const previous = sorted[index - 1];
    const tiedWithPrevious =
      previous !== undefined &&
      previous.score === p.score &&
      previous.truthsFound === p.truthsFound &&
      previous.robotsSpotted === p.robotsSpotted;
    const place = tiedWithPrevious ? rows[index - 1]!.place : index + 1;
    rows.push({
      playerId: p.id,
      name: p.name,
      score: p.score,
      place,
      truthsFound: p.truthsFound,
      robotsSpotted: p.robotsSpotted,
      timesFooled: p.timesFooled,
    });
  });
  return rows;
}

/** Every player in first place. */
export function winnersOf(rows: readonly StandingRow[]): string[] {
  return rows.filter((r) => r.place === 1).map((r) => r.playerId);
}
