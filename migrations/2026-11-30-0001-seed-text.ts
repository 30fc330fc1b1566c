/**
 * Issue #7 finding 3: a game's seed is now 256 bits, kept as 64 hex digits in `games.seed`, and
 * never served. The old `rng_seed` bigint held a 32-bit seed of the previous generator; games
 * recorded before this keep it for reference (they cannot be replayed by the new generator),
 * new games leave it null. Frozen once shipped. Migrations never import from src/.
 */
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("games")
    .addColumn("seed", "text", (c) => c.check(sql`seed ~ '^[0-9a-f]{64}$'`))
    .execute();
  await db.schema.alterTable("games").alterColumn("rng_seed", (c) => c.dropNotNull()).execute();
}

// No down: the old schema needs a 32-bit seed that games recorded from now on never had.
