/**
 * Finding dead WebSocket connections without stalling the server (issue #9). Colyseus's
 * transport pings every socket in one loop every 3 s, which at 8,000 sockets blocks the event
 * loop for 100–170 ms each time (one socket write per ping). Here each short tick visits only its
 * share of the sockets, so every socket still has one turn per interval.
 *
 * A socket that talks needs no ping: any byte it sent since its previous turn (a message, a pong,
 * anything) proves the peer was alive then, so at its turn it is left alone and its count of
 * unanswered pings goes back to 0. Only a socket that has been silent since its previous turn is
 * pinged, and one that has left `maxMissed` pings in a row without a single byte back is
 * terminated at its next turn, as Colyseus would: the transport then closes the client and the
 * room sees a drop (its seat kept, GAME.md §11). A socket that sends something every interval is
 * thus never pinged, and an idle one that answers is pinged every other interval (its pong is
 * the news at the turn after).
 *
 * The bound: the first turn after a socket's last inbound byte sees it and resets the count; the
 * `maxMissed` turns after it ping; the one after those terminates. With turns one interval apart
 * that is (maxMissed + 1) to (maxMissed + 2) intervals after the last inbound byte: 9–12 s with
 * the defaults (a tick more per round, as a round starts on the first tick an interval after the
 * last one; and a turn's place in its round shifts when sockets come and go).
 */
import type { Socket } from "node:net";
import { WebSocketTransport, type TransportOptions } from "@colyseus/ws-transport";
import type { WebSocket } from "ws";
import { batchingWebSocket } from "./writeBatching.ts";

/** What the heartbeat needs of a socket. */
export interface HeartbeatSocket {
  ping(): void;
  terminate(): void;
  /**
   * Bytes received on the connection since it opened (the handshake included), whatever they
   * carried: the heartbeat only compares it with the reading at the socket's previous turn.
   */
  bytesReceived(): number;
}

export interface HeartbeatOptions {
  /** Each socket has one turn per interval (ms); it is pinged then only if it was silent since its last. */
  intervalMs: number;
  /** Pings in a row a silent socket may leave unanswered; at its next turn after that it is terminated. */
  maxMissed: number;
  /** How often a slice has its turn (ms). A tick visits at most ceil(sockets × tickMs / intervalMs). */
  tickMs: number;
}

/**
 * Colyseus's own cadence (a turn every 3 s, two pings may go unanswered), in slices of 1/60 of
 * the sockets: a dead socket is found 9–12 s after the last byte it sent.
 */
export const HEARTBEAT_DEFAULTS: Readonly<HeartbeatOptions> = Object.freeze({ intervalMs: 3000, maxMissed: 2, tickMs: 50 });

/** What the heartbeat remembers of a socket between its turns. */
interface Beat {
  /** `bytesReceived()` at the socket's previous turn. */
  received: number;
  /** Pings sent since the socket last received anything. */
  missed: number;
}

/** Visits a live set of sockets a slice at a time, pinging the silent ones. */
export class Heartbeat<S extends HeartbeatSocket> {
  readonly #sockets: ReadonlySet<S>;
  readonly #options: HeartbeatOptions;
  readonly #now: () => number;
  /** A socket not in here has not had a turn yet. */
  readonly #beats = new WeakMap<HeartbeatSocket, Beat>();
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
   * Gives the next slice of sockets their turn and returns how many it visited (pinged or not).
   * A round over all sockets starts at most once per interval, so a socket never has turns more
   * often than that however few sockets there are.
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

  // No pong listener: a pong is inbound bytes like any other, and the count is only read at the
  // socket's turn, so a listener resetting `missed` on the pong would decide nothing the byte
  // count does not already decide, at the price of a subscription per socket.
  #beat(socket: S): void {
    const received = socket.bytesReceived();
    let beat = this.#beats.get(socket);
    if (!beat) {
      // The connection opening stands for the previous turn: what arrived since (the handshake
      // at least, on a real socket) counts.
      beat = { received: 0, missed: 0 };
      this.#beats.set(socket, beat);
    }
    if (received !== beat.received) {
      beat.received = received;
      beat.missed = 0;
      return;
    }
    if (beat.missed >= this.#options.maxMissed) {
      socket.terminate();
      return;
    }
    beat.missed++;
    try {
      socket.ping();
    } catch {
      // A socket that is no longer open: its close is under way and drops it from the set.
    }
  }
}

/**
 * A `ws` WebSocket class whose sockets tell the heartbeat how many bytes they have received: the
 * count the underlying TCP socket keeps (`bytesRead`), so reading it costs nothing per message.
 */
function heartbeatWebSocket(Base: typeof WebSocket): typeof WebSocket {
  return class HeartbeatWebSocket extends Base implements HeartbeatSocket {
    bytesReceived(): number {
      return (this as unknown as { _socket?: Socket | null })._socket?.bytesRead ?? 0;
    }
  } as typeof WebSocket;
}

/**
 * Colyseus's WebSocket transport with its all-at-once ping loop off and a Heartbeat over its
 * sockets instead, running while the HTTP server listens; each socket's frames of one turn go
 * out in one write (src/rooms/writeBatching.ts), and its received bytes are read by the heartbeat.
 */
export class SpreadHeartbeatTransport extends WebSocketTransport {
  readonly heartbeat: Heartbeat<HeartbeatSocket>;

  constructor(options: Omit<TransportOptions, "pingInterval" | "pingMaxRetries"> = {}, heartbeat: HeartbeatOptions = HEARTBEAT_DEFAULTS) {
    super({ ...options, pingInterval: 0 });
    // The WebSocketServer builds each accepted connection from this class (`ws`'s own by default).
    const wsOptions = (this.wss as unknown as { options: { WebSocket: typeof WebSocket } }).options;
    wsOptions.WebSocket = heartbeatWebSocket(batchingWebSocket(wsOptions.WebSocket));
    // Every client in the set was built from that class, so each has bytesReceived().
    this.heartbeat = new Heartbeat(this.wss.clients as unknown as ReadonlySet<HeartbeatSocket>, heartbeat);
    this.server?.on("listening", () => this.heartbeat.start());
    this.server?.on("close", () => this.heartbeat.stop());
  }
}
