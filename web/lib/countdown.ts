/**
 * The countdown both pages show from the state's `deadline` (epoch ms, docs/PROTOCOL.md §4): whole
 * seconds left, "paused" while the room is paused, nothing in a phase without a deadline.
 */

/** Whole seconds until `deadline` (rounded up, never negative); null when there is no deadline. */
export function secondsLeft(deadline: number, now: number): number | null {
  if (!deadline) return null;
  return Math.max(0, Math.ceil((deadline - now) / 1000));
}

/** The countdown's text: seconds, "paused", or "" when the phase has no deadline. */
export function countdownText(deadline: number, paused: boolean, now: number): string {
  if (paused) return "paused";
  const left = secondsLeft(deadline, now);
  return left === null ? "" : String(left);
}

/** The moments a screen reader is told how long is left; every second would drown everything else. */
const SPOKEN_MARKS = [60, 30, 10, 5];

/**
 * What the countdown's live region says: "paused", or "N seconds left" at the marks above (the
 * last mark passed, so the sentence changes only when a mark is crossed), or "" otherwise.
 */
export function spokenCountdown(deadline: number, paused: boolean, now: number): string {
  if (paused) return "paused";
  const left = secondsLeft(deadline, now);
  if (left === null) return "";
  const mark = SPOKEN_MARKS.filter((m) => left <= m).at(-1);
  return mark === undefined ? "" : `${mark} seconds left`;
}

/**
 * Calls `tick` now and then every quarter second, so the shown second changes within 250 ms of
 * the real one; returns the function that stops it.
 */
export function everyQuarterSecond(tick: (now: number) => void): () => void {
  tick(Date.now());
  const timer = setInterval(() => tick(Date.now()), 250);
  return () => clearInterval(timer);
}
