/**
 * The bot brain: what a Robots bot does, decided only from what GAME.md gives any client — the
 * synchronised state (`room.state`), the named events (`room.onMessage`) and the private `you`
 * message. No server internals.
 *
 * Two layers:
 * - `decide()` and the `pick…`/`choose…` helpers are pure: a snapshot of what the client sees plus
 *   the bot's small memory in, the one action it wants to take next (or none) out. Every action
 *   they return is valid in the phase of the snapshot (GAME.md §9), so the bot never sends
 *   `wrong-phase`, `own-answer`, `invalid-vote`, `already-*` or `not-*` by design; only a phase
 *   that ends while a message is in flight can make the server refuse one.
 * - `Bot` wires that to a room: it re-decides on every state patch and message, waits a random
 *   delay before acting (so a human host watches progress), re-checks the decision when the delay
 *   is over, sends, and reports what happened through `onEvent`.
 * `runBot()` connects, creates or joins a room and returns a handle; the CLI (bots.ts), the load
 * test (party.loadtest.ts) and the tests use it.
 */
import { Client, type Room } from "@colyseus/sdk";

// ------------------------------------------------------------------ constants from GAME.md

/** GAME.md §9: the shipped icon ids. */
export const ICONS = [
  "robot", "cat", "dog", "fox", "owl", "frog", "bear", "panda",
  "tiger", "lion", "penguin", "octopus", "unicorn", "alien", "ghost", "cactus",
] as const;
export type Icon = (typeof ICONS)[number];

/** GAME.md §9: names are 1–16 characters. */
export const NAME_MAX_LENGTH = 16;

/** GAME.md §2: a game needs at least two players. */
export const MIN_PLAYERS = 2;

/** Refusals after which a bot writes another fake answer (GAME.md §5). */
const RETRY_ANSWER_CODES = new Set(["answer-is-truth", "answer-is-robot", "profanity"]);

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

/** The list that fits a question best (crude keyword match on the public question text). */
export function answerListFor(questionText: string): readonly string[] {
  const q = questionText.toLowerCase();
  if (/\b(what|which) year\b|\bin what year\b/.test(q)) return FAKE_ANSWERS.year;
  if (/\bhow many\b|\bhow much\b|\bhow long\b|\bhow old\b|\bnumber of\b/.test(q)) return FAKE_ANSWERS.number;
  if (/\bwhich country\b|\bwhat country\b|\bnation\b/.test(q)) return FAKE_ANSWERS.country;
  if (/\bwho\b/.test(q)) return FAKE_ANSWERS.person;
  return FAKE_ANSWERS.generic;
}

/** GAME.md §5 comparison key (lower-case, leading article dropped, letters and digits only). */
export function answerKey(text: string): string {
  const words = text.normalize("NFC").trim().toLowerCase().split(/\s+/);
  if (words.length > 1 && ["a", "an", "the"].includes(words[0]!)) words.shift();
  return words.join(" ").replace(/[^\p{L}\p{N}]/gu, "");
}

/**
 * A fake answer for this question that the bot has not tried this round. `rng` varies it per bot;
 * when a themed list is exhausted the generic one takes over, then a numbered fallback.
 */
export function pickFakeAnswer(questionText: string, tried: ReadonlySet<string>, rng: () => number): string {
  const triedKeys = new Set([...tried].map(answerKey));
  for (const list of [answerListFor(questionText), FAKE_ANSWERS.generic]) {
    const fresh = list.filter((a) => !triedKeys.has(answerKey(a)));
    if (fresh.length > 0) return fresh[Math.floor(rng() * fresh.length)]!;
  }
  return `guess number ${tried.size + 1}`;
}

// ------------------------------------------------------------------ votes

export interface OptionView {
  id: string;
  text: string;
  eliminated: boolean;
}

function pickOne<T>(items: readonly T[], rng: () => number): T | undefined {
  return items.length === 0 ? undefined : items[Math.floor(rng() * items.length)];
}

/** Elimination: any option the bot did not write (GAME.md §6). */
export function chooseEliminationVote(options: readonly OptionView[], own: readonly string[], rng: () => number, avoid: readonly string[] = []): string | undefined {
  return pickOne(options.filter((o) => !o.eliminated && !own.includes(o.id) && !avoid.includes(o.id)).map((o) => o.id), rng);
}

