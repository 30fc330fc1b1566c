/**
 * The two places where the party room needs more than Colyseus's public room API: knowing which
 * seat belongs to the room's creator, and closing a flooding client at once with our own close
 * code. Both reach into @colyseus/core 0.18 internals, so they live together here: after an
 * upgrade, check `MatchMaker.create`/`reserveSeatFor`, `Room._reserveSeat` and `Room._onMessage`
 * (test/security/host-hijack.test.ts and flood.test.ts fail if either hook stops working).
 */
import { Protocol, type Client, type Room } from "@colyseus/core";

/** The internal members these hooks wrap or set (private in Colyseus's type declarations). */
interface RoomInternals {
  _reserveSeat: (...args: ReserveSeatArgs) => Promise<boolean>;
  _onMessage: (client: Client, buffer: Uint8Array) => void;
  _listing: { locked?: boolean };
}

/** `_reserveSeat(sessionId, joinOptions, authData, seconds, allowReconnection, devModeReconnectionToken)`. */
type ReserveSeatArgs = [sessionId: string, joinOptions?: unknown, authData?: unknown, seconds?: number, allowReconnection?: boolean, devModeToken?: string];

function internalsOf(room: Room): RoomInternals {
  const internals = room as unknown as RoomInternals;
  if (typeof internals._reserveSeat !== "function" || typeof internals._onMessage !== "function" || typeof internals._listing !== "object") {
    throw new Error("@colyseus/core no longer has Room._reserveSeat/_onMessage/_listing: update src/rooms/colyseusHooks.ts");
  }
  return internals;
}

/**
 * Calls `onCreatorSeat` once, with the session id and reservation time of the seat Colyseus
 * reserves for the client whose create request made the room (GAME.md §2: that client is the
 * host, not whichever socket connects first). Call it from `onCreate`.
 *
 * Colyseus's matchmaker `create()` runs `onCreate`, lists the room, then reserves the creator's
 * seat by calling `_reserveSeat` on the room instance: directly when the room lives on the
 * process that took the request, through the room's IPC channel when another process asked
 * (Redis). Both paths end in the method of this instance, so a wrapper set here sees the call.
 * Between listing and that reservation, a `joinById` with a guessed code could reserve first; so
 * the room is listed locked (which `joinById` refuses) and unlocked right after the creator's
 * seat is reserved. The first seat reserved that is not a reconnection is then the creator's.
 */
export async function watchCreatorSeat(room: Room, onCreatorSeat: (sessionId: string, seconds: number) => void): Promise<void> {
  const internals = internalsOf(room);
  // `setMatchmaking` marks the room locked without writing to the driver, which has no listing
  // for the room yet during onCreate; the listing Colyseus is about to insert carries the flag.
  await room.setMatchmaking({ locked: true });
  internals._listing.locked = true;
  const reserve = internals._reserveSeat;
  let seen = false;
  internals._reserveSeat = async function (this: Room, ...args: ReserveSeatArgs): Promise<boolean> {
    // Called synchronously: allowReconnection() relies on the seat being recorded before it returns.
    const reserved = await reserve.apply(this, args);
    const [sessionId, , , seconds = room.seatReservationTimeout, allowReconnection = false, devModeToken] = args;
    if (reserved && !seen && !allowReconnection && !devModeToken) {
      seen = true;
      onCreatorSeat(sessionId, seconds);
      await room.unlock();
    }
    return reserved;
  };
}

/**
 * Counts one client's frames over a sliding second. A token bucket would let a steady rate just
 * above the limit run for a long while; GAME.md §11 counts messages "in one second".
 */
export class BurstMeter {
  readonly #times: number[];
  #next = 0;

  constructor(limit: number) {
    this.#times = new Array<number>(Math.max(1, Math.floor(limit))).fill(Number.NEGATIVE_INFINITY);
  }

  /** Records a frame at `now` (ms); true when it is more than `limit` within the last second. */
  hit(now: number): boolean {
    // The ring keeps the times of the last `limit` frames; the slot about to be reused holds the
    // frame `limit` frames back, so if it is under a second old this frame is one too many.
    const oldest = this.#times[this.#next]!;
    this.#times[this.#next] = now;
    this.#next = (this.#next + 1) % this.#times.length;
    return now - oldest < 1000;
  }
}

/**
 * Closes a client's socket with `closeCode` as soon as it sends more than `limit` frames within a
 * second (GAME.md §11), every frame counted whatever it holds. Call it from `onCreate`.
 *
 * Colyseus's own `maxMessagesPerSecond` closes with its generic 4002, so it is turned off and
 * this check runs in front of `Room._onMessage` (Colyseus binds that method per client when the
 * client joins, so the wrapper set here is the one bound). The close goes through `kickClient`,
 * which, like Colyseus's own flood close, stops reading the socket at once and calls `onDrop`,
 * then closes the socket as soon as `onDrop` returns.
 */
export function closeFloodingClients(room: Room, limit: number, closeCode: number, onFlood: (client: Client) => void): void {
  const internals = internalsOf(room);
  room.maxMessagesPerSecond = Number.POSITIVE_INFINITY;
  const meters = new WeakMap<Client, BurstMeter>();
  const deliver = internals._onMessage;
  internals._onMessage = function (this: Room, client: Client, buffer: Uint8Array) {
    // A client that says goodbye leaves as it asked (its seat freed), however busy it was.
    if (buffer?.length === 1 && buffer[0] === Protocol.LEAVE_ROOM) return deliver.call(this, client, buffer);
    let meter = meters.get(client);
    if (!meter) meters.set(client, (meter = new BurstMeter(limit)));
    if (meter.hit(performance.now())) {
      if (room.clients.includes(client)) {
        onFlood(client);
        room.kickClient(client.sessionId, closeCode, "too many messages");
      }
      return;
    }
    deliver.call(this, client, buffer);
  };
}
