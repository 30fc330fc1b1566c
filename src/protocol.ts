/**
 * The wire contract of Robots (GAME.md §2, §5, §9–§11; docs/PROTOCOL.md for client authors): every
 * name and shape a client and the server exchange, defined once. The room, the rules core, the
 * bots, the tests and any browser client import it; nothing defines these again.
 *
 * Dependency-free except `zod` (and the pure §5 text functions next to it), so it bundles for a
 * browser: no Colyseus, no Node built-ins, nothing from the server's rules.
 */
import { z } from "zod";
import { comparisonKey, normalizeText, textLength } from "./text/normalize.ts";

export { comparisonKey, hasVisibleLetterOrDigit, normalizeName, normalizeText, textLength } from "./text/normalize.ts";

// ---------------------------------------------------------------- room and codes (GAME.md §2)

/** The Colyseus room name every client creates and joins: `client.create(ROOM_NAME, options)`. */
export const ROOM_NAME = "party";

/** Letters of a room code: no vowels and no Y (no words), no O/0 or I/1 confusion. */
export const CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ";
/** A room code is this many letters; it *is* the Colyseus `roomId`. */
export const CODE_LENGTH = 4;

/** Canonical form of a code typed by a person: upper-case, surrounding spaces dropped. */
export function canonicalCode(input: string): string {
  return input.trim().toUpperCase();
}

/** True for a canonical room code (see {@link canonicalCode}): 4 letters of {@link CODE_ALPHABET}. */
export function isRoomCode(value: string): boolean {
  return value.length === CODE_LENGTH && [...value].every((c) => CODE_ALPHABET.includes(c));
}

// ---------------------------------------------------------------- vocabularies (GAME.md §3, §4, §9)

/** GAME.md §3 phases, in the order a round walks through them. */
export const PHASES = ["lobby", "question", "elimination", "voting", "results", "final"] as const;
export type Phase = (typeof PHASES)[number];

/** GAME.md §4 modes; the first is the default. */
export const MODES = ["8-round", "12-round"] as const;
export type Mode = (typeof MODES)[number];
export const DEFAULT_MODE: Mode = "8-round";
/** Rounds a game of each mode plays (`totalRounds` in the state). */
export const ROUNDS_BY_MODE: Readonly<Record<Mode, number>> = { "8-round": 8, "12-round": 12 };

/** GAME.md §9 shipped icon ids: a join's `icon` is one of these. */
export const ICONS = [
  "robot", "cat", "dog", "fox", "owl", "frog", "bear", "panda",
  "tiger", "lion", "penguin", "octopus", "unicorn", "alien", "ghost", "cactus",
] as const;
export type Icon = (typeof ICONS)[number];

/** GAME.md §4 question types: a `picture` question has an `imageUrl`. */
export const QUESTION_TYPES = ["text", "picture"] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

// ---------------------------------------------------------------- limits (GAME.md §2, §3, §5, §11)

/** A game starts with at least this many connected players (the host counts when it plays). */
export const MIN_PLAYERS = 2;
/** Seats in a room; the audience is not counted. */
export const MAX_PLAYERS = 8;
/** A name is 1–16 characters after §5 name normalisation. */
export const NAME_MAX_LENGTH = 16;
/** An answer is 1–100 characters after §5 normalisation. */
export const ANSWER_MAX_LENGTH = 100;
/**
 * Longest raw `answer` string accepted before normalisation: room for surrounding and doubled
 * whitespace or invisible characters, while a client cannot make the server normalise kilobytes.
 */
export const ANSWER_RAW_MAX_LENGTH = 1000;
/** Longest `optionId` (ids are `a1`…`aN`). */
export const OPTION_ID_MAX_LENGTH = 16;
/** Longest `playerId` (a Colyseus sessionId). */
export const PLAYER_ID_MAX_LENGTH = 64;
/** Any one message larger than this many bytes closes the sender's socket ({@link CloseCode.MessageTooBig}). */
export const MESSAGE_MAX_BYTES = 4096;
/** Sustained messages per second from one client; more are refused `rate-limited` (the deployment may change it). */
export const MESSAGES_PER_SECOND = 20;
/** Above this multiple of the rate within one second the socket closes ({@link CloseCode.Flood}). */
export const FLOOD_FACTOR = 3;
/** GAME.md §11: more than 60 messages in one second closes the socket. */
export const FLOOD_MESSAGES_PER_SECOND = MESSAGES_PER_SECOND * FLOOD_FACTOR;
/** A dropped client keeps its seat this long and may reconnect with its token (the deployment may change it). */
export const RECONNECT_SECONDS = 60;
/** A room closes this long after it was created, whatever happens (GAME.md §2). */
export const ROOM_LIFETIME_MS = 4 * 3600 * 1000;