/** Final vote: a non-eliminated option the bot did not write (GAME.md §6). */
export function chooseFinalVote(options: readonly OptionView[], own: readonly string[], rng: () => number, avoid: readonly string[] = []): string | undefined {
  return chooseEliminationVote(options, own, rng, avoid);
}

// ------------------------------------------------------------------ decisions

/** The private `you` message (GAME.md §10). */
export interface YouMessage {
  playerId: string;
  ownOptionIds: string[];
  eliminationVote: string | null;
  finalVote: string | null;
}

/** What one client sees, reduced to what the brain needs. */
export interface Snapshot {
  me: string;
  phase: string;
  round: number;
  hostId: string;
  /** Seated players, keyed by id. */
  players: ReadonlyMap<string, { connected: boolean; hasAnswered: boolean; hasVoted: boolean }>;
  questionText: string;
  options: readonly OptionView[];
  you: YouMessage | undefined;
  audience: boolean;
}

/** What the bot remembers between decisions. */
export interface Memory {
  /** Round in which the bot's answer was accepted (`player-answered` for itself). */
  answeredRound: number;
  /** Answers refused this round (`answer-is-truth`, `answer-is-robot`, `profanity`). */
  triedAnswers: Set<string>;
  triedRound: number;
  /** Options the server refused as a vote this round (defensive; should stay empty). */
  refusedOptions: string[];
  /** Bumped by `answer-censored`: void elimination votes may be cast again. */
  censorCount: number;
  /** `game-complete` events seen. */
  gamesCompleted: number;
  /** Action keys already sent; a key is never sent twice (keys carry the game and round). */
  sent: Set<string>;
}

export function newMemory(): Memory {
  return { answeredRound: 0, triedAnswers: new Set(), triedRound: 0, refusedOptions: [], censorCount: 0, gamesCompleted: 0, sent: new Set() };
}

export interface DecideOptions {
  /** Drive the flow when this bot holds the host role. */
  drive: boolean;
  /** Host: send `start-game` once this many connected players are seated (at least 2). */
  minPlayers: number;
  /** Host: games to play; `play-again` is sent in `final` while fewer have completed. */
  games: number;
}

export type Decision =
  | { key: string; kind: "act"; type: "submit-answer"; payload: { answer: string } }
  | { key: string; kind: "act"; type: "submit-elimination-vote" | "submit-final-vote"; payload: { optionId: string } }
  | { key: string; kind: "host"; type: "start-game" | "next-round" | "play-again"; payload: Record<string, never> };

/**
 * The next action for this snapshot, or undefined. Pure apart from `rng`. The returned `key`
 * identifies the action: the runner sends each key at most once.
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
      if (!seat || seat.hasVoted || !s.you || s.you.eliminationVote !== null) return undefined;
      // After answering, wait for the `you` that names our option, unless the host censored it.
      // (`hasAnswered` comes with the same patch as the phase; `you` follows it.)
      if ((seat.hasAnswered || m.answeredRound === s.round) && s.you.ownOptionIds.length === 0 && m.censorCount === 0) return undefined;
      const optionId = chooseEliminationVote(s.options, s.you.ownOptionIds, rng, m.refusedOptions);
      if (!optionId) return undefined;
      return unsent({ key: `elim:${m.gamesCompleted}:${s.round}:${m.censorCount}:${m.refusedOptions.length}`, kind: "act", type: "submit-elimination-vote", payload: { optionId } });
    }
    case "voting": {
      if (!s.you || s.you.finalVote !== null) return undefined;
      if (!s.audience && (!seat || seat.hasVoted)) return undefined;
      const own = s.audience ? [] : s.you.ownOptionIds;
      const optionId = chooseFinalVote(s.options, own, rng, m.refusedOptions);
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

// ------------------------------------------------------------------ the runner

export interface StandingRow {
  playerId: string;
  name: string;
  score: number;
  place: number;
  truthsFound: number;
  robotsSpotted: number;
  timesFooled: number;
}

export interface GameComplete {
  gameId: string;
  winners: string[];
  standings: StandingRow[];
}

/** What a bot reports; `room: true` marks events every bot in the room sees alike. */
export type BotEvent =
  | { type: "joined"; code: string; playerId: string; audience: boolean; phase: string; isHost: boolean }
  | { type: "round-started"; room: true; round: number; totalRounds: number; multiplier: number; question: string }
  | { type: "answered"; answer: string }
  | { type: "answer-retry"; answer: string; code: string }
  | { type: "voted"; stage: "elimination" | "final"; optionId: string; text: string }
  | { type: "host-action"; action: "start-game" | "next-round" | "play-again"; players?: number }
  | { type: "elimination-complete"; room: true; round: number; eliminatedText: string | null; tie: boolean }
  | { type: "round-scores"; room: true; round: number; multiplier: number; truth: string; robot: string; rows: { name: string; total: number; score: number }[] }
  | { type: "game-complete"; room: true; game: number; result: GameComplete }
  | { type: "refused"; requestType: string; code: string; message: string }
  | { type: "dropped"; code: number }
  | { type: "reconnected" }
  | { type: "left"; code: number; reason?: string };

