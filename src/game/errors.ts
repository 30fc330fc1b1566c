/**
 * The closed vocabulary of refusals (GAME.md §9). Every refused action or join names exactly one
 * of these; clients switch on the code, the message is for humans.
 */
export const ErrorCode = {
  /** Unknown message type, schema-invalid payload, or a value out of its stated bounds. */
  BadRequest: "bad-request",
  /** More messages per second than the room allows from one client. */
  RateLimited: "rate-limited",
  /** A host-only action sent by someone else. */
  NotHost: "not-host",
  /** A player action sent by an audience member or a host that does not play. */
  NotPlayer: "not-player",
  /**
   * `censor-answer` from a host that also plays (GAME.md §5). Given for every option id, known or
   * not, in every phase, and before any other check that could look at the option: a refusal that
   * differed for the truth or the robot's answer would tell a playing host which they are.
   */
  HostPlays: "host-plays",
  /** The action exists but not in the current phase. */
  WrongPhase: "wrong-phase",
  /** `start-game` while fewer than 2 players are seated and connected (GAME.md §3). */
  NotEnoughPlayers: "not-enough-players",
  /** A join after the game started (reconnection is not a join). */
  GameInProgress: "game-in-progress",
  /** A join as a player while 8 players are seated. */
  RoomFull: "room-full",
  /** A join with a name another client in the room already uses. */
  NameTaken: "name-taken",
  /** A join with a name, or a reconnection with a token, that the host kicked this game. */
  Kicked: "kicked",
  /** A fake answer that matches the truth. */
  AnswerIsTruth: "answer-is-truth",
  /** A fake answer that matches the robot's answer. */
  AnswerIsRobot: "answer-is-robot",
  /** A fake answer containing profanity while family-friendly is on. */
  Profanity: "profanity",
  /** A second answer in the same round. */
  AlreadyAnswered: "already-answered",
  /** A second vote in the same phase. */
  AlreadyVoted: "already-voted",
  /** A vote for an option id that does not exist, was eliminated or was censored. */
  InvalidVote: "invalid-vote",
  /** A vote for an option the voter wrote. */
  OwnAnswer: "own-answer",
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const ALL_ERROR_CODES: readonly ErrorCode[] = Object.values(ErrorCode);

/** A refusal: the code a client switches on and a readable message. */
export interface GameError {
  code: ErrorCode;
  message: string;
}

export function gameError(code: ErrorCode, message: string): GameError {
  return { code, message };
}
