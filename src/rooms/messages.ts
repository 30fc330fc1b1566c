/**
 * From a checked client message (src/protocol.ts: type, payload shape and bounds) to the rules
 * action it asks for.
 */
import type { Action } from "../game/rules.ts";
import type { ClientMessage } from "../protocol.ts";

/** A `start-game` as a client asks for it: the room adds the question pool, a game id and a seed. */
export interface StartRequest {
  type: "start-game";
  by: string;
}

/** Turns a checked message from client `by` into a rules action. */
export function toAction(message: ClientMessage, by: string): Exclude<Action, { type: "start-game" }> | StartRequest {
  switch (message.type) {
    case "start-game":
      return { type: message.type, by };
    case "update-settings":
      return { type: message.type, by, settings: message.payload };
    case "kick-player":
      return { type: message.type, by, playerId: message.payload.playerId };
    case "submit-answer":
      return { type: message.type, by, answer: message.payload.answer };
    case "submit-elimination-vote":
    case "submit-final-vote":
    case "censor-answer":
      return { type: message.type, by, optionId: message.payload.optionId };
    case "skip-phase":
    case "next-round":
    case "play-again":
      return { type: message.type, by };
  }
}
