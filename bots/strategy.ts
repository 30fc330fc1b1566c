/**
 * What a Robots bot decides, as pure functions: a snapshot of what one client sees (the public
 * state and its private view), the bot's small memory and an rng in; the one message it wants to
 * send next, and how long to think first, out. No sockets, no timers, no clock: the runner
 * (bots/runner.ts) feeds this from a room and sends what it returns.
 *
 * Every message `decide()` returns is valid in the snapshot's phase (GAME.md §9), so a bot never
 * earns `wrong-phase`, `own-answer`, `invalid-vote`, `already-*` or `not-*` by design; only a
 * phase that ends while a message is in flight can make the server refuse one.
 */
import { comparisonKey, ErrorCode, MIN_PLAYERS, type ErrorEvent, type MessageInputs, type MessageType, type Phase } from "../src/protocol.ts";

// ------------------------------------------------------------------ fake answers

/**
 * Small original lists of generic fake answers. Questions are mostly fill-in-the-blank facts, so
 * short nouns and noun phrases look plausible; a few question shapes get a matching list.
 */
export const FAKE_ANSWERS = {
  generic: [
    "bubble wrap", "a lighthouse", "pickles", "velcro", "a rubber duck", "marmalade",
    "thunderstorms", "a tiny hat", "spaghetti", "moustaches", "jellybeans", "a trombone",
    "seaweed", "knitting", "the moon", "sawdust", "a lost sock", "cheese rolling",
    "umbrellas", "glitter", "sneezing", "a pocket watch", "lawn gnomes", "sandcastles",
    "whistling", "pineapples", "a stepladder", "chimney sweeps", "bagpipes", "hiccups",
  ],
  number: ["7", "12", "19", "42", "99", "144", "365", "about 300", "nearly 1,000", "three dozen"],
  year: ["1066", "1492", "1776", "1851", "1903", "1927", "1962", "1984", "1999"],
  country: ["Iceland", "Peru", "Portugal", "Mongolia", "New Zealand", "Chile", "Finland", "Morocco", "Canada"],
  person: ["a Victorian postman", "a bored librarian", "two schoolgirls", "a Dutch baker", "a retired pirate", "the court jester"],
} as const;

/** The list that fits a question best (a crude keyword match on the public question text). */
export function answerListFor(questionText: string): readonly string[] {
  const q = questionText.toLowerCase();
  if (/\b(what|which) year\b|\bin what year\b/.test(q)) return FAKE_ANSWERS.year;
  if (/\bhow many\b|\bhow much\b|\bhow long\b|\bhow old\b|\bnumber of\b/.test(q)) return FAKE_ANSWERS.number;
  if (/\bwhich country\b|\bwhat country\b|\bnation\b/.test(q)) return FAKE_ANSWERS.country;
  if (/\bwho\b/.test(q)) return FAKE_ANSWERS.person;
  return FAKE_ANSWERS.generic;
}

/**
 * A fake answer for this question that is not, by the server's own comparison key (GAME.md §5,
 * `comparisonKey`), one the bot already had refused this round: "The Moon" after "moon" would be
 * the same answer and be refused again. When a themed list runs out the generic one takes over,
 * then a numbered fallback.
 */
export function pickFakeAnswer(questionText: string, tried: ReadonlySet<string>, rng: () => number): string {
  const triedKeys = new Set([...tried].map(comparisonKey));
  for (const list of [answerListFor(questionText), FAKE_ANSWERS.generic]) {
    const fresh = list.filter((a) => !triedKeys.has(comparisonKey(a)));
    if (fresh.length > 0) return fresh[Math.floor(rng() * fresh.length)]!;
  }
  for (let n = tried.size + 1; ; n++) {
    const fallback = `guess number ${n}`;
    if (!triedKeys.has(comparisonKey(fallback))) return fallback;
  }
}

// ------------------------------------------------------------------ votes

/** One answer option as the state shows it (GAME.md §10). */
export interface OptionView {
  id: string;
  text: string;
  eliminated: boolean;
}

/**
 * A vote for any standing option the bot did not write (GAME.md §6): the same rule for the
 * elimination and the final vote. `avoid` holds options the server refused this round.
 */
export function chooseVote(options: readonly OptionView[], own: readonly string[], rng: () => number, avoid: readonly string[] = []): string | undefined {
  const ids = options.filter((o) => !o.eliminated && !own.includes(o.id) && !avoid.includes(o.id)).map((o) => o.id);
  return ids.length === 0 ? undefined : ids[Math.floor(rng() * ids.length)];
}

// ------------------------------------------------------------------ what the bot sees

/**
 * A client's private view (GAME.md §10): its own option ids this round and its own votes, `null`
 * until cast. Read from the player row's `own` child in the state, or from the `you` message
 * (audience members, who have no row, only get the message).
 */
