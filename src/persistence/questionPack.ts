/**
 * The shipped question pack (content/questions.json), read once per process. Every entry is
 * checked on load, so a broken pack stops the server with a readable message instead of
 * surfacing mid-game.
 */
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { isPlayable } from "../game/questions.ts";
import type { Question } from "../game/types.ts";

export const QUESTION_PACK_PATH = new URL("../../content/questions.json", import.meta.url);

const QuestionSchema = z
  .object({
    id: z.string().min(1).max(32),
    text: z.string().min(1).max(300),
    type: z.enum(["text", "picture"]),
    imageUrl: z.string().min(1).nullable(),
    correctAnswer: z.string().min(1).max(100),
    robotAnswer: z.string().min(1).max(100),
    difficulty: z.number().int().min(1).max(3),
    roundNumber: z.number().int().min(1).nullable(),
  })
  .strict()
  .refine((q) => (q.type === "picture") === (q.imageUrl !== null), "a picture question has an imageUrl, a text one has none")
  .refine((q) => isPlayable(q as Question), "truth and robot answer must be distinct, non-empty answers");

export function parseQuestionPack(json: unknown): Question[] {
  const parsed = z.array(QuestionSchema).safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`question pack is invalid at [${issue.path.join(".")}]: ${issue.message}`);
  }
  return parsed.data as Question[];
}

let cached: Promise<Question[]> | undefined;

export function loadQuestionPack(): Promise<Question[]> {
  cached ??= readFile(QUESTION_PACK_PATH, "utf8").then((text) => parseQuestionPack(JSON.parse(text)));
  return cached;
}
