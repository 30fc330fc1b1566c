/**
 * Rooms back after a crash (issue 11). With Redis, every process keeps an alive key with a short
 * TTL and sweeps the checkpoint index each second: a room whose owner's alive key is gone (the
 * process was killed) or that its owner gave up (a hand-off) is claimed by exactly one process
 * (SET NX PX), which rebuilds it under the same code from its checkpoint. Without Redis, a
 * starting process restores the checkpoint files it left under DATA_DIR.
 *
 * A restore is asked for only here, out of band: the checkpoint is handed to the room's onCreate
 * through a process-local slot, never through create options, which any client can set.
 */
import { matchMaker, type Room } from "@colyseus/core";
import type { GameState } from "../game/types.ts";
import { logger } from "../logger.ts";
import { ROOM_NAME } from "../protocol.ts";
import { drainingKey } from "./drain.ts";
import { aliveKey, ALIVE_TTL_MS, FileCheckpointStore, INDEX_KEY, lockKey, RedisCheckpointStore, type CheckpointStore, type RoomCheckpoint } from "./checkpoint.ts";

/** How often a process renews its alive key and looks for orphaned rooms. */
export const SWEEP_INTERVAL_MS = 1_000;
/** Rooms one process restores at the same time. */
const RESTORES_AT_ONCE = 8;
/** How long a claim on an orphan holds; a restore takes well under a second. */
const LOCK_MS = 30_000;
/** How long after a restore the room's listing is checked (a late sweep of the dead owner may remove it). */
const LISTING_WATCH_MS = 12_000;
/** Longest watch, for a previous owner that drains (it may run its last games for DRAIN_SECONDS). */
const MAX_LISTING_WATCH_MS = 15 * 60_000;

/** What the rest of the process may ask of a live room (PartyRoom registers itself). */
export interface LocalRoom {
  /** Resolves when everything the room has applied is written. */
  flushed(): Promise<void>;
  /** Writes the last checkpoint and gives the room up for adoption by a peer (see PartyRoom#handOff). */
  handOff(): Promise<void>;
}

let store: CheckpointStore | null = null;
let intent: RoomCheckpoint | undefined;
const localRooms = new Map<string, LocalRoom>();

/** Sets (or clears) the store every room of this process checkpoints to. */
export function useCheckpointStore(next: CheckpointStore | null): void {
  store = next;
}

export function checkpointStore(): CheckpointStore | null {
  return store;
}

/**
 * The checkpoint a room being created must restore, if any. Only the room's onCreate calls it,
 * first thing: restoreRoom() sets the slot right before Colyseus calls onCreate synchronously
 * and clears it right after, so no other room creation can ever see it.
 */
export function takeRestoreIntent(): RoomCheckpoint | undefined {
  const taken = intent;
  intent = undefined;
  return taken;
}

export function registerLocalRoom(code: string, room: LocalRoom): void {
  localRooms.set(code, room);
}

export function unregisterLocalRoom(code: string, room: LocalRoom): void {
  if (localRooms.get(code) === room) localRooms.delete(code);
}

/** Resolves when every room of this process has written what it applied (for a drain). */
export async function checkpointAll(): Promise<void> {
  await Promise.all([...localRooms.values()].map((r) => r.flushed()));
}

/** The live rooms of this process by code (for a drain to hand each off). */
export function localRoomCodes(): string[] {
  return [...localRooms.keys()];
}

export function localRoom(code: string): LocalRoom | undefined {
  return localRooms.get(code);
}

/** Rebuilds a room on this process from its checkpoint, under its own code. */
export async function restoreRoom(checkpoint: RoomCheckpoint): Promise<void> {
  intent = checkpoint;
  let creating: Promise<unknown>;
  try {
    creating = matchMaker.handleCreateRoom(ROOM_NAME, {}, undefined, checkpoint.base.code);
  } finally {
    intent = undefined;
  }
  await creating;
}

/** Marks a room's checkpoint as free for adoption (its owner hands it off). */
export async function releaseForAdoption(code: string): Promise<void> {
  if (store instanceof RedisCheckpointStore) await store.redis.multi().del(lockKey(code)).hset(INDEX_KEY, code, "").exec();
}

/**
 * Resolves with the process whose listing holds `code` once it is another than this one (a peer
 * adopted the room); rejects after `timeoutMs`.
 */
