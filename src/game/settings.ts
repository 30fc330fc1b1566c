/**
 * Default settings (GAME.md §3 table, §4, §5). The bounds, modes and player counts are part of
 * the wire contract and live in src/protocol.ts; they are re-exported here for the core's modules.
 */
import { TIMER_BOUNDS, type TimerName } from "../protocol.ts";
import type { Settings } from "./types.ts";

export { MAX_PLAYERS, MIN_PLAYERS, RECONNECT_SECONDS, ROUNDS_BY_MODE, TIMER_BOUNDS } from "../protocol.ts";
export type { TimerName } from "../protocol.ts";

export function defaultSettings(hostPlays: boolean): Settings {
  return {
    questionSeconds: TIMER_BOUNDS.question.default,
    eliminationSeconds: TIMER_BOUNDS.elimination.default,
    votingSeconds: TIMER_BOUNDS.voting.default,
    resultsSeconds: TIMER_BOUNDS.results.default,
    extendedTimers: false,
    familyFriendly: true,
    hostPlays,
  };
}

/**
 * A phase's length in ms with extended timers applied. `secondMillis` is 1000 in play; a test
 * or demo server may shrink it so that a 20 s phase passes in a moment.
 */
export function phaseMillis(settings: Settings, timer: TimerName, secondMillis: number): number {
  const seconds = settings[`${timer}Seconds` as const];
  return seconds * secondMillis * (settings.extendedTimers ? 2 : 1);
}