/**
 * Phase timers in seconds (GAME.md §3 table): the default and the bounds a host may set in the
 * lobby. *Extended timers* doubles every deadline on top.
 */
export const TIMER_BOUNDS = {
  question: { default: 60, min: 20, max: 180 },
  elimination: { default: 30, min: 10, max: 90 },
  voting: { default: 30, min: 10, max: 90 },
  results: { default: 15, min: 5, max: 60 },
} as const;
export type TimerName = keyof typeof TIMER_BOUNDS;
export const TIMER_NAMES = Object.keys(TIMER_BOUNDS) as TimerName[];

// ---------------------------------------------------------------- error codes (GAME.md §9)

/**
 * The closed vocabulary of refusals. Every refused message gets an `error` event naming exactly one
 * of these; every refused join rejects with one of these as its message. Clients switch on the
 * code; the message is for humans.
 */
export const ErrorCode = {
  /** Unknown message type, schema-invalid payload, or a value out of its stated bounds. */
  BadRequest: "bad-request",
  /** More messages per second than the room allows from one client, or too many audience joins from one address. */
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

/** Every error code, for exhaustive checks. */
export const ALL_ERROR_CODES: readonly ErrorCode[] = Object.values(ErrorCode);

/** True for a string that is one of the {@link ErrorCode}s (a refused join's message is one). */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && (ALL_ERROR_CODES as readonly string[]).includes(value);
}

/**
 * The codes a refused join can carry, in the order GAME.md §9 lists them. A join as audience from
 * an address that already has its share of the room's audience is `rate-limited`: that is checked
 * after the option shapes and before the values (name, icon), so a bad name from such an address
 * is `rate-limited` too.
 */
export const JOIN_ERROR_CODES = [
  ErrorCode.BadRequest,
  ErrorCode.RateLimited,
  ErrorCode.Kicked,
  ErrorCode.GameInProgress,
  ErrorCode.RoomFull,
  ErrorCode.NameTaken,
] as const satisfies readonly ErrorCode[];

/**
 * The checks a message goes through, in order; the first that fails names the code (GAME.md §9).
 * After `wrong-phase` come the rule's own codes.
 */
export const CHECK_ORDER = [
  ErrorCode.BadRequest,
  ErrorCode.RateLimited,
  "role",
  ErrorCode.WrongPhase,
  "rule",
] as const;

// ---------------------------------------------------------------- close codes (GAME.md §11)

/**
 * WebSocket close codes the server uses. The 4000s except 4100 and 4429 are Colyseus's own
 * (`CloseCode` of @colyseus/core, restated here so a client need not depend on the server).
 */
