/**
 * Table types for Kysely, matching migrations/. Column names are the database's (snake_case).
 */
import type { ColumnType, Generated } from "kysely";

type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** jsonb: written as a JSON string, read back parsed. */
type Json<T> = ColumnType<T, string, string>;
/** bigint: the driver returns a string. */
type BigIntColumn = ColumnType<string | number, number | bigint | string, number | bigint | string>;

export interface QuestionsTable {
  id: string;
  text: string;
  type: "text" | "picture";
  image_url: string | null;
  correct_answer: string;
  robot_answer: string;
  difficulty: number;
  round_hint: number | null;
  active: Generated<boolean>;
  updated_at: Generated<Timestamp>;
}

export interface GamesTable {
  id: string;
  room_code: string;
  mode: string;
  started_at: Timestamp;
  completed_at: Timestamp;
  winners: Json<{ playerId: string; name: string }[]>;
  /** Legacy 32-bit seed of games recorded before 2026-11-30; written only for such a record still queued. */
  rng_seed: ColumnType<string | number | null, number | undefined, never>;
  /** The game's 256-bit seed as 64 hex digits (null only on legacy rows); never served. */
  seed: ColumnType<string | null, string | undefined, never>;
  action_log: Json<unknown>;
  snapshot: Json<unknown>;
  recorded_at: Generated<Timestamp>;
}

export interface PlayerGameStatsTable {
  game_id: string;
  player_id: string;
  name: string;
  icon: string;
  final_score: number;
  placement: number;
  is_winner: boolean;
  rounds_won: number;
  truths_found: number;
  robots_spotted: number;
  times_fooled: number;
}

export interface LeaderboardView {
  player_key: string;
  name: string;
  games_played: number;
  wins: number;
  total_score: BigIntColumn;
  best_score: number;
  rounds_won: number;
  truths_found: number;
  robots_spotted: number;
  times_fooled: number;
  last_played_at: Timestamp;
}

export interface UsersTable {
  id: Generated<string>;
  display_name: string;
  created_at: Generated<Timestamp>;
}

export interface Database {
  users: UsersTable;
  questions: QuestionsTable;
  games: GamesTable;
  player_game_stats: PlayerGameStatsTable;
  leaderboard: LeaderboardView;
}
