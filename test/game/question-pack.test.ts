import { describe, it, expect } from "vitest";
import { existsSync, readFileSync, statSync } from "node:fs";

interface Question {
  id: string;
  text: string;
  type: "text" | "picture";
  imageUrl: string | null;
  correctAnswer: string;
  robotAnswer: string;
  difficulty: 1 | 2 | 3;
  roundNumber: number | null;
}

const packUrl = new URL("../../content/questions.json", import.meta.url);
const publicUrl = new URL("../../public/", import.meta.url);
const questions: Question[] = JSON.parse(readFileSync(packUrl, "utf8"));

const EXPECTED_KEYS = [
  "correctAnswer",
  "difficulty",
  "id",
  "imageUrl",
  "robotAnswer",
  "roundNumber",
  "text",
  "type",
];

/** Lower-case, drop a leading article when more words follow, keep only letters and digits. */
function answerKey(answer: string): string {
  const lowered = answer.trim().toLowerCase();
  const withoutArticle = lowered.replace(/^(a|an|the)\s+(?=\S)/u, "");
  return withoutArticle.replace(/[^\p{L}\p{N}]/gu, "");
}

describe("question pack", () => {
  it("has enough questions and pictures", () => {
    expect(Array.isArray(questions)).toBe(true);
    expect(questions.length).toBeGreaterThanOrEqual(200);
    expect(questions.filter((q) => q.type === "picture").length).toBeGreaterThanOrEqual(20);
  });

  it("has unique, well-formed ids", () => {
    const ids = questions.map((q) => q.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^q\d{3,}$/);
  });

  it("has exactly the expected fields with the right types", () => {
    for (const q of questions) {
      expect(Object.keys(q).sort(), q.id).toEqual(EXPECTED_KEYS);
      expect(typeof q.text, q.id).toBe("string");
      expect(["text", "picture"], q.id).toContain(q.type);
      expect(typeof q.correctAnswer, q.id).toBe("string");
      expect(typeof q.robotAnswer, q.id).toBe("string");
      expect([1, 2, 3], q.id).toContain(q.difficulty);
      expect(q.roundNumber === null || Number.isInteger(q.roundNumber), q.id).toBe(true);
      if (q.type === "picture") {
        expect(q.imageUrl, q.id).toBe(`/questions/${q.id}.svg`);
      } else {
        expect(q.imageUrl, q.id).toBeNull();
      }
    }
  });

  it("uses all three difficulty levels", () => {
    const levels = new Set(questions.map((q) => q.difficulty));
    expect([...levels].sort()).toEqual([1, 2, 3]);
  });

  it("has question text with a blank or a question mark, within length limits", () => {
    for (const q of questions) {
      expect(q.text.length, q.id).toBeGreaterThan(0);
      expect(q.text.length, q.id).toBeLessThanOrEqual(200);
      expect(q.text.includes("____") || q.text.trimEnd().endsWith("?"), q.id).toBe(true);
    }
  });

  it("has short answers that are not given away by the question", () => {
    for (const q of questions) {
      for (const answer of [q.correctAnswer, q.robotAnswer]) {
        expect(answer.length, q.id).toBeGreaterThanOrEqual(1);
        expect(answer.length, q.id).toBeLessThanOrEqual(40);
        expect(answer.trim(), q.id).toBe(answer);
        expect(q.text.toLowerCase().includes(answer.toLowerCase()), `${q.id}: "${answer}"`).toBe(false);
      }
    }
  });

  it("has non-empty, distinct truth and robot answer keys", () => {
    for (const q of questions) {
      const truth = answerKey(q.correctAnswer);
      const robot = answerKey(q.robotAnswer);
      expect(truth, q.id).not.toBe("");
      expect(robot, q.id).not.toBe("");
      expect(truth, q.id).not.toBe(robot);
    }
  });

  it("normalises answer keys as specified", () => {
    expect(answerKey("The United States")).toBe("unitedstates");
    expect(answerKey("A fifth")).toBe("fifth");
    expect(answerKey("An")).toBe("an");
    expect(answerKey("Dr. Seuss")).toBe("drseuss");
    expect(answerKey("Café-Crème")).toBe("cafécrème");
  });

  it("ships a small, safe SVG for every picture question", () => {
    const pictures = questions.filter((q) => q.type === "picture");
    for (const q of pictures) {
      const file = new URL(`questions/${q.id}.svg`, publicUrl);
      expect(existsSync(file), q.id).toBe(true);
      expect(statSync(file).size, q.id).toBeLessThan(4096);
      const svg = readFileSync(file, "utf8");
      expect(svg.trimStart().startsWith("<svg"), q.id).toBe(true);
      expect(svg, q.id).toContain("viewBox=");
      expect(svg.toLowerCase(), q.id).not.toContain("<script");
      expect(svg, q.id).not.toContain('href="http');
      expect(svg.toLowerCase(), q.id).not.toContain("<image");
      expect(svg.toLowerCase(), q.id).not.toContain("data:");
    }
  });
});
