/**
 * An independent scorer written straight from GAME.md §7, used by the end-to-end tests to check
 * the server's numbers from what the test itself sent and what the question pack says.
 */
export interface OracleRound {
  round: number;
  totalRounds: number;
  players: string[];
  truthId: string;
  robotId: string;
  authors: Record<string, string[]>; // optionId → authors
  eliminationVotes: Record<string, string>;
  finalVotes: Record<string, string>;
}

export function multiplierOf(round: number, total: number): number {
  if (round === total) return 3;
  return round <= total / 2 ? 1 : 2;
}

export function expectedRoundScores(r: OracleRound) {
  const m = multiplierOf(r.round, r.totalRounds);
  return r.players.map((playerId) => {
    const correctAnswerPoints = r.finalVotes[playerId] === r.truthId ? 1000 * m : 0;
    const robotIdentifiedPoints = r.eliminationVotes[playerId] === r.robotId ? 500 * m : 0;
    let fooled = 0;
    for (const [voter, optionId] of Object.entries(r.finalVotes)) {
      if (voter !== playerId && (r.authors[optionId] ?? []).includes(playerId)) fooled++;
    }
    const votesReceivedPoints = fooled * 500 * m;
    const fooledPenalty = r.finalVotes[playerId] === r.robotId ? -500 * m : 0;
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

export interface Tally {
  score: number;
  truthsFound: number;
  robotsSpotted: number;
  timesFooled: number;
}

export function expectedPlaces(tallies: Record<string, Tally>): Record<string, number> {
  const ids = Object.keys(tallies);
  const places: Record<string, number> = {};
  for (const id of ids) {
    const t = tallies[id]!;
    places[id] =
      1 +
      ids.filter((other) => {
        const o = tallies[other]!;
        return (
          o.score > t.score ||
          (o.score === t.score && o.truthsFound > t.truthsFound) ||
          (o.score === t.score && o.truthsFound === t.truthsFound && o.robotsSpotted > t.robotsSpotted)
        );
      }).length;
  }
  return places;
}
