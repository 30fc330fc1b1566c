/**
 * GAME.md §2 room codes: 4 letters from a vowel-free alphabet, unique across every process that
 * shares the presence (Redis in a cluster, memory on one process). A code is claimed with an atomic
 * increment, so two processes can never hand out the same one, and expires on its own if its
 * process dies without releasing it.
 */
import { randomInt } from "node:crypto";
import type { Presence } from "@colyseus/core";
// What a code looks like is the wire's (src/protocol.ts); claiming one is this module's.
import { canonicalCode, CODE_ALPHABET, CODE_LENGTH, isRoomCode } from "../protocol.ts";
import { redisState } from "../outages.ts";

/**
 * A claim lives this long unless its room renews it; a process that dies stops renewing, so its
 * codes come free again within this bound.
 */
export const CODE_TTL_SECONDS = 30;
/** How often a live room renews its claim. */
export const CODE_RENEW_MS = 10_000;
const CLAIM_ATTEMPTS = 100;

const claimKey = (code: string) => `robots:room-code:${code}`;

export function randomCode(): string {
  let code = "";
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

/** Claims a free code through presence; throws when none could be found. */
export async function claimRoomCode(presence: Presence, isListed: (code: string) => Promise<boolean> | boolean): Promise<string> {
  for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
    const code = randomCode();
    if ((await presence.incr(claimKey(code))) !== 1) continue;
    await presence.expire(claimKey(code), CODE_TTL_SECONDS);
    if (await isListed(code)) continue; // a listing without a claim: leave both alone
    return code;
  }
  throw new Error("no free room code: too many live rooms");
}

/**
 * Renews a claim. While Redis is known to be down it fails quietly: every room would otherwise
 * log each missed renewal, and the outage itself is logged once (src/outages.ts).
 */
export async function renewRoomCode(presence: Presence, code: string): Promise<void> {
  await Promise.resolve(presence.expire(claimKey(code), CODE_TTL_SECONDS)).catch((error: unknown) => {
    if (redisState.up) throw error;
  });
}

/**
 * Takes over the claim of a code whose room is being restored here (its old process died with
 * the claim still live, or handed the room off): the claim is set whatever it held.
 */
export async function reclaimRoomCode(presence: Presence, code: string): Promise<void> {
  await presence.setex(claimKey(code), "1", CODE_TTL_SECONDS);
}

export async function releaseRoomCode(presence: Presence, code: string): Promise<void> {
  await presence.del(claimKey(code));
}

/**
 * Longest room-id segment worth decoding: a code is 4 letters, so anything this long is not one
 * (percent-escapes and spaces included) and is passed on untouched.
 */
const MAX_JOIN_ID_CHARS = 64;

/**
 * Makes `joinById` case-insensitive (GAME.md §2): rewrites a lower-case code in the matchmaking
 * URL before Colyseus's router, whose room lookup is exact, sees it.
 *
 * Runs in a raw `request` listener, where a throw would end the process (issue #7 finding 1), so
 * it never throws: a segment that is too long or not valid percent-encoding is left as it came,
 * and the router answers it like any unknown room.
 */
export function canonicalizeJoinByIdUrl(url: string): string {
  return url.replace(/^(\/matchmake\/joinById\/)([^/?#]+)/i, (whole, prefix: string, id: string) => {
    if (id.length > MAX_JOIN_ID_CHARS) return whole;
    let decoded: string;
    try {
      decoded = decodeURIComponent(id);
    } catch {
      return whole; // a malformed escape such as %ZZ or a cut-off UTF-8 sequence
    }
    const code = canonicalCode(decoded);
    return isRoomCode(code) ? prefix + code : whole;
  });
}
