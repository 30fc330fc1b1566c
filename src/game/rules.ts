/**
 * The rules of Robots as one pure function: `apply(state, action, ctx) → outcome`.
 *
 * Everything GAME.md §2–§8 says about joining, phases, answers, votes and scoring is decided
 * through here and nowhere else. The room only turns socket messages into actions, feeds them in,
 * projects the new state to its schema and forwards the events. A timer firing is an action too
 * (`timeout`).
 *
 * This file is the entry: the actions, the table of who may send which client action in which
 * phase, the gate that reads it, and the dispatch. The rules themselves live by concern:
 * membership.ts (joins, connections, kicks, the host role), lobby.ts (settings, start, play-again),
 * round.ts (answers, votes, censor, deadlines, results), phases.ts (the phase machine), views.ts
 * (read-only views and payloads), scoring.ts (points).
 */
import { create } from "mutative";
import { checkMessage, type BroadcastEvent, type MessageType } from "../protocol.ts";
import { ErrorCode, gameError, type GameError } from "./errors.ts";
import { playAgain, startGame, updateSettings, type SettingsPatch } from "./lobby.ts";
import { creatorAbsent, drop, join, kick, leave, reconnect } from "./membership.ts";
import { refreshPause } from "./phases.ts";
import { censor, closePhase, submitAnswer, submitEliminationVote, submitFinalVote, timeout } from "./round.ts";
import { defaultSettings, ROUNDS_BY_MODE } from "./settings.ts";
import { PHASES, type GameState, type Phase, type Question } from "./types.ts";
import { activePlayer } from "./views.ts";

export type { SettingsPatch } from "./lobby.ts";
export {
  audiencePick,
  expectedActors,
  gameCompletePayload,
  privateView,
  progressOf,
  publicQuestion,
  rosterOrder,
  roundScoresPayload,
  seatedPlayers,
  type PrivateView,
} from "./views.ts";

/**
 * What the rules need from outside: the time. Randomness comes from the generator inside the
 * state, keyed by the seed the room passes in each start-game.
 */
export interface Ctx {
  now: number;
}

/** Every input the rules accept. `by` is the acting client's id (its first sessionId). */
export type Action =
  | {
      type: "join";
      clientId: string;
      name?: string;
      icon?: string;
      audience?: boolean;
      hostPlays?: boolean;
      mode?: string;
      /** Set by the room for the session whose create request made the room (GAME.md §2). */
      creator?: boolean;
    }
  /** The creator's seat reservation ran out before it joined: someone else takes the host role. */
  | { type: "creator-absent" }
  | { type: "drop"; clientId: string }
  /** Refused `kicked` for a client the host kicked this game: the room then refuses the seat. */
  | { type: "reconnect"; clientId: string }
  | { type: "leave"; clientId: string }
  | { type: "start-game"; by: string; pool: readonly Question[]; gameId: string; seed: string }
  | { type: "update-settings"; by: string; settings: SettingsPatch }
  | { type: "kick-player"; by: string; playerId: string }
  | { type: "submit-answer"; by: string; answer: string }
  | { type: "submit-elimination-vote"; by: string; optionId: string }
  | { type: "submit-final-vote"; by: string; optionId: string }
  | { type: "censor-answer"; by: string; optionId: string }
  | { type: "skip-phase"; by: string }
  | { type: "next-round"; by: string }
  | { type: "play-again"; by: string }
  | { type: "timeout" };

/** An action a client sends as a message (GAME.md §9); the others come from the room itself. */
export type ClientAction = Extract<Action, { by: string }>;
/** The type of a client action: the same names as the client messages. */
export type ClientActionType = ClientAction["type"];

// The client actions are exactly the wire's client messages: a message the core has no action
// (and so no rule) for, or an action no client can send, fails to compile.
type SameUnion<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const actionsAreMessages: SameUnion<ClientActionType, MessageType> = true;
void actionsAreMessages;

/** A broadcast event (GAME.md §10 named events), typed by the wire: a wrong payload fails to compile. */
export type GameEvent = BroadcastEvent;

export type Outcome =
  | { ok: true; state: GameState; events: GameEvent[] }
  | { ok: false; error: GameError };

/**
 * Who may send a client action (GAME.md §9 "who"): the host; a player (seated, not gone: never
 * the audience nor a display host); or a voter, a player or an audience member.
 */
export type Sender = "host" | "player" | "voter";

/** One row of GAME.md §9's message table, as the gate reads it. */
export interface ActionRule {
  who: Sender;
  /** The phases the action belongs to; in any other it is `wrong-phase`. */
  phases: readonly Phase[];
  /**
   * Only a host without a seat may send it (GAME.md §5 censor): a host that plays is refused
   * `host-plays` right after the role check, before the phase or the payload is looked at.
   */
  displayHostOnly?: true;
}

/**
 * GAME.md §9: who may send each client action, and in which phases. The compiler refuses a client
 * action without a row (`satisfies`), so no action can slip past the gate unchecked.
 */
export const ACTION_RULES = {
  "start-game": { who: "host", phases: ["lobby"] },
  "update-settings": { who: "host", phases: ["lobby"] },
  "kick-player": { who: "host", phases: PHASES },
  "submit-answer": { who: "player", phases: ["question"] },
  "submit-elimination-vote": { who: "player", phases: ["elimination"] },
  "submit-final-vote": { who: "voter", phases: ["voting"] },
  "censor-answer": { who: "host", phases: ["elimination"], displayHostOnly: true },
  "skip-phase": { who: "host", phases: ["question", "elimination", "voting"] },
  "next-round": { who: "host", phases: ["results"] },
  "play-again": { who: "host", phases: ["final"] },
} as const satisfies Record<ClientActionType, ActionRule>;

