/**
 * What is checked before Colyseus reserves a seat (issue #7 finding 8), and the audience cap
 * per address (finding 9). Only the *shape* of the join options (src/protocol.ts) is checked
 * here; every rule about their values (name length after cleaning, taken names, bans, icons,
 * modes) stays in the rules core, which the room runs when the client connects.
 */
import { ServerError } from "@colyseus/core";
import { UNKNOWN_IP } from "../http/clientIp.ts";
import { limitKey } from "../http/ipLimits.ts";
import { ErrorCode, JOIN_OPTIONS_SCHEMA } from "../protocol.ts";

/** What the seat carries from the matchmaking request to the room (Colyseus's `client.auth`). */
export interface JoinAuth {
  /** The client address (clientIp.ts), for the audience cap. */
  ip: string;
}

/** The HTTP status a refused matchmaking call answers with; the SDK's error message is the code. */
const BAD_REQUEST_STATUS = 400;

/**
 * Checks join options before a seat exists. A refusal rejects the SDK's join with the message
 * `bad-request`, as any refused join names its code (GAME.md §9).
 */
export function checkJoinOptions(options: unknown, ip: string | undefined): JoinAuth {
  if (!JOIN_OPTIONS_SCHEMA.safeParse(options).success) throw new ServerError(BAD_REQUEST_STATUS, ErrorCode.BadRequest);
  return { ip: ip ?? UNKNOWN_IP };
}

/** The address a joined client came from, as its seat recorded it. */
export function joinAddress(auth: unknown): string {
  const ip = (auth as Partial<JoinAuth> | undefined)?.ip;
  return typeof ip === "string" ? ip : UNKNOWN_IP;
}

/**
 * Audience members per address in one room. Entries for clients the room no longer lists
 * are dropped when counting, so no leave hook is needed.
 */
export class AudienceByAddress {
  readonly #keyBySession = new Map<string, string>();

  /**
   * Records an audience join from `ip`; false when that address already has `max` audience
   * members among `present` (the ids the room still lists).
   */
  admit(sessionId: string, ip: string, max: number, present: (id: string) => boolean): boolean {
    const key = limitKey(ip);
    let same = 0;
    for (const [id, k] of this.#keyBySession) {
      if (!present(id)) this.#keyBySession.delete(id);
      else if (k === key) same++;
    }
    if (same >= max) return false;
    this.#keyBySession.set(sessionId, key);
    return true;
  }
}
