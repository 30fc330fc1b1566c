import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { comparisonKey, containsProfanity, normalizeText, textLength } from "../../src/game/text.ts";

describe("§5 normalisation", () => {
  it("§5 removes control characters but keeps whitespace as separators", () => {
    expect(normalizeText("ab\u0000c\u0007d\u001Be\u007Ff\u009Fg")).toBe("abcdefg");
    expect(normalizeText("one\ttwo\nthree\r\nfour")).toBe("one two three four");
  });

  it("§5 removes bidi override, embedding, isolate and mark characters", () => {
    expect(normalizeText("\u202Eevil\u202C \u2066iso\u2069 \u200Fmark\u200E \u061Calm")).toBe("evil iso mark alm");
  });

  it("§5 turns every run of whitespace into one space and trims", () => {
    expect(normalizeText("   a  \t\n b \u00A0\u2003 c   ")).toBe("a b c");
  });

  it("§5 removes controls before collapsing whitespace, so no double space is left", () => {
    expect(normalizeText("a \u0000 b")).toBe("a b");
    expect(normalizeText(" \u202E x")).toBe("x");
  });

  it("§5 U+0085 (NEXT LINE) is whitespace: it becomes a space or is trimmed, never kept", () => {
    expect(normalizeText("a\u0085b")).toBe("a b");
    expect(normalizeText("\u0085 x \u0085")).toBe("x");
    expect(comparisonKey("the\u0085cat")).toBe("cat");
  });

  it("§5 a text of only controls and spaces normalises to empty", () => {
    expect(normalizeText(" \u0000\t\u202E ")).toBe("");
  });

  it("§5 keeps letters of any script, emoji and punctuation", () => {
    expect(normalizeText("Ça  va, 東京! 🤖")).toBe("Ça va, 東京! 🤖");
  });

  it("§5 lengths count user-visible code points, so an emoji counts once", () => {
    expect(textLength("🤖🤖")).toBe(2);
    expect(textLength("abc")).toBe(3);
  });

  it("§5 normalisation is idempotent and leaves no control, bidi or doubled whitespace (property)", () => {
    const nasty = fc.constantFrom(" ", "\t", "\n", "\u0000", "\u001F", "\u007F", "\u202E", "\u2066", "\u200F", "\u00A0", "a", "B", "é", "7", "!", "🤖");
    fc.assert(
      fc.property(fc.array(fc.oneof(nasty, fc.string()), { maxLength: 30 }).map((parts) => parts.join("")), (raw) => {
        const once = normalizeText(raw);
        expect(normalizeText(once)).toBe(once);
        expect(once).toBe(once.trim());
        expect(once).not.toMatch(/\s\s/u);
        expect(once).not.toMatch(/[\t\n\r\u00A0]/u);
        expect(once).not.toMatch(/[\u0000-\u0008\u000E-\u001F\u007F\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/u);
      }),
    );
  });
});

describe("§5 comparison key", () => {
  it("§5 lower-cases and keeps only letters and digits", () => {
    expect(comparisonKey("Hello, World! 42")).toBe("helloworld42");
    expect(comparisonKey("e-mail")).toBe(comparisonKey("E MAIL"));
  });

  it("§5 Unicode letters and digits count", () => {
    expect(comparisonKey("Crème Brûlée")).toBe("crèmebrûlée");
    expect(comparisonKey("東京 タワー")).toBe("東京タワー");
    expect(comparisonKey("Ünïcödé")).toBe("ünïcödé");
  });

  it("§5 drops a leading 'a', 'an' or 'the' when more words follow", () => {
    expect(comparisonKey("The Moon")).toBe("moon");
    expect(comparisonKey("a cat")).toBe("cat");
    expect(comparisonKey("An apple")).toBe("apple");
    expect(comparisonKey("THE   big  dog")).toBe("bigdog");
  });

  it("§5 keeps the article when it is the only word", () => {
    expect(comparisonKey("The")).toBe("the");
    expect(comparisonKey("a")).toBe("a");
    expect(comparisonKey("  an  ")).toBe("an");
  });

  it("§5 keeps the article when it is not a separate word", () => {
    expect(comparisonKey("Theatre")).toBe("theatre");
    expect(comparisonKey("The-Beatles")).toBe("thebeatles");
    expect(comparisonKey("another day")).toBe("anotherday");
  });

  it("§5 drops only one leading article", () => {
    expect(comparisonKey("the a team")).toBe("ateam");
    expect(comparisonKey("a the")).toBe("the");
  });

  it("§5 an answer of only punctuation or spaces has an empty key", () => {
    expect(comparisonKey("?!... ---")).toBe("");
    expect(comparisonKey("   ")).toBe("");
  });

  it("§5 keys ignore case, spacing and punctuation differences (property)", () => {
    const word = fc.stringMatching(/^[a-z0-9]{1,8}$/);
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 5 }), fc.constantFrom(" ", "  ", " - ", ", ", "\t"), (words, sep) => {
        const plain = words.join(" ");
        const noisy = `  ${words.map((w) => w.toUpperCase()).join(sep)}!  `;
        expect(comparisonKey(noisy)).toBe(comparisonKey(plain));
        expect(comparisonKey(plain)).toMatch(/^[\p{L}\p{N}]*$/u);
      }),
    );
  });
});

describe("§5 family-friendly profanity filter", () => {
  it("§5 flags common profanity, also inside a sentence", () => {
    expect(containsProfanity("fuck")).toBe(true);
    expect(containsProfanity("What the SHIT is this")).toBe(true);
  });

  it("§5 does not flag innocent words that contain a rude substring", () => {
    expect(containsProfanity("Scunthorpe")).toBe(false);
    expect(containsProfanity("assassin")).toBe(false);
    expect(containsProfanity("cocktail")).toBe(false);
    expect(containsProfanity("A purple giraffe")).toBe(false);
  });
});
