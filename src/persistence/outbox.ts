/**
 * Durable holding for finished games that the database has not taken yet (GAME.md §12: a
 * database outage loses no finished game). A record is stored here before the first write
 * attempt and removed only after the database confirmed it.
 */
import { mkdir, open, readdir, readFile, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { Redis } from "ioredis";
import type { GameRecord } from "../game/record.ts";

/**
 * Any call may fail or hang (disk full, no permission, Redis gone): the recorder bounds each one
 * with a timeout and never lets it keep a record from the database.
 */
export interface OutboxStore {
  /** Resolves once the record survives a crash of this process. */
  put(record: GameRecord): Promise<void>;
  remove(id: string): Promise<void>;
  list(): Promise<GameRecord[]>;
}

const SAFE_ID = /^[A-Za-z0-9-]+$/;

/** One JSON file per game, written to a temporary name, synced, then renamed into place. */
export class FileOutbox implements OutboxStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  #path(id: string): string {
    if (!SAFE_ID.test(id)) throw new Error(`unsafe game id ${JSON.stringify(id)}`);
    return join(this.dir, `${id}.json`);
  }

  async put(record: GameRecord): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const target = this.#path(record.id);
    const temporary = `${target}.tmp`;
    const file = await open(temporary, "w");
    try {
      await file.writeFile(JSON.stringify(record));
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, target);
    const dir = await open(this.dir, "r");
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  async remove(id: string): Promise<void> {
    await unlink(this.#path(id)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
    });
  }

  async list(): Promise<GameRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    const records: GameRecord[] = [];
    for (const name of names.filter((n) => n.endsWith(".json")).sort()) {
      const text = await readFile(join(this.dir, name), "utf8");
      try {
        records.push(JSON.parse(text) as GameRecord);
      } catch {
        // Never delete what cannot be read: set it aside for a person to look at.
        await rename(join(this.dir, name), join(this.dir, `${name}.unreadable`));
      }
    }
    return records;
  }
}

/** A Redis hash shared by every process of a deployment: any of them may deliver a record. */
export class RedisOutbox implements OutboxStore {
  readonly #redis: Redis;
  readonly #key: string;

  constructor(redis: Redis, key = "robots:outbox") {
    this.#redis = redis;
    this.#key = key;
  }

  async put(record: GameRecord): Promise<void> {
    await this.#redis.hset(this.#key, record.id, JSON.stringify(record));
  }

  async remove(id: string): Promise<void> {
    await this.#redis.hdel(this.#key, id);
  }

  async list(): Promise<GameRecord[]> {
    const values = await this.#redis.hvals(this.#key);
    return values.map((v) => JSON.parse(v) as GameRecord);
  }
}
