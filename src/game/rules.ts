/**
 * The rules of Robots as one pure function: `apply(state, action, ctx) → outcome`.
 *
 * Everything GAME.md §2–§8 says about joining, phases, answers, votes and scoring is decided here
 * and nowhere else. The room only turns socket messages into actions, feeds them in, projects the
 * new state to its schema and forwards the events. A timer firing is an action too (`timeout`).
 */
import { ErrorCode, gameError, type GameError } from "./errors.ts";
import { Rng, startRng } from "./rng.ts";
import {
  applyRoundTotal,
  roundMultiplier,
  roundWinners,
  scoreRound,
  standings,
  winnersOf,
} from "./scoring.ts";
import {
  defaultSettings,
  MAX_PLAYERS,
  MIN_PLAYERS,
  phaseMillis,
  ROUNDS_BY_MODE,
  TIMER_BOUNDS,
  type TimerName,
} from "./settings.ts";
import {
  ANSWER_MAX_LENGTH,
  comparisonKey,
  containsProfanity,
  hasVisibleLetterOrDigit,
  NAME_MAX_LENGTH,
  nameKeys,
  normalizeName,
  normalizeText,
  textLength,
} from "./text.ts";
import {
  ICONS,
  MODES,
  type AnswerOption,
  type GameState,
  type Icon,
  type Mode,
  type Phase,
  type Player,
  type PublicQuestion,
  type Question,
  type RoundResult,
} from "./types.ts";
import { drawQuestions } from "./questions.ts";

/**
 * What the rules need from outside: the time. Randomness comes from the generator inside the
 * state, keyed by the seed the room passes in each start-game.
 */
export interface Ctx {
  now: number;
}

export interface SettingsPatch {
  mode?: Mode;
  timers?: Partial<Record<TimerName, number>>;
  extendedTimers?: boolean;
  familyFriendly?: boolean;
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

/** A broadcast event (GAME.md §10 named events). */
export interface GameEvent {
  type: string;
  payload: Record<string, unknown>;
}

export type Outcome =
  | { ok: true; state: GameState; events: GameEvent[] }
  | { ok: false; error: GameError };

/** The private `you` message of one client (GAME.md §10). */
export interface PrivateView {
  playerId: string;
  ownOptionIds: string[];
  eliminationVote: string | null;
  finalVote: string | null;
}

/**
 * The legal phase transitions (GAME.md §3), plus `final → lobby` for play-again. Anything else
 * is a bug and throws.
 */
const TRANSITIONS: Record<Phase, readonly Phase[]> = {
  lobby: ["question"],
  question: ["elimination"],
  elimination: ["voting"],
  voting: ["results"],
  results: ["question", "final"],
  final: ["lobby"],
};

/** Phases that end on a deadline, and which setting sets it. */
const PHASE_TIMER: Partial<Record<Phase, TimerName>> = {
  question: "question",
  elimination: "elimination",
  voting: "voting",
  results: "results",
};

const HOST_ACTIONS = new Set([
  "start-game", "update-settings", "kick-player", "censor-answer", "skip-phase", "next-round", "play-again",
]);

/** The phase each client action belongs to; `kick-player` works in every phase. */
const ACTION_PHASE: Record<string, Phase> = {
  "start-game": "lobby",
  "update-settings": "lobby",
  "submit-answer": "question",
  "submit-elimination-vote": "elimination",
  "submit-final-vote": "voting",
  "censor-answer": "elimination",
  "next-round": "results",
  "play-again": "final",
};

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

/** Applies one action. A refusal returns the error and leaves the given state untouched. */
export function apply(state: GameState, action: Action, ctx: Ctx): Outcome {
  const draft = structuredClone(state);
  const events: GameEvent[] = [];
  const error = dispatch(draft, action, ctx, events);
  if (error) return { ok: false, error };
  refreshPause(draft, ctx.now);
  return { ok: true, state: draft, events };
}

function dispatch(s: GameState, action: Action, ctx: Ctx, ev: GameEvent[]): GameError | undefined {
  switch (action.type) {
    case "join":
      return join(s, action, ctx, ev);
    case "drop":
      return setConnected(s, action.clientId, false, ctx, ev);
    case "reconnect":
      return setConnected(s, action.clientId, true, ctx, ev);
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
          return closePhase(s, ctx, ev);
        case "next-round":
          return closePhase(s, ctx, ev);
        case "play-again":
          return playAgain(s);
      }
    }
  }
}

