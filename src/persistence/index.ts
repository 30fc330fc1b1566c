/**
 * The persistence a server runs with: the database migrated and seeded, the question source,
 * and the recorder that delivers finished games through the durable outbox.
 */
import { join } from "node:path";
import { Redis } from "ioredis";
import type { DatabaseConfig } from "../config.ts";
import type { Question } from "../game/types.ts";
import { logger } from "../logger.ts";
import { migrateToLatest, openDatabase, type OpenDatabase } from "./database.ts";
import { refreshLeaderboard, writeGameRecord } from "./gamesRepo.ts";
import { FileOutbox, RedisOutbox, type OutboxStore } from "./outbox.ts";
import { loadQuestionPack } from "./questionPack.ts";
import { activeQuestions, seedQuestions } from "./questionsRepo.ts";
import { GameRecorder } from "./recorder.ts";

export interface PersistenceOptions {
  database: DatabaseConfig;
  /** Outbox directory, used when there is no Redis. */
  outboxDir: string;
  redisUrl: string | null;
  retryMinDelayMs?: number;
  retryMaxDelayMs?: number;
}

export interface Persistence {
  database: OpenDatabase;
  recorder: GameRecorder;
  /** The active question pool, cached briefly so a burst of new rooms costs one query. */
  questions(): Promise<readonly Question[]>;
  close(): Promise<void>;
}

const POOL_CACHE_MS = 30_000;

export async function openPersistence(o: PersistenceOptions): Promise<Persistence> {
  const database = await openDatabase(o.database);
  const { db } = database;
  await migrateToLatest(db);
  await seedQuestions(db, await loadQuestionPack());

  let redis: Redis | undefined;
  let store: OutboxStore;
  if (o.redisUrl) {
    redis = new Redis(o.redisUrl, { maxRetriesPerRequest: null });
    store = new RedisOutbox(redis);
  } else {
    store = new FileOutbox(join(o.outboxDir));
  }
  const recorder = new GameRecorder({
    store,
    write: (record) => writeGameRecord(db, record),
    afterWrites: () => refreshLeaderboard(db),
    onError: (err, context) => logger.warn({ err, context }, "game record not written yet; it stays in the outbox"),
    minDelayMs: o.retryMinDelayMs,
    maxDelayMs: o.retryMaxDelayMs,
  });
  await recorder.start();

  let cached: { at: number; pool: Promise<Question[]> } | undefined;
  let lastGood: Question[] | undefined;
  return {
    database,
    recorder,
    questions() {
      if (!cached || Date.now() - cached.at > POOL_CACHE_MS) {
        // During a database outage new rooms keep drawing from the last pool read.
        const pool = activeQuestions(db).then(
          (questions) => (lastGood = questions),
          (error) => {
            cached = undefined;
            if (lastGood) return lastGood;
            throw error;
          },
        );
        cached = { at: Date.now(), pool };
      }
      return cached.pool;
    },
    async close() {
      await recorder.stop();
      redis?.disconnect();
      await database.close();
    },
  };
}
