/**
 * Text rules of GAME.md §5 (answers) and §9 (names): normalisation and comparison keys.
 */
import { englishDataset, englishRecommendedTransformers, RegExpMatcher } from "obscenity";

/** C0/C1 controls except whitespace, and the bidi marks, embeddings, overrides and isolates. */
const CONTROL_OR_BIDI = /[\u0000-\u0008\u000E-\u001F\u007F-\u0084\u0086-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/gu;
// JavaScript's \s leaves out NEXT LINE (U+0085), which Unicode counts as whitespace.
const WHITESPACE_RUN = /[\s\u0085]+/gu;
const NOT_LETTER_OR_DIGIT = /[^\p{L}\p{N}]/gu;
const LEADING_ARTICLES = new Set(["a", "an", "the"]);

export const ANSWER_MAX_LENGTH = 100;
export const NAME_MAX_LENGTH = 16;

/** §5 normalisation: strip controls and bidi overrides, collapse whitespace runs, trim. */
export function normalizeText(raw: string): string {
  return raw.replace(CONTROL_OR_BIDI, "").replace(WHITESPACE_RUN, " ").trim();
}

/** Length in user-visible code points, so an emoji counts once. */
export function textLength(text: string): number {
  return [...text].length;
}

/**
 * §5 comparison key: lower-case, drop a leading article when more words follow, keep only
 * letters and digits. Two answers with the same key are the same answer.
 */
export function comparisonKey(text: string): string {
  const words = normalizeText(text).toLowerCase().split(" ");
  if (words.length > 1 && LEADING_ARTICLES.has(words[0]!)) words.shift();
  return words.join(" ").replace(NOT_LETTER_OR_DIGIT, "");
}

const profanityMatcher = new RegExpMatcher({
  ...englishDataset.build(),
  ...englishRecommendedTransformers,
});

/** True when the text contains a word the family-friendly filter refuses. */
export function containsProfanity(text: string): boolean {
  return profanityMatcher.hasMatch(text);
}
