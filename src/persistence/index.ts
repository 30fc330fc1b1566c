/**
 * The persistence a server runs with: the database migrated and seeded, the question source,
 * and the recorder that delivers finished games through the durable outbox.
 */
import { join } from "node:path";
import type { Redis } from "ioredis";
import type { DatabaseConfig } from "../config.ts";
import type { Question } from "../game/types.ts";
import { logger } from "../logger.ts";
import { databaseCallFailed, errorReason, isOutageError, redisClient, redisState } from "../outages.ts";
import { migrateToLatest, openDatabase, type OpenDatabase } from "./database.ts";
import { refreshLeaderboard, writeGameRecord } from "./gamesRepo.ts";
import { FileOutbox, RedisOutbox, type OutboxStore } from "./outbox.ts";
import { loadQuestionPack } from "./questionPack.ts";
import { activeQuestions, seedQuestions } from "./questionsRepo.ts";
import { DEFAULT_OUTBOX_TIMEOUT_MS, GameRecorder } from "./recorder.ts";

export interface PersistenceOptions {
  database: DatabaseConfig;
  /** Outbox directory, used when there is no Redis. */
  outboxDir: string;
  redisUrl: string | null;
  retryMinDelayMs?: number;
  retryMaxDelayMs?: number;
  /** Bound on each outbox call (and on a Redis outbox command); default 3 s. */
  outboxTimeoutMs?: number;
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

  const outboxTimeoutMs = o.outboxTimeoutMs ?? DEFAULT_OUTBOX_TIMEOUT_MS;
  let redis: Redis | undefined;
  let store: OutboxStore;
  if (o.redisUrl) {
    // A command must fail rather than wait for Redis forever (`maxRetriesPerRequest: null` did):
    // each one times out, and the queue of commands waiting for a connection is emptied with an
    // error after two failed reconnection attempts. The offline queue stays on so that commands
    // sent while the first connection is being made are not refused.
    // Its outages are logged once with every other Redis client's (src/outages.ts); meanwhile
    // finished games go to the database directly.
    redis = redisClient(o.redisUrl, "outbox", { maxRetriesPerRequest: 1, commandTimeout: outboxTimeoutMs, enableOfflineQueue: true });
    store = new RedisOutbox(redis);
  } else {
    store = new FileOutbox(join(o.outboxDir));
  }
  const recorder = new GameRecorder({
    store,
    write: (record) => writeGameRecord(db, record),
    afterWrites: () => refreshLeaderboard(db),
    onError: (err, context) => logger.warn({ err, context }, "game record not written yet; it stays pending and is retried"),
    onWritten: (record, ms, attempts) => {
      logger.info({ gameId: record.id, roomId: record.roomCode, ms: Math.round(ms * 10) / 10, attempts }, "game record written");
    },
    // No stack per retry: the reason is enough, and a database outage is logged once on its own.
    onRetry: (record, attempt, err, retryInMs) => {
      databaseCallFailed(err, `writing game ${record.id}`);
      const fields = { gameId: record.id, roomId: record.roomCode, attempt, retryInMs, reason: errorReason(err) };
      if (isOutageError(err)) logger.info(fields, "game record not written yet; retrying");
      else logger.warn(fields, "game record refused by the database; retrying");
    },
    // A Redis outbox fails with every call while Redis is away: that outage has its own line.
    onOutboxError: (err, context) => {
      if (redis && !redisState.up) logger.debug({ context, reason: errorReason(err) }, "an outbox call failed");
      else logger.error({ context, reason: errorReason(err) }, "an outbox call failed");
    },
    // One error line per record: an operator must see each game that was given up.
    onLost: (record) =>
      logger.error(
        { gameId: record.id, roomCode: record.roomCode, completedAt: new Date(record.completedAt).toISOString() },
        `finished game ${record.id} LOST: neither the database nor the outbox holds it`,
      ),
    minDelayMs: o.retryMinDelayMs,
    maxDelayMs: o.retryMaxDelayMs,
    outboxTimeoutMs,
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
            databaseCallFailed(error, "reading the question pool");
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