export const CloseCode = {
  /**
   * The server process holding the room is being restarted (a deploy): the room is moving to
   * another process, or will be back when this one restarts. The seat is kept. Reconnect through
   * matchmaking with the token (`client.reconnect(room.reconnectionToken)`), not to the same
   * socket address: retry with backoff for up to 30 s (docs/PROTOCOL.md).
   */
  ServerMoving: 4100,
  /**
   * The client left on purpose, the room was disposed (every client gone after the game, or its
   * 4 h lifetime over), or the host kicked the client: then the close reason is
   * {@link KICKED_CLOSE_REASON} and a reconnection is refused `kicked`.
   */
  Consented: 4000,
  /** The server is shutting down. */
  ServerShutdown: 4001,
  /**
   * Colyseus closed the socket for an error: a frame it could not decode, or another socket
   * reconnected with this seat's token. The seat is kept for the reconnection window.
   */
  WithError: 4002,
  /** Development servers only: the server restarts; reconnect with the token. */
  MayTryReconnect: 4010,
  /** A message larger than {@link MESSAGE_MAX_BYTES} (the WebSocket standard's "message too big"). */
  MessageTooBig: 1009,
  /**
   * More than {@link FLOOD_MESSAGES_PER_SECOND} messages within one second. The seat is kept:
   * the client may reconnect with its token at once.
   */
  Flood: 4429,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** The close reason of a socket the host kicked (with {@link CloseCode.Consented}). */
export const KICKED_CLOSE_REASON = ErrorCode.Kicked;

// ---------------------------------------------------------------- join and create options (GAME.md §2, §9)

/**
 * Join and create options, as the matchmaker checks them before a seat is reserved: a failure
 * rejects the join with `bad-request`. Bounds are generous next to the rules' (a name is 1–16
 * characters once normalised, an icon one of {@link ICONS}, a mode one of {@link MODES}), so that
 * normalisation in the rules, not this check, decides borderline names; those refusals are
 * `bad-request` too. Unknown keys are ignored: the request body cap bounds them.
 */
export const JOIN_OPTIONS_SCHEMA = z.object({
  /** Display name; a display host (create with `hostPlays: false`) may leave it out. */
  name: z.string().max(64).optional(),
  /** One of {@link ICONS}; a display host may leave it out. */
  icon: z.string().max(32).optional(),
  /** Join as audience: any time, even a full room; one final vote, no score. */
  audience: z.boolean().optional(),
  /** Create only: does the host play (default true) or only display and control the flow? */
  hostPlays: z.boolean().optional(),
  /** Create only: one of {@link MODES} (default {@link DEFAULT_MODE}). */
  mode: z.string().max(32).optional(),
});

/** What a client passes to `create(ROOM_NAME, …)` or `joinById(code, …)`. */
export interface JoinOptions {
  name?: string;
  icon?: Icon;
  audience?: boolean;
  /** Create only. */
  hostPlays?: boolean;
  /** Create only. */
  mode?: Mode;
}

// ---------------------------------------------------------------- client messages (GAME.md §5, §9)

const noPayload = z.object({}).strict().optional();
const optionIdPayload = z.object({ optionId: z.string().max(OPTION_ID_MAX_LENGTH) }).strict();

/** GAME.md §5: 1–100 characters after normalisation, with at least one letter or digit. */
const answerText = z
  .string()
  .max(ANSWER_RAW_MAX_LENGTH)
  .superRefine((raw, ctx) => {
    const text = normalizeText(raw);
    const length = textLength(text);
    if (length < 1 || length > ANSWER_MAX_LENGTH) {
      ctx.addIssue({ code: "custom", message: `an answer is 1–${ANSWER_MAX_LENGTH} characters` });
    } else if (comparisonKey(text) === "") {
      ctx.addIssue({ code: "custom", message: "an answer needs at least one letter or digit" });
    }
  });

function timerSeconds(timer: TimerName) {
  const { min, max } = TIMER_BOUNDS[timer];
  const error = `${timer} must be a whole number of seconds from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error }).optional();
}

/**
 * Payload schema of every client message. A payload that fails its schema, bounds included, is
 * `bad-request`, checked before the rate limit (GAME.md §9 order); `update-settings` is refused
 * whole, so no part of a bad update is applied.
 */
export const MESSAGE_SCHEMAS = {
  "start-game": noPayload,
  "update-settings": z
    .object({
      mode: z.enum(MODES, { error: `mode must be one of ${MODES.join(", ")}` }).optional(),
      timers: z
        .object({
          question: timerSeconds("question"),
          elimination: timerSeconds("elimination"),
          voting: timerSeconds("voting"),
          results: timerSeconds("results"),
        })
        .strict()
        .optional(),
      extendedTimers: z.boolean().optional(),
      familyFriendly: z.boolean().optional(),
    })
    .strict(),
  "kick-player": z.object({ playerId: z.string().max(PLAYER_ID_MAX_LENGTH) }).strict(),
  "submit-answer": z.object({ answer: answerText }).strict(),
  "submit-elimination-vote": optionIdPayload,
  "submit-final-vote": optionIdPayload,
  "censor-answer": optionIdPayload,
  "skip-phase": noPayload,
  "next-round": noPayload,
  "play-again": noPayload,
} as const;

/** A client message type (`room.send(type, payload)`). */
export type MessageType = keyof typeof MESSAGE_SCHEMAS;
/** Every client message type. */
export const MESSAGE_TYPES = Object.keys(MESSAGE_SCHEMAS) as MessageType[];
/** The payload each client message carries, as its schema accepts it. */
export type MessagePayloads = { [K in MessageType]: z.output<(typeof MESSAGE_SCHEMAS)[K]> };
/** The payload a client may send for each message (what `room.send(type, payload)` takes). */
export type MessageInputs = { [K in MessageType]: z.input<(typeof MESSAGE_SCHEMAS)[K]> };
/** One checked client message. */
export type ClientMessage = { [K in MessageType]: { type: K; payload: MessagePayloads[K] } }[MessageType];
/** The `update-settings` payload: what a host may change in the lobby. */
export type SettingsUpdate = MessagePayloads["update-settings"];

export function isMessageType(type: unknown): type is MessageType {
  return typeof type === "string" && Object.hasOwn(MESSAGE_SCHEMAS, type);
}

/** The outcome of {@link checkMessage}: the typed message, or why it is `bad-request`. */
export type MessageCheck = { ok: true; message: ClientMessage } | { ok: false; reason: string };

/**
 * The first check of GAME.md §9: is this a known message type with a payload of the right shape
 * and within its bounds? A failure is `bad-request`. The room runs it before the rate limit; the
 * rules core may run it again on actions that did not come through the room.
 */
export function checkMessage(type: unknown, payload: unknown): MessageCheck {
  if (!isMessageType(type)) return { ok: false, reason: `unknown message type "${String(type)}"` };
  const parsed = MESSAGE_SCHEMAS[type].safeParse(payload ?? undefined);
  if (!parsed.success) return { ok: false, reason: describeIssues(parsed.error) };
  return { ok: true, message: { type, payload: parsed.data } as ClientMessage };
}

/** A readable reason for a schema failure. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "payload"}: ${i.message}`).join("; ");
}

