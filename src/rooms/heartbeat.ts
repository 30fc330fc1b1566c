/**
 * Finding dead WebSocket connections without stalling the server (issue #9). Colyseus's
 * transport pings every socket in one loop every 3 s, which at 8,000 sockets blocks the event
 * loop for 100–170 ms each time (one socket write per ping). Here each short tick pings only its
 * share of the sockets, so every socket is still pinged once per interval, and a socket that has
 * left `maxMissed` pings unanswered is terminated on its next turn, as Colyseus would: the
 * transport then closes the client and the room sees a drop (its seat kept, GAME.md §11).
 */
import { WebSocketTransport, type TransportOptions } from "@colyseus/ws-transport";
import type { WebSocket } from "ws";
import { batchingWebSocket } from "./writeBatching.ts";

/** What the heartbeat needs of a socket (a `ws` WebSocket has it). */
export interface HeartbeatSocket {
  ping(): void;
  terminate(): void;
  on(event: "pong", listener: (this: HeartbeatSocket) => void): unknown;
}

export interface HeartbeatOptions {
  /** Each socket is pinged once per interval (ms). */
  intervalMs: number;
  /** Pings a socket may leave unanswered; at its next turn after that it is terminated. */
  maxMissed: number;
  /** How often a slice is pinged (ms). A tick pings at most ceil(sockets × tickMs / intervalMs). */
  tickMs: number;
}

/**
 * Colyseus's own cadence (a ping every 3 s, two may go unanswered), so a dead socket is found
 * within 6–9 s as before, in slices of 1/60 of the sockets.
 */
export const HEARTBEAT_DEFAULTS: Readonly<HeartbeatOptions> = Object.freeze({ intervalMs: 3000, maxMissed: 2, tickMs: 50 });

/** Pings a live set of sockets a slice at a time. */
export class Heartbeat<S extends HeartbeatSocket> {
  readonly #sockets: ReadonlySet<S>;
  readonly #options: HeartbeatOptions;
  readonly #now: () => number;
  /** Unanswered pings per socket; a socket not in here has never been pinged. */
  readonly #missed = new WeakMap<HeartbeatSocket, number>();
  readonly #onPong: (this: HeartbeatSocket) => void;
  /** Where the current round over the sockets stands; undefined between rounds. */
  #round: Iterator<S> | undefined;
  #roundStartedAt = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;

  /**
   * @param sockets the live set of open sockets (a `ws` server's `clients`): sockets added while
   *   a round runs are visited in it, closed ones drop out
   * @param now a monotonic clock in ms (tests pass their own)
   */
  constructor(sockets: ReadonlySet<S>, options: HeartbeatOptions = HEARTBEAT_DEFAULTS, now: () => number = () => performance.now()) {
    this.#sockets = sockets;
    this.#options = { ...options };
    this.#now = now;
    const missed = this.#missed;
    // One listener shared by every socket (the emitter is `this`), not a closure per socket.
    this.#onPong = function (this: HeartbeatSocket) {
      missed.set(this, 0);
    };
  }

  /** Ticks on a timer until stop(); the timer never keeps the process alive. */
  start(): void {
    this.#timer ??= setInterval(() => this.tick(), this.#options.tickMs).unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Pings (or terminates) the next slice of sockets and returns how many it handled. A round over
   * all sockets starts at most once per interval, so a socket is never pinged more often than that
   * however few sockets there are.
   */
  tick(): number {
    const { intervalMs, tickMs } = this.#options;
    if (!this.#round) {
      const now = this.#now();
      if (now - this.#roundStartedAt < intervalMs || this.#sockets.size === 0) return 0;
      this.#roundStartedAt = now;
      this.#round = this.#sockets.values();
    }
    const slice = Math.ceil((this.#sockets.size * tickMs) / intervalMs);
    let handled = 0;
    while (handled < slice) {
      const next = this.#round.next();
      if (next.done) {
        this.#round = undefined;
        break;
      }
      this.#beat(next.value);
      handled++;
    }
    return handled;
  }

  #beat(socket: S): void {
    const missed = this.#missed.get(socket);
    if (missed === undefined) {
      // First turn of this socket: from now on a pong clears its count.
      socket.on("pong", this.#onPong);
    } else if (missed >= this.#options.maxMissed) {
      socket.terminate();
      return;
    }
    this.#missed.set(socket, (missed ?? 0) + 1);
    try {
      socket.ping();
    } catch {
      // A socket that is no longer open: its close is under way and drops it from the set.
    }
  }
}

/**
 * Colyseus's WebSocket transport with its all-at-once ping loop off and a Heartbeat over its
 * sockets instead, running while the HTTP server listens; each socket's frames of one turn go
 * out in one write (src/rooms/writeBatching.ts).
 */
export class SpreadHeartbeatTransport extends WebSocketTransport {
  readonly heartbeat: Heartbeat<HeartbeatSocket>;

  constructor(options: Omit<TransportOptions, "pingInterval" | "pingMaxRetries"> = {}, heartbeat: HeartbeatOptions = HEARTBEAT_DEFAULTS) {
    super({ ...options, pingInterval: 0 });
    // The WebSocketServer builds each accepted connection from this class (`ws`'s own by default).
    const wsOptions = (this.wss as unknown as { options: { WebSocket: typeof WebSocket } }).options;
    wsOptions.WebSocket = batchingWebSocket(wsOptions.WebSocket);
    this.heartbeat = new Heartbeat(this.wss.clients as ReadonlySet<HeartbeatSocket>, heartbeat);
    this.server?.on("listening", () => this.heartbeat.start());
    this.server?.on("close", () => this.heartbeat.stop());
  }
}
