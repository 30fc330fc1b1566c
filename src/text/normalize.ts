/**
 * GAME.md §5 text normalisation: the pure string rules that both the wire check (src/protocol.ts:
 * an answer's bounds are `bad-request`) and the rules core (stored text, comparison keys, names)
 * need. Dependency-free, so a browser client can bundle it and pre-check what it sends exactly as
 * the server will.
 */

/** C0/C1 controls except whitespace, and the bidi marks, embeddings, overrides and isolates. */
const CONTROL_OR_BIDI = /[\u0000-\u0008\u000E-\u001F\u007F-\u0084\u0086-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/gu;
/**
 * Invisible format characters (§5): every format character (general category Cf: zero-width
 * space, joiners, word joiner, soft hyphen, BOM, invisible operators U+2061–U+2064, Mongolian
 * vowel separator, tag characters…) and every other default-ignorable code point (Hangul fillers
 * U+3164/U+FFA0, which are "letters" that draw nothing, variation selectors, combining grapheme
 * joiner). They draw nothing, so they would let "Ada\u200B" pass as a second "Ada", a name of
 * only U+200B or U+3164 look blank, and "f\u200Buck" slip past the filter. The few Cf characters
 * that do draw a glyph (the Arabic, Syriac and Kaithi prepended number marks) stay.
 * Side effect, accepted: emoji ZWJ sequences fall apart into their parts, subdivision flags lose
 * their tags, and emoji lose their presentation selector.
 */
export const INVISIBLE_FORMAT =
  /(?![\u0600-\u0605\u06DD\u070F\u0890\u0891\u08E2\u{110BD}\u{110CD}])[\p{Cf}\p{Default_Ignorable_Code_Point}]/gu;
// JavaScript's \s leaves out NEXT LINE (U+0085), which Unicode counts as whitespace.
const WHITESPACE_RUN = /[\s\u0085]+/gu;
const NOT_LETTER_OR_DIGIT = /[^\p{L}\p{N}]/gu;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const LEADING_ARTICLES = new Set(["a", "an", "the"]);

/**
 * §5 normalisation: strip controls, bidi overrides and invisible format characters, collapse
 * whitespace runs, trim. Invisible characters go before the whitespace pass so that none is left
 * between two spaces or at an end.
 */
export function normalizeText(raw: string): string {
  return raw.replace(CONTROL_OR_BIDI, "").replace(INVISIBLE_FORMAT, "").replace(WHITESPACE_RUN, " ").trim();
}

/**
 * §5 name normalisation: the answer normalisation, then NFKC (fullwidth "Ａｄａ" is "Ada",
 * "ℌ" is "H"), then the answer normalisation once more, because NFKC can turn a spacing accent
 * into a space plus a combining mark or a halfwidth filler into a default-ignorable one. The
 * result is what the room stores and shows.
 */
export function normalizeName(raw: string): string {
  return normalizeText(normalizeText(raw).normalize("NFKC"));
}

/** §5: a name must show something: at least one letter or digit once invisible characters are gone. */
export function hasVisibleLetterOrDigit(normalized: string): boolean {
  return LETTER_OR_DIGIT.test(normalized);
}

/** Length in user-visible code points, so an emoji counts once. */
export function textLength(text: string): number {
  return [...text].length;
}

/**
 * §5 comparison key: lower-case, drop a leading article when more words follow, keep only
 * letters and digits. Two answers with the same key are the same answer. A word is what the
 * spaces separate, counted by its letters and digits: "A, team" starts with the article "a" as
 * "A team" does, and "The !" is the one word "the" (nothing follows it), so punctuation alone
 * never changes a key (a seed of the §5 property test found "A, A" keyed "aa" against "a").
 */
export function comparisonKey(text: string): string {
  const words = normalizeText(text)
    .toLowerCase()
    .split(" ")
    .map((word) => word.replace(NOT_LETTER_OR_DIGIT, ""))
    .filter((word) => word !== "");
  if (words.length > 1 && LEADING_ARTICLES.has(words[0]!)) words.shift();
  return words.join("");
}
