/**
 * What every room of a process shares, wired in once at start-up (src/app.config.ts): where new
 * rooms get their questions, the one question pool they all hold, and who hears of each
 * finished game.
 */
import type { GameRecord } from "../game/record.ts";
import type { Question } from "../game/types.ts";
import { loadQuestionPack } from "../persistence/questionPack.ts";

/** Called with every finished game's record; the persistence layer plugs in here. */
export type GameCompleteListener = (record: GameRecord) => void;

/** Where a new room gets its question pool: the shipped pack, or the database once wired in. */
let source: () => Promise<readonly Question[]> = loadQuestionPack;
export function setQuestionSource(next: () => Promise<readonly Question[]>): void {
  source = next;
}

/** The current question pool, from the source set last. */
export function questionSource(): Promise<readonly Question[]> {
  return source();
}

/**
 * The pool the rooms hold. The source hands out a new array whenever its cache refreshes (every
 * 30 s with the database), so rooms made minutes apart would each keep their own copy of every
 * question (about 80 KB for the shipped pack); while the questions are the same, every room
 * holds this one array instead.
 */
let sharedPool: readonly Question[] = [];
export function adoptPool(pool: readonly Question[]): readonly Question[] {
  if (pool !== sharedPool && !sameQuestions(pool, sharedPool)) sharedPool = pool;
  return sharedPool;
}

function sameQuestions(a: readonly Question[], b: readonly Question[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((q, i) => {
    const r = b[i]!;
    const keys = Object.keys(q) as (keyof Question)[];
    return keys.length === Object.keys(r).length && keys.every((k) => q[k] === r[k]);
  });
}

/** Everyone told of each finished game (the recorder). */
export const completeListeners = new Set<GameCompleteListener>();
export function onGameComplete(listener: GameCompleteListener): () => void {
  completeListeners.add(listener);
  return () => completeListeners.delete(listener);
}