export interface BotOptions {
  /** Random delay before each player action, ms (default 300–1500). Capped to 60% of the time left in the phase. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Host: pause in `results` before `next-round`, and in `final` before `play-again`, ms (default 2500). */
  hostPauseMs?: number;
  /** Drive the flow while this bot is the host (default true). */
  drive?: boolean;
  /** Host: start when this many connected players are seated (default 2). */
  minPlayers?: number;
  /** Host: games to play before stopping (`play-again` in between) (default 1). */
  games?: number;
  /** Join as audience. */
  audience?: boolean;
  /** Random source (default Math.random). */
  rng?: () => number;
  onEvent?: (event: BotEvent, bot: Bot) => void;
}

/** Reads of the reflected schema state (no client-side schema classes needed). */
interface RoomStateLike {
  code?: string;
  phase?: string;
  round?: number;
  hostId?: string;
  deadline?: number;
  players?: { forEach(cb: (p: any, id: string) => void): void; get(id: string): any };
  question?: { text?: string };
  options?: { forEach(cb: (o: any) => void): void };
}

export class Bot {
  readonly room: Room<any>;
  readonly name: string;
  readonly memory = newMemory();
  you: YouMessage | undefined;
  /** Resolves with the last `game-complete` once `games` games completed; rejects if the bot leaves first. */
  readonly finished: Promise<GameComplete>;
  #resolve!: (g: GameComplete) => void;
  #reject!: (e: Error) => void;
  #settled = false;
  #opts: Required<Omit<BotOptions, "onEvent">> & Pick<BotOptions, "onEvent">;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #scheduledKey: string | undefined;
  #stopped = false;
  #unbind: (() => void)[] = [];
  #lastSent: Decision | undefined;
  #joined = false;

