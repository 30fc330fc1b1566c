/**
 * One party game (GAME.md). The room is a thin adapter: it turns socket messages and connection
 * events into rules actions, applies them with the pure rules core, projects the result to the
 * synchronised schema, forwards the rules' events, and keeps one timer for the phase deadline.
 * It decides no rule itself.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { ErrorCode as MatchmakeCode, matchMaker, Room, ServerError, type AuthContext, type Client } from "@colyseus/core";
import { Encoder, StateView } from "@colyseus/schema";
import { TokenBucket } from "limiter";
import { PartyState } from "../../schema/PartyState.ts";
import type { GameError } from "../game/errors.ts";
import { appendToLog, buildGameRecord, type ActionLog } from "../game/record.ts";
import {
  apply,
  createGame,
  gameCompletePayload,
  privateView,
  roundScoresPayload,
  type Action,
  type GameEvent,
  type PrivateView,
} from "../game/rules.ts";
import { SEED_BYTES } from "../game/rng.ts";
import { DEFAULTS } from "../config.ts";
import type { GameState, Question } from "../game/types.ts";
import { logger } from "../logger.ts";
import { gamesCompleted, messagesRefused } from "../metrics.ts";
import {
  checkMessage,
  CloseCode,
  ErrorCode,
  FLOOD_FACTOR,
  isErrorCode,
  KICKED_CLOSE_REASON,
  ROOM_LIFETIME_MS,
  type ErrorCode as Code,
} from "../protocol.ts";
import { toAction, type StartRequest } from "./messages.ts";
import { project } from "./projection.ts";
import { claimRoomCode, CODE_RENEW_MS, reclaimRoomCode, releaseRoomCode, renewRoomCode } from "./roomCodes.ts";
import { rebuild, RoomCheckpointer, type CheckpointBase, type RoomCheckpoint } from "./checkpoint.ts";
import { checkpointStore, disposeIfAbandoned, registerLocalRoom, reserveRestoredSeat, restoredDropOrder, takeRestoreIntent, unregisterLocalRoom, type LocalRoom } from "./restore.ts";
import { closeFloodingClients, watchCreatorSeat } from "./colyseusHooks.ts";
import { RoomTimers } from "./roomTimers.ts";
import { adoptPool, completeListeners, questionSource } from "./roomServices.ts";
import { beginMessage, endMessage, observeCommit, observeDispose, observeShown } from "./roomMetrics.ts";
import { RoomLog } from "./roomLog.ts";
import { reportError } from "../errorTracking.ts";
import { AudienceByAddress, checkJoinOptions, joinAddress, type JoinAuth } from "./joinGuard.ts";

/** Server-side room settings, fixed by the deployment (defineRoom defaults override client options). */
export interface PartyRoomSettings {
  /** Length of a timer second in ms: 1000 in play, less on test servers. */
  secondMillis: number;
  /** Seconds a dropped client keeps its seat (GAME.md §11: 60). */
  reconnectSeconds: number;
  /** Sustained messages per second per client before `rate-limited` (GAME.md §11: 20). */
  messagesPerSecond: number;
  /** Audience members one client address may have in the room; more joins are `rate-limited`. */
  maxAudiencePerIp: number;
}

/** A room built without settings (tests, tools) gets the server's own defaults. */
export const DEFAULT_ROOM_SETTINGS: PartyRoomSettings = {
  secondMillis: DEFAULTS.secondMillis,
  reconnectSeconds: DEFAULTS.reconnectSeconds,
  messagesPerSecond: DEFAULTS.messagesPerSecond,
  maxAudiencePerIp: DEFAULTS.maxAudiencePerIp,
};

/**
 * The room sends each patch itself, right after the change (#commit), so there is no patch loop.
 * Colyseus has no plain "off": a `patchRate` of null or 0 makes it tick the room clock every
 * 16 ms instead. An interval this long (the longest Node timers allow, 24.8 days, beyond the
 * room's lifetime) never fires, so an idle room runs nothing per second. The room's own timers
 * are Node timers for the same reason: the room clock only runs while something ticks it.
 */
const NO_PATCH_LOOP_MS = 2 ** 31 - 1;

