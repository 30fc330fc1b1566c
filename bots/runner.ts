/**
 * Runs bots in real rooms: a `Bot` feeds bots/strategy.ts from its room on every state patch and
 * event, waits a think time before acting (so a human host can watch the game move), checks the
 * decision again when the time is up, sends it, and reports what happened through `onEvent`.
 * `runBot()` connects one bot (bots/connection.ts); `startBots()` fills a room, creating and
 * hosting it when no code is given, for as many games as asked.
 *
 * Used by the CLI (bots/cli.ts), the load test and benchmarks (loadtest/) and the tests.
 */
import type { Room } from "@colyseus/sdk";
import { CloseCode, type ErrorEvent, type GameComplete, type Icon, type Mode, type ServerEvents, type ServerEventType, type You } from "../src/protocol.ts";
import { connect, connectedPlayers, JoinError, optionText, playerNames, reconnect, snapshotOf, stateOf, type ConnectOptions } from "./connection.ts";
import { botIcon, botName, fanName } from "./names.ts";
import {
  decide,
  DEFAULT_THINK_TIMES,
  newMemory,
  noteAnswered,
  noteCensored,
  noteGameComplete,
  noteRefusal,
  noteRoundStarted,
  thinkTime,
  type Decision,
  type Snapshot,
  type ThinkTimes,
} from "./strategy.ts";

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

export interface BotOptions extends Partial<ThinkTimes> {
  /** Drive the flow while this bot is the host (default true). */
  drive?: boolean;
  /** Host: start when this many connected players are seated (default 2). */
  minPlayers?: number;
  /** Games to play; a hosting bot sends `play-again` in between (default 1). */
  games?: number;
  /** Join as audience. */
  audience?: boolean;
  /** Random source for answers, votes and think times (default Math.random). */
  rng?: () => number;
  /**
   * Where to ask matchmaking for the seat again when the room's process goes away (close code
   * 4100, or any close that is not a goodbye); without it the bot leaves, as before.
   */
  endpoint?: string;
  /**
   * Other addresses of the same cluster, tried in turn with `endpoint` while taking the seat back
   * (the process behind `endpoint` may be the one restarting); a load balancer makes this moot.
   */
  fallbackEndpoints?: readonly string[];
  /** How long the bot keeps trying to take its seat back (default 30 s, docs/PROTOCOL.md §13). */
  reconnectWindowMs?: number;
  onEvent?: (event: BotEvent, bot: Bot) => void;
}

/** First and longest wait between two attempts to take the seat back. */
const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 4_000;

/** Subscribes `cb` to one server event, typed by the wire contract. */
function on<K extends ServerEventType>(room: Room<any>, type: K, cb: (payload: ServerEvents[K]) => void): () => void {
  return room.onMessage(type, cb as (payload: unknown) => void);
}

export class Bot {
  /** The room as last connected: a new object after a reconnection through matchmaking. */
  #room: Room<any>;
  readonly name: string;
  readonly memory = newMemory();
  /** The last `you` message (GAME.md §10). */
  you: You | undefined;
  /** Resolves with the last `game-complete` once `games` games completed; rejects if the bot leaves first. */
  readonly finished: Promise<GameComplete>;
  #resolve!: (g: GameComplete) => void;
  #reject!: (e: Error) => void;
  #settled = false;
  #opts: Required<Omit<BotOptions, "onEvent" | "endpoint">> & Pick<BotOptions, "onEvent" | "endpoint">;
  #attempts = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #scheduledKey: string | undefined;
  #stopped = false;
  #unbind: (() => void)[] = [];
  #lastSent: Decision | undefined;
  #joined = false;

