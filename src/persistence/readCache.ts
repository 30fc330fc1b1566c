/**
 * Short-lived caching of API reads (issue 12): a burst of identical leaderboard or game requests
 * costs one query, not one per request. An entry lives `ttlMs` at most, the cache holds `max`
 * entries (least recently used go first), concurrent misses on one key share one query, and every
 * write through the same database handle (a finished game, the leaderboard refresh after it)
 * makes every older entry stale at once, so a reader never waits out the TTL to see a new game.
 */
import type { Kysely, KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from "kysely";
import { LRUCache } from "lru-cache";

const READ_ONLY_SQL = /^\s*(select|show|explain|values)\b/i;

/**
 * Counts the statements that may change data: everything but SELECTs (raw SQL included, e.g. the
 * `refresh materialized view` after a record). A false alarm costs one cache miss.
 */
export class WriteCounter implements KyselyPlugin {
  #writes = 0;
  readonly #pending = new WeakSet<object>();

  /** Bumps when a write finished, and when the database closes. */
  get count(): number {
    return this.#writes;
  }

  bump(): void {
    this.#writes++;
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const node = args.node;
    const readOnly = node.kind === "SelectQueryNode" || (node.kind === "RawNode" && READ_ONLY_SQL.test(node.sqlFragments[0] ?? ""));
    if (!readOnly) this.#pending.add(args.queryId);
    return node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    // After the write, so a read that began before it cannot be cached as current.
    if (this.#pending.has(args.queryId)) this.bump();
    return args.result;
  }
}

const counters = new WeakMap<Kysely<any>, WriteCounter>();

/** Registers the counter of a database handle (done by openDatabase). */
export function trackWrites(db: Kysely<any>, counter: WriteCounter): void {
  counters.set(db, counter);
}

/** The write counter of a handle opened by openDatabase, if any. */
export function writesOf(db: Kysely<any>): WriteCounter | undefined {
  return counters.get(db);
}

export interface ReadCacheOptions {
  /** Longest an answer is reused, in ms. */
  ttlMs: number;
  /** Most entries kept. */
  max: number;
  /** Changes whenever cached answers may be out of date (see {@link WriteCounter}). */
  version?: () => number;
}

/** Reads by key, each answer reused for a short while; `undefined` (not found) is cached too. */
export class ReadCache {
  readonly #lru: LRUCache<string, { value: unknown }, () => Promise<unknown>>;
  readonly #version: () => number;

  constructor(options: ReadCacheOptions) {
    this.#version = options.version ?? (() => 0);
    this.#lru = new LRUCache({
      max: options.max,
      ttl: options.ttlMs,
      // A failed load is not kept: the next request tries the database again.
      fetchMethod: async (_key, _stale, { context }) => ({ value: await context() }),
    });
  }

  /** The cached answer for `key`, or `load()`'s (shared with concurrent callers of the same key). */
  async get<T>(key: string, load: () => Promise<T>): Promise<T> {
    // The write version is part of the key: a write makes every older entry unreachable.
    const entry = await this.#lru.fetch(`${this.#version()}\u0000${key}`, { context: load });
    return entry!.value as T;
  }
}
