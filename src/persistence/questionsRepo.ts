/**
 * The question pool in the `questions` table (GAME.md §4).
 */
import type { Kysely, Selectable } from "kysely";
import type { Question } from "../game/types.ts";
import type { Database, QuestionsTable } from "./schema.ts";

/** Loads the pack idempotently: new questions are added, changed ones updated, none duplicated. */
export async function seedQuestions(db: Kysely<Database>, pack: readonly Question[]): Promise<number> {
  const rows = pack.map((q) => ({
    id: q.id,
    text: q.text,
    type: q.type,
    image_url: q.imageUrl,
    correct_answer: q.correctAnswer,
    robot_answer: q.robotAnswer,
    difficulty: q.difficulty,
    round_hint: q.roundNumber,
  }));
  for (let i = 0; i < rows.length; i += 100) {
    await db
      .insertInto("questions")
      .values(rows.slice(i, i + 100))
      .onConflict((oc) =>
        oc.column("id").doUpdateSet((eb) => ({
          text: eb.ref("excluded.text"),
          type: eb.ref("excluded.type"),
          image_url: eb.ref("excluded.image_url"),
          correct_answer: eb.ref("excluded.correct_answer"),
          robot_answer: eb.ref("excluded.robot_answer"),
          difficulty: eb.ref("excluded.difficulty"),
          round_hint: eb.ref("excluded.round_hint"),
          updated_at: new Date(),
        })),
      )
      .execute();
  }
  return rows.length;
}

function toQuestion(r: Selectable<QuestionsTable>): Question {
  return {
    id: r.id,
    text: r.text,
    type: r.type,
    imageUrl: r.image_url,
    correctAnswer: r.correct_answer,
    robotAnswer: r.robot_answer,
    difficulty: r.difficulty,
    roundNumber: r.round_hint,
  };
}

/** Every active question, in id order. */
export async function activeQuestions(db: Kysely<Database>): Promise<Question[]> {
  const rows = await db.selectFrom("questions").selectAll().where("active", "=", true).orderBy("id").execute();
  return rows.map(toQuestion);
}

/** Questions by id, active or not (replay needs the ones a game used). */
export async function questionsById(db: Kysely<Database>): Promise<Map<string, Question>> {
  const rows = await db.selectFrom("questions").selectAll().execute();
  return new Map(rows.map((r) => [r.id, toQuestion(r)]));
}