  constructor(room: Room<any>, name: string, options: BotOptions = {}) {
    this.room = room;
    this.name = name;
    const minDelayMs = options.minDelayMs ?? 300;
    this.#opts = {
      minDelayMs,
      maxDelayMs: Math.max(minDelayMs, options.maxDelayMs ?? 1500),
      hostPauseMs: options.hostPauseMs ?? 2500,
      drive: options.drive ?? true,
      minPlayers: options.minPlayers ?? MIN_PLAYERS,
      games: Math.max(1, options.games ?? 1),
      audience: options.audience ?? false,
      rng: options.rng ?? Math.random,
      onEvent: options.onEvent,
    };
    this.finished = new Promise<GameComplete>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.finished.catch(() => {}); // callers who never await it must not crash the process
  }

  get id(): string {
    return this.room.sessionId;
  }

  get state(): RoomStateLike {
    try {
      return (this.room.state ?? {}) as RoomStateLike;
    } catch {
      return {}; // the SDK has no serializer (hence no state) before the join handshake
    }
  }

  get isAudience(): boolean {
    return this.#opts.audience;
  }

  /** Subscribes to the room. Call right after joining (messages sent before are replayed by the SDK queue). */
  start(): void {
    const room = this.room;
    this.#unbind.push(
      room.onMessage("you", (you: YouMessage) => {
        this.you = you;
        this.#tick();
      }),
      room.onMessage("error", (e: { code: string; message: string; requestType: string }) => this.#onRefused(e)),
      room.onMessage("player-answered", (p: { playerId: string }) => {
        if (p.playerId === this.id) this.memory.answeredRound = this.state.round ?? 0;
        this.#tick();
      }),
      room.onMessage("answer-censored", () => {
        this.memory.censorCount += 1;
        this.#tick();
      }),
      room.onMessage("round-started", (p: any) => {
        this.#newRound();
        this.#emit({ type: "round-started", room: true, round: p.round, totalRounds: p.totalRounds, multiplier: p.multiplier, question: p.question?.text ?? "" });
        this.#tick();
      }),
      room.onMessage("elimination-complete", (p: { eliminatedId: string | null; tie: boolean }) => {
        this.#emit({ type: "elimination-complete", room: true, round: this.state.round ?? 0, eliminatedText: p.eliminatedId ? this.#optionText(p.eliminatedId) : null, tie: p.tie });
      }),
      room.onMessage("final-round-scores", (p: any) => {
        const names = this.#names();
        const standing = new Map<string, number>((p.standings ?? []).map((r: StandingRow) => [r.playerId, r.score]));
        this.#emit({
          type: "round-scores",
          room: true,
          round: p.round,
          multiplier: p.multiplier,
          truth: this.#optionText(p.truthId),
          robot: this.#optionText(p.robotId),
          rows: (p.scores ?? []).map((r: { playerId: string; total: number }) => ({ name: names.get(r.playerId) ?? r.playerId, total: r.total, score: standing.get(r.playerId) ?? 0 })),
        });
      }),
      room.onMessage("game-complete", (p: GameComplete) => this.#onGameComplete(p)),
      // Events the brain does not use still get a handler, so the SDK does not warn about them.
      room.onMessage("*", () => {}),
    );
    room.onStateChange(() => this.#tick());
    room.onDrop((code: number) => this.#emit({ type: "dropped", code }));
    room.onReconnect(() => {
      this.#emit({ type: "reconnected" });
      this.#tick();
    });
    room.onLeave((code: number, reason?: string) => {
      this.#clearTimer();
      if (!this.#stopped) this.#emit({ type: "left", code, reason });
      this.#stopped = true;
      this.#fail(new Error(`left the room before the game completed (close code ${code}${reason ? `: ${reason}` : ""})`));
    });
    this.#tick();
  }

  /** Events are reported from here on (a refused join stays silent). */
  markJoined(): void {
    this.#joined = true;
  }

  /** Leaves the room (consented) and stops acting. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#clearTimer();
    for (const unbind of this.#unbind.splice(0)) unbind();
    this.#fail(new Error("stopped"));
    if (this.room.connection?.isOpen) {
      try {
        await this.room.leave(true);
      } catch {
        // already closing
      }
    }
  }

  snapshot(): Snapshot {
    const st = this.state;
    const players = new Map<string, { connected: boolean; hasAnswered: boolean; hasVoted: boolean }>();
    st.players?.forEach((p, id) => players.set(id, { connected: !!p.connected, hasAnswered: !!p.hasAnswered, hasVoted: !!p.hasVoted }));
    const options: OptionView[] = [];
    st.options?.forEach((o) => options.push({ id: o.id, text: o.text, eliminated: !!o.eliminated }));
    return {
      me: this.id,
      phase: st.phase ?? "",
      round: st.round ?? 0,
      hostId: st.hostId ?? "",
      players,
      questionText: st.question?.text ?? "",
      options,
      // A fresh join has no options and no votes yet (GAME.md §10: `null`/`[]` until set). The
      // `you` sent with the join can arrive before start() subscribes, so assume that until one comes.
      you: this.you ?? { playerId: this.id, ownOptionIds: [], eliminationVote: null, finalVote: null },
      audience: this.#opts.audience,
    };
  }

  // ---------------------------------------------------------------- internals

  #decide(): Decision | undefined {
    const o = this.#opts;
    return decide(this.snapshot(), this.memory, { drive: o.drive, minPlayers: o.minPlayers, games: o.games }, o.rng);
  }

  /** Re-decides; schedules the wanted action after a delay unless it is already scheduled. */
  #tick(): void {
    if (this.#stopped || !this.state.phase) return;
    const wanted = this.#decide();
    if (wanted?.key === this.#scheduledKey) return;
    this.#clearTimer();
    if (!wanted) return;
    this.#scheduledKey = wanted.key;
    this.#timer = setTimeout(() => this.#fire(wanted.key), this.#delayFor(wanted));
  }

  #fire(key: string): void {
    this.#timer = undefined;
    this.#scheduledKey = undefined;
    if (this.#stopped) return;
    // The world may have moved during the delay: act only if the same action is still wanted.
    const now = this.#decide();
    if (!now || now.key !== key) return this.#tick();
    this.memory.sent.add(now.key);
    this.#lastSent = now;
    this.room.send(now.type, now.payload);
    this.#report(now);
    this.#tick();
  }

  #delayFor(d: Decision): number {
    const o = this.#opts;
    if (d.kind === "host") {
      if (d.type === "start-game") return o.minDelayMs;
      return o.hostPauseMs;
    }
    const delay = o.minDelayMs + o.rng() * (o.maxDelayMs - o.minDelayMs);
    const deadline = this.state.deadline ?? 0;
    const left = deadline - Date.now();
    // Short phases (fast test timers) still get an action in before the deadline.
    return deadline > 0 && left > 0 ? Math.min(delay, left * 0.6) : delay;
  }

  #report(d: Decision): void {
    switch (d.type) {
      case "submit-answer":
        this.#emit({ type: "answered", answer: d.payload.answer });
        break;
      case "submit-elimination-vote":
      case "submit-final-vote":
        this.#emit({ type: "voted", stage: d.type === "submit-final-vote" ? "final" : "elimination", optionId: d.payload.optionId, text: this.#optionText(d.payload.optionId) });
        break;
      default: {
        let players = 0;
        this.state.players?.forEach((p) => void (p.connected && players++));
        this.#emit({ type: "host-action", action: d.type, ...(d.type === "start-game" ? { players } : {}) });
      }
    }
  }

  #onRefused(e: { code: string; message: string; requestType: string }): void {
    const m = this.memory;
    const last = this.#lastSent;
    if (e.requestType === "submit-answer" && RETRY_ANSWER_CODES.has(e.code) && last?.type === "submit-answer") {
      if (m.triedRound !== (this.state.round ?? 0)) {
        m.triedRound = this.state.round ?? 0;
        m.triedAnswers = new Set();
      }
      m.triedAnswers.add(last.payload.answer);
      this.#emit({ type: "answer-retry", answer: last.payload.answer, code: e.code });
    } else {
      if ((e.code === "own-answer" || e.code === "invalid-vote") && last && "optionId" in last.payload) {
        m.refusedOptions.push(last.payload.optionId);
      }
      this.#emit({ type: "refused", requestType: e.requestType, code: e.code, message: e.message });
    }
    this.#tick();
  }

  #onGameComplete(p: GameComplete): void {
    // A client joining in `final` gets the last game-complete again: count each game once.
    const m = this.memory;
    const gameKey = `game:${p.gameId}`;
    if (m.sent.has(gameKey)) return;
    m.sent.add(gameKey);
    m.gamesCompleted += 1;
    this.#emit({ type: "game-complete", room: true, game: m.gamesCompleted, result: p });
    if (m.gamesCompleted >= this.#opts.games && !this.#settled) {
      this.#settled = true;
      this.#resolve(p);
    }
    this.#tick();
  }

  #newRound(): void {
    const m = this.memory;
    m.answeredRound = 0;
    m.triedAnswers = new Set();
    m.triedRound = this.state.round ?? 0;
    m.refusedOptions = [];
    m.censorCount = 0;
  }

  #fail(error: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#reject(error);
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#scheduledKey = undefined;
  }

  #names(): Map<string, string> {
    const names = new Map<string, string>();
    this.state.players?.forEach((p, id) => names.set(id, p.name));
    return names;
  }

  #optionText(id: string): string {
    let text = id;
    this.state.options?.forEach((o) => {
      if (o.id === id) text = o.text;
    });
    return text;
  }

  #emit(event: BotEvent): void {
    if (!this.#joined) {
      // Before the join completes only game facts matter (e.g. `game-complete` on joining in final).
      if (!("room" in event)) return;
    }
    try {
      this.#opts.onEvent?.(event, this);
    } catch (error) {
      console.error("bot event handler failed:", error);
    }
  }
}

