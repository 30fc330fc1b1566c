/**
 * What a process does between SIGTERM (or SIGINT) and its exit, so that a deploy ends no game.
 *
 * Colyseus's own shutdown (`gracefullyShutdown`) closes every room at once with 4001. Here the
 * process first stops taking new rooms, then empties itself room by room:
 * - while another live process exists, each room is frozen (its checkpoint final and kept), its
 *   clients are closed with {@link CloseCode.ServerMoving}, and a peer restores it under the same
 *   code; the clients come back there through matchmaking with their reconnection tokens;
 * - with no live peer, a game in progress goes on until it ends (and is recorded) or until
 *   DRAIN_SECONDS pass; a room with no game running (lobby, final scoreboard), or one still
 *   running at the end of that time, is frozen and closed the same way, its checkpoint left
 *   for the restart to restore.
 * Only when no room is left does the caller run Colyseus's shutdown, which then has nothing to
 * close.
 *
 * The matchmaker stays READY during the drain on purpose: in SHUTTING_DOWN, Colyseus creates a
 * requested room locally without asking the placement and then refuses it ("shutting down"),
 * so a create that reaches this process would fail instead of going to a peer. The process is
 * instead marked draining in presence and the placement (placement.ts) skips it.
 */
import { matchMaker, ServerError, type Presence, type Room } from "@colyseus/core";
import { CloseCode } from "../protocol.ts";
import { logger } from "../logger.ts";
import type { PartyRoom } from "./PartyRoom.ts";
import { releaseForAdoption, waitRestored } from "./restore.ts";

/**
 * Presence key that marks a process as draining: other processes neither place new rooms on it
 * nor let it adopt orphaned rooms (restore.ts reads it too). It expires by itself, so a process
 * that dies mid-drain does not stay marked (and leaves the placement through the health check).
 */
export const drainingKey = (processId: string) => `robots:draining:${processId}`;
/** A draining mark outlives the drain by this much, for a drain that runs late. */
const MARK_MARGIN_SECONDS = 120;
/** How often the drain looks at its rooms and its peers. */
const TICK_MS = 250;
/** Rooms moved at the same time: enough to empty a busy process fast without a burst on Redis. */
const MOVES_AT_ONCE = 16;
/** The close reason clients of a moving room see with {@link CloseCode.ServerMoving}. */
export const SERVER_MOVING_REASON = "server-moving";

/** Refused room creation while every process drains: 503, so a client retries shortly. */
export class ServerDraining extends ServerError {
  static readonly STATUS = 503;
  constructor() {
    super(ServerDraining.STATUS, "the server is restarting; try again in a few seconds");
  }
}

/** Marks `processId` as draining for `seconds` in the shared presence. */
export async function markDraining(presence: Presence, processId: string, seconds: number): Promise<void> {
  await presence.setex(drainingKey(processId), "1", seconds);
}

/** Which of `processIds` are draining now. */
export async function drainingProcessIds(presence: Presence, processIds: readonly string[]): Promise<Set<string>> {
  const marked = await Promise.all(processIds.map(async (id) => ((await presence.exists(drainingKey(id))) ? id : undefined)));
  return new Set(marked.filter((id): id is string => id !== undefined));
}

/** Live processes that may take rooms: listed in Colyseus's stats and not draining. */
export async function livePeers(): Promise<string[]> {
  const others = (await matchMaker.stats.fetchAll()).map((s) => s.processId).filter((id) => id !== matchMaker.processId);
  const draining = await drainingProcessIds(matchMaker.presence, others);
  return others.filter((id) => !draining.has(id));
}

/**
 * What the drain needs from checkpoints and restore (src/rooms/checkpoint.ts, restore.ts).
 */
export interface RoomMover {
  /**
   * Makes the room's latest checkpoint durable and final: nothing the room does from now on
   * (its clients leaving, its disposal) changes or deletes it.
   */
  freeze(room: Room): Promise<void>;
  /** Asks process `peerId` to restore room `roomId` from its checkpoint; resolves once it holds it. */
  restoreOn(peerId: string, roomId: string): Promise<void>;
}

/** How long a handed-off room may take to come up on a peer before the drain stops waiting. */
const RESTORE_WAIT_MS = 15_000;

/**
 * The mover of party rooms: PartyRoom#freeze, then restore.ts's adoption, where exactly one
 * live, non-draining process claims the checkpoint (not necessarily `peerId`: any live peer
 * will do, and the sweep already spreads them).
 */
export const partyRoomMover: RoomMover = {
  freeze: (room) => (room as unknown as Pick<PartyRoom, "freeze">).freeze(),
  async restoreOn(_peerId, roomId) {
    await releaseForAdoption(roomId);
    await waitRestored(roomId, RESTORE_WAIT_MS);
  },
};

/** The rooms this process holds, followed through the room handler's events. */
export class LocalRooms {
  readonly #rooms = new Set<Room>();