/** Role, then phase (GAME.md §9 check order; payload shape was checked before the rules). */
type ClientAction = Extract<Action, { by: string }>;

/** `bad-request` comes first (GAME.md §9): values out of bounds, answers that are not answers. */
function validatePayload(action: ClientAction): GameError | undefined {
  if (action.type === "update-settings") return validateSettings(action.settings);
  if (action.type === "submit-answer") {
    const text = normalizeText(action.answer);
    if (textLength(text) < 1 || textLength(text) > ANSWER_MAX_LENGTH) return bad(`an answer is 1–${ANSWER_MAX_LENGTH} characters`);
    if (comparisonKey(text) === "") return bad("an answer needs at least one letter or digit");
  }
  return undefined;
}

function gate(s: GameState, action: ClientAction): GameError | undefined {
  const { type, by } = action;
  if (HOST_ACTIONS.has(type)) {
    if (by !== s.hostId) return gameError(ErrorCode.NotHost, `only the host may ${type}`);
    // GAME.md §5: only a display host censors. A host with a seat (hostPlays, or a player who
    // took the role over) is refused here, before the phase or the option is looked at, so the
    // answer is the same for the truth, the robot's answer, a player's answer or nonsense.
    if (type === "censor-answer" && s.players[by]) return gameError(ErrorCode.HostPlays, "a host that plays cannot censor answers");
  } else if (type === "submit-final-vote") {
    if (!activePlayer(s, by) && !s.audience[by]) return gameError(ErrorCode.NotPlayer, "only players and the audience vote");
  } else if (!activePlayer(s, by)) {
    return gameError(ErrorCode.NotPlayer, `only players may ${type}`);
  }
  if (type === "skip-phase") {
    if (s.phase !== "question" && s.phase !== "elimination" && s.phase !== "voting") {
      return gameError(ErrorCode.WrongPhase, `nothing to skip in ${s.phase}`);
    }
  } else {
    const phase = ACTION_PHASE[type];
    if (phase && s.phase !== phase) return gameError(ErrorCode.WrongPhase, `${type} belongs to ${phase}, the room is in ${s.phase}`);
  }
  return undefined;
}

// ---------------------------------------------------------------- membership