/**
 * Each room's encoder holds two buffers of this size (Colyseus's default is 16 KiB each). The
 * largest full state of a room (8 players, 10 options of 100 four-byte characters, the
 * question) stays under 6 KiB; a larger one still encodes, Colyseus grows the buffer.
 */
Encoder.BUFFER_SIZE = 8 * 1024;

/** Delay of the repeated `you` after a join or reconnection. */
const GREETING_REPEAT_MS = 300;

/** How long after its seat reservation ran out a creator that never joined is given up. */
const CREATOR_GRACE_MS = 1000;

export class PartyRoom extends Room<{ state: PartyState }> {
  override state = new PartyState();
  // Read by Colyseus before onCreate, so the default 50 ms loop is never started.
  override patchRate = NO_PATCH_LOOP_MS;

  #game!: GameState;
  #settings: PartyRoomSettings = DEFAULT_ROOM_SETTINGS;
  #pool: readonly Question[] = [];
  #code: string | undefined;
  readonly #timers = new RoomTimers((error, methodName) => this.onUncaughtException(error, methodName));
  /** Per session: its message budget and the private view it was last sent (one map, not two: memory per room). */
  #sessions = new Map<string, SessionData>();
  #log: ActionLog | null = null;
  /** The session whose create request made the room: the host once it joins (GAME.md §2). */
  #creatorId: string | undefined;
  /** The state clients have been shown: the rules' state once its checkpoint is written. */
  #shown!: GameState;
  /** Writes the room's checkpoint (src/rooms/checkpoint.ts); none when no store is configured. */
  #checkpoint: RoomCheckpointer | undefined;
  /** Set by freeze(): the checkpoint and the code claim outlive this copy of the room. */
  #frozen = false;
  #createdAt = Date.now();
  /** The room's lines in the log (src/rooms/roomLog.ts). */
  #story: RoomLog | undefined;
  readonly #local: LocalRoom = { flushed: () => this.#checkpoint?.flushed() ?? Promise.resolve(), handOff: () => this.freeze() };

