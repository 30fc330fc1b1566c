/**
 * What a person reads when the server refuses something: one plain sentence per GAME.md §9 code,
 * and the same for a refused join or create (docs/PROTOCOL.md §3), whose error carries either a
 * code as its message or an HTTP status.
 */
import { ErrorCode, isErrorCode } from "../../src/protocol.ts";

/**
 * One sentence per error code. A `Record` over the code union, so a code added to the protocol
 * without a sentence here fails the type check.
 */
export const ERROR_SENTENCES: Readonly<Record<ErrorCode, string>> = {
  [ErrorCode.BadRequest]: "That was not accepted. Check what you typed and try again.",
  [ErrorCode.RateLimited]: "Too fast! Wait a moment and try again.",
  [ErrorCode.NotHost]: "Only the host can do that.",
  [ErrorCode.NotPlayer]: "Only players can do that.",
  [ErrorCode.HostPlays]: "A host who plays cannot remove answers.",
  [ErrorCode.WrongPhase]: "That is not possible right now.",
  [ErrorCode.NotEnoughPlayers]: "At least 2 players must be connected to start.",
  [ErrorCode.GameInProgress]: "The game has already started. You can join as audience.",
  [ErrorCode.RoomFull]: "The room is full. You can join as audience.",
  [ErrorCode.NameTaken]: "Someone in the room already uses that name (or one that looks like it). Pick another.",
  [ErrorCode.Kicked]: "The host removed that name from this room.",
  [ErrorCode.AnswerIsTruth]: "That is the real answer! Write a fake one.",
  [ErrorCode.AnswerIsRobot]: "The robot already wrote that answer. Try something else.",
  [ErrorCode.Profanity]: "Family-friendly mode is on: keep it clean.",
  [ErrorCode.AlreadyAnswered]: "You already answered this round.",
  [ErrorCode.AlreadyVoted]: "You already voted.",
  [ErrorCode.InvalidVote]: "That answer cannot be chosen.",
  [ErrorCode.OwnAnswer]: "You cannot vote for your own answer.",
};

/** Sentences for connection problems, shared by both pages. */
export const CONNECTION_SENTENCES = {
  unreachable: "The server cannot be reached",
  gone: "This room is gone",
  reconnecting: "Reconnecting…",
  kicked: "The host removed you from the room.",
  noSuchRoom: "There is no room with that code. Check the letters.",
} as const;

/** A refusal as the pages show it: the sentence, and the code when the server named one. */
export interface Refusal {
  code: ErrorCode | null;
  sentence: string;
}

/** The sentence for an `error` event's code; an unknown code still gets a sentence. */
export function sentenceFor(code: string): string {
  return isErrorCode(code) ? ERROR_SENTENCES[code] : "The server refused that.";
}

/**
 * Turns a rejected `create`, `joinById` or `reconnect` into a refusal. The SDK's error has the
 * code as its `message` when the room refused the join (rows of PROTOCOL §3), or an HTTP status
 * as its numeric `code`; a fetch that never reached the server is a plain TypeError.
 */
export function refusalOf(error: unknown): Refusal {
  const message = error instanceof Error ? error.message : String(error);
  const status = typeof (error as { code?: unknown } | null)?.code === "number" ? (error as { code: number }).code : undefined;
  if (isErrorCode(message)) return { code: message, sentence: ERROR_SENTENCES[message] };
  if (status === 404) return { code: null, sentence: CONNECTION_SENTENCES.noSuchRoom };
  if (status === 410) return { code: null, sentence: CONNECTION_SENTENCES.gone };
  if (status === 429) return { code: ErrorCode.RateLimited, sentence: "Too many tries from this network. Wait a little and try again." };
  if (status === 409) return { code: null, sentence: "The room is busy. Try again." };
  if (status === undefined || status === 0 || status >= 500) return { code: null, sentence: CONNECTION_SENTENCES.unreachable };
  return { code: null, sentence: "The server refused to let you in." };
}