function join(s: GameState, a: Extract<Action, { type: "join" }>, ctx: Ctx, ev: GameEvent[]): GameError | undefined {
  // Only the creator's join founds the room; anyone whose socket happens to arrive first is an
  // ordinary player, and the create-only options of a non-creator are ignored.
  const creating = a.creator === true && !s.founded;
  const hostPlays = creating ? (a.hostPlays ?? true) : true;
  const audience = !creating && a.audience === true;
  const needsName = !(creating && !hostPlays);

  if (typeof a.hostPlays !== "undefined" && typeof a.hostPlays !== "boolean") return bad("hostPlays must be a boolean");
  if (typeof a.audience !== "undefined" && typeof a.audience !== "boolean") return bad("audience must be a boolean");
  if (typeof a.mode !== "undefined" && !(MODES as readonly string[]).includes(a.mode)) return bad(`mode must be one of ${MODES.join(", ")}`);
  const name = typeof a.name === "string" ? normalizeName(a.name) : undefined;
  if (needsName || a.name !== undefined) {
    if (name === undefined || textLength(name) < 1 || textLength(name) > NAME_MAX_LENGTH) {
      return bad(`name must be 1–${NAME_MAX_LENGTH} characters`);
    }
    if (!hasVisibleLetterOrDigit(name)) return bad("a name needs at least one visible letter or digit");
  }
  if ((needsName || a.icon !== undefined) && !(ICONS as readonly string[]).includes(a.icon ?? "")) {
    return bad(`icon must be one of ${ICONS.join(" ")}`);
  }
  // §5: names and bans compare by confusable skeleton, case-insensitively ("Аda" is "Ada").
  const keys = name !== undefined ? nameKeys(name) : [];
  if (keys.some((k) => s.kickedNames.includes(k))) return gameError(ErrorCode.Kicked, "that name was kicked from this game");
  if (!creating && !audience && s.phase !== "lobby") return gameError(ErrorCode.GameInProgress, "the game has started; join as audience");
  if (!audience && seatedPlayers(s).length >= MAX_PLAYERS) return gameError(ErrorCode.RoomFull, `the room has ${MAX_PLAYERS} players`);
  const inUse = namesInUse(s);
  if (keys.some((k) => inUse.has(k))) return gameError(ErrorCode.NameTaken, "another client in this room uses that name");

  if (creating) {
    s.founded = true;
    s.hostId = a.clientId;
    s.settings.hostPlays = hostPlays;
    if (a.mode) setMode(s, a.mode as Mode);
    if (!hostPlays) {
      s.displayHost = { id: a.clientId, name: name ?? "", connected: true };
      return undefined;
    }
  }
  if (audience) {
    s.audience[a.clientId] = { id: a.clientId, name: name!, icon: a.icon as Icon, connected: true };
    return undefined;
  }
  s.players[a.clientId] = {
    id: a.clientId,
    name: name!,
    icon: a.icon as Icon,
    score: 0,
    connected: true,
    gone: false,
    joinOrder: s.nextJoinOrder++,
    connectedSince: ctx.now,
    truthsFound: 0,
    robotsSpotted: 0,
    timesFooled: 0,
    roundsWon: 0,
  };
  // A room whose host and players all left (audience only) gets its host back with the next player;
  // before it is founded the role stays reserved for the creator.
  if (s.founded && s.hostId === "") s.hostId = a.clientId;
  ev.push({ type: "player-joined", payload: { playerId: a.clientId, name: name! } });
  return undefined;
}

function setConnected(s: GameState, id: string, connected: boolean, ctx: Ctx, ev: GameEvent[]): GameError | undefined {
  const player = s.players[id];
  if (player && !player.gone) {
    if (player.connected === connected) return undefined;
    player.connected = connected;
    if (connected) player.connectedSince = ctx.now;
    else advanceIfEveryoneActed(s, ctx, ev);
    return undefined;
  }
  if (s.audience[id]) {
    s.audience[id].connected = connected;
    return undefined;
  }
  if (s.displayHost?.id === id) {
    s.displayHost.connected = connected;
    return undefined;
  }
  return bad(`unknown client ${id}`);
}

/** Gone for good: in the lobby the seat is freed, in a game the score row stays. */
function leave(s: GameState, id: string, ctx: Ctx, ev: GameEvent[]): GameError | undefined {
  const player = s.players[id];
  if (player && !player.gone) {
    if (s.phase === "lobby") delete s.players[id];
    else {
      player.gone = true;
      player.connected = false;
    }
    ev.push({ type: "player-left", payload: { playerId: id, name: player.name } });
    if (s.hostId === id) handOverHost(s);
    advanceIfEveryoneActed(s, ctx, ev);
    return undefined;
  }
  if (s.audience[id]) {
    delete s.audience[id];
    return undefined;
  }
  if (s.displayHost?.id === id) {
    s.displayHost = null;
    handOverHost(s);
    return undefined;
  }
  return bad(`unknown client ${id}`);
}

/** The creator never came: the room is founded without it and the role goes to a player. */
function creatorAbsent(s: GameState): GameError | undefined {
  if (s.founded) return bad("the creator already joined");
  s.founded = true;
  handOverHost(s);
  return undefined;
}

/** The host role passes to the longest-connected player (GAME.md §11). */
function handOverHost(s: GameState): void {
  const candidates = seatedPlayers(s).sort(
    (a, b) => Number(b.connected) - Number(a.connected) || a.connectedSince - b.connectedSince || a.joinOrder - b.joinOrder,
  );
  s.hostId = candidates[0]?.id ?? "";
}