// ---------------------------------------------------------------- server events (GAME.md §10)

// Payloads are type aliases, not interfaces: plain JSON objects, assignable where a record of
// unknown values is expected (a logger, a test reading fields by name).

/** What every client may see of a question: never the truth or the robot's answer. */
export type PublicQuestion = {
  id: string;
  text: string;
  type: QuestionType;
  /** Empty for a text question. */
  imageUrl: string;
};

/** An option as the players vote on it: ids, never authors. */
export type PublicOption = {
  id: string;
  text: string;
};

/**
 * Plain shapes of the synchronised state's rows (schema/PartyState.ts holds the schema classes;
 * a client that copies the state out, like the browser pages, uses these).
 */
export type OptionRow = PublicOption & { eliminated: boolean };

/** A public player row; the private `own` child is in {@link OwnValues}. */
export type PlayerRow = {
  id: string;
  name: string;
  icon: string;
  score: number;
  connected: boolean;
  isHost: boolean;
  hasAnswered: boolean;
  hasVoted: boolean;
};

/** Host-configurable settings; seconds are base values that `extendedTimers` doubles. */
export type SettingsValues = {
  questionSeconds: number;
  eliminationSeconds: number;
  votingSeconds: number;
  resultsSeconds: number;
  extendedTimers: boolean;
  familyFriendly: boolean;
  hostPlays: boolean;
};

/** Vote counts only, never who voted for what (GAME.md §8). */
export type VoteProgress = {
  /** Votes cast so far in this phase. */
  votes: number;
  /** Players expected to vote now: connected, seated, not audience. */
  voters: number;
};

/** A player's score for one round; every component is already multiplied. */
export type PlayerRoundScore = {
  playerId: string;
  correctAnswerPoints: number;
  robotIdentifiedPoints: number;
  votesReceivedPoints: number;
  /** Negative or 0. */
  fooledPenalty: number;
  total: number;
};

/** One row of the standings, best first; equal players share a place (1, 1, 3). */
export type StandingRow = {
  playerId: string;
  name: string;
  score: number;
  place: number;
  truthsFound: number;
  robotsSpotted: number;
  timesFooled: number;
};

/** `player-joined` / `player-left`. */
export type PlayerJoined = {
  playerId: string;
  name: string;
};
export type PlayerLeft = PlayerJoined;

/** `round-started`: a new question; `deadline` is epoch ms. */
export type RoundStarted = {
  round: number;
  totalRounds: number;
  multiplier: number;
  question: PublicQuestion;
  deadline: number;
};

