/**
 * Finished games (GAME.md §12): one transaction writes the `games` row and one
 * `player_game_stats` row per player; the write is idempotent by game id, so a retried record is
 * stored exactly once. Reads for the HTTP API live here too.
 */
import { sql, type Kysely, type Selectable } from "kysely";
import type { GameRecord } from "../game/record.ts";
import type { Database, LeaderboardView } from "./schema.ts";

/** Writes a record; returns false when a game with that id was already stored. */
export async function writeGameRecord(db: Kysely<Database>, record: GameRecord): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto("games")
      .values({
        id: record.id,
        room_code: record.roomCode,
        mode: record.mode,
        started_at: new Date(record.startedAt),
        completed_at: new Date(record.completedAt),
        winners: JSON.stringify(record.winners),
        // A record queued by the previous version (a 32-bit number) keeps its legacy column.
        ...(typeof record.seed === "number" ? { rng_seed: record.seed } : { seed: record.seed }),
        action_log: JSON.stringify(record.actionLog),
        snapshot: JSON.stringify(record.snapshot),
      })
      .onConflict((oc) => oc.column("id").doNothing())
      .returning("id")
      .executeTakeFirst();
    if (!inserted) return false;
    if (record.players.length > 0) {
      await trx
        .insertInto("player_game_stats")
        .values(
          record.players.map((p) => ({
            game_id: record.id,
            player_id: p.playerId,
            name: p.name,
            icon: p.icon,
            final_score: p.finalScore,
            placement: p.placement,
            is_winner: p.isWinner,
            rounds_won: p.roundsWon,
            truths_found: p.truthsFound,
            robots_spotted: p.robotsSpotted,
            times_fooled: p.timesFooled,
          })),
        )
        .execute();
    }
    return true;
  });
}

/** Rebuilds the leaderboard without blocking its readers. */
export async function refreshLeaderboard(db: Kysely<Database>): Promise<void> {
  await sql`refresh materialized view concurrently leaderboard`.execute(db);
}

export interface GameSummary {
  id: string;
  roomCode: string;
  mode: string;
  startedAt: string;
  completedAt: string;
  winners: { playerId: string; name: string }[];
}

function summary(row: { id: string; room_code: string; mode: string; started_at: Date | string; completed_at: Date | string; winners: unknown }): GameSummary {
  return {
    id: row.id,
    roomCode: row.room_code,
    mode: row.mode,
    startedAt: new Date(row.started_at).toISOString(),
    completedAt: new Date(row.completed_at).toISOString(),
    winners: row.winners as GameSummary["winners"],
  };
}

const STAT_COLUMNS = ["player_id", "name", "icon", "final_score", "placement", "is_winner", "rounds_won", "truths_found", "robots_spotted", "times_fooled"] as const;

function statRow(r: Pick<Database["player_game_stats"], (typeof STAT_COLUMNS)[number]>) {
  return {
    playerId: r.player_id,
    name: r.name,
    icon: r.icon,
    finalScore: r.final_score,
    placement: r.placement,
    isWinner: r.is_winner,
    roundsWon: r.rounds_won,
    truthsFound: r.truths_found,
    robotsSpotted: r.robots_spotted,
    timesFooled: r.times_fooled,
  };
}

/** A games row and its stats rows, best placement first. */
async function loadGame(db: Kysely<Database>, id: string) {
  const game = await db.selectFrom("games").selectAll().where("id", "=", id).executeTakeFirst();
  if (!game) return undefined;
  const players = await db.selectFrom("player_game_stats").select(STAT_COLUMNS).where("game_id", "=", id).orderBy("placement").orderBy("player_id").execute();
  return { game, players: players.map(statRow) };
}

/**
 * A finished game for the API. Issue #7 finding 3: the seed and the action log stay server-side,
 * and the snapshot is rebuilt from its known parts, so nothing else stored in it is served.
 */