function kick(s: GameState, by: string, targetId: string, ctx: Ctx, ev: GameEvent[]): GameError | undefined {
  if (targetId === by) return bad("the host cannot kick itself");
  const player = s.players[targetId];
  const member = s.audience[targetId];
  if (!player && !member) return bad(`no player ${targetId}`);
  const name = (player ?? member)!.name;
  s.kickedNames.push(...nameKeys(name));
  s.kickedIds.push(targetId);
  if (member) {
    delete s.audience[targetId];
    if (s.current) delete s.current.audienceVotes[targetId];
    return undefined;
  }
  delete s.players[targetId];
  const round = s.current;
  if (round && (s.phase === "question" || s.phase === "elimination" || s.phase === "voting")) {
    // A kicked player's answer is withdrawn while answers are still secret; once options are
    // out, the option stays (other votes may rest on it) but credits nobody; their votes are void.
    delete round.answers[targetId];
    round.answerOrder = round.answerOrder.filter((id) => id !== targetId);
    for (const option of round.options) option.authors = option.authors.filter((id) => id !== targetId);
    delete round.eliminationVotes[targetId];
    delete round.finalVotes[targetId];
  }
  ev.push({ type: "player-left", payload: { playerId: targetId, name } });
  advanceIfEveryoneActed(s, ctx, ev);
  return undefined;
}

// ---------------------------------------------------------------- lobby

function validateSettings(patch: SettingsPatch): GameError | undefined {
  if (patch.mode !== undefined && !(MODES as readonly string[]).includes(patch.mode)) return bad(`mode must be one of ${MODES.join(", ")}`);
  for (const [timer, seconds] of Object.entries(patch.timers ?? {})) {
    const bounds = TIMER_BOUNDS[timer as TimerName];
    if (!bounds) return bad(`unknown timer ${timer}`);
    if (!Number.isInteger(seconds) || seconds < bounds.min || seconds > bounds.max) {
      return bad(`${timer} must be a whole number of seconds from ${bounds.min} to ${bounds.max}`);
    }
  }
  for (const flag of ["extendedTimers", "familyFriendly"] as const) {
    if (patch[flag] !== undefined && typeof patch[flag] !== "boolean") return bad(`${flag} must be a boolean`);
  }
  return undefined;
}

/** Applies an already validated patch: a refused update never gets here, so it changes nothing. */
function updateSettings(s: GameState, patch: SettingsPatch): GameError | undefined {
  if (patch.mode) setMode(s, patch.mode);
  for (const [timer, seconds] of Object.entries(patch.timers ?? {})) {
    s.settings[`${timer as TimerName}Seconds`] = seconds;
  }
  if (patch.extendedTimers !== undefined) s.settings.extendedTimers = patch.extendedTimers;
  if (patch.familyFriendly !== undefined) s.settings.familyFriendly = patch.familyFriendly;
  return undefined;
}

function setMode(s: GameState, mode: Mode): void {
  s.mode = mode;
  s.totalRounds = ROUNDS_BY_MODE[mode];
}

function startGame(s: GameState, pool: readonly Question[], gameId: string, seed: string, ctx: Ctx, ev: GameEvent[]): GameError | undefined {
  const ready = seatedPlayers(s).filter((p) => p.connected);
  if (ready.length < MIN_PLAYERS) {
    return gameError(ErrorCode.NotEnoughPlayers, `a game needs at least ${MIN_PLAYERS} connected players`);
  }
  // A fresh stream per game: nothing drawn in an earlier game tells anything about this one.
  const rng = new Rng(startRng(seed));
  const questions = drawQuestions(pool, s.usedQuestionIds, s.totalRounds, rng);
  if (questions.length < s.totalRounds) return bad(`the question pool holds only ${questions.length} usable questions`);
  s.rng = rng.state;
  s.questions = questions;
  s.usedQuestionIds = [...new Set([...s.usedQuestionIds, ...questions.map((q) => q.id)])];
  s.gameId = gameId;
  s.startedAt = ctx.now;
  s.completedAt = 0;
  s.history = [];
  s.standings = [];
  s.winners = [];
  startRound(s, ctx, ev);
  return undefined;
}