// ------------------------------------------------------------------ connecting

export interface RunBotOptions extends BotOptions {
  endpoint: string;
  name: string;
  icon?: Icon;
  /** Join this room code (case-insensitive). Exactly one of `code` and `create`. */
  code?: string;
  /** Create a room (`client.create("party", …)`): the bot is its playing host. */
  create?: { mode?: "8-round" | "12-round" };
}

export interface BotHandle {
  bot: Bot;
  room: Room<any>;
  /** The room code. */
  code: string;
  sessionId: string;
  name: string;
  /** Resolves at `game-complete` (after `games` games); rejects if the bot leaves first. */
  finished: Promise<GameComplete>;
  stop(): Promise<void>;
}

/** A join refused by the server: `code` is the GAME.md code (e.g. `name-taken`) or Colyseus's message. */
export class JoinError extends Error {
  readonly code: string;
  readonly status: number | undefined;
  constructor(code: string, status: number | undefined) {
    super(code);
    this.name = "JoinError";
    this.code = code;
    this.status = status;
  }
}

/**
 * A Client that hands each Room to a hook before it connects, so the bot's handlers exist when the
 * first frames arrive (the `you` sent with the join can otherwise land before `await join` resumes).
 */
class HookedClient extends Client {
  onRoom: ((room: Room<any>) => void) | undefined;
  protected override createRoom(roomName: string, rootSchema?: any): any {
    const room = super.createRoom(roomName, rootSchema);
    this.onRoom?.(room);
    return room;
  }
}

