/**
 * Payload shapes of the client messages (GAME.md §9). A payload that fails its shape is a
 * `bad-request` before anything else is checked; bounds and game rules are the rules core's.
 */
import { z } from "zod";
import type { Action } from "../game/rules.ts";

const empty = z.object({}).strict().optional();
const optionId = z.object({ optionId: z.string().max(16) }).strict();

export const MESSAGE_SCHEMAS = {
  "start-game": empty,
  "update-settings": z
    .object({
      mode: z.string().optional(),
      timers: z
        .object({
          question: z.number().optional(),
          elimination: z.number().optional(),
          voting: z.number().optional(),
          results: z.number().optional(),
        })
        .strict()
        .optional(),
      extendedTimers: z.boolean().optional(),
      familyFriendly: z.boolean().optional(),
    })
    .strict(),
  "kick-player": z.object({ playerId: z.string().max(64) }).strict(),
  "submit-answer": z.object({ answer: z.string().max(1000) }).strict(),
  "submit-elimination-vote": optionId,
  "submit-final-vote": optionId,
  "censor-answer": optionId,
  "skip-phase": empty,
  "next-round": empty,
  "play-again": empty,
} as const;

export type MessageType = keyof typeof MESSAGE_SCHEMAS;

export function isMessageType(type: unknown): type is MessageType {
  return typeof type === "string" && Object.hasOwn(MESSAGE_SCHEMAS, type);
}

/**
 * Turns a validated message into a rules action. `start-game` needs the question pool and a
 * game id, which only the room has, so it is completed there.
 */
export function toAction(type: MessageType, by: string, payload: any): Exclude<Action, { type: "start-game" }> | { type: "start-game"; by: string } {
  switch (type) {
    case "start-game":
      return { type, by };
    case "update-settings":
      return { type, by, settings: payload };
    case "kick-player":
      return { type, by, playerId: payload.playerId };
    case "submit-answer":
      return { type, by, answer: payload.answer };
    case "submit-elimination-vote":
    case "submit-final-vote":
    case "censor-answer":
      return { type, by, optionId: payload.optionId };
    case "skip-phase":
    case "next-round":
    case "play-again":
      return { type, by };
  }
}

/** A readable reason for a shape failure. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "payload"}: ${i.message}`).join("; ");
}