export async function getGame(db: Kysely<Database>, id: string) {
  const loaded = await loadGame(db, id);
  if (!loaded) return undefined;
  const { game, players } = loaded;
  const { totalRounds, settings, questions, rounds, standings } = game.snapshot as GameRecord["snapshot"];
  return { ...summary(game), players, snapshot: { totalRounds, settings, questions, rounds, standings } };
}

/** The record as written, for replay. */
export async function getGameRecord(db: Kysely<Database>, id: string): Promise<GameRecord | undefined> {
  const loaded = await loadGame(db, id);
  if (!loaded) return undefined;
  const { game, players } = loaded;
  return {
    id: game.id,
    roomCode: game.room_code,
    mode: game.mode,
    startedAt: new Date(game.started_at).getTime(),
    completedAt: new Date(game.completed_at).getTime(),
    // Legacy rows have no 256-bit seed; replay reports that it cannot rebuild them.
    seed: game.seed ?? `legacy 32-bit seed ${game.rng_seed}`,
    winners: game.winners as GameRecord["winners"],
    players,
    actionLog: game.action_log as GameRecord["actionLog"],
    snapshot: game.snapshot as GameRecord["snapshot"],
  };
}

export async function gamesInRoom(db: Kysely<Database>, roomCode: string, limit: number): Promise<GameSummary[]> {
  const rows = await db
    .selectFrom("games")
    .select(["id", "room_code", "mode", "started_at", "completed_at", "winners"])
    .where("room_code", "=", roomCode)
    .orderBy("completed_at", "desc")
    .limit(limit)
    .execute();
  return rows.map(summary);
}

export interface LeaderboardRow {
  rank: number;
  name: string;
  gamesPlayed: number;
  wins: number;
  totalScore: number;
  bestScore: number;
  roundsWon: number;
  truthsFound: number;
  robotsSpotted: number;
  timesFooled: number;
  lastPlayedAt: string;
}

function leaderboardRow(r: Selectable<LeaderboardView>, rank: number): LeaderboardRow {
  return {
    rank,
    name: r.name,
    gamesPlayed: Number(r.games_played),
    wins: Number(r.wins),
    totalScore: Number(r.total_score),
    bestScore: Number(r.best_score),
    roundsWon: Number(r.rounds_won),
    truthsFound: Number(r.truths_found),
    robotsSpotted: Number(r.robots_spotted),
    timesFooled: Number(r.times_fooled),
    lastPlayedAt: new Date(r.last_played_at).toISOString(),
  };
}

/**
 * Rank over the whole leaderboard: wins, then total score, then truths found, then robots
 * spotted (the in-game tie-breaks of GAME.md §7); rows equal on all four share a rank.
 */
function rankedLeaderboard(db: Kysely<Database>) {
  return db
    .selectFrom("leaderboard")
    .selectAll()
    .select(sql<number>`rank() over (order by wins desc, total_score desc, truths_found desc, robots_spotted desc)`.as("rank"));
}

export async function leaderboard(db: Kysely<Database>, limit: number): Promise<LeaderboardRow[]> {
  const rows = await rankedLeaderboard(db).orderBy("rank").orderBy("player_key").limit(limit).execute();
  return rows.map((r) => leaderboardRow(r, Number(r.rank)));
}

export async function playerStats(db: Kysely<Database>, name: string) {
  const key = name.toLowerCase();
  const row = await db.selectFrom(rankedLeaderboard(db).as("ranked")).selectAll().where("player_key", "=", key).executeTakeFirst();
  if (!row) return undefined;
  const recent = await db
    .selectFrom("player_game_stats as s")
    .innerJoin("games as g", "g.id", "s.game_id")
    .select(["g.id as gameId", "g.room_code as roomCode", "g.completed_at as completedAt", "s.final_score as finalScore", "s.placement", "s.is_winner as isWinner"])
    .where(sql`lower(s.name)`, "=", key)
    .orderBy("g.completed_at", "desc")
    .limit(20)
    .execute();
  return {
    ...leaderboardRow(row, Number(row.rank)),
    recentGames: recent.map((g) => ({ ...g, completedAt: new Date(g.completedAt).toISOString() })),
  };
}
