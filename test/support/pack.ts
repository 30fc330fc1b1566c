/** The shipped question pack, so tests can tell the truth and the robot apart by text. */
import { readFileSync } from "node:fs";

export interface PackQuestion {
  id: string;
  correctAnswer: string;
  robotAnswer: string;
  text: string;
  type: string;
  imageUrl: string | null;
}

export const PACK: PackQuestion[] = JSON.parse(readFileSync(new URL("../../content/questions.json", import.meta.url), "utf8"));
export const PACK_BY_ID = new Map(PACK.map((q) => [q.id, q]));

/** Makes questions a test put in the database known to the helpers here. */
export function registerQuestions(questions: PackQuestion[]): void {
  for (const q of questions) PACK_BY_ID.set(q.id, q);
}

/** The option ids of the truth and the robot's answer among the options a client sees. */
export function secretIds(questionId: string, options: { id: string; text: string }[]) {
  const q = PACK_BY_ID.get(questionId)!;
  const norm = (s: string) => s.replace(/\s+/g, " ").trim();
  const truth = options.find((o) => o.text === norm(q.correctAnswer));
  const robot = options.find((o) => o.text === norm(q.robotAnswer));
  if (!truth || !robot) throw new Error(`truth or robot option missing for ${questionId}`);
  return { truthId: truth.id, robotId: robot.id, truthText: truth.text, robotText: robot.text };
}