function playAgain(s: GameState): GameError | undefined {
  enter(s, "lobby", 0);
  for (const player of Object.values(s.players)) {
    if (player.gone) {
      delete s.players[player.id];
      continue;
    }
    Object.assign(player, { score: 0, truthsFound: 0, robotsSpotted: 0, timesFooled: 0, roundsWon: 0 });
  }
  s.round = 0;
  s.current = null;
  s.questions = [];
  s.history = [];
  s.standings = [];
  s.winners = [];
  s.gameId = null;
  s.rng = null;
  s.startedAt = 0;
  s.completedAt = 0;
  s.kickedNames = [];
  s.kickedIds = [];
  return undefined;
}

// ---------------------------------------------------------------- rounds

function startRound(s: GameState, ctx: Ctx, ev: GameEvent[]): void {
  s.round += 1;
  const question = s.questions[s.round - 1]!;
  s.current = {
    question,
    answers: {},
    answerOrder: [],
    options: [],
    eliminationVotes: {},
    finalVotes: {},
    audienceVotes: {},
    eliminatedId: null,
    eliminationTie: false,
    result: null,
  };
  enter(s, "question", ctx.now);
  ev.push({
    type: "round-started",
    payload: {
      round: s.round,
      totalRounds: s.totalRounds,
      multiplier: roundMultiplier(s.round, s.totalRounds),
      question: publicQuestion(question),
      deadline: s.deadline,
    },
  });
}

function submitAnswer(s: GameState, by: string, raw: string, ctx: Ctx, ev: GameEvent[]): GameError | undefined {
  const round = s.current!;
  const text = normalizeText(raw);
  const key = comparisonKey(text);
  if (round.answers[by]) return gameError(ErrorCode.AlreadyAnswered, "you already answered this round");
  if (key === comparisonKey(round.question.correctAnswer)) {
    return gameError(ErrorCode.AnswerIsTruth, "that is the real answer: write a fake one");
  }
  if (key === comparisonKey(round.question.robotAnswer)) {
    return gameError(ErrorCode.AnswerIsRobot, "the robot already wrote that one: try another");
  }
  if (s.settings.familyFriendly && containsProfanity(text)) {
    return gameError(ErrorCode.Profanity, "family-friendly is on: keep it clean");
  }
  round.answers[by] = { text, key };
  round.answerOrder.push(by);
  ev.push({ type: "player-answered", payload: { playerId: by } });
  advanceIfEveryoneActed(s, ctx, ev);
  return undefined;
}

function submitEliminationVote(s: GameState, by: string, optionId: string, ctx: Ctx, ev: GameEvent[]): GameError | undefined {
  const round = s.current!;
  if (round.eliminationVotes[by]) return gameError(ErrorCode.AlreadyVoted, "you already voted to eliminate");
  const option = round.options.find((o) => o.id === optionId);
  if (!option) return gameError(ErrorCode.InvalidVote, `no option ${optionId}`);
  if (option.authors.includes(by)) return gameError(ErrorCode.OwnAnswer, "you cannot vote for your own answer");
  round.eliminationVotes[by] = optionId;
  ev.push({ type: "elimination-vote-cast", payload: voteProgress(s, by, round.eliminationVotes) });
  advanceIfEveryoneActed(s, ctx, ev);
  return undefined;
}

function submitFinalVote(s: GameState, by: string, optionId: string, ctx: Ctx, ev: GameEvent[]): GameError | undefined {
  const round = s.current!;
  const isAudience = !!s.audience[by];
  const votes = isAudience ? round.audienceVotes : round.finalVotes;
  if (votes[by]) return gameError(ErrorCode.AlreadyVoted, "you already voted");
  const option = round.options.find((o) => o.id === optionId);
  if (!option || option.eliminated) return gameError(ErrorCode.InvalidVote, `option ${optionId} is not on the ballot`);
  if (option.authors.includes(by)) return gameError(ErrorCode.OwnAnswer, "you cannot vote for your own answer");
  votes[by] = optionId;
  if (isAudience) return undefined;
  ev.push({ type: "final-vote-cast", payload: voteProgress(s, by, round.finalVotes) });
  advanceIfEveryoneActed(s, ctx, ev);
  return undefined;
}

