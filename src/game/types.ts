/**
 * Plain data of a Robots room, as the rules see it. No class, no framework type: a state can be
 * cloned, logged, stored and replayed.
 */
import type { RngState } from "./rng.ts";
import type { FinalRoundScores, Icon, Mode, Phase, QuestionType, SettingsValues, StandingRow } from "../protocol.ts";

// The wire vocabularies and payload types are the protocol's; re-exported for the core's modules.
export { ICONS, MODES, PHASES } from "../protocol.ts";
export type { Icon, Mode, Phase, PlayerRoundScore, PublicQuestion, StandingRow } from "../protocol.ts";

/** A question as stored in the pool (GAME.md §4). Truth and robot answer never leave the server before results. */
export interface Question {
  id: string;
  text: string;
  type: QuestionType;
  imageUrl: string | null;
  correctAnswer: string;
  robotAnswer: string;
  difficulty: number;
  roundNumber: number | null;
}

/** Host-configurable settings (GAME.md §3, §4, §5). Seconds are the base values; extendedTimers doubles them. */
export type Settings = SettingsValues;

export interface Player {
  id: string;
  name: string;
  icon: Icon;
  score: number;
  connected: boolean;
  /** Left for good (consented leave or reconnection window over); keeps the score row in a game. */
  gone: boolean;
  /** Order of first join, for stable listings. */
  joinOrder: number;
  /** When the current connection began; the longest-connected player inherits the host role. */
  connectedSince: number;
  truthsFound: number;
  robotsSpotted: number;
  timesFooled: number;
  roundsWon: number;
}

export interface AudienceMember {
  id: string;
  name: string;
  icon: Icon;
  connected: boolean;
}

export type OptionSource = "player" | "truth" | "robot";

/** One entry of the round's answer pool. `authors` is empty for the truth and the robot. */
export interface AnswerOption {
  id: string;
  text: string;
  key: string;
  source: OptionSource;
  authors: string[];
  eliminated: boolean;
}

/**
 * Everything revealed at a round's results, kept for the record and for replay checks: what
 * `final-round-scores` tells every client, plus the question, the vote counts and the winners.
 */
export interface RoundResult extends FinalRoundScores {
  questionId: string;
  counts: Record<string, number>;
  winners: string[];
}

/** The round in progress. Secret parts (sources, authors, votes) stay on the server until results. */
export interface RoundState {
  question: Question;
  /** Player id → normalised answer, in submission order. */
  answers: Record<string, { text: string; key: string }>;
  answerOrder: string[];
  options: AnswerOption[];
  eliminationVotes: Record<string, string>;
  finalVotes: Record<string, string>;
  audienceVotes: Record<string, string>;
  eliminatedId: string | null;
  eliminationTie: boolean;
  result: RoundResult | null;
}

/**
 * One room's game at one moment. A state is a value: `apply()` never changes one, and the state it
 * returns shares every part the action left alone with the state it was given, so nothing else may
 * change a state in place either (that would change earlier states, a game log's start among them).
 */
export interface GameState {
  code: string;
  phase: Phase;
  round: number;
  totalRounds: number;
  mode: Mode;
  hostId: string;
  /** True once the creator has joined, or its seat expired unused; until then nobody is host. */
  founded: boolean;
  /** The host when it does not play: a display that controls the flow. Null when the host plays. */
  displayHost: { id: string; name: string; connected: boolean } | null;
  /** Epoch ms when the current phase ends; 0 when it has no deadline or is paused. */
  deadline: number;
  paused: boolean;
  /** Time left on the phase when it was paused. */
  pausedRemainingMs: number;
  settings: Settings;
  players: Record<string, Player>;
  audience: Record<string, AudienceMember>;
  nextJoinOrder: number;
  /** Lower-cased names and player ids kicked this game. */
  kickedNames: string[];
  kickedIds: string[];
  /** Length of one timer "second" in ms (1000 in play; smaller only on test servers). */
  secondMillis: number;
  /**
   * The current game's generator (its secret seed and position), advanced by every shuffle and
   * draw; null before the first start-game and after play-again, since the lobby draws nothing.
   * Server-side only: never projected to clients nor served by the API.
   */
  rng: RngState | null;
  gameId: string | null;
  startedAt: number;
  completedAt: number;
  questions: Question[];
  /** Question ids this room used in earlier games (and this one), preferred last in a draw. */
  usedQuestionIds: string[];
  current: RoundState | null;
  history: RoundResult[];
  standings: StandingRow[];
  winners: string[];
}
