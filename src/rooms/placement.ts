/**
 * Which process a new room goes to. Colyseus picks the process with the fewest rooms, but each
 * process publishes its room count at most once a second, so a burst of creations all see the
 * same stale counts and pile onto one process. Here the least-loaded processes (within a small
 * margin) take turns, the turn counted atomically in presence, so a burst spreads evenly.
 */
import { matchMaker } from "@colyseus/core";
import { drainingProcessIds, ServerDraining } from "./drain.ts";

const TURN_KEY = "robots:placement-turn";

/**
 * A process that is draining for a restart (drain.ts) takes no new room; when every process
 * drains, creation is refused with 503 until a fresh one is up.
 */
export async function selectProcessForNewRoom(): Promise<string> {
  const listed = await matchMaker.stats.fetchAll();
  const draining = await drainingProcessIds(matchMaker.presence, [...new Set([matchMaker.processId, ...listed.map((s) => s.processId)])]);
  const all = listed.filter((s) => !draining.has(s.processId));
  if (all.length === 0) {
    if (draining.has(matchMaker.processId)) throw new ServerDraining();
    return matchMaker.processId;
  }
  const least = Math.min(...all.map((s) => s.roomCount));
  const margin = Math.max(2, Math.ceil(least * 0.1));
  const candidates = all
    .filter((s) => s.roomCount <= least + margin)
    .map((s) => s.processId)
    .sort();
  const turn = await matchMaker.presence.incr(TURN_KEY);
  return candidates[turn % candidates.length]!;
}