/**
 * GAME.md §5: a display host removes a player's answer; votes for it are void and may be cast
 * again. A playing host never gets here (`host-plays` in the gate), so `invalid-vote` for the
 * truth or the robot's answer tells nothing to anyone who could use it.
 */
function censor(s: GameState, optionId: string, ctx: Ctx, ev: GameEvent[]): GameError | undefined {
  const round = s.current!;
  const option = round.options.find((o) => o.id === optionId);
  if (!option || option.source !== "player") return gameError(ErrorCode.InvalidVote, `no player answer ${optionId}`);
  round.options = round.options.filter((o) => o.id !== optionId);
  for (const [voter, voted] of Object.entries(round.eliminationVotes)) {
    if (voted === optionId) delete round.eliminationVotes[voter];
  }
  ev.push({ type: "answer-censored", payload: { optionId, ...voteCounts(s, round.eliminationVotes) } });
  advanceIfEveryoneActed(s, ctx, ev);
  return undefined;
}

function timeout(s: GameState, ctx: Ctx, ev: GameEvent[]): GameError | undefined {
  // A stale or early timer changes nothing; only a phase whose deadline passed is closed.
  if (!PHASE_TIMER[s.phase] || s.paused || s.deadline === 0 || ctx.now < s.deadline) return undefined;
  return closePhase(s, ctx, ev);
}

/** Disconnected players never hold a phase open (GAME.md §3); an empty room waits instead. */
function advanceIfEveryoneActed(s: GameState, ctx: Ctx, ev: GameEvent[]): void {
  const round = s.current;
  if (!round) return;
  const waitingFor = expectedActors(s);
  if (waitingFor.length === 0) return;
  const acted =
    s.phase === "question" ? round.answers :
    s.phase === "elimination" ? round.eliminationVotes :
    s.phase === "voting" ? round.finalVotes : null;
  if (acted && waitingFor.every((p) => acted[p.id])) closePhase(s, ctx, ev);
}

/** Ends the current phase as its deadline would. */
function closePhase(s: GameState, ctx: Ctx, ev: GameEvent[]): undefined {
  switch (s.phase) {
    case "question":
      closeQuestion(s, ctx, ev);
      break;
    case "elimination":
      closeElimination(s, ctx, ev);
      break;
    case "voting":
      closeVoting(s, ctx, ev);
      break;
    case "results":
      if (s.round < s.totalRounds) startRound(s, ctx, ev);
      else finishGame(s, ctx, ev);
      break;
    default:
      throw new Error(`closePhase in ${s.phase}`);
  }
  return undefined;
}

function closeQuestion(s: GameState, ctx: Ctx, ev: GameEvent[]): void {
  const round = s.current!;
  const merged = new Map<string, { text: string; authors: string[] }>();
  for (const playerId of round.answerOrder) {
    const answer = round.answers[playerId]!;
    const existing = merged.get(answer.key);
    if (existing) existing.authors.push(playerId);
    else merged.set(answer.key, { text: answer.text, authors: [playerId] });
  }
  const q = round.question;
  const pool: Omit<AnswerOption, "id">[] = [
    ...[...merged].map(([key, m]) => ({ text: m.text, key, source: "player" as const, authors: m.authors, eliminated: false })),
    { text: normalizeText(q.correctAnswer), key: comparisonKey(q.correctAnswer), source: "truth", authors: [], eliminated: false },
    { text: normalizeText(q.robotAnswer), key: comparisonKey(q.robotAnswer), source: "robot", authors: [], eliminated: false },
  ];
  const rng = new Rng(s.rng!);
  round.options = rng.shuffle(pool).map((o, i) => ({ id: `a${i + 1}`, ...o }));
  s.rng = rng.state;
  enter(s, "elimination", ctx.now);
  ev.push({ type: "all-answers-submitted", payload: { options: round.options.map((o) => ({ id: o.id, text: o.text })) } });
}

