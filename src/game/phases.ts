/**
 * The phase machine of GAME.md §3: which phase may follow which, which phases run on a deadline,
 * and the pause of those deadlines while no player is connected.
 */
import { phaseMillis, type TimerName } from "./settings.ts";
import type { GameState, Phase } from "./types.ts";
import { anyPlayerConnected } from "./views.ts";

/**
 * The legal phase transitions (GAME.md §3), plus `final → lobby` for play-again. Anything else
 * is a bug and throws.
 */
export const TRANSITIONS: Record<Phase, readonly Phase[]> = {
  lobby: ["question"],
  question: ["elimination"],
  elimination: ["voting"],
  voting: ["results"],
  results: ["question", "final"],
  final: ["lobby"],
};

/** Phases that end on a deadline, and which setting sets it. */
export const PHASE_TIMER: Partial<Record<Phase, TimerName>> = {
  question: "question",
  elimination: "elimination",
  voting: "voting",
  results: "results",
};

/** Moves to a phase through the transition table and sets its deadline. */
export function enter(s: GameState, to: Phase, now: number): void {
  if (!TRANSITIONS[s.phase].includes(to)) throw new Error(`illegal transition ${s.phase} → ${to}`);
  s.phase = to;
  const timer = PHASE_TIMER[to];
  s.paused = false;
  s.pausedRemainingMs = 0;
  s.deadline = timer ? now + phaseMillis(s.settings, timer, s.secondMillis) : 0;
}

/** Deadlines stop while no player is connected and resume with the time that was left. */
export function refreshPause(s: GameState, now: number): void {
  const timed = PHASE_TIMER[s.phase] !== undefined;
  const anyoneHere = anyPlayerConnected(s);
  if (timed && !anyoneHere && !s.paused) {
    s.paused = true;
    s.pausedRemainingMs = Math.max(0, s.deadline - now);
    s.deadline = 0;
  } else if (s.paused && (anyoneHere || !timed)) {
    s.paused = false;
    s.deadline = timed ? now + s.pausedRemainingMs : 0;
    s.pausedRemainingMs = 0;
  }
}
