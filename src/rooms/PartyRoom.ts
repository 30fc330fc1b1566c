/**
 * One party game (GAME.md). The room is a thin adapter: it turns socket messages and connection
 * events into rules actions, applies them with the pure rules core, projects the result to the
 * synchronised schema, forwards the rules' events, and keeps one timer for the phase deadline.
 * It decides no rule itself.
 */
import { randomInt, randomUUID } from "node:crypto";
import { CloseCode, matchMaker, Room, type Client, type Delayed } from "@colyseus/core";
import { TokenBucket } from "limiter";
import { PartyState } from "../../schema/PartyState.ts";
import { ALL_ERROR_CODES, ErrorCode, type ErrorCode as Code, type GameError } from "../game/errors.ts";
import { appendToLog, buildGameRecord, type ActionLog, type GameRecord } from "../game/record.ts";
import {
  apply,
  createGame,
  gameCompletePayload,
  privateView,
  roundScoresPayload,
  type Action,
  type GameEvent,
} from "../game/rules.ts";
import { RECONNECT_SECONDS } from "../game/settings.ts";
import type { GameState, Question } from "../game/types.ts";
import { logger } from "../logger.ts";
import { gamesCompleted, messagesRefused } from "../metrics.ts";
import { loadQuestionPack } from "../persistence/questionPack.ts";
import { describeIssues, isMessageType, MESSAGE_SCHEMAS, toAction } from "./messages.ts";
import { project } from "./projection.ts";
import { claimRoomCode, CODE_RENEW_MS, releaseRoomCode, renewRoomCode } from "./roomCodes.ts";

/** Server-side room settings, fixed by the deployment (defineRoom defaults override client options). */
export interface PartyRoomSettings {
  /** Length of a timer second in ms: 1000 in play, less on test servers. */
  secondMillis: number;
  /** Seconds a dropped client keeps its seat (GAME.md §11: 60). */
  reconnectSeconds: number;
  /** Sustained messages per second per client before `rate-limited` (GAME.md §11: 20). */
  messagesPerSecond: number;
}

export const DEFAULT_ROOM_SETTINGS: PartyRoomSettings = {
  secondMillis: 1000,
  reconnectSeconds: RECONNECT_SECONDS,
  messagesPerSecond: 20,
};

/** Delay of the repeated `you` after a join or reconnection. */
const GREETING_REPEAT_MS = 300;

/** A room closes after 4 h whatever happens (GAME.md §2). */
const ROOM_LIFETIME_MS = 4 * 3600 * 1000;

/** Called with every finished game's record; the persistence layer plugs in here. */
export type GameCompleteListener = (record: GameRecord) => void;

type StartRequest = { type: "start-game"; by: string };

/** Where a new room gets its question pool: the shipped pack, or the database once wired in. */
let questionSource: () => Promise<readonly Question[]> = loadQuestionPack;
export function setQuestionSource(source: () => Promise<readonly Question[]>): void {
  questionSource = source;
}
const completeListeners = new Set<GameCompleteListener>();
export function onGameComplete(listener: GameCompleteListener): () => void {
  completeListeners.add(listener);
  return () => completeListeners.delete(listener);
}

export class PartyRoom extends Room<{ state: PartyState }> {
  override state = new PartyState();

  #game!: GameState;
  #settings: PartyRoomSettings = DEFAULT_ROOM_SETTINGS;
  #pool: readonly Question[] = [];
  #code: string | undefined;
  #timer: Delayed | undefined;
  #timerDeadline = 0;
  #sentPrivate = new Map<string, string>();
  #buckets = new Map<string, TokenBucket>();
  #log: ActionLog | null = null;