/** Connects one bot, creates or joins the room, waits for the first state, starts the brain. */
export async function runBot(options: RunBotOptions): Promise<BotHandle> {
  if (!!options.code === !!options.create) throw new Error("runBot: give exactly one of `code` and `create`");
  const client = new HookedClient(options.endpoint);
  const icon = options.icon ?? "robot";
  let bot: Bot | undefined;
  client.onRoom = (r) => {
    bot = new Bot(r, options.name, options);
    bot.start();
  };
  let room: Room<any>;
  try {
    room = options.create
      ? await client.create("party", { name: options.name, icon, hostPlays: true, ...(options.create.mode ? { mode: options.create.mode } : {}) })
      : await client.joinById(options.code!.trim().toUpperCase(), { name: options.name, icon, ...(options.audience ? { audience: true } : {}) });
  } catch (error) {
    void bot?.stop();
    const e = error as { message?: string; code?: number };
    throw new JoinError(e.message ?? String(error), typeof e.code === "number" ? e.code : undefined);
  }
  if (!bot || bot.room !== room) {
    bot = new Bot(room, options.name, options);
    bot.start();
  }
  const joined = bot;
  await new Promise<void>((resolve) => {
    if (joined.state.phase) return resolve();
    const timer = setTimeout(resolve, 5000);
    room.onStateChange.once(() => {
      clearTimeout(timer);
      resolve();
    });
  });
  joined.markJoined();
  const st = joined.state;
  options.onEvent?.({ type: "joined", code: room.roomId, playerId: room.sessionId, audience: !!options.audience, phase: st.phase ?? "", isHost: st.hostId === room.sessionId }, joined);
  return {
    bot: joined,
    room,
    code: room.roomId,
    sessionId: room.sessionId,
    name: options.name,
    finished: joined.finished,
    stop: () => joined.stop(),
  };
}

// ------------------------------------------------------------------ names

const BOT_NAMES = [
  "Beep", "Bolt", "Cog", "Gizmo", "Sprocket", "Widget", "Rivet", "Servo",
  "Pixel", "Dynamo", "Tinker", "Circuit", "Gadget", "Piston", "Volt", "Gear",
];

/**
 * A bot name (≤ 16 characters) for bot `index` of a batch. `salt` shifts the list so two batches
 * started separately rarely collide; a name the room refuses (`name-taken`) is retried with
 * `attempt` > 0.
 */
export function botName(index: number, salt = 0, attempt = 0): string {
  const base = BOT_NAMES[(index + salt) % BOT_NAMES.length]!;
  const lap = Math.floor(index / BOT_NAMES.length);
  const suffix = attempt > 0 ? ` ${10 + ((salt * 7 + attempt * 13 + index) % 90)}` : lap > 0 ? ` ${lap + 1}` : "";
  return `${base}${suffix}`.slice(0, NAME_MAX_LENGTH);
}

export function botIcon(index: number, salt = 0): Icon {
  return ICONS[(index + salt) % ICONS.length]!;
}
