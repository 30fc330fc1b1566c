/**
 * Text rules of GAME.md §5 (answers and names) and §9 (names): normalisation, comparison keys,
 * confusable name keys and the family-friendly filter.
 */
import { englishDataset, englishRecommendedTransformers, RegExpMatcher } from "obscenity";
import unhomoglyph from "unhomoglyph";
import { INVISIBLE_FORMAT } from "../text/normalize.ts";

// The §5 normalisation and the wire's lengths are shared with src/protocol.ts (the bounds of a
// message are checked there); re-exported for the core's modules.
export { comparisonKey, hasVisibleLetterOrDigit, normalizeName, normalizeText, textLength } from "../text/normalize.ts";
export { ANSWER_MAX_LENGTH, NAME_MAX_LENGTH } from "../protocol.ts";

/**
 * Unicode TR39 skeleton: NFD, drop default-ignorable code points (here: every invisible character
 * that §5 normalisation strips, a superset), replace every character by its prototype from the TR39 confusables table
 * (`unhomoglyph` ships that table and the replacement; it does no normalisation itself, hence the
 * NFD on both sides), NFD again. Not for display: "m" becomes "rn".
 */
export function confusableSkeleton(text: string): string {
  return unhomoglyph(text.normalize("NFD").replace(INVISIBLE_FORMAT, "")).normalize("NFD");
}

/** Full-ish case folding: upper then lower also folds "ß" to "ss" and final sigma to sigma. */
function caseFold(text: string): string {
  return text.toUpperCase().toLowerCase();
}

/**
 * §5 keys under which a name clashes with another name or with a ban: two names clash when any of
 * their keys are equal. A TR39 skeleton is case-sensitive and its prototypes mix cases, so one key
 * cannot be both case-insensitive and confusable-aware:
 * - folding first (`Ada`, `ADA`, Cyrillic `аda` all give "ada"; `Mia` and `mia` both "rnia"),
 *   folded again because a prototype can be upper case (digit `0` → `O`, so `0lga` = `olga`);
 * - the skeleton first, for upper-case look-alikes that folding would split: Cyrillic `НАNNA`
 *   (its `н` folds to a letter whose prototype is small-capital `ʜ`) = `HANNA`, and `Ian` = `lan`
 *   (capital I and small l are one glyph in many fonts).
 * Expects a name already passed through {@link normalizeName}.
 */
export function nameKeys(name: string): string[] {
  const foldedFirst = caseFold(confusableSkeleton(caseFold(name)));
  const skeletonFirst = caseFold(confusableSkeleton(caseFold(confusableSkeleton(name))));
  return foldedFirst === skeletonFirst ? [foldedFirst] : [foldedFirst, skeletonFirst];
}

/** True when two normalised names clash (§5): any of their {@link nameKeys} are equal. */
export function namesClash(a: string, b: string): boolean {
  const keys = new Set(nameKeys(a));
  return nameKeys(b).some((k) => keys.has(k));
}

/**
 * Proper names and words of a quiz that the English list would refuse because a rude word sits
 * inside them. Each one is a plausible fake (or real) answer; the rude word on its own, or in any
 * other phrase, is still refused. Matched case-insensitively, spaces collapsed.
 */
const HARMLESS_TERMS = [
  "shiitake", // "shiitake" collapses to "shitake"
  "dickinson", // Emily Dickinson, the poet
  "moby dick",
  "dick van dyke",
  "cockpit",
  "fukuoka", // a Japanese city
  "penistone", // an English town
  "wankel", // the rotary engine
  "blue tit", // birds
  "great tit",
  "coal tit",
  "pussy willow",
  "pussycat",
];

const builtDataset = englishDataset.build();
const profanityMatcher = new RegExpMatcher({
  ...builtDataset,
  whitelistedTerms: [...(builtDataset.whitelistedTerms ?? []), ...HARMLESS_TERMS],
  ...englishRecommendedTransformers,
});

const ONLY_DIGITS = /^\p{Nd}+$/u;
/** Three or more single letters split by one space, dot, dash, underscore or star: "f u c k". */
const SPACED_LETTERS = /(?<![\p{L}\p{N}])\p{L}(?:[ ._*-]\p{L}){2,}(?![\p{L}\p{N}])/gu;

/**
 * The English list's leet-speak rules read digits as letters (4 → a, 5 → s, 7 → t, 1 → i,
 * 0 → o, 3 → e), which turns harmless numbers into words: "455" is "ass", "717" is "tit",
 * "4550" and "7175" too. A match whose whole span in the text is digits is therefore ignored:
 * a number is never profanity. A match that also holds a letter or a symbol ("sh1t", "a55",
 * "@ss", "5h1t") is still leet-speak and still refused, so the digit rules stay.
 */
function refusedIn(text: string): boolean {
  return profanityMatcher
    .getAllMatches(text)
    .some((m) => !ONLY_DIGITS.test(text.slice(m.startIndex, m.endIndex + 1)));
}

/**
 * True when the text contains a word the family-friendly filter refuses. Expects normalised text
 * (§5: invisible format characters are already gone, so "f\u200Buck" reads "fuck"). Also looks at
 * the NFKC form (mathematical and enclosed letters) and at letters spelled out one by one
 * ("f u c k", "s.h.i.t"), which the list's transformers leave alone.
 */
export function containsProfanity(text: string): boolean {
  const spelled = text.replace(SPACED_LETTERS, (run) => run.replace(/[ ._*-]/gu, ""));
  const candidates = new Set([text, text.normalize("NFKC"), spelled]);
  for (const candidate of candidates) if (refusedIn(candidate)) return true;
  return false;
}