/** The lobby draws nothing at random: each game's seed arrives with its start-game action. */
export interface NewGameOptions {
  code: string;
  secondMillis?: number;
}

/** A fresh room in the lobby, with no host yet: the creator becomes the host when it joins. */
export function createGame({ code, secondMillis = 1000 }: NewGameOptions): GameState {
  return {
    code,
    phase: "lobby",
    round: 0,
    totalRounds: ROUNDS_BY_MODE["8-round"],
    mode: "8-round",
    hostId: "",
    founded: false,
    displayHost: null,
    deadline: 0,
    paused: false,
    pausedRemainingMs: 0,
    settings: defaultSettings(true),
    players: {},
    audience: {},
    nextJoinOrder: 0,
    kickedNames: [],
    kickedIds: [],
    secondMillis,
    rng: null,
    gameId: null,
    startedAt: 0,
    completedAt: 0,
    questions: [],
    usedQuestionIds: [],
    current: null,
    history: [],
    standings: [],
    winners: [],
  };
}

/**
 * Applies one action. A refusal returns the error and leaves the given state untouched; an
 * accepted action returns a new state that shares every part the action did not change with the
 * given one (the same object when nothing changed). States are never changed in place, so any
 * earlier state (a log's start, the previous one) stays valid.
 */
export function apply(state: GameState, action: Action, ctx: Ctx): Outcome {
  // The handlers are written as in-place changes; they run on a copy-on-write draft (mutative),
  // which copies only the objects they write to and the path to them. A deep copy of the whole
  // state per action was a quarter of the server's CPU at load (issue #9). Events are built from
  // plain values, never from draft objects, which are revoked when `create` returns.
  const events: GameEvent[] = [];
  let error: GameError | undefined;
  const next = create(state, (draft) => {
    error = dispatch(draft, action, ctx, events);
    if (!error) refreshPause(draft, ctx.now);
  });
  // A refusal drops whatever the draft holds: the caller keeps the state it passed in.
  if (error) return { ok: false, error };
  return { ok: true, state: next, events };
}

function dispatch(s: GameState, action: Action, ctx: Ctx, ev: GameEvent[]): GameError | undefined {
  switch (action.type) {
    case "join":
      return join(s, action, ctx, ev);
    case "drop":
      return drop(s, action.clientId, ctx, ev);
    case "reconnect":
      return reconnect(s, action.clientId, ctx, ev);
    case "leave":
      return leave(s, action.clientId, ctx, ev);
    case "creator-absent":
      return creatorAbsent(s);
    case "timeout":
      return timeout(s, ctx, ev);
    default: {
      const refusal = validatePayload(action) ?? gate(s, action);
      if (refusal) return refusal;
      switch (action.type) {
        case "start-game":
          return startGame(s, action.pool, action.gameId, action.seed, ctx, ev);
        case "update-settings":
          return updateSettings(s, action.settings);
        case "kick-player":
          return kick(s, action.by, action.playerId, ctx, ev);
        case "submit-answer":
          return submitAnswer(s, action.by, action.answer, ctx, ev);
        case "submit-elimination-vote":
          return submitEliminationVote(s, action.by, action.optionId, ctx, ev);
        case "submit-final-vote":
          return submitFinalVote(s, action.by, action.optionId, ctx, ev);
        case "censor-answer":
          return censor(s, action.optionId, ctx, ev);
        case "skip-phase":
        case "next-round":
          return closePhase(s, ctx, ev);
        case "play-again":
          return playAgain(s);
      }
    }
  }
}

/**
 * `bad-request` comes first (GAME.md §9): values out of bounds, answers that are not answers.
 * The bounds are the wire schemas' own (src/protocol.ts), checked again here so that `apply`
 * stays safe when called without the room in front of it (replay, tests).
 */
function validatePayload(action: ClientAction): GameError | undefined {
  const payload = action.type === "update-settings" ? action.settings : action.type === "submit-answer" ? { answer: action.answer } : undefined;
  if (payload === undefined) return undefined;
  const checked = checkMessage(action.type, payload);
  return checked.ok ? undefined : gameError(ErrorCode.BadRequest, checked.reason);
}

/**
 * GAME.md §9 check order after the payload: the role (`not-host` / `not-player`, then
 * `host-plays` for a display-only action), then `wrong-phase`, all read from {@link ACTION_RULES}.
 */
export function gate(s: GameState, action: ClientAction): GameError | undefined {
  const { type, by } = action;
  const rule: ActionRule = ACTION_RULES[type];
  const roleError = checkSender(s, type, by, rule);
  if (roleError) return roleError;
  if (!rule.phases.includes(s.phase)) {
    return gameError(ErrorCode.WrongPhase, `${type} belongs to ${rule.phases.join(" or ")}, the room is in ${s.phase}`);
  }
  return undefined;
}

function checkSender(s: GameState, type: ClientActionType, by: string, rule: ActionRule): GameError | undefined {
  switch (rule.who) {
    case "host":
      if (by !== s.hostId) return gameError(ErrorCode.NotHost, `only the host may ${type}`);
      // A host with a seat (hostPlays, or a player who took the role over) is refused before the
      // phase or the option is looked at, so the answer is the same for the truth, the robot's
      // answer, a player's answer or nonsense (GAME.md §5: no oracle).
      if (rule.displayHostOnly && s.players[by]) return gameError(ErrorCode.HostPlays, `a host that plays cannot ${type}`);
      return undefined;
    case "player":
      return activePlayer(s, by) ? undefined : gameError(ErrorCode.NotPlayer, `only players may ${type}`);
    case "voter":
      return activePlayer(s, by) || s.audience[by] ? undefined : gameError(ErrorCode.NotPlayer, "only players and the audience vote");
  }
}
