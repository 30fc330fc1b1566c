/**
 * What a finished game leaves behind (GAME.md §12): the row data for the record and everything
 * needed to replay it — the lobby state it started from, the game's seed (in its start-game
 * entry), and every action applied after, with its time.
 *
 * The seed and the action log are secrets of the server (issue #7 finding 3): they are stored
 * for replay, never served. The `snapshot` is what the API serves, so it holds no generator state.
 */
import { rosterOrder } from "./rules.ts";
import type { Action } from "./rules.ts";
import type { GameState, RoundResult, StandingRow } from "./types.ts";

/** An applied action as logged; start-game keeps the pool's ids, not the questions. */
export type LoggedAction =
  | Exclude<Action, { type: "start-game" }>
  | { type: "start-game"; by: string; poolIds: string[]; gameId: string; seed: string };

export interface LogEntry {
  at: number;
  action: LoggedAction;
}

export interface ActionLog {
  /** The rules state right before start-game. */
  initial: GameState;
  entries: LogEntry[];
}

export interface PlayerRecord {
  playerId: string;
  name: string;
  icon: string;
  finalScore: number;
  placement: number;
  isWinner: boolean;
  roundsWon: number;
  truthsFound: number;
  robotsSpotted: number;
  timesFooled: number;
}

export interface GameRecord {
  id: string;
  roomCode: string;
  mode: string;
  startedAt: number;
  completedAt: number;
  /** The game's 256-bit seed as hex; server-side only. */
  seed: string;
  winners: { playerId: string; name: string }[];
  players: PlayerRecord[];
  actionLog: ActionLog;
  snapshot: {
    totalRounds: number;
    settings: GameState["settings"];
    questions: { id: string; text: string; type: string }[];
    rounds: RoundResult[];
    standings: StandingRow[];
  };
}

/**
 * Keeps a game's log: start-game opens it with the state before the game (pool kept as ids);
 * every later applied action is appended while a log is open.
 */
export function appendToLog(log: ActionLog | null, before: GameState, action: Action, at: number): ActionLog | null {
  if (action.type === "start-game") {
    return { initial: before, entries: [{ at, action: { type: "start-game", by: action.by, gameId: action.gameId, seed: action.seed, poolIds: action.pool.map((q) => q.id) } }] };
  }
  log?.entries.push({ at, action });
  return log;
}

/** Builds the record of a game that reached `final`. */
export function buildGameRecord(state: GameState, log: ActionLog): GameRecord {
  if (state.phase !== "final" || !state.gameId || !state.rng) throw new Error("only a finished game has a record");
  const byId = new Map(state.standings.map((row) => [row.playerId, row]));
  const players = rosterOrder(state).map((p): PlayerRecord => {
    const row = byId.get(p.id)!;
    return {
      playerId: p.id,
      name: p.name,
      icon: p.icon,
      finalScore: p.score,
      placement: row.place,
      isWinner: state.winners.includes(p.id),
      roundsWon: p.roundsWon,
      truthsFound: p.truthsFound,
      robotsSpotted: p.robotsSpotted,
      timesFooled: p.timesFooled,
    };
  });
  return {
    id: state.gameId,
    roomCode: state.code,
    mode: state.mode,
    startedAt: state.startedAt,
    completedAt: state.completedAt,
    seed: state.rng.seed,
    winners: players.filter((p) => p.isWinner).map((p) => ({ playerId: p.playerId, name: p.name })),
    players,
    actionLog: log,
    snapshot: {
      totalRounds: state.totalRounds,
      settings: state.settings,
      questions: state.questions.map((q) => ({ id: q.id, text: q.text, type: q.type })),
      rounds: state.history,
      standings: state.standings,
    },
  };
}
