/**
 * GAME.md §4: drawing a game's questions from the pool with the room's seeded PRNG.
 */
import type { Rng } from "./rng.ts";
import { comparisonKey } from "./text.ts";
import type { Question } from "./types.ts";

/** A question can be played when its truth and robot answer are distinct, non-empty answers. */
export function isPlayable(q: Question): boolean {
  const truth = comparisonKey(q.correctAnswer);
  const robot = comparisonKey(q.robotAnswer);
  return truth !== "" && robot !== "" && truth !== robot;
}

/**
 * `count` distinct questions, those the room has not used first, in seeded random order; a
 * question with a `roundNumber` hint takes that round when it is free.
 */
export function drawQuestions(pool: readonly Question[], usedIds: readonly string[], count: number, rng: Rng): Question[] {
  const used = new Set(usedIds);
  const unique = [...new Map(pool.filter(isPlayable).map((q) => [q.id, q])).values()];
  const shuffled = rng.shuffle(unique);
  const picked = [...shuffled.filter((q) => !used.has(q.id)), ...shuffled.filter((q) => used.has(q.id))].slice(0, count);
  const slots: (Question | undefined)[] = new Array(picked.length).fill(undefined);
  const unplaced: Question[] = [];
  for (const q of picked) {
    const hint = q.roundNumber;
    if (hint && hint >= 1 && hint <= slots.length && !slots[hint - 1]) slots[hint - 1] = q;
    else unplaced.push(q);
  }
  return slots.map((q) => q ?? unplaced.shift()!);
}