function closeElimination(s: GameState, ctx: Ctx, ev: GameEvent[]): void {
  const round = s.current!;
  const counts = tally(round.eliminationVotes);
  const top = Math.max(0, ...Object.values(counts));
  const leaders = Object.keys(counts).filter((id) => counts[id] === top);
  round.eliminationTie = top > 0 && leaders.length > 1;
  round.eliminatedId = top > 0 && leaders.length === 1 ? leaders[0]! : null;
  const eliminated = round.options.find((o) => o.id === round.eliminatedId);
  if (eliminated) eliminated.eliminated = true;
  enter(s, "voting", ctx.now);
  ev.push({ type: "elimination-complete", payload: { eliminatedId: round.eliminatedId, tie: round.eliminationTie, counts } });
}

function closeVoting(s: GameState, ctx: Ctx, ev: GameEvent[]): void {
  const round = s.current!;
  const multiplier = roundMultiplier(s.round, s.totalRounds);
  const roster = rosterOrder(s);
  const scores = scoreRound({
    playerIds: roster.map((p) => p.id),
    options: round.options,
    eliminationVotes: round.eliminationVotes,
    finalVotes: round.finalVotes,
    multiplier,
  });
  const truthId = round.options.find((o) => o.source === "truth")!.id;
  const robotId = round.options.find((o) => o.source === "robot")!.id;
  const winners = roundWinners(scores);
  for (const row of scores) {
    const player = s.players[row.playerId]!;
    player.score = applyRoundTotal(player.score, row.total);
    if (round.finalVotes[player.id] === truthId) player.truthsFound += 1;
    if (round.eliminationVotes[player.id] === robotId) player.robotsSpotted += 1;
    if (round.finalVotes[player.id] === robotId) player.timesFooled += 1;
    if (winners.includes(player.id)) player.roundsWon += 1;
  }
  const counts = tally(round.finalVotes);
  const result: RoundResult = {
    round: s.round,
    multiplier,
    questionId: round.question.id,
    truthId,
    robotId,
    eliminatedId: round.eliminatedId,
    authors: Object.fromEntries(round.options.filter((o) => o.source === "player").map((o) => [o.id, o.authors])),
    eliminationVotes: { ...round.eliminationVotes },
    finalVotes: { ...round.finalVotes },
    audiencePick: audiencePick(round.audienceVotes),
    counts,
    scores,
    winners,
    standings: standings(roster),
  };
  round.result = result;
  s.history.push(result);
  enter(s, "results", ctx.now);
  ev.push({ type: "all-votes-submitted", payload: { truthId, robotId, counts } });
  ev.push({ type: "final-round-scores", payload: roundScoresPayload(result) });
}

function finishGame(s: GameState, ctx: Ctx, ev: GameEvent[]): void {
  enter(s, "final", 0);
  s.completedAt = ctx.now;
  s.standings = standings(Object.values(s.players));
  s.winners = winnersOf(s.standings);
  ev.push({ type: "game-complete", payload: gameCompletePayload(s) });
}

// ---------------------------------------------------------------- phase machinery

/** Moves to a phase through the transition table and sets its deadline. */
function enter(s: GameState, to: Phase, now: number): void {
  if (!TRANSITIONS[s.phase].includes(to)) throw new Error(`illegal transition ${s.phase} → ${to}`);
  s.phase = to;
  const timer = PHASE_TIMER[to];
  s.paused = false;
  s.pausedRemainingMs = 0;
  s.deadline = timer ? now + phaseMillis(s.settings, timer, s.secondMillis) : 0;
}

/** Deadlines stop while no player is connected and resume with the time that was left. */
function refreshPause(s: GameState, now: number): void {
  const timed = PHASE_TIMER[s.phase] !== undefined;
  const anyoneHere = seatedPlayers(s).some((p) => p.connected);
  if (timed && !anyoneHere && !s.paused) {
    s.paused = true;
    s.pausedRemainingMs = Math.max(0, s.deadline - now);
    s.deadline = 0;
  } else if (s.paused && (anyoneHere || !timed)) {
    s.paused = false;
    s.deadline = timed ? now + s.pausedRemainingMs : 0;
    s.pausedRemainingMs = 0;
  }
}