export async function waitRestored(code: string, timeoutMs: number): Promise<string> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const listing = await matchMaker.driver.findOne({ roomId: code }).catch(() => undefined);
    if (listing && listing.processId !== matchMaker.processId) return listing.processId;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`room ${code} was not restored by a peer within ${timeoutMs} ms`);
}

/** Embedded (no Redis): restores every room whose checkpoint file a previous run left. */
export async function restoreFromFiles(files: FileCheckpointStore): Promise<number> {
  let restored = 0;
  for (const code of await files.codes()) {
    try {
      const checkpoint = await files.read(code);
      if (!checkpoint) continue;
      await restoreRoom(checkpoint);
      restored++;
    } catch (err) {
      logger.error({ err, roomId: code }, "could not restore a room from its checkpoint file; the file is left in place");
    }
  }
  if (restored) logger.info({ rooms: restored }, "rooms restored from checkpoint files");
  return restored;
}

/**
 * Keeps this process's alive key fresh and adopts orphaned rooms. Returns a stop function.
 * `onRestored` hears each room restored and how long after its last checkpoint (tests, metrics).
 */
export function startRestorer(redisStore: RedisCheckpointStore, onRestored?: (code: string) => void): () => void {
  const redis = redisStore.redis;
  const me = redisStore.processId;
  let running = false;
  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      await redis.set(aliveKey(me), "1", "PX", ALIVE_TTL_MS);
      if (await redis.exists(drainingKey(me))) return;
      const index = await redis.hgetall(INDEX_KEY);
      const owners = [...new Set(Object.values(index))].filter((o) => o !== "" && o !== me);
      const alive = new Set<string>();
      const found = await Promise.all(owners.map((o) => redis.exists(aliveKey(o))));
      owners.forEach((o, i) => found[i] && alive.add(o));
      const orphans = Object.entries(index).filter(([code, owner]) => owner !== me && !alive.has(owner) && !localRooms.has(code));
      // The dead owners' listings go now rather than at the next sweep: their stale listings of
      // these codes must not outlive our new ones. Once per owner: each check waits out an IPC timeout.
      const deadOwners = [...new Set(orphans.map(([, owner]) => owner))].filter((o) => o !== "");
      await Promise.all(deadOwners.map((o) => matchMaker.healthCheckProcessId(o).catch(() => undefined)));
      // A few at a time: each restore mostly waits on Redis, and players wait on each one.
      const queue = [...orphans];
      await Promise.all(
        Array.from({ length: Math.min(RESTORES_AT_ONCE, queue.length) }, async () => {
          for (let next = queue.shift(); next; next = queue.shift()) await adopt(redisStore, next[0], next[1], onRestored);
        }),
      );
    } catch (err) {
      logger.debug({ err }, "checkpoint sweep failed");
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void sweep(), SWEEP_INTERVAL_MS);
  timer.unref();
  void sweep();
  return () => clearInterval(timer);
}

async function adopt(redisStore: RedisCheckpointStore, code: string, owner: string, onRestored?: (code: string) => void): Promise<void> {
  const redis = redisStore.redis;
  const me = redisStore.processId;
  if ((await redis.set(lockKey(code), me, "PX", LOCK_MS, "NX")) !== "OK") return;
  try {
    // Another process may have adopted it between our read of the index and our lock.
    if ((await redis.hget(INDEX_KEY, code)) !== owner) return;
    const checkpoint = await redisStore.read(code);
    if (!checkpoint) {
      await redis.hdel(INDEX_KEY, code);
      return;
    }
    await redis.hset(INDEX_KEY, code, me);
    await restoreRoom(checkpoint);
    watchListing(redisStore, code, owner);
    logger.info({ roomId: code, from: owner || "hand-off" }, "room restored from its checkpoint");
    onRestored?.(code);
    // Safe to free now: a peer that read the old owner before we took the room finds the index
    // changed once it gets the lock. Kept, it would block the next hand-off of this room.
    await redis.del(lockKey(code)).catch(() => undefined);
  } catch (err) {
    logger.error({ err, roomId: code }, "could not restore a room from its checkpoint");
    // A checkpoint that cannot be restored is not retried every second; it stays for inspection.
    await redis.hdel(INDEX_KEY, code).catch(() => undefined);
  }
}

