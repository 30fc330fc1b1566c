/**
 * Default settings and their bounds (GAME.md §3 table, §4, §5).
 */
import type { Mode, Settings } from "./types.ts";

export const TIMER_BOUNDS = {
  question: { default: 60, min: 20, max: 180 },
  elimination: { default: 30, min: 10, max: 90 },
  voting: { default: 30, min: 10, max: 90 },
  results: { default: 15, min: 5, max: 60 },
} as const;

export type TimerName = keyof typeof TIMER_BOUNDS;

export const ROUNDS_BY_MODE: Record<Mode, number> = { "8-round": 8, "12-round": 12 };

export const MIN_PLAYERS = 2;
export const MAX_PLAYERS = 8;
/** Seconds a dropped client keeps its seat (GAME.md §11). */
export const RECONNECT_SECONDS = 60;

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
