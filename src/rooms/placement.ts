/**
 * Which process a new room goes to. Colyseus picks the process with the fewest rooms, but each
 * process publishes its room count at most once a second, so a burst of creations all see the
 * same stale counts and pile onto one process. Here the least-loaded processes (within a small
 * margin) take turns, the turn counted atomically in presence, so a burst spreads evenly.
 */
import { matchMaker } from "@colyseus/core";

const TURN_KEY = "robots:placement-turn";

export async function selectProcessForNewRoom(): Promise<string> {
  const all = await matchMaker.stats.fetchAll();
  if (all.length === 0) return matchMaker.processId;
  const least = Math.min(...all.map((s) => s.roomCount));
  const margin = Math.max(2, Math.ceil(least * 0.1));
  const candidates = all
    .filter((s) => s.roomCount <= least + margin)
    .map((s) => s.processId)
    .sort();
  const turn = await matchMaker.presence.incr(TURN_KEY);
  return candidates[turn % candidates.length]!;
}