/**
 * Colyseus removes a room's listing by id: a peer that started sweeping the dead owner before our
 * restore, or the previous owner disposing its handed-off copy, would delete the listing we just
 * wrote for this code. Until the previous owner is gone (and a sweep past that), put it back.
 */
function watchListing(redisStore: RedisCheckpointStore, code: string, owner: string): void {
  const started = Date.now();
  let ownerGoneAt = owner ? 0 : started;
  const timer = setInterval(() => {
    const room = matchMaker.getLocalRoomById(code) as unknown as (Room & { _listing?: object }) | undefined;
    const now = Date.now();
    if (!room || (ownerGoneAt && now - ownerGoneAt > LISTING_WATCH_MS) || now - started > MAX_LISTING_WATCH_MS) return clearInterval(timer);
    void (async () => {
      if (!ownerGoneAt && !(await redisStore.redis.exists(aliveKey(owner)))) ownerGoneAt = Date.now();
      if (!(await matchMaker.driver.has(code))) await matchMaker.driver.persist(room["_listing"] as never);
    })().catch(() => undefined);
  }, 500);
  timer.unref();
}

/**
 * Who a restored room marks disconnected, in an order that changes nothing else: the rules end a
 * phase early once every connected player has acted, so players who have acted drop first and
 * those still expected last; with nobody connected a timed phase pauses with the time it had left.
 */
export function restoredDropOrder(game: GameState): string[] {
  const round = game.current;
  const acted =
    game.phase === "question" ? round?.answers :
    game.phase === "elimination" ? round?.eliminationVotes :
    game.phase === "voting" ? round?.finalVotes : undefined;
  const players = Object.values(game.players).filter((p) => p.connected && !p.gone);
  const first = players.filter((p) => acted?.[p.id]).map((p) => p.id);
  const last = players.filter((p) => !acted?.[p.id]).map((p) => p.id);
  const others = [...Object.values(game.audience).filter((a) => a.connected).map((a) => a.id), ...(game.displayHost?.connected ? [game.displayHost.id] : [])];
  return [...others, ...first, ...last];
}

/** Colyseus internals a restored seat uses (Room.mjs 0.18: `_reserveSeat`, `_reconnections`). */
interface SeatInternals {
  _reserveSeat(sessionId: string, joinOptions: unknown, authData: unknown, seconds: number, allowReconnection: boolean, token: string): Promise<boolean>;
  _reconnections: Record<string, [string, { then(ok: () => void, no: () => void): unknown }]>;
  _reservedSeats: Record<string, unknown>;
  _reservedSeatTimeouts: Record<string, NodeJS.Timeout>;
}

/**
 * Reserves a restored seat under the reconnection token its client already holds, the way
 * Colyseus's own dev-mode restore does: `client.reconnect(token)` through matchmaking then finds
 * it here (`checkReconnectionToken` wants a seat reserved for reconnection) and onReconnect runs
 * with the old session id. When the window ends unused, Colyseus calls onLeave with just the
 * session id, which makes the departure final. Colyseus leaves the seat's bookkeeping in place
 * after a reconnection through such a seat (its own allowReconnection() cleans up), so it is
 * cleared here; otherwise the window's timer would later call onLeave for a player who is back.
 */
export async function reserveRestoredSeat(room: Room, sessionId: string, token: string, seconds: number): Promise<void> {
  const internals = room as unknown as SeatInternals;
  if (typeof internals._reserveSeat !== "function" || typeof internals._reconnections !== "object") {
    throw new Error("@colyseus/core no longer has Room._reserveSeat/_reconnections: update src/rooms/restore.ts");
  }
  await internals._reserveSeat(sessionId, {}, undefined, seconds, true, token);
  internals._reconnections[token]?.[1].then(
    () => {
      clearTimeout(internals._reservedSeatTimeouts[sessionId]);
      delete internals._reservedSeatTimeouts[sessionId];
      delete internals._reservedSeats[sessionId];
      delete internals._reconnections[token];
    },
    () => undefined,
  );
}

/** A restored room whose last unused seat expired: empty for good, it goes as any empty room would. */
export function disposeIfAbandoned(room: Room): void {
  if (room.clients.length > 0) return;
  (room as unknown as { resetAutoDisposeTimeout(seconds: number): void }).resetAutoDisposeTimeout(1);
}
