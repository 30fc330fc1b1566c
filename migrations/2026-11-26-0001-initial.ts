/**
 * The first schema: users (optional accounts), the question pool, finished games, per-player
 * stats and the leaderboard. Frozen once shipped: later changes go in new files.
 * Migrations never import from src/.
 */
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("users")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("display_name", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("users_display_name_idx").on("users").expression(sql`lower(display_name)`).unique().execute();

  await db.schema
    .createTable("questions")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("text", "text", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull().check(sql`type in ('text', 'picture')`))
    .addColumn("image_url", "text")
    .addColumn("correct_answer", "text", (c) => c.notNull())
    .addColumn("robot_answer", "text", (c) => c.notNull())
    .addColumn("difficulty", "smallint", (c) => c.notNull().check(sql`difficulty between 1 and 3`))
    .addColumn("round_hint", "smallint", (c) => c.check(sql`round_hint >= 1`))
    .addColumn("active", "boolean", (c) => c.notNull().defaultTo(true))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint("questions_picture_has_image", sql`(type = 'picture') = (image_url is not null)`)
    .execute();
  await db.schema.createIndex("questions_type_idx").on("questions").column("type").execute();

  await db.schema
    .createTable("games")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("room_code", "text", (c) => c.notNull())
    .addColumn("mode", "text", (c) => c.notNull())
    .addColumn("started_at", "timestamptz", (c) => c.notNull())
    .addColumn("completed_at", "timestamptz", (c) => c.notNull())
    .addColumn("winners", "jsonb", (c) => c.notNull())
    .addColumn("rng_seed", "bigint", (c) => c.notNull())
    .addColumn("action_log", "jsonb", (c) => c.notNull())
    .addColumn("snapshot", "jsonb", (c) => c.notNull())
    .addColumn("recorded_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("games_room_code_idx").on("games").columns(["room_code", "completed_at"]).execute();
  await db.schema.createIndex("games_completed_at_idx").on("games").column("completed_at").execute();

  await db.schema
    .createTable("player_game_stats")
    .addColumn("game_id", "uuid", (c) => c.notNull().references("games.id").onDelete("cascade"))
    .addColumn("player_id", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("icon", "text", (c) => c.notNull())
    .addColumn("final_score", "integer", (c) => c.notNull())
    .addColumn("placement", "smallint", (c) => c.notNull())
    .addColumn("is_winner", "boolean", (c) => c.notNull())
    .addColumn("rounds_won", "smallint", (c) => c.notNull())
    .addColumn("truths_found", "smallint", (c) => c.notNull())
    .addColumn("robots_spotted", "smallint", (c) => c.notNull())
    .addColumn("times_fooled", "smallint", (c) => c.notNull())
    .addPrimaryKeyConstraint("player_game_stats_pk", ["game_id", "player_id"])
    .execute();
  await db.schema.createIndex("player_game_stats_name_idx").on("player_game_stats").expression(sql`lower(name)`).execute();

  // Players have no accounts: the leaderboard groups by name, case-insensitively.
  await sql`
    create materialized view leaderboard as
    select lower(name) as player_key,
           (array_agg(name order by g.completed_at desc))[1] as name,
           count(*)::integer as games_played,
           count(*) filter (where is_winner)::integer as wins,
           sum(final_score)::bigint as total_score,
           max(final_score)::integer as best_score,
           sum(rounds_won)::integer as rounds_won,
           sum(truths_found)::integer as truths_found,
           sum(robots_spotted)::integer as robots_spotted,
           sum(times_fooled)::integer as times_fooled,
           max(g.completed_at) as last_played_at
      from player_game_stats s
      join games g on g.id = s.game_id
     group by lower(name)
  `.execute(db);
  // A unique index lets the view refresh CONCURRENTLY, without blocking readers.
  await sql`create unique index leaderboard_player_key_idx on leaderboard (player_key)`.execute(db);
  await sql`create index leaderboard_rank_idx on leaderboard (wins desc, total_score desc)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop materialized view if exists leaderboard`.execute(db);
  await db.schema.dropTable("player_game_stats").ifExists().execute();
  await db.schema.dropTable("games").ifExists().execute();
  await db.schema.dropTable("questions").ifExists().execute();
  await db.schema.dropTable("users").ifExists().execute();
}