export interface PrivateView {
  ownOptionIds: readonly string[];
  eliminationVote: string | null;
  finalVote: string | null;
}

/** The private view of a client that has written nothing and voted for nothing. */
export const EMPTY_PRIVATE_VIEW: PrivateView = { ownOptionIds: [], eliminationVote: null, finalVote: null };

/** A seated player's public row, reduced to what the strategy reads. */
export interface SeatView {
  connected: boolean;
  hasAnswered: boolean;
  hasVoted: boolean;
}

/** What one client sees, reduced to what the strategy needs. */
export interface Snapshot {
  me: string;
  /** `""` before the first state arrives. */
  phase: Phase | "";
  round: number;
  hostId: string;
  /** Seated players, keyed by id. */
  players: ReadonlyMap<string, SeatView>;
  questionText: string;
  options: readonly OptionView[];
  /** This client's private view; undefined while it has not arrived yet. */
  own: PrivateView | undefined;
  audience: boolean;
}

// ------------------------------------------------------------------ memory

/** What the bot remembers between decisions. Only the `note…` functions below change it. */
export interface Memory {
  /** Round in which the bot's answer was accepted (`player-answered` naming itself). */
  answeredRound: number;
  /** Answers refused this round (`answer-is-truth`, `answer-is-robot`, `profanity`). */
  triedAnswers: Set<string>;
  triedRound: number;
  /** Options the server refused as a vote this round (defensive; should stay empty). */
  refusedOptions: string[];
  /** Bumped by `answer-censored`: void elimination votes may be cast again. */
  censorCount: number;
  /** Games whose `game-complete` the bot saw. */
  gamesCompleted: number;
  /** Ids of those games: a client joining in `final` is sent the last `game-complete` again. */
  gamesSeen: Set<string>;
  /** Decision keys already sent; a key is never sent twice (keys carry the game and round). */
  sent: Set<string>;
}

export function newMemory(): Memory {
  return { answeredRound: 0, triedAnswers: new Set(), triedRound: 0, refusedOptions: [], censorCount: 0, gamesCompleted: 0, gamesSeen: new Set(), sent: new Set() };
}

/** `round-started`: forget the previous round's refusals. */
export function noteRoundStarted(m: Memory, round: number): void {
  m.answeredRound = 0;
  m.triedAnswers = new Set();
  m.triedRound = round;
  m.refusedOptions = [];
  m.censorCount = 0;
}

/** `player-answered` naming this bot: its answer is in. */
export function noteAnswered(m: Memory, round: number): void {
  m.answeredRound = round;
}

/** `answer-censored`: a void elimination vote may be cast again. */
export function noteCensored(m: Memory): void {
  m.censorCount += 1;
}

/** `game-complete`: true the first time this game is seen (it is counted then). */
export function noteGameComplete(m: Memory, gameId: string): boolean {
  if (m.gamesSeen.has(gameId)) return false;
  m.gamesSeen.add(gameId);
  m.gamesCompleted += 1;
  return true;
}

/** Refusals after which a bot writes another fake answer (GAME.md §5). */
const RETRY_ANSWER_CODES: ReadonlySet<string> = new Set([ErrorCode.AnswerIsTruth, ErrorCode.AnswerIsRobot, ErrorCode.Profanity]);

/** What a refusal means to the bot: write another answer, or just report it. */
export type RefusalOutcome = { kind: "retry-answer"; answer: string } | { kind: "refused" };

/**
 * An `error` for the last message the bot sent. A fake answer that hit the truth, the robot's
 * answer or the filter is remembered so the next one differs; a refused vote's option is avoided.
 */
export function noteRefusal(m: Memory, error: ErrorEvent, lastSent: Decision | undefined, round: number): RefusalOutcome {
  if (error.requestType === "submit-answer" && RETRY_ANSWER_CODES.has(error.code) && lastSent?.type === "submit-answer") {
    if (m.triedRound !== round) {
      m.triedRound = round;
      m.triedAnswers = new Set();
    }
    m.triedAnswers.add(lastSent.payload.answer);
    return { kind: "retry-answer", answer: lastSent.payload.answer };
  }
  const voted = lastSent?.type === "submit-elimination-vote" || lastSent?.type === "submit-final-vote" ? lastSent : undefined;
  if ((error.code === ErrorCode.OwnAnswer || error.code === ErrorCode.InvalidVote) && voted) {
    m.refusedOptions.push(voted.payload.optionId);
  }
  return { kind: "refused" };
}

// ------------------------------------------------------------------ decisions

export interface DecideOptions {
  /** Drive the flow when this bot holds the host role. */
  drive: boolean;
  /** Host: send `start-game` once this many connected players are seated (at least 2). */
  minPlayers: number;
  /** Host: games to play; `play-again` is sent in `final` while fewer have completed. */
  games: number;
}

/** One client message with the payload the wire contract gives it. */
type Send<K extends MessageType> = { type: K; payload: NonNullable<MessageInputs[K]> };

