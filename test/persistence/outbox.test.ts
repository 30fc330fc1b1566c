/**
 * GAME.md §12 "nothing that was accepted is lost": the outbox contract, run against both stores
 * (files on disk; a Redis hash when REDIS_URL is set), and the recorder's retry behaviour.
 */
import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GameRecord } from "../../src/game/record.ts";
import { loadQuestionPack } from "../../src/persistence/questionPack.ts";
import { FileOutbox, RedisOutbox, type OutboxStore } from "../../src/persistence/outbox.ts";
import { GameRecorder } from "../../src/persistence/recorder.ts";
import { flushRedis, redisReachable, redisUrlFor } from "../support/cluster.ts";
import { REQUIRE_SERVICES } from "../support/postgres.ts";
import { makeRecord } from "../support/records.ts";

const REDIS = redisUrlFor(6);
const redisUp = await redisReachable(REDIS);
if (!redisUp && REQUIRE_SERVICES) throw new Error(`CI=true but Redis is not reachable at ${REDIS}`);

const pack = await loadQuestionPack();
const records = [makeRecord(pack, { seed: 31 }), makeRecord(pack, { seed: 32 })];

interface StoreCase {
  name: string;
  open(): Promise<{ store: OutboxStore; reopen(): OutboxStore; close(): Promise<void> }>;
}

const stores: StoreCase[] = [
  {
    name: "files on disk",
    async open() {
      const dir = await mkdtemp(join(tmpdir(), "robots-outbox-"));
      return { store: new FileOutbox(dir), reopen: () => new FileOutbox(dir), close: async () => {} };
    },
  },
  ...(redisUp
    ? [
        {
          name: "Redis hash",
          async open() {
            await flushRedis(REDIS);
            const a = new Redis(REDIS);
            const b = new Redis(REDIS);
            return {
              store: new RedisOutbox(a),
              reopen: () => new RedisOutbox(b),
              close: async () => {
                a.disconnect();
                b.disconnect();
              },
            };
          },
        },
      ]
    : []),
];

for (const c of stores) {
  describe(`outbox in ${c.name}`, () => {
    let opened: Awaited<ReturnType<StoreCase["open"]>>;
    beforeAll(async () => {
      opened = await c.open();
    });
    afterAll(async () => {
      await opened.close();
    });

    it("§12 a record put is there for a new process, whole, until removed", async () => {
      for (const r of records) await opened.store.put(r);
      const seen = await opened.reopen().list();
      expect(seen.map((r) => r.id).sort()).toEqual(records.map((r) => r.id).sort());
      expect(seen.find((r) => r.id === records[0]!.id)).toEqual(records[0]);
      await opened.store.remove(records[0]!.id);
      await opened.store.remove(records[0]!.id); // removing twice is harmless
      expect((await opened.reopen().list()).map((r) => r.id)).toEqual([records[1]!.id]);
    });

    it("§12 the recorder retries a failing database with backoff and delivers each game once", async () => {
      const delivered: string[] = [];
      let failures = 3;
      const recorder = new GameRecorder({
        store: opened.store,
        write: async (r: GameRecord) => {
          if (failures-- > 0) throw new Error("database down");
          delivered.push(r.id);
        },
        minDelayMs: 20,
        maxDelayMs: 80,
      });
      await recorder.start(); // picks up what the previous test left
      await recorder.submit(records[0]!);
      expect(await recorder.flush(5_000)).toBe(true);
      expect(delivered.sort()).toEqual(records.map((r) => r.id).sort());
      expect(await opened.reopen().list()).toEqual([]);
      expect(recorder.delivered).toBe(2);
      await recorder.stop();
    });
  });
}

it("§12 an unreadable outbox file is set aside, never deleted", async () => {
  const dir = await mkdtemp(join(tmpdir(), "robots-outbox-"));
  await writeFile(join(dir, "broken.json"), "{ not json");
  const store = new FileOutbox(dir);
  await store.put(records[1]!);
  expect((await store.list()).map((r) => r.id)).toEqual([records[1]!.id]);
  expect((await readdir(dir)).sort()).toEqual([`${records[1]!.id}.json`, "broken.json.unreadable"].sort());
});
