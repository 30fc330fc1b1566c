/**
 * How the rules core refuses an action. The codes themselves are the wire's closed vocabulary
 * and live in src/protocol.ts (GAME.md §9); they are re-exported here for the core's modules.
 */
import type { ErrorCode } from "../protocol.ts";

export { ALL_ERROR_CODES, ErrorCode } from "../protocol.ts";

/** A refusal: the code a client switches on and a readable message. */
export interface GameError {
  code: ErrorCode;
  message: string;
}

export function gameError(code: ErrorCode, message: string): GameError {
  return { code, message };
}