/** The messages a bot sends: as a player (`act`) or as the host driving the flow. */
export type Decision =
  | ({ key: string; kind: "act" } & (Send<"submit-answer"> | Send<"submit-elimination-vote"> | Send<"submit-final-vote">))
  | ({ key: string; kind: "host" } & (Send<"start-game"> | Send<"next-round"> | Send<"play-again">));

/**
 * The next message for this snapshot, or undefined. The returned `key` names the action: the
 * runner sends each key at most once.
 */
export function decide(s: Snapshot, m: Memory, o: DecideOptions, rng: () => number): Decision | undefined {
  const isHost = s.hostId !== "" && s.hostId === s.me;
  const seat = s.audience ? undefined : s.players.get(s.me);
  const unsent = (d: Decision | undefined) => (d && !m.sent.has(d.key) ? d : undefined);
  switch (s.phase) {
    case "lobby": {
      if (!isHost || !o.drive) return undefined;
      const ready = [...s.players.values()].filter((p) => p.connected).length;
      if (ready < Math.max(MIN_PLAYERS, o.minPlayers)) return undefined;
      // Re-armed when the player count changes, so a refused start is retried with new players.
      return unsent({ key: `start:${m.gamesCompleted}:${ready}`, kind: "host", type: "start-game", payload: {} });
    }
    case "question": {
      if (!seat || seat.hasAnswered || m.answeredRound === s.round || s.round === 0) return undefined;
      const tried = m.triedRound === s.round ? m.triedAnswers : new Set<string>();
      const answer = pickFakeAnswer(s.questionText, tried, rng);
      return unsent({ key: `answer:${m.gamesCompleted}:${s.round}:${tried.size}`, kind: "act", type: "submit-answer", payload: { answer } });
    }
    case "elimination": {
      if (!seat || seat.hasVoted || !s.own || s.own.eliminationVote !== null) return undefined;
      // Having answered, the bot waits until its private view names its option (it comes with
      // the options in the state, later with `you`), unless the host censored that option.
      if ((seat.hasAnswered || m.answeredRound === s.round) && s.own.ownOptionIds.length === 0 && m.censorCount === 0) return undefined;
      const optionId = chooseVote(s.options, s.own.ownOptionIds, rng, m.refusedOptions);
      if (!optionId) return undefined;
      return unsent({ key: `elim:${m.gamesCompleted}:${s.round}:${m.censorCount}:${m.refusedOptions.length}`, kind: "act", type: "submit-elimination-vote", payload: { optionId } });
    }
    case "voting": {
      if (!s.own || s.own.finalVote !== null) return undefined;
      if (!s.audience && (!seat || seat.hasVoted)) return undefined;
      const optionId = chooseVote(s.options, s.audience ? [] : s.own.ownOptionIds, rng, m.refusedOptions);
      if (!optionId) return undefined;
      return unsent({ key: `final:${m.gamesCompleted}:${s.round}:${m.refusedOptions.length}`, kind: "act", type: "submit-final-vote", payload: { optionId } });
    }
    case "results":
      if (!isHost || !o.drive) return undefined;
      return unsent({ key: `next:${m.gamesCompleted}:${s.round}`, kind: "host", type: "next-round", payload: {} });
    case "final":
      if (!isHost || !o.drive || m.gamesCompleted >= o.games || m.gamesCompleted === 0) return undefined;
      return unsent({ key: `again:${m.gamesCompleted}`, kind: "host", type: "play-again", payload: {} });
    default:
      return undefined;
  }
}

// ------------------------------------------------------------------ think time

/** How long a bot waits before it acts, so a human host can watch the game move. */
export interface ThinkTimes {
  /** Shortest and longest random delay before a player action, ms. */
  minDelayMs: number;
  maxDelayMs: number;
  /** Host: pause in `results` before `next-round` and in `final` before `play-again`, ms. */
  hostPauseMs: number;
}

/** The bots' think times unless told otherwise: the CLI, the load test and the runner share them. */
export const DEFAULT_THINK_TIMES: ThinkTimes = { minDelayMs: 300, maxDelayMs: 1500, hostPauseMs: 2500 };

/**
 * The delay before sending `d`. A player action waits a random time in [min, max] but at most
 * 60% of the time left before `deadline` (epoch ms, 0 when none), so that short phases (fast
 * test timers) still see the action arrive in time.
 */
export function thinkTime(d: Decision, times: ThinkTimes, rng: () => number, deadline: number, now: number): number {
  if (d.kind === "host") return d.type === "start-game" ? times.minDelayMs : times.hostPauseMs;
  const delay = times.minDelayMs + rng() * (times.maxDelayMs - times.minDelayMs);
  const left = deadline - now;
  return deadline > 0 && left > 0 ? Math.min(delay, left * 0.6) : delay;
}