  constructor(room: Room<any>, name: string, options: BotOptions = {}) {
    this.#room = room;
    this.name = name;
    const minDelayMs = options.minDelayMs ?? DEFAULT_THINK_TIMES.minDelayMs;
    this.#opts = {
      minDelayMs,
      maxDelayMs: Math.max(minDelayMs, options.maxDelayMs ?? DEFAULT_THINK_TIMES.maxDelayMs),
      hostPauseMs: options.hostPauseMs ?? DEFAULT_THINK_TIMES.hostPauseMs,
      drive: options.drive ?? true,
      minPlayers: options.minPlayers ?? 0,
      games: Math.max(1, options.games ?? 1),
      audience: options.audience ?? false,
      rng: options.rng ?? Math.random,
      endpoint: options.endpoint,
      fallbackEndpoints: options.fallbackEndpoints ?? [],
      reconnectWindowMs: options.reconnectWindowMs ?? 30_000,
      onEvent: options.onEvent,
    };
    this.finished = new Promise<GameComplete>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.finished.catch(() => {}); // callers who never await it must not crash the process
  }

  get room(): Room<any> {
    return this.#room;
  }

  get id(): string {
    return this.#room.sessionId;
  }

  get isAudience(): boolean {
    return this.#opts.audience;
  }

  /**
   * Subscribes to the room. Call it before the room connects (runBot does, from the connection's
   * hook), so that no frame of the join, `you` included, goes unhandled.
   */
  start(): void {
    this.#bind(this.#room);
  }

  #bind(room: Room<any>): void {
    this.#unbind.push(
      on(room, "you", (you) => {
        this.you = you;
        this.#tick();
      }),
      on(room, "error", (e) => this.#onRefused(e)),
      on(room, "player-answered", (p) => {
        if (p.playerId === this.id) noteAnswered(this.memory, stateOf(room).round ?? 0);
        this.#tick();
      }),
      on(room, "answer-censored", () => {
        noteCensored(this.memory);
        this.#tick();
      }),
      on(room, "round-started", (p) => {
        noteRoundStarted(this.memory, p.round);
        this.#emit({ type: "round-started", room: true, round: p.round, totalRounds: p.totalRounds, multiplier: p.multiplier, question: p.question.text });
        this.#tick();
      }),
      on(room, "elimination-complete", (p) => {
        this.#emit({ type: "elimination-complete", room: true, round: stateOf(room).round ?? 0, eliminatedText: p.eliminatedId ? optionText(room, p.eliminatedId) : null, tie: p.tie });
      }),
      on(room, "final-round-scores", (p) => {
        const names = playerNames(room);
        const standing = new Map(p.standings.map((r) => [r.playerId, r.score]));
        this.#emit({
          type: "round-scores",
          room: true,
          round: p.round,
          multiplier: p.multiplier,
          truth: optionText(room, p.truthId),
          robot: optionText(room, p.robotId),
          rows: p.scores.map((r) => ({ name: names.get(r.playerId) ?? r.playerId, total: r.total, score: standing.get(r.playerId) ?? 0 })),
        });
      }),
      on(room, "game-complete", (p) => this.#onGameComplete(p)),
      // Events the strategy does not use still get a handler, so the SDK does not warn about them.
      room.onMessage("*", () => {}),
    );
    room.onStateChange(() => this.#tick());
    room.onDrop((code: number) => this.#emit({ type: "dropped", code }));
    room.onReconnect(() => {
      this.#emit({ type: "reconnected" });
      this.#tick();
    });
    room.onLeave((code: number, reason?: string) => {
      // A room object given up for a newer one says nothing about the bot.
      if (room !== this.#room) return;
      this.#clearTimer();
      if (!this.#stopped && code !== CloseCode.Consented && this.#opts.endpoint) {
        void this.#takeSeatBack(room, code);
        return;
      }
      this.#leave(code, reason);
    });
    this.#tick();
  }

  #leave(code: number, reason?: string): void {
    if (!this.#stopped) this.#emit({ type: "left", code, reason });
    this.#stopped = true;
    this.#fail(new Error(`left the room before the game completed (close code ${code}${reason ? `: ${reason}` : ""})`));
  }

  /**
   * The room's process went away (4100: it is being restarted; or it died): asks matchmaking for
   * the seat again with the token, with backoff, until the room is up elsewhere or the window
   * is over. The new room object gets every handler before it connects.
   */
  async #takeSeatBack(lost: Room<any>, code: number): Promise<void> {
    this.#emit({ type: "dropped", code });
    for (const unbind of this.#unbind.splice(0)) unbind();
    const token = lost.reconnectionToken;
    const until = Date.now() + this.#opts.reconnectWindowMs;
    let wait = RETRY_FIRST_MS;
    let lastError = "";
    while (!this.#stopped && Date.now() < until) {
      try {
        let candidate: Room<any> | undefined;
        const endpoints = [this.#opts.endpoint!, ...this.#opts.fallbackEndpoints];
        const room = await reconnect(endpoints[this.#attempts++ % endpoints.length]!, token, (r) => {
          candidate = r;
          this.#room = r;
          this.#bind(r);
        });
        if (candidate !== room) throw new Error("reconnect: the SDK created the room without the connection hook");
        if (this.#stopped) {
          await room.leave(true).catch(() => undefined);
          return;
        }
        this.#emit({ type: "reconnected" });
        this.#tick();
        return;
      } catch (error) {
        lastError = (error as Error).message ?? String(error);
        for (const unbind of this.#unbind.splice(0)) unbind();
        this.#room = lost;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(wait, Math.max(0, until - Date.now()))));
      wait = Math.min(wait * 2, RETRY_MAX_MS);
    }
    this.#leave(code, `could not take the seat back: ${lastError}`);
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

  /** What the bot sees now, as the strategy reads it. */
  snapshot(): Snapshot {
    return snapshotOf(this.room, this.you, this.#opts.audience);
  }

  // ---------------------------------------------------------------- internals

  #decide(): Decision | undefined {
    const o = this.#opts;
    return decide(this.snapshot(), this.memory, { drive: o.drive, minPlayers: o.minPlayers, games: o.games }, o.rng);
  }

  /** Re-decides; schedules the wanted action after a think time unless it is already scheduled. */
  #tick(): void {
    if (this.#stopped || !stateOf(this.room).phase) return;
    const wanted = this.#decide();
    if (wanted?.key === this.#scheduledKey) return;
    this.#clearTimer();
    if (!wanted) return;
    this.#scheduledKey = wanted.key;
    const delay = thinkTime(wanted, this.#opts, this.#opts.rng, stateOf(this.room).deadline ?? 0, Date.now());
    this.#timer = setTimeout(() => this.#fire(wanted.key), delay);
  }

  #fire(key: string): void {
    this.#timer = undefined;
    this.#scheduledKey = undefined;
    if (this.#stopped) return;
    // The game may have moved during the think time: act only if the same action is still wanted.
    const now = this.#decide();
    if (!now || now.key !== key) return this.#tick();
    this.memory.sent.add(now.key);
    this.#lastSent = now;
    this.room.send(now.type, now.payload);
    this.#report(now);
    this.#tick();
  }

  #report(d: Decision): void {
    switch (d.type) {
      case "submit-answer":
        return this.#emit({ type: "answered", answer: d.payload.answer });
      case "submit-elimination-vote":
      case "submit-final-vote":
        return this.#emit({ type: "voted", stage: d.type === "submit-final-vote" ? "final" : "elimination", optionId: d.payload.optionId, text: optionText(this.room, d.payload.optionId) });
      default:
        return this.#emit({ type: "host-action", action: d.type, ...(d.type === "start-game" ? { players: connectedPlayers(this.room) } : {}) });
    }
  }

  #onRefused(e: ErrorEvent): void {
    const outcome = noteRefusal(this.memory, e, this.#lastSent, stateOf(this.room).round ?? 0);
    if (outcome.kind === "retry-answer") this.#emit({ type: "answer-retry", answer: outcome.answer, code: e.code });
    else this.#emit({ type: "refused", requestType: e.requestType, code: e.code, message: e.message });
    this.#tick();
  }

  #onGameComplete(p: GameComplete): void {
    if (!noteGameComplete(this.memory, p.gameId)) return;
    this.#emit({ type: "game-complete", room: true, game: this.memory.gamesCompleted, result: p });
    if (this.memory.gamesCompleted >= this.#opts.games && !this.#settled) {
      this.#settled = true;
      this.#resolve(p);
    }
    this.#tick();
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

  #emit(event: BotEvent): void {
    // Before the join completes only game facts matter (e.g. `game-complete` on joining in final).
    if (!this.#joined && !("room" in event)) return;
    try {
      this.#opts.onEvent?.(event, this);
    } catch (error) {
      console.error("bot event handler failed:", error);
    }
  }
}

// ------------------------------------------------------------------ one bot

/** The connection's `endpoint` is also where a bot takes its seat back after losing its process. */
export interface RunBotOptions extends Omit<BotOptions, "endpoint">, Omit<ConnectOptions, "icon" | "audience"> {
  /** Default `robot`. */
  icon?: Icon;
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

/** How long a bot waits for the first state after joining before it starts anyway. */
const FIRST_STATE_WAIT_MS = 5000;

/** Connects one bot, creates or joins the room, waits for the first state and lets it play. */
export async function runBot(options: RunBotOptions): Promise<BotHandle> {
  let bot: Bot | undefined;
  let room: Room<any>;
  try {
    room = await connect({ ...options, icon: options.icon ?? "robot" }, (r) => {
      bot = new Bot(r, options.name, options);
      bot.start();
    });
  } catch (error) {
    void bot?.stop();
    throw error;
  }
  if (!bot || bot.room !== room) throw new Error("runBot: the SDK created the room without the connection hook");
  const joined: Bot = bot;
  await new Promise<void>((resolve) => {
    if (stateOf(room).phase) return resolve();
    const timer = setTimeout(resolve, FIRST_STATE_WAIT_MS);
    room.onStateChange.once(() => {
      clearTimeout(timer);
      resolve();
    });
  });
  joined.markJoined();
  const st = stateOf(room);
  options.onEvent?.({ type: "joined", code: room.roomId, playerId: room.sessionId, audience: !!options.audience, phase: st.phase ?? "", isHost: st.hostId === room.sessionId }, joined);
  return {
    bot: joined,
    // After a reconnection through matchmaking the bot holds a new room object.
    get room() {
      return joined.room;
    },
    code: room.roomId,
    sessionId: room.sessionId,
    name: options.name,
    finished: joined.finished,
    stop: () => joined.stop(),
  };
}

/** Names a batch tries before giving up on `name-taken`. */
const NAME_ATTEMPTS = 6;

/**
 * Runs bot `index` of a batch under a generated name (bots/names.ts), trying another name when
 * the room already has this one (`name-taken`).
 */
export async function runNamedBot(options: Omit<RunBotOptions, "name">, index: number, salt = 0): Promise<BotHandle> {
  for (let attempt = 0; ; attempt++) {
    const name = options.audience ? fanName(index, salt, attempt) : botName(index, salt, attempt);
    try {
      return await runBot({ ...options, name, icon: options.icon ?? botIcon(index, salt) });
    } catch (error) {
      if (error instanceof JoinError && error.code === "name-taken" && attempt + 1 < NAME_ATTEMPTS) continue;
      throw error;
    }
  }
}

// ------------------------------------------------------------------ a room of bots

export interface StartBotsOptions extends Omit<BotOptions, "audience"> {
  endpoint: string;
  /** Join this room; without it the first bot creates a room and hosts it. */
  code?: string;
  /** With no `code`: the mode of the created room. */
  mode?: Mode;
  /** Player bots (the creating host counts). */
  players: number;
  /** Audience bots that cast one audience vote per round (default 0). */
  audience?: number;
  /** Shifts the generated names, so that batches started separately rarely collide (default random). */
  salt?: number;
  /** Called once the room code is known, before the other bots join. */
  onCode?: (code: string) => void;
  /** Called with each bot as soon as it is in (e.g. to make it leave on Ctrl-C). */
  onBot?: (handle: BotHandle) => void;
}

/**
 * Fills a room with bots, one after another: with no `code`, the first creates the room, hosts
 * it and starts the game once all `players` are in (unless `minPlayers` says otherwise). When a
 * join is refused, the bots already in leave and the error is thrown.
 */
export async function startBots(options: StartBotsOptions): Promise<BotHandle[]> {
  const { endpoint, code: given, mode, players, audience = 0, salt = Math.floor(Math.random() * 16), onCode, onBot, ...botOptions } = options;
  const handles: BotHandle[] = [];
  const add = (handle: BotHandle) => {
    handles.push(handle);
    onBot?.(handle);
  };
  try {
    let code = given;
    if (code === undefined) {
      const host = await runNamedBot({ ...botOptions, endpoint, create: mode ? { mode } : {}, drive: true, minPlayers: botOptions.minPlayers ?? players }, 0, salt);
      add(host);
      code = host.code;
    }
    onCode?.(code);
    for (let i = handles.length; i < players; i++) add(await runNamedBot({ ...botOptions, endpoint, code }, i, salt));
    for (let i = 0; i < audience; i++) add(await runNamedBot({ ...botOptions, endpoint, code, audience: true }, i, salt + 8));
    return handles;
  } catch (error) {
    await Promise.allSettled(handles.map((h) => h.stop()));
    throw error;
  }
}