  override async onCreate(options: Partial<PartyRoomSettings> = {}) {
    // First thing, before any await: restore.ts hands a checkpoint over only synchronously.
    const restoring = takeRestoreIntent();
    if (restoring) return this.#restore(restoring);
    this.#settings = {
      secondMillis: positive(options.secondMillis, DEFAULT_ROOM_SETTINGS.secondMillis),
      reconnectSeconds: positive(options.reconnectSeconds, DEFAULT_ROOM_SETTINGS.reconnectSeconds),
      messagesPerSecond: positive(options.messagesPerSecond, DEFAULT_ROOM_SETTINGS.messagesPerSecond),
      maxAudiencePerIp: positive(options.maxAudiencePerIp, DEFAULT_ROOM_SETTINGS.maxAudiencePerIp),
    };
    // At three times the refusal threshold a client is flooding: its socket closes at once, with
    // its seat kept for reconnection (onDrop).
    closeFloodingClients(this, this.#settings.messagesPerSecond * FLOOD_FACTOR, CloseCode.Flood, (client) => {
      logger.warn({ roomId: this.roomId, sessionId: client.sessionId }, "client closed for flooding");
    });
    this.#pool = adoptPool(await questionSource());
    const code = await claimRoomCode(this.presence, (c) => matchMaker.driver.has(c));
    this.#code = code;
    this.roomId = code;
    await this.setPrivate(true);
    this.#game = this.#shown = createGame({ code, secondMillis: this.#settings.secondMillis });
    project(this.#game, this.state);
    this.#startCheckpoints(code, {});
    await watchCreatorSeat(this, (sessionId, seconds) => {
      this.#creatorId = sessionId;
      // A creator that never connects must not leave the room without a host forever.
      this.#timers.after(seconds * 1000 + CREATOR_GRACE_MS, () => this.#lifecycle({ type: "creator-absent" }));
    });
    this.#story = new RoomLog(code);
    this.#serve(code);
  }

  /** Messages, lifetime and the code claim: the same for a new and a restored room. */
  #serve(code: string) {
    this.onMessage("*", (client, type, payload) => {
      beginMessage();
      endMessage(this.#onClientMessage(client, type, payload));
    });
    this.#timers.after(Math.max(0, this.#createdAt + ROOM_LIFETIME_MS - Date.now()), () => void this.disconnect());
    this.#timers.every(CODE_RENEW_MS, () => {
      renewRoomCode(this.presence, code).catch((err) => logger.warn({ err, roomId: code }, "could not renew the room code claim"));
    });
  }

  /**
   * A room rebuilt from its checkpoint after its process was lost (src/rooms/restore.ts): same
   * code, same game; everyone is disconnected and has a fresh reconnection window under the token
   * their client already holds.
   */
  async #restore(checkpoint: RoomCheckpoint) {
    const { base, seats } = checkpoint;
    this.#settings = { ...DEFAULT_ROOM_SETTINGS, ...base.settings };
    closeFloodingClients(this, this.#settings.messagesPerSecond * FLOOD_FACTOR, CloseCode.Flood, (client) => {
      logger.warn({ roomId: this.roomId, sessionId: client.sessionId }, "client closed for flooding");
    });
    const { game, log } = rebuild(checkpoint);
    this.#pool = adoptPool(await questionSource());
    const code = base.code;
    this.#code = code;
    this.roomId = code;
    await reclaimRoomCode(this.presence, code);
    await this.setPrivate(true);
    this.#game = this.#shown = game;
    this.#log = log;
    this.#creatorId = base.creatorId ?? undefined;
    this.#createdAt = base.createdAt;
    project(game, this.state);
    this.#startCheckpoints(code, seats);
    // The connections went with the old process. Dropped at the time of the last checkpoint, so
    // a timed phase pauses with the time it had left then, and resumes when someone is back.
    const lastAt = Math.max(base.savedAt, ...checkpoint.tail.map((e) => e.at));
    for (const id of restoredDropOrder(game)) this.#lifecycle({ type: "drop", clientId: id }, lastAt);
    const window = this.#settings.reconnectSeconds;
    for (const id of this.#memberIds()) {
      const token = seats[id];
      if (token) await reserveRestoredSeat(this, id, token, window);
      // A member whose token was never written cannot come back: gone when its window would end.
      else this.#timers.after(window * 1000, () => this.#lifecycle({ type: "leave", clientId: id }));
    }
    if (!this.#game.founded) this.#lifecycle({ type: "creator-absent" });
    this.#story = new RoomLog(code, { restoredFrom: base.createdAt, gameId: game.gameId });
    this.#serve(code);
  }

  #startCheckpoints(code: string, seats: Record<string, string>) {
    const store = checkpointStore();
    if (!store) return;
    this.#checkpoint = new RoomCheckpointer(store, code, { base: (savedAt) => this.#checkpointBase(savedAt) }, seats);
    registerLocalRoom(code, this.#local);
  }

  #checkpointBase(savedAt: number): CheckpointBase {
    return {
      v: 1,
      code: this.#code!,
      savedAt,
      createdAt: this.#createdAt,
      settings: this.#settings,
      creatorId: this.#creatorId ?? null,
      game: this.#game,
      log: this.#log,
    };
  }

  /**
   * For a move to another process (src/rooms/drain.ts): resolves once everything applied is in
   * the checkpoint; from then on nothing is written, and disposing of this copy keeps the
   * checkpoint and the code claim for the process that restores the room.
   */
  async freeze(): Promise<void> {
    await this.#checkpoint?.flushed();
    // No write may land after this resolves: the peer that restores the room writes next.
    await this.#checkpoint?.close();
    this.#frozen = true;
  }

  /** Everyone the room knows who may still come back: players not gone, audience, display host. */
  #memberIds(): string[] {
    const g = this.#game;
    return [...Object.values(g.players).filter((p) => !p.gone).map((p) => p.id), ...Object.keys(g.audience), ...(g.displayHost ? [g.displayHost.id] : [])];
  }

  override onJoin(client: Client, options: unknown) {
    const o = (typeof options === "object" && options !== null ? options : {}) as Record<string, unknown>;
    this.#admitAudience(client, o);
    const creator = client.sessionId === this.#creatorId;
    const error = this.#run({
      type: "join",
      clientId: client.sessionId,
      name: o.name as string | undefined,
      icon: o.icon as string | undefined,
      audience: o.audience as boolean | undefined,
      hostPlays: o.hostPlays as boolean | undefined,
      mode: o.mode as string | undefined,
      creator,
    });
    if (error) {
      // A creator refused (say, a bad name) will not come back with that seat: hand the role on.
      if (creator) this.#lifecycle({ type: "creator-absent" });
      throw this.#refuseJoin(client, error.code);
    }
    return this.#seated(client);
  }

  /**
   * The seat's token goes in the checkpoint before the client learns it (Colyseus sends it once
   * onJoin/onReconnect resolve), and the client is greeted once its arrival is shown.
   */
  #seated(client: Client): void | Promise<void> {
    if (!this.#checkpoint) return this.#greet(client);
    this.#checkpoint.seat(client.sessionId, client.reconnectionToken);
    return this.#checkpoint.flushed().then(() => this.#greet(client));
  }

  override onDrop(client: Client) {
    if (!this.#knows(client.sessionId)) return;
    this.#lifecycle({ type: "drop", clientId: client.sessionId });
    // Not awaited: Colyseus closes a socket it drops (a flood) only once onDrop returns, and a
    // client must never stay connected but ignored (GAME.md §11). The seat stays reserved.
    this.allowReconnection(client, this.#settings.reconnectSeconds).catch(() => {
      // The window closed: onLeave follows and makes the departure final.
    });
  }

  override onReconnect(client: Client) {
    // The rules decide whether this seat may come back (a kicked client's may not: `kicked`,
    // GAME.md §9); a refused reconnection gets no seat.
    const error = this.#run({ type: "reconnect", clientId: client.sessionId });
    if (error) throw this.#refuseJoin(client, error.code);
    // Before the full state goes out: the returning player's `own` data must be in it.
    this.#showOwnRow(client);
    this.#session(client.sessionId).sent = undefined;
    return this.#seated(client);
  }

  override onLeave(client: Client) {
    // The seat is gone for good: free the view's slot now rather than at garbage collection.
    client.view?.dispose();
    this.#sessions.delete(client.sessionId);
    if (this.#knows(client.sessionId)) this.#lifecycle({ type: "leave", clientId: client.sessionId });
    this.#checkpoint?.seat(client.sessionId, null);
    // A restored seat whose window ran out unused (Colyseus passes no real client): with nobody
    // left, the room goes as any empty room would.
    if (!("ref" in client)) disposeIfAbandoned(this);
  }

  override async onDispose() {
    // A room handed to another process (drain, restore) goes on there: its game is not abandoned.
    observeDispose(this, this.#frozen ? undefined : this.#game);
    this.#story?.closed(this.#game, this.#frozen ? "handed over" : undefined);
    this.#timers.clearAll();
    if (this.#code) unregisterLocalRoom(this.#code, this.#local);
    if (this.#frozen) return;
    // The room ended here for good (final scores left, everyone gone, lifetime over): its
    // checkpoint must not bring it back.
    await this.#checkpoint?.close();
    if (this.#code && this.#checkpoint) await checkpointStore()?.remove(this.#code).catch((err) => logger.warn({ err, roomId: this.#code }, "could not delete the room's checkpoint"));
    if (this.#code) await releaseRoomCode(this.presence, this.#code);
  }

  /**
   * A refused join is the client's doing, not a fault: one info line, no stack. A ServerError is
   * what Colyseus passes to the client without printing it; the join promise of the client
   * rejects with exactly the code (GAME.md §9).
   */
  #refuseJoin(client: Client, code: Code): ServerError {
    logger.info({ roomId: this.roomId, sessionId: client.sessionId, code }, "join refused");
    return new ServerError(MatchmakeCode.APPLICATION_ERROR, code);
  }

  // ------------------------------------------------------------ before a seat (issue #7 #8, #9)

  /**
   * Colyseus runs this for create and join before it reserves a seat: options of the wrong
   * shape are refused `bad-request` without one. The seat carries the client address on to
   * onJoin (`client.auth`). Reconnection does not pass here.
   */
  static override async onAuth(_token: string, options: unknown, context: AuthContext): Promise<JoinAuth> {
    return checkJoinOptions(options, context.ip);
  }

  #audienceByAddress = new AudienceByAddress();

  /** One address may fill only so much of a room's audience (MAX_AUDIENCE_PER_IP). */
  #admitAudience(client: Client, options: Record<string, unknown>): void {
    if (options.audience !== true) return;
    const listed = (id: string) => !!this.#game.audience[id];
    if (!this.#audienceByAddress.admit(client.sessionId, joinAddress(client.auth), this.#settings.maxAudiencePerIp, listed)) {
      throw this.#refuseJoin(client, ErrorCode.RateLimited);
    }
  }

  override onUncaughtException(error: Error, methodName: string) {
    // A refused join is thrown on purpose (its message is the GAME.md code): not a fault.
    const cause = (error as { cause?: unknown }).cause;
    if ((methodName === "onJoin" || methodName === "onReconnect") && cause instanceof Error && isErrorCode(cause.message)) return;
    logger.error({ err: error, roomId: this.roomId, methodName }, "uncaught error in room");
    reportError(error, { roomId: this.roomId, methodName });
  }

  // ------------------------------------------------------------ messages

  /** Whether the message was accepted; its patch and events go out once its checkpoint is written (#commit). */
  #onClientMessage(client: Client, type: unknown, payload: unknown): boolean {
    // Colyseus treats a message whose type is literally "*" as addressed to this handler by
    // name: the payload arrives where the type should be, and Colyseus's dispatch context (it
    // has functions, which no decoded payload can) as the payload. Found by the fuzz suite.
    const literalStar = typeof (payload as { resolve?: unknown } | null)?.resolve === "function";
    const requestType = literalStar ? "*" : String(type);
    // Every message spends a token, refused ones too, so that bad requests are not free.
    const withinRate = this.#bucket(client.sessionId).tryRemoveTokens(1);
    // GAME.md §9 order: type, shape and bounds (the protocol's schemas) first, then the rate,
    // then the rules core (role, phase, the rule itself).
    const checked = literalStar ? checkMessage("*", undefined) : checkMessage(type, payload);
    if (!checked.ok) return this.#refuse(client, requestType, ErrorCode.BadRequest, checked.reason);
    if (!withinRate) return this.#refuse(client, requestType, ErrorCode.RateLimited, "too many messages: slow down");
    const error = this.#run(toAction(checked.message, client.sessionId));
    if (error) return this.#refuse(client, requestType, error.code, error.message);
    return true;
  }

  #refuse(client: Client, requestType: string, code: Code, message: string): false {
    messagesRefused.inc({ code });
    client.send("error", { code, message, requestType });
    return false;
  }

  #bucket(sessionId: string): TokenBucket {
    const session = this.#session(sessionId);
    if (!session.bucket) {
      const rate = this.#settings.messagesPerSecond;
      session.bucket = new TokenBucket({ bucketSize: rate, tokensPerInterval: rate, interval: "second" });
      session.bucket.content = rate;
    }
    return session.bucket;
  }

  #session(sessionId: string): SessionData {
    let session = this.#sessions.get(sessionId);
    if (!session) this.#sessions.set(sessionId, (session = {}));
    return session;
  }

  // ------------------------------------------------------------ applying outcomes

  /** Connection events and timers: internal actions whose refusal means "nothing to do". */
  #lifecycle(action: Action, now = Date.now()) {
    const error = this.#run(action, now);
    if (error) logger.debug({ roomId: this.roomId, action: action.type, error }, "lifecycle action ignored");
  }

  /**
   * Every input goes through here: the rules decide, the outcome is committed, and while a game
   * runs the action is logged so the finished game can be replayed.
   */
  #run(input: Action | StartRequest, now = Date.now()): GameError | undefined {
    // Every game, play-again included, gets a fresh secret 256-bit seed (issue #7 finding 3).
    const action: Action =
      input.type === "start-game" ? { ...input, pool: this.#pool, gameId: randomUUID(), seed: randomBytes(SEED_BYTES).toString("hex") } : input;
    const previous = this.#game;
    const outcome = apply(previous, action, { now });
    if (!outcome.ok) return outcome.error;
    this.#log = appendToLog(this.#log, previous, action, now);
    this.#checkpoint?.action(action, now);
    this.#commit(outcome.state, outcome.events);
    this.#story?.applied(previous, action, outcome.state);
    return undefined;
  }

  #commit(next: GameState, events: GameEvent[]) {
    const previous = this.#game;
    this.#game = next;
    observeCommit(this, previous, next);
    if (previous.phase !== "final" && next.phase === "final" && this.#log) {
      const record = buildGameRecord(next, this.#log);
      this.#log = null;
      gamesCompleted.inc();
      for (const listener of completeListeners) listener(record);
    }
    // With checkpoints, clients see an outcome only once it is written (issue 11): a process
    // lost right after can be replaced without taking back anything a client was shown.
    if (this.#checkpoint) this.#checkpoint.after(() => this.#show(previous, next, events));
    else this.#show(previous, next, events);
  }

  #show(previous: GameState, next: GameState, events: GameEvent[]) {
    this.#shown = next;
    project(next, this.state);
    for (const client of this.clients) this.#showOwnRow(client);
    // The patch goes out now rather than at a tick, and before anything that refers to it: a
    // client holds the state an event or its `you` names when that arrives (docs/PROTOCOL.md §6,
    // §8). Clients still joining get none of it now; their full state comes first, then what
    // was queued for them.
    this.broadcastPatch();
    this.#syncPrivate(previous.current === next.current);
    for (const event of events) this.broadcast(event.type, event.payload);
    observeShown(this);
    this.#syncTimer();
    for (const id of next.kickedIds) {
      if (!previous.kickedIds.includes(id)) this.clients.get(id)?.leave(CloseCode.Consented, KICKED_CLOSE_REASON);
    }
  }

  /**
   * GAME.md §10 private view in the state: a player's client sees its own row's `own` child and
   * no one else's. Runs in every commit, so in onJoin before the first full state is sent; a
   * client without a row (audience, display host) gets no view and so decodes no `own` at all.
   */
  #showOwnRow(client: Client) {
    const row = this.state.players.get(client.sessionId);
    if (!row) return;
    client.view ??= new StateView();
    // A second add of a visible row would re-send it whole; once is enough.
    if (!client.view.has(row)) client.view.add(row);
  }

  /**
   * `you` goes to a client whenever its private view changes (GAME.md §10). Everything a private
   * view is made of lives in the round (`current`), and the rules never change a committed
   * state in place, so a commit that kept the round object changed no one's view: nothing to do.
   * A client that has just joined or returned gets its view from #greet.
   */
  #syncPrivate(roundKept: boolean) {
    if (roundKept) return;
    for (const client of this.clients) this.#sendPrivate(client);
  }

  /** Sends `you` unless this client was last sent the same view. */
  #sendPrivate(client: Client) {
    const view = privateView(this.#shown, client.sessionId);
    const session = this.#session(client.sessionId);
    if (session.sent && samePrivateView(session.sent, view)) return;
    session.sent = view;
    client.send("you", view);
  }

  /** On join and reconnection: the private view, and what a screen needs to redraw results. */
  #greet(client: Client) {
    this.#sendPrivate(client);
    // Frames that follow the join can reach an SDK before the app's `await join()` resumes and
    // registers its handlers; a second `you` a moment later reaches every client.
    this.#timers.after(GREETING_REPEAT_MS, () => {
      if (this.clients.get(client.sessionId) === client) client.send("you", privateView(this.#shown, client.sessionId));
    });
    // A client being greeted is still joining: what is sent now reaches it after its full state.
    const game = this.#shown;
    if (game.phase === "results" && game.current?.result) {
      client.send("final-round-scores", roundScoresPayload(game.current.result));
    } else if (game.phase === "final") {
      client.send("game-complete", gameCompletePayload(game));
    }
  }

  /** One timer follows the rules' deadline; firing it is just the `timeout` action. */
  #syncTimer() {
    this.#timers.followDeadline(this.#game.deadline, () => this.#lifecycle({ type: "timeout" }));
  }

  #knows(id: string): boolean {
    const g = this.#game;
    return !!g.players[id] || !!g.audience[id] || g.displayHost?.id === id;
  }
}

interface SessionData {
  bucket?: TokenBucket;
  sent?: PrivateView;
}

function samePrivateView(a: PrivateView, b: PrivateView): boolean {
  if (a.playerId !== b.playerId || a.eliminationVote !== b.eliminationVote || a.finalVote !== b.finalVote) return false;
  return a.ownOptionIds.length === b.ownOptionIds.length && a.ownOptionIds.every((id, i) => id === b.ownOptionIds[i]);
}

function positive(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : fallback;
}
