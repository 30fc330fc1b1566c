/**
 * One Kysely database over either backend: embedded PGlite on disk (the default, no server to
 * run) or PostgreSQL through a `pg` pool when DATABASE_URL is set. The same migrations run on
 * both; the rest of the code cannot tell them apart. PGlite runs in its own worker thread
 * (./pgliteWorkerDialect.ts): on the game loop its queries would stall every room.
 */
import { mkdir, readdir } from "node:fs/promises";
import { Kysely, PostgresDialect } from "kysely";
import { Migrator, type Migration, type MigrationProvider, type MigrationResultSet } from "kysely/migration";
import pg from "pg";
import { databaseAnswered, databaseAnswers, databaseCallFailed } from "../outages.ts";
import { PGliteWorkerClient, PGliteWorkerDialect } from "./pgliteWorkerDialect.ts";
import { trackWrites, WriteCounter } from "./readCache.ts";
import type { Database } from "./schema.ts";

export const MIGRATIONS_DIR = new URL("../../migrations/", import.meta.url);

export type DatabaseTarget =
  | { kind: "pglite"; dataDir: string | null }
  | { kind: "postgres"; url: string; poolSize: number };

export interface OpenDatabase {
  db: Kysely<Database>;
  kind: DatabaseTarget["kind"];
  /** The worker that runs PGlite (absent on PostgreSQL); tests and diagnostics read it. */
  pgliteWorker?: PGliteWorkerClient;
  close(): Promise<void>;
}

/**
 * Opens the database; `dataDir: null` keeps PGlite in memory (tests). Every write through `db`
 * is counted (see ./readCache.ts) so cached API reads know when they are out of date.
 */
export async function openDatabase(target: DatabaseTarget): Promise<OpenDatabase> {
  const writes = new WriteCounter();
  const opened = (db: Kysely<Database>, rest: Omit<OpenDatabase, "db" | "close">): OpenDatabase => {
    trackWrites(db, writes);
    return {
      db,
      ...rest,
      async close() {
        writes.bump();
        await db.destroy();
        // Kysely closes its driver only once a query has run; the worker was started regardless.
        await rest.pgliteWorker?.close();
      },
    };
  };
  if (target.kind === "postgres") {
    const pool = new pg.Pool({ connectionString: target.url, max: target.poolSize, connectionTimeoutMillis: 5_000 });
    // An idle client losing its server must not crash the process: it is the first sign of an
    // outage, logged once (src/outages.ts); a new connection made is the sign it is over.
    pool.on("error", (err) => databaseCallFailed(err, "an idle connection"));
    pool.on("connect", (client) => {
      databaseAnswered();
      // The pool listens to a client only while it is idle; one checked out (a query on its way,
      // a transaction between statements) losing its server would crash the process. Its query
      // rejects with the cause anyway.
      client.on("error", (err) => databaseCallFailed(err, "a connection in use"));
    });
    return opened(new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins: [writes, databaseAnswers] }), { kind: "postgres" });
  }
  if (target.dataDir) await mkdir(target.dataDir, { recursive: true });
  const client = new PGliteWorkerClient(target.dataDir);
  // Started here so that a data directory PGlite cannot open fails openDatabase itself.
  await client.start();
  return opened(new Kysely<Database>({ dialect: new PGliteWorkerDialect(client), plugins: [writes, databaseAnswers] }), { kind: "pglite", pgliteWorker: client });
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