// ---------------------------------------------------------------- views and payloads

/** Every player row of the game (gone ones included), in join order. */
export function rosterOrder(s: GameState): Player[] {
  return Object.values(s.players).sort((a, b) => a.joinOrder - b.joinOrder);
}

/** Players still in the game (not gone), in join order. */
export function seatedPlayers(s: GameState): Player[] {
  return Object.values(s.players)
    .filter((p) => !p.gone)
    .sort((a, b) => a.joinOrder - b.joinOrder);
}

function activePlayer(s: GameState, id: string): Player | undefined {
  const p = s.players[id];
  return p && !p.gone ? p : undefined;
}

/** Players the current phase waits for: connected, seated, not audience. */
export function expectedActors(s: GameState): Player[] {
  return seatedPlayers(s).filter((p) => p.connected);
}

function namesInUse(s: GameState): Set<string> {
  const names = [
    ...Object.values(s.players).map((p) => p.name),
    ...Object.values(s.audience).map((m) => m.name),
    ...(s.displayHost?.name ? [s.displayHost.name] : []),
  ];
  return new Set(names.flatMap(nameKeys));
}

function voteCounts(s: GameState, votes: Record<string, string>): { votes: number; voters: number } {
  const voters = expectedActors(s);
  return { votes: voters.filter((p) => votes[p.id]).length, voters: voters.length };
}

function voteProgress(s: GameState, playerId: string, votes: Record<string, string>): Record<string, unknown> {
  return { playerId, ...voteCounts(s, votes) };
}

function tally(votes: Record<string, string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const optionId of Object.values(votes)) counts[optionId] = (counts[optionId] ?? 0) + 1;
  return counts;
}

/** The option with the most audience votes; null on a tie or with none. */
export function audiencePick(votes: Record<string, string>): string | null {
  const counts = tally(votes);
  const top = Math.max(0, ...Object.values(counts));
  const leaders = Object.keys(counts).filter((id) => counts[id] === top);
  return top > 0 && leaders.length === 1 ? leaders[0]! : null;
}

export function publicQuestion(q: Question): PublicQuestion {
  return { id: q.id, text: q.text, type: q.type, imageUrl: q.imageUrl ?? "" };
}

export function roundScoresPayload(r: RoundResult): Record<string, unknown> {
  return {
    round: r.round,
    multiplier: r.multiplier,
    truthId: r.truthId,
    robotId: r.robotId,
    eliminatedId: r.eliminatedId,
    authors: r.authors,
    eliminationVotes: r.eliminationVotes,
    finalVotes: r.finalVotes,
    audiencePick: r.audiencePick,
    scores: r.scores,
    standings: r.standings,
  };
}

export function gameCompletePayload(s: GameState): Record<string, unknown> {
  return { gameId: s.gameId, winners: s.winners, standings: s.standings };
}

/** The private `you` data of one client: its own options and votes, nothing of anyone else's. */
export function privateView(s: GameState, clientId: string): PrivateView {
  const round = s.current;
  return {
    playerId: clientId,
    ownOptionIds: round ? round.options.filter((o) => o.authors.includes(clientId)).map((o) => o.id) : [],
    eliminationVote: round?.eliminationVotes[clientId] ?? null,
    finalVote: round?.finalVotes[clientId] ?? round?.audienceVotes[clientId] ?? null,
  };
}

/** Has this player acted in the current phase? (`hasAnswered` / `hasVoted` of GAME.md §10.) */
export function progressOf(s: GameState, playerId: string): { hasAnswered: boolean; hasVoted: boolean } {
  const round = s.current;
  if (!round) return { hasAnswered: false, hasVoted: false };
  const hasAnswered = !!round.answers[playerId];
  const hasVoted =
    s.phase === "elimination" ? !!round.eliminationVotes[playerId] :
    s.phase === "voting" ? !!round.finalVotes[playerId] : false;
  return { hasAnswered, hasVoted };
}

function bad(message: string): GameError {
  return gameError(ErrorCode.BadRequest, message);
}