  /** Follows rooms of `roomName`; call after the server listens (the handler exists from then). */
  follow(roomName: string): void {
    const handler = matchMaker.getHandler(roomName);
    handler.on("create", (room: Room) => this.#rooms.add(room));
    handler.on("dispose", (room: Room) => this.#rooms.delete(room));
  }

  get size(): number {
    return this.#rooms.size;
  }

  list(): Room[] {
    return [...this.#rooms];
  }
}

/** Whether a game is being played in the room: neither in the lobby nor over. */
export function gameRunning(room: Room): boolean {
  const phase = (room.state as { phase?: unknown } | undefined)?.phase;
  return typeof phase === "string" && phase !== "lobby" && phase !== "final";
}

export interface DrainOptions {
  rooms: LocalRooms;
  mover: RoomMover;
  /** With no live peer, how long running games may go on. */
  drainSeconds: number;
  /** Whether other processes can exist at all (Redis shared); without it there is never a peer. */
  shared: boolean;
  /** Called first: e.g. /ready starts answering 503. */
  onStart?: () => void;
}

/** Counts of what a drain did, for its last log line and for tests. */
export interface DrainSummary {
  movedToPeer: number;
  finishedHere: number;
  keptForRestart: number;
  ms: number;
}

/**
 * Drains this process once; a second call (a second signal) returns the same promise.
 * Resolves when no room is left here.
 */
export class Drain {
  readonly #options: DrainOptions;
  #running: Promise<DrainSummary> | undefined;
  #deadline = Number.POSITIVE_INFINITY;

  constructor(options: DrainOptions) {
    this.#options = options;
  }

  /**
   * Starts the drain. A second call (a second Ctrl-C) stops waiting for games in progress: they
   * are frozen and kept for the restart at once, like at the end of DRAIN_SECONDS, and the drain
   * still ends cleanly; rooms being handed to a peer are not affected.
   */
  run(signal: string): Promise<DrainSummary> {
    if (this.#running) {
      logger.warn({ signal }, "drain: second signal; no longer waiting for games in progress, keeping them for the restart");
      this.#deadline = Math.min(this.#deadline, Date.now());
      return this.#running;
    }
    this.#running = this.#drain(signal);
    return this.#running;
  }

  async #drain(signal: string): Promise<DrainSummary> {
    const { rooms, mover, drainSeconds, shared } = this.#options;
    const began = Date.now();
    this.#deadline = Math.min(this.#deadline, began + drainSeconds * 1000);
    this.#options.onStart?.();
    logger.info({ signal, rooms: rooms.size, drainSeconds }, "drain: started, taking no new rooms");
    await markDraining(matchMaker.presence, matchMaker.processId, drainSeconds + MARK_MARGIN_SECONDS).catch((err) =>
      logger.warn({ err }, "drain: could not mark this process draining in presence"),
    );
    const summary: DrainSummary = { movedToPeer: 0, finishedHere: 0, keptForRestart: 0, ms: 0 };
    const busy = new Set<Room>();
    const waiting = new Set<Room>();
    // A room that cannot be frozen (Redis down) is tried again each tick but reported once.
    const failed = new WeakSet<Room>();
    const report = (room: Room, message: string) => (err: unknown) => {
      if (failed.has(room)) return;
      failed.add(room);
      logger.warn({ err, roomId: room.roomId }, message);
    };
    let lastPeers = -1;
    let cutOff = false;
    // A room being moved is gone from here before its peer holds it: wait for those too.
    while (rooms.size > 0 || busy.size > 0) {
      const peers = shared ? await livePeers().catch(() => []) : [];
      if (peers.length !== lastPeers) {
        logger.info({ peers: peers.length, rooms: rooms.size }, peers.length > 0 ? "drain: moving rooms to live peers" : "drain: no live peer; games in progress play on");
        lastPeers = peers.length;
      }
      const pastDeadline = Date.now() >= this.#deadline;
      if (pastDeadline && !cutOff && peers.length === 0 && rooms.list().some(gameRunning)) {
        cutOff = true;
        logger.warn({ rooms: rooms.size }, "drain: no longer waiting (DRAIN_SECONDS passed, or a second signal); keeping the rest for the restart");
      }
      for (const room of rooms.list()) {
        if (busy.has(room) || busy.size >= MOVES_AT_ONCE) continue;
        if (peers.length > 0) {
          const peer = peers[summary.movedToPeer % peers.length]!;
          busy.add(room);
          void this.#move(room, peer)
            .then(() => summary.movedToPeer++)
            .catch(report(room, "drain: hand-off failed; a room still here is tried again, one already closed waits in its checkpoint for adoption"))
            .finally(() => busy.delete(room));
        } else if (!gameRunning(room) || pastDeadline) {
          if (waiting.delete(room) && !pastDeadline) summary.finishedHere++;
          busy.add(room);
          void this.#park(room)
            .then(() => summary.keptForRestart++)
            .catch(report(room, "drain: could not close a room for the restart; trying again"))
            .finally(() => busy.delete(room));
        } else if (!waiting.has(room)) {
          waiting.add(room);
          logger.info({ roomId: room.roomId, phase: (room.state as { phase?: string }).phase }, "drain: waiting for the game in progress to end");
        }
      }
      await new Promise((resolve) => setTimeout(resolve, TICK_MS));
    }
    summary.ms = Date.now() - began;
    logger.info(summary, "drain: no room left");
    return summary;
  }

  /** Freezes the room, tells its clients to move, closes it here, then has `peer` restore it. */
  async #move(room: Room, peer: string): Promise<void> {
    const roomId = room.roomId;
    await this.#closeFrozen(room);
    await this.#options.mover.restoreOn(peer, roomId);
    logger.info({ roomId, peer }, "drain: room handed to a peer");
  }

  /** Freezes the room and closes it here; its checkpoint waits for a restart. */
  async #park(room: Room): Promise<void> {
    await this.#closeFrozen(room);
    logger.info({ roomId: room.roomId }, "drain: room closed here, kept for the restart");
  }

  async #closeFrozen(room: Room): Promise<void> {
    await this.#options.mover.freeze(room);
    // Each client hears why (the reason), then the room goes; Colyseus's disconnect alone
    // closes with a code but no reason.
    for (const client of [...room.clients]) room.kickClient(client.sessionId, CloseCode.ServerMoving, SERVER_MOVING_REASON);
    await room.disconnect(CloseCode.ServerMoving);
  }
}
