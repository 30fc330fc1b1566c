/**
 * One Kysely database over either backend: embedded PGlite on disk (the default, no server to
 * run) or PostgreSQL through a `pg` pool when DATABASE_URL is set. The same migrations run on
 * both; the rest of the code cannot tell them apart.
 */
import { mkdir, readdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, PGliteDialect, PostgresDialect } from "kysely";
import { Migrator, type Migration, type MigrationProvider, type MigrationResultSet } from "kysely/migration";
import pg from "pg";
import type { Database } from "./schema.ts";

export const MIGRATIONS_DIR = new URL("../../migrations/", import.meta.url);

export type DatabaseTarget =
  | { kind: "pglite"; dataDir: string | null }
  | { kind: "postgres"; url: string; poolSize: number };

export interface OpenDatabase {
  db: Kysely<Database>;
  kind: DatabaseTarget["kind"];
  close(): Promise<void>;
}

/** Opens the database; `dataDir: null` keeps PGlite in memory (tests). */
export async function openDatabase(target: DatabaseTarget): Promise<OpenDatabase> {
  if (target.kind === "postgres") {
    const pool = new pg.Pool({ connectionString: target.url, max: target.poolSize, connectionTimeoutMillis: 5_000 });
    // An idle client losing its server must not crash the process; the next query reports it.
    pool.on("error", () => {});
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: "postgres", close: () => db.destroy() };
  }
  if (target.dataDir) await mkdir(target.dataDir, { recursive: true });
  const pglite = new PGlite(target.dataDir ?? undefined);
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  return { db, kind: "pglite", close: () => db.destroy() };
}

/** Reads migrations/ in name order; names are date-prefixed, so that is creation order. */
class DirectoryMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d{4}-\d{2}-\d{2}-.+\.ts$/.test(f)).sort();
    const migrations: Record<string, Migration> = {};
    for (const file of files) {
      migrations[file.replace(/\.ts$/, "")] = (await import(new URL(file, MIGRATIONS_DIR).href)) as Migration;
    }
    return migrations;
  }
}

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResultSet> {
  const migrator = new Migrator({ db, provider: new DirectoryMigrationProvider() });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    throw new Error(`migration ${failed} failed: ${(result.error as Error).message ?? result.error}`, { cause: result.error });
  }
  return result;
}