  override async onCreate(options: Partial<PartyRoomSettings> = {}) {
    this.#settings = {
      secondMillis: positive(options.secondMillis, DEFAULT_ROOM_SETTINGS.secondMillis),
      reconnectSeconds: positive(options.reconnectSeconds, DEFAULT_ROOM_SETTINGS.reconnectSeconds),
      messagesPerSecond: positive(options.messagesPerSecond, DEFAULT_ROOM_SETTINGS.messagesPerSecond),
    };
    // At three times the refusal threshold a client is flooding: Colyseus closes its socket.
    this.maxMessagesPerSecond = this.#settings.messagesPerSecond * 3;
    this.#pool = await questionSource();
    const code = await claimRoomCode(this.presence, (c) => matchMaker.driver.has(c));
    this.#code = code;
    this.roomId = code;
    await this.setPrivate(true);
    this.#game = createGame({ code, seed: randomInt(2 ** 32 - 1), secondMillis: this.#settings.secondMillis });
    project(this.#game, this.state);
    this.onMessage("*", (client, type, payload) => this.#onClientMessage(client, type, payload));
    this.clock.setTimeout(() => void this.disconnect(), ROOM_LIFETIME_MS);
    this.clock.setInterval(() => {
      renewRoomCode(this.presence, code).catch((err) => logger.warn({ err, roomId: code }, "could not renew the room code claim"));
    }, CODE_RENEW_MS);
  }

  override onJoin(client: Client, options: unknown) {
    const o = (typeof options === "object" && options !== null ? options : {}) as Record<string, unknown>;
    const error = this.#run({
      type: "join",
      clientId: client.sessionId,
      name: o.name as string | undefined,
      icon: o.icon as string | undefined,
      audience: o.audience as boolean | undefined,
      hostPlays: o.hostPlays as boolean | undefined,
      mode: o.mode as string | undefined,
    });
    // The join promise of the client rejects with exactly this message (GAME.md §9).
    if (error) throw new Error(error.code);
    this.#greet(client);
  }

  override async onDrop(client: Client) {
    if (!this.#knows(client.sessionId)) return;
    this.#lifecycle({ type: "drop", clientId: client.sessionId });
    try {
      await this.allowReconnection(client, this.#settings.reconnectSeconds);
    } catch {
      // The window closed: onLeave follows and makes the departure final.
    }
  }

  override onReconnect(client: Client) {
    if (this.#game.kickedIds.includes(client.sessionId)) throw new Error(ErrorCode.Kicked);
    this.#lifecycle({ type: "reconnect", clientId: client.sessionId });
    this.#sentPrivate.delete(client.sessionId);
    this.#greet(client);
  }

  override onLeave(client: Client) {
    this.#sentPrivate.delete(client.sessionId);
    this.#buckets.delete(client.sessionId);
    if (this.#knows(client.sessionId)) this.#lifecycle({ type: "leave", clientId: client.sessionId });
  }

  override async onDispose() {
    if (this.#code) await releaseRoomCode(this.presence, this.#code);
  }

  override onUncaughtException(error: Error, methodName: string) {
    // A refused join is thrown on purpose (its message is the GAME.md code): not a fault.
    const cause = (error as { cause?: unknown }).cause;
    if ((methodName === "onJoin" || methodName === "onReconnect") && cause instanceof Error && ALL_ERROR_CODES.includes(cause.message as Code)) return;
    logger.error({ err: error, roomId: this.roomId, methodName }, "uncaught error in room");
  }

  // ------------------------------------------------------------ messages

  #onClientMessage(client: Client, type: unknown, payload: unknown) {
    const requestType = typeof type === "string" ? type : String(type);
    const withinRate = this.#bucket(client.sessionId).tryRemoveTokens(1);
    if (!isMessageType(type)) return this.#refuse(client, requestType, ErrorCode.BadRequest, `unknown message type "${requestType}"`);
    const parsed = MESSAGE_SCHEMAS[type].safeParse(payload ?? undefined);
    if (!parsed.success) return this.#refuse(client, requestType, ErrorCode.BadRequest, describeIssues(parsed.error));
    if (!withinRate) return this.#refuse(client, requestType, ErrorCode.RateLimited, "too many messages: slow down");
    const error = this.#run(toAction(type, client.sessionId, parsed.data ?? {}));
    if (error) this.#refuse(client, requestType, error.code, error.message);
  }

  #refuse(client: Client, requestType: string, code: Code, message: string) {
    messagesRefused.inc({ code });
    client.send("error", { code, message, requestType });
  }

  #bucket(sessionId: string): TokenBucket {
    let bucket = this.#buckets.get(sessionId);
    if (!bucket) {
      const rate = this.#settings.messagesPerSecond;
      bucket = new TokenBucket({ bucketSize: rate, tokensPerInterval: rate, interval: "second" });
      bucket.content = rate;
      this.#buckets.set(sessionId, bucket);
    }
    return bucket;
  }

  // ------------------------------------------------------------ applying outcomes

  /** Connection events and timers: internal actions whose refusal means "nothing to do". */
  #lifecycle(action: Action) {
    const error = this.#run(action);
    if (error) logger.debug({ roomId: this.roomId, action: action.type, error }, "lifecycle action ignored");
  }

  /**
   * Every input goes through here: the rules decide, the outcome is committed, and while a game
   * runs the action is logged so the finished game can be replayed.
   */
  #run(input: Action | StartRequest, now = Date.now()): GameError | undefined {
    const action: Action = input.type === "start-game" ? { ...input, pool: this.#pool, gameId: randomUUID() } : input;
    const previous = this.#game;
    const outcome = apply(previous, action, { now });
    if (!outcome.ok) return outcome.error;
    this.#log = appendToLog(this.#log, previous, action, now);
    this.#commit(outcome.state, outcome.events);
    return undefined;
  }

  #commit(next: GameState, events: GameEvent[]) {
    const previous = this.#game;
    this.#game = next;
    project(next, this.state);
    for (const event of events) this.broadcast(event.type, event.payload, { afterNextPatch: true });
    this.#syncPrivate();
    this.#syncTimer();
    for (const id of next.kickedIds) {
      if (!previous.kickedIds.includes(id)) this.clients.get(id)?.leave(CloseCode.CONSENTED, ErrorCode.Kicked);
    }
    if (previous.phase !== "final" && next.phase === "final" && this.#log) {
      const record = buildGameRecord(next, this.#log);
      this.#log = null;
      gamesCompleted.inc();
      for (const listener of completeListeners) listener(record);
    }
  }

  /** `you` goes to a client whenever its private view changes (GAME.md §10). */
  #syncPrivate() {
    for (const client of this.clients) {
      const view = privateView(this.#game, client.sessionId);
      const serialized = JSON.stringify(view);
      if (this.#sentPrivate.get(client.sessionId) === serialized) continue;
      this.#sentPrivate.set(client.sessionId, serialized);
      client.send("you", view, { afterNextPatch: true });
    }
  }

  /** On join and reconnection: the private view, and what a screen needs to redraw results. */
  #greet(client: Client) {
    this.#syncPrivate();
    // Frames that follow the join can reach an SDK before the app's `await join()` resumes and
    // registers its handlers; a second `you` a moment later reaches every client.
    this.clock.setTimeout(() => {
      if (this.clients.get(client.sessionId) === client) client.send("you", privateView(this.#game, client.sessionId));
    }, GREETING_REPEAT_MS);
    const game = this.#game;
    if (game.phase === "results" && game.current?.result) {
      client.send("final-round-scores", roundScoresPayload(game.current.result), { afterNextPatch: true });
    } else if (game.phase === "final") {
      client.send("game-complete", gameCompletePayload(game), { afterNextPatch: true });
    }
  }

  /** One clock timer follows the rules' deadline; firing it is just the `timeout` action. */
  #syncTimer() {
    const deadline = this.#game.deadline;
    if (deadline === this.#timerDeadline) return;
    this.#timer?.clear();
    this.#timer = undefined;
    this.#timerDeadline = deadline;
    if (deadline === 0) return;
    // The room clock measures from its last tick, so it can fire a little before the wall-clock
    // deadline; then it waits out the rest. No phase ends before its deadline.
    const fire = () => {
      const remaining = deadline - Date.now();
      if (remaining > 0) {
        this.#timer = this.clock.setTimeout(fire, remaining);
        return;
      }
      this.#timerDeadline = 0;
      this.#timer = undefined;
      this.#lifecycle({ type: "timeout" });
    };
    this.#timer = this.clock.setTimeout(fire, Math.max(0, deadline - Date.now()));
  }

  #knows(id: string): boolean {
    const g = this.#game;
    return !!g.players[id] || !!g.audience[id] || g.displayHost?.id === id;
  }
}

function positive(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : fallback;
}
