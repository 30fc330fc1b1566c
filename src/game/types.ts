/**
 * Plain data of a Robots room, as the rules see it. No class, no framework type: a state can be
 * cloned, logged, stored and replayed.
 */
import type { RngState } from "./rng.ts";

export const PHASES = ["lobby", "question", "elimination", "voting", "results", "final"] as const;
/** GAME.md §3 phases. */
export type Phase = (typeof PHASES)[number];

export const MODES = ["8-round", "12-round"] as const;
/** GAME.md §4 modes. */
export type Mode = (typeof MODES)[number];

export const ICONS = [
  "robot", "cat", "dog", "fox", "owl", "frog", "bear", "panda",
  "tiger", "lion", "penguin", "octopus", "unicorn", "alien", "ghost", "cactus",
] as const;
/** GAME.md §9 shipped icon ids. */
export type Icon = (typeof ICONS)[number];

/** A question as stored in the pool (GAME.md §4). Truth and robot answer never leave the server before results. */
export interface Question {
  id: string;
  text: string;
  type: "text" | "picture";
  imageUrl: string | null;
  correctAnswer: string;
  robotAnswer: string;
  difficulty: number;
  roundNumber: number | null;
}

/** What every client may see of a question. */
export interface PublicQuestion {
  id: string;
  text: string;
  type: "text" | "picture";
  imageUrl: string;
}

/** Host-configurable settings (GAME.md §3, §4, §5). Seconds are the base values; extendedTimers doubles them. */
export interface Settings {
  questionSeconds: number;
  eliminationSeconds: number;
  votingSeconds: number;
  resultsSeconds: number;
  extendedTimers: boolean;
  familyFriendly: boolean;
  hostPlays: boolean;
}

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

export interface PlayerRoundScore {
  playerId: string;
  correctAnswerPoints: number;
  robotIdentifiedPoints: number;
  votesReceivedPoints: number;
  fooledPenalty: number;
  total: number;
}

export interface StandingRow {
  playerId: string;
  name: string;
  score: number;
  place: number;
  truthsFound: number;
  robotsSpotted: number;
  timesFooled: number;
}

/** Everything revealed at a round's results, kept for the record and for replay checks. */
export interface RoundResult {
  round: number;
  multiplier: number;
  questionId: string;
  truthId: string;
  robotId: string;
  eliminatedId: string | null;
  authors: Record<string, string[]>;
  eliminationVotes: Record<string, string>;
  finalVotes: Record<string, string>;
  audiencePick: string | null;
  counts: Record<string, number>;
  scores: PlayerRoundScore[];
  winners: string[];
  standings: StandingRow[];
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
