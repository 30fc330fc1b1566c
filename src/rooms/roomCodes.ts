/**
 * GAME.md §2 room codes: 4 letters from a vowel-free alphabet, unique across every process that
 * shares the presence (Redis in a cluster, memory on one process). A code is claimed with an atomic
 * increment, so two processes can never hand out the same one, and expires on its own if its
 * process dies without releasing it.
 */
import { randomInt } from "node:crypto";
import type { Presence } from "@colyseus/core";

export const CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ";
export const CODE_LENGTH = 4;
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

/** Canonical form of a code typed by a person: upper-case, surrounding spaces dropped. */
export function canonicalCode(input: string): string {
  return input.trim().toUpperCase();
}

export function isRoomCode(value: string): boolean {
  return value.length === CODE_LENGTH && [...value].every((c) => CODE_ALPHABET.includes(c));
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

export async function renewRoomCode(presence: Presence, code: string): Promise<void> {
  await presence.expire(claimKey(code), CODE_TTL_SECONDS);
}

export async function releaseRoomCode(presence: Presence, code: string): Promise<void> {
  await presence.del(claimKey(code));
}

/**
 * Makes `joinById` case-insensitive (GAME.md §2): rewrites a lower-case code in the matchmaking
 * URL before Colyseus's router, whose room lookup is exact, sees it.
 */
export function canonicalizeJoinByIdUrl(url: string): string {
  return url.replace(/^(\/matchmake\/joinById\/)([^/?#]+)/i, (_m, prefix: string, id: string) => {
    const code = canonicalCode(decodeURIComponent(id));
    return isRoomCode(code) ? prefix + code : _m;
  });
}