/** `player-answered`: who answered, never what. */
export type PlayerAnswered = {
  playerId: string;
};

/** `answer-censored`: the display host removed an option; the counts are the votes still standing. */
export type AnswerCensored = VoteProgress & {
  optionId: string;
};

/** `all-answers-submitted`: the options to vote on, shuffled. */
export type AllAnswersSubmitted = {
  options: PublicOption[];
};

/** `elimination-vote-cast` / `final-vote-cast`: counts only. */
export type VoteCast = VoteProgress & {
  playerId: string;
};

/** `elimination-complete`: `eliminatedId` is null on a tie or with no votes; 0-vote options may be absent from `counts`. */
export type EliminationComplete = {
  eliminatedId: string | null;
  tie: boolean;
  counts: Record<string, number>;
};

/** `all-votes-submitted`: the reveal of the final vote. */
export type AllVotesSubmitted = {
  truthId: string;
  robotId: string;
  counts: Record<string, number>;
};

/** `final-round-scores`: everything a round reveals at `results`. */
export type FinalRoundScores = {
  round: number;
  multiplier: number;
  truthId: string;
  robotId: string;
  eliminatedId: string | null;
  /** Option id → its authors (several for a merged answer; none for the truth and the robot). */
  authors: Record<string, string[]>;
  /** Player id → option id. */
  eliminationVotes: Record<string, string>;
  /** Player id → option id. */
  finalVotes: Record<string, string>;
  /** The option most of the audience picked; null on a tie or with no audience votes. */
  audiencePick: string | null;
  scores: PlayerRoundScore[];
  standings: StandingRow[];
};

/** `game-complete`: the end of the game. */
export type GameComplete = {
  gameId: string;
  winners: string[];
  standings: StandingRow[];
};

/** `error`: a refused message, sent to its sender only. */
export type ErrorEvent = {
  code: ErrorCode;
  message: string;
  /** The type of the refused message. */
  requestType: string;
};

/**
 * `you`: one client's private view, sent only to it on join, on reconnection and whenever it
 * changes (the same data is in the state, in its own player row's `own` child).
 */
/** A client's private data: the state's `own` child (unset votes there are "") and `you`. */
export type OwnValues = Omit<You, "playerId">;

export type You = {
  playerId: string;
  /** The options this player wrote (one, or none before `elimination`). */
  ownOptionIds: string[];
  eliminationVote: string | null;
  /** A player's final vote, or an audience member's audience vote. */
  finalVote: string | null;
};

/** Every server → client message type with its payload (`room.onMessage(type, cb)`). */
export interface ServerEvents {
  "player-joined": PlayerJoined;
  "player-left": PlayerLeft;
  "round-started": RoundStarted;
  "player-answered": PlayerAnswered;
  "answer-censored": AnswerCensored;
  "all-answers-submitted": AllAnswersSubmitted;
  "elimination-vote-cast": VoteCast;
  "final-vote-cast": VoteCast;
  "elimination-complete": EliminationComplete;
  "all-votes-submitted": AllVotesSubmitted;
  "final-round-scores": FinalRoundScores;
  "game-complete": GameComplete;
  error: ErrorEvent;
  you: You;
}
export type ServerEventType = keyof ServerEvents;

/** Every server event type, for exhaustive checks. */
export const SERVER_EVENT_TYPES = [
  "player-joined",
  "player-left",
  "round-started",
  "player-answered",
  "answer-censored",
  "all-answers-submitted",
  "elimination-vote-cast",
  "final-vote-cast",
  "elimination-complete",
  "all-votes-submitted",
  "final-round-scores",
  "game-complete",
  "error",
  "you",
] as const satisfies readonly ServerEventType[];
// Compile-time check that the list above names every event and nothing else.
type MissingEventType = Exclude<ServerEventType, (typeof SERVER_EVENT_TYPES)[number]>;
const everyEventListed: [MissingEventType] extends [never] ? true : false = true;
void everyEventListed;

/** One server event with its payload, discriminated by `type`. */
export type ServerEvent = { [K in ServerEventType]: { type: K; payload: ServerEvents[K] } }[ServerEventType];

/** The events a game broadcasts to the whole room (everything but `error` and `you`, which go to one client). */
export type BroadcastEvent = Exclude<ServerEvent, { type: "error" | "you" }>;
