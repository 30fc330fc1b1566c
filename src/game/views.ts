/**
 * Read-only looks at a game: who sits at the table, what one client may know privately, and the
 * payloads the room sends again on join or reconnection. Nothing here changes a state, so every
 * other part of the rules (and the room's projection) may use it.
 */
import { current, isDraft } from "mutative";
import type { FinalRoundScores, GameComplete, You } from "../protocol.ts";
import type { GameState, Player, PublicQuestion, Question, RoundResult } from "./types.ts";

/** The private `you` message of one client (GAME.md §10): the protocol's `you` payload. */
export type PrivateView = You;

/**
 * The player rows as plain objects. Inside `apply()` the state is a mutative draft, where every
 * field read of every player goes through a proxy; listing the players that way, several times per
 * action, cost more than the rest of the action. `current` gives the rows as they are at this point
 * of the action (the unchanged ones are the previous state's own objects), so the rows handed out
 * are read-only: a rule changes a player through `s.players[id]`.
 */
function playerRows(s: GameState): readonly Readonly<Player>[] {
  return Object.values(isDraft(s) ? current(s.players) : s.players);
}

/** Every player row of the game (gone ones included), in join order. Read-only rows. */
export function rosterOrder(s: GameState): Readonly<Player>[] {
  return playerRows(s).toSorted((a, b) => a.joinOrder - b.joinOrder);
}

/** Players still in the game (not gone), in join order. Read-only rows. */
export function seatedPlayers(s: GameState): Readonly<Player>[] {
  return playerRows(s)
    .filter((p) => !p.gone)
    .sort((a, b) => a.joinOrder - b.joinOrder);
}

/**
 * Is any seated player connected? It runs after every action, often right after players changed
 * (where `current` would copy them all), so it reads the draft itself and stops at the first one.
 */
export function anyPlayerConnected(s: GameState): boolean {
  const players = s.players;
  for (const id in players) {
    const p = players[id]!;
    if (p.connected && !p.gone) return true;
  }
  return false;
}

/** The player with this id, unless there is none or they left for good. */
export function activePlayer(s: GameState, id: string): Player | undefined {
  const p = s.players[id];
  return p && !p.gone ? p : undefined;
}

/** Players the current phase waits for: connected, seated, not audience. Read-only rows. */
export function expectedActors(s: GameState): Readonly<Player>[] {
  return seatedPlayers(s).filter((p) => p.connected);
}

/** Votes cast so far by the players the phase waits for, out of how many (GAME.md §10 counts). */
export function voteCounts(s: GameState, votes: Record<string, string>): { votes: number; voters: number } {
  const voters = expectedActors(s);
  return { votes: voters.filter((p) => votes[p.id]).length, voters: voters.length };
}

/** Votes per option id. */
export function tally(votes: Record<string, string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const optionId of Object.values(votes)) counts[optionId] = (counts[optionId] ?? 0) + 1;
  return counts;
}

/** The option with the most audience votes; null on a tie or with none. */
export function audiencePick(votes: Record<string, string>): string | null {
  const counts = tally(votes);
  const top = Math.max(0, ...Object.values(counts));
  const leaders = Object.keys(counts).filter((id) => counts[id] === top);
  return top > 0 && leaders.length === 1 ? leaders[0]! : null;
}

/** What every client may see of a question: never its truth or the robot's answer (GAME.md §8). */
export function publicQuestion(q: Question): PublicQuestion {
  return { id: q.id, text: q.text, type: q.type, imageUrl: q.imageUrl ?? "" };
}

/** The `final-round-scores` payload of a finished round (GAME.md §10). */
export function roundScoresPayload(r: RoundResult): FinalRoundScores {
  return {
    round: r.round,
    multiplier: r.multiplier,
    truthId: r.truthId,
    robotId: r.robotId,
    eliminatedId: r.eliminatedId,
    authors: r.authors,
    eliminationVotes: r.eliminationVotes,
    finalVotes: r.finalVotes,
    audiencePick: r.audiencePick,
    scores: r.scores,
    standings: r.standings,
  };
}

/** The `game-complete` payload of a finished game (GAME.md §10). */
export function gameCompletePayload(s: Pick<GameState, "gameId" | "winners" | "standings">): GameComplete {
  // A finished game always has its id (start-game sets it); "" only for a state that never started.
  return { gameId: s.gameId ?? "", winners: s.winners, standings: s.standings };
}

/** The private `you` data of one client: its own options and votes, nothing of anyone else's. */
export function privateView(s: GameState, clientId: string): PrivateView {
  const round = s.current;
  return {
    playerId: clientId,
    ownOptionIds: round ? round.options.filter((o) => o.authors.includes(clientId)).map((o) => o.id) : [],
    eliminationVote: round?.eliminationVotes[clientId] ?? null,
    finalVote: round?.finalVotes[clientId] ?? round?.audienceVotes[clientId] ?? null,
  };
}

/** Has this player acted in the current phase? (`hasAnswered` / `hasVoted` of GAME.md §10.) */
export function progressOf(s: GameState, playerId: string): { hasAnswered: boolean; hasVoted: boolean } {
  const round = s.current;
  if (!round) return { hasAnswered: false, hasVoted: false };
  const hasAnswered = !!round.answers[playerId];
  const hasVoted =
    s.phase === "elimination" ? !!round.eliminationVotes[playerId] :
    s.phase === "voting" ? !!round.finalVotes[playerId] : false;
  return { hasAnswered, hasVoted };
}
