/**
 * One browser tab's place in one room: the connection (create, join, reconnect with the stored
 * token, the SDK's automatic reconnection and our own when the SDK gives up) and a small store
 * that turns `room.state` and the events into a plain {@link Snapshot} the page renders from.
 *
 * Screens are drawn from the state (docs/PROTOCOL.md §6: the state is the source, the events are
 * cues); events only add what the state never holds: the reveal, the round scores, the winners,
 * the elimination tie, refusals.
 */
import { Client, type Room } from "@colyseus/sdk";
import {
  CloseCode,
  KICKED_CLOSE_REASON,
  PHASES,
  RECONNECT_SECONDS,
  ROOM_NAME,
  canonicalCode,
  type AllVotesSubmitted,
  type EliminationComplete,
  type ErrorEvent,
  type FinalRoundScores,
  type GameComplete,
  type Icon,
  type MessageInputs,
  type MessageType,
  type Mode,
  type Phase,
  type PublicQuestion,
  type QuestionType,
  type ServerEvent,
  type OptionRow,
  type OwnValues,
  type PlayerRow,
  type ServerEvents,
  type SettingsValues,
  type You,
} from "../../src/protocol.ts";
import { CONNECTION_SENTENCES, refusalOf, sentenceFor, type Refusal } from "./errors.ts";

// ---------------------------------------------------------------- snapshot types

/** Where the connection stands; the connection banner is drawn from it. */
export type ConnectionStatus =
  /** Not in a room yet (a join form is showing). */
  | "idle"
  /** A create, join or reconnect is on its way. */
  | "connecting"
  | "connected"
  /** Dropped; trying to get back in with the token. */
  | "reconnecting"
  /** Dropped, and the server does not answer at all (still trying). */
  | "unreachable"
  /** The room closed, or our seat is no longer held: nothing to reconnect to. */
  | "gone"
  /** The host kicked this client. */
  | "kicked"
  /** This tab left on purpose. */
  | "left";

/** One player row as the pages use it. */
export type PlayerView = PlayerRow;

/** The private part of our own row (PROTOCOL §6), or an audience member's vote from `you`. */
export type OwnView = OwnValues;

export type OptionView = OptionRow;

export type SettingsView = SettingsValues;

/** The public room state, copied out of `room.state` (PROTOCOL §5). */
export interface GameView {
  code: string;
  phase: Phase;
  round: number;
  totalRounds: number;
  mode: Mode;
  hostId: string;
  deadline: number;
  paused: boolean;
  audienceCount: number;
  settings: SettingsView;
  /** In the order they joined. */
  players: PlayerView[];
  question: PublicQuestion;
  options: OptionView[];
}

/** How this client takes part: decided by the state (a row or not, `hostId`). */
export type Role = "player" | "audience" | "display-host";

/** Everything a page renders, recomputed on every state patch and event. */
export interface Snapshot {
  status: ConnectionStatus;
  /** The room code we are in (or last tried). */
  code: string | null;
  sessionId: string | null;
  role: Role | null;
  /** True when `hostId` names us. */
  isHost: boolean;
  game: GameView | null;
  /** Our own player row; null for the audience and a display host. */
  me: PlayerView | null;
  /** Our options and votes (players: the state's `own`; audience: its vote from `you`). */
  own: OwnView | null;
  /** Answered (in `question`) or voted (in `elimination`/`voting`) among connected players. */
  progress: { done: number; of: number };
  /** This round's `elimination-complete`, if it arrived (it says whether there was a tie). */
  elimination: EliminationComplete | null;
  /** This round's `all-votes-submitted`. */
  votes: AllVotesSubmitted | null;
  /** This round's `final-round-scores` (also sent to us on a reconnect during `results`). */
  roundScores: FinalRoundScores | null;
  /** `game-complete` (also sent on a reconnect during `final`). */
  gameComplete: GameComplete | null;
  /** The last refusal, until the next send or phase; `seq` grows with every refusal. */
  error: (Refusal & { requestType: string | null; seq: number }) | null;
}

const EMPTY_PROGRESS = { done: 0, of: 0 } as const;

function emptySnapshot(): Snapshot {
  return {
    status: "idle",
    code: null,
    sessionId: null,
    role: null,
    isHost: false,
    game: null,
    me: null,
    own: null,
    progress: EMPTY_PROGRESS,
    elimination: null,
    votes: null,
    roundScores: null,
    gameComplete: null,
    error: null,
  };
}

// ---------------------------------------------------------------- decoded state shapes

// The SDK decodes the state from the server's reflection; these are the fields we read (PROTOCOL §5).
interface Each<T> {
  forEach(cb: (value: T, key: string) => void): void;
}
interface RawPlayer extends PlayerRow {
  own?: { ownOptionIds?: Each<string>; eliminationVote?: string; finalVote?: string };
}
interface RawState {
  code?: string;
  phase?: string;
  round?: number;
  totalRounds?: number;
  mode?: string;
  hostId?: string;
  deadline?: number;
  paused?: boolean;
  audienceCount?: number;
  settings?: Partial<SettingsView>;
  players?: Each<RawPlayer>;
  question?: { id?: string; text?: string; type?: string; imageUrl?: string };
  options?: Each<{ id: string; text: string; eliminated: boolean }>;
}

function listOf<T>(each: Each<T> | undefined): T[] {
  const out: T[] = [];
  each?.forEach((value) => out.push(value));
  return out;
}

function playerView(p: RawPlayer): PlayerView {
  return {
    id: p.id,
    name: p.name,
    icon: p.icon,
    score: p.score,
    connected: p.connected,
    isHost: p.isHost,
    hasAnswered: p.hasAnswered,
    hasVoted: p.hasVoted,
  };
}

/** Copies the public state out of the SDK's schema objects. */
export function gameViewOf(state: RawState): GameView {
  const s = state.settings ?? {};
  const phase = (PHASES as readonly string[]).includes(state.phase ?? "") ? (state.phase as Phase) : "lobby";
  return {
    code: state.code ?? "",
    phase,
    round: state.round ?? 0,
    totalRounds: state.totalRounds ?? 0,
    mode: (state.mode as Mode) ?? "8-round",
    hostId: state.hostId ?? "",
    deadline: state.deadline ?? 0,
    paused: state.paused ?? false,
    audienceCount: state.audienceCount ?? 0,
    settings: {
      questionSeconds: s.questionSeconds ?? 0,
      eliminationSeconds: s.eliminationSeconds ?? 0,
      votingSeconds: s.votingSeconds ?? 0,
      resultsSeconds: s.resultsSeconds ?? 0,
      extendedTimers: s.extendedTimers ?? false,
      familyFriendly: s.familyFriendly ?? true,
      hostPlays: s.hostPlays ?? true,
    },
    players: listOf(state.players).map(playerView),
    question: {
      id: state.question?.id ?? "",
      text: state.question?.text ?? "",
      type: (state.question?.type as QuestionType) || "text",
      imageUrl: state.question?.imageUrl ?? "",
    },
    options: listOf(state.options).map((o) => ({ id: o.id, text: o.text, eliminated: o.eliminated })),
  };
}

function ownViewOf(row: RawPlayer | undefined): OwnView | null {
  const own = row?.own;
  if (!own) return null;
  return {
    ownOptionIds: listOf(own.ownOptionIds),
    eliminationVote: own.eliminationVote || null,
    finalVote: own.finalVote || null,
  };
}

/** Who has answered or voted in this phase, counted among the players the phase waits for. */
export function progressOf(game: GameView): { done: number; of: number } {
  const waitedFor = game.players.filter((p) => p.connected);
  if (game.phase === "question") return { done: waitedFor.filter((p) => p.hasAnswered).length, of: waitedFor.length };
  if (game.phase === "elimination" || game.phase === "voting") return { done: waitedFor.filter((p) => p.hasVoted).length, of: waitedFor.length };
  return EMPTY_PROGRESS;
}

// ---------------------------------------------------------------- the session

/** The Colyseus client for this page's own server (same origin). */
class RobotsClient extends Client {
  /** Called with each Room before it connects, so no frame can arrive before its handler. */
  beforeConnect: ((room: Room) => void) | null = null;
  protected override createRoom<T>(roomName: string, rootSchema?: never): Room<any, T> {
    const room = super.createRoom<T>(roomName, rootSchema);
    this.beforeConnect?.(room);
    return room;
  }
}

/** Options for a {@link Session}. */
export interface SessionOptions {
  /** Server origin; defaults to the page's own (`location`). */
  endpoint?: string;
  /** Where tokens are kept; defaults to `localStorage`. */
  storage?: Storage;
  /** Storage key prefix; the code is appended. Phones use the default. */
  tokenKeyPrefix?: string;
}

/** After an unexpected close, how long a room that is not found yet may still be coming up elsewhere. */
const MOVE_RETRY_MS = 30_000;
/** The SDK's own reconnection attempts (same socket address) before matchmaking is asked. */
const SDK_RETRIES = 3;

/** Default key prefix for the reconnection token: `robots:reconnect:<CODE>`. */
export const TOKEN_KEY_PREFIX = "robots:reconnect:";

/** Codes with a stored token under `prefix` (for a page that reloads without a code in its URL). */
export function storedCodes(storage: Storage = localStorage, prefix = TOKEN_KEY_PREFIX): string[] {
  const codes: string[] = [];
  for (let i = 0; i < storage.length; i++) {
    const key = storage.key(i);
    if (key?.startsWith(prefix)) codes.push(key.slice(prefix.length));
  }
  return codes;
}

/** What `create` takes (PROTOCOL §3). */
export interface CreateOptions {
  hostPlays: boolean;
  mode?: Mode;
  name?: string;
  icon?: Icon;
}

/** What `join` takes (PROTOCOL §3). */
export interface JoinOptions {
  name: string;
  icon: Icon;
  audience?: boolean;
}

type Listener = (snapshot: Snapshot) => void;
type EventListener = (event: ServerEvent) => void;

/**
 * A tab's session. Call one of {@link create}, {@link join} or {@link resume}; render from
 * {@link subscribe}; act with {@link send}.
 */
export class Session {
  readonly #client: RobotsClient;
  readonly #storage: Storage | null;
  readonly #prefix: string;
  #room: Room | null = null;
  #snapshot: Snapshot = emptySnapshot();
  #listeners = new Set<Listener>();
  #eventListeners = new Set<EventListener>();
  #notifyQueued = false;
  #errorSeq = 0;
  #audienceVote: You | null = null;
  #roundKey = "";
  #leaving = false;

  constructor(options: SessionOptions = {}) {
    this.#client = new RobotsClient(options.endpoint ?? `${location.protocol}//${location.host}`);
    this.#client.beforeConnect = (room) => {
      // The newest room is the current one from its first frame on: the join reply, the first
      // patch and a catch-up event can all arrive before the awaited call returns.
      this.#room = room;
      this.#leaving = false;
      this.#listen(room);
    };
    this.#storage = options.storage ?? safeLocalStorage();
    this.#prefix = options.tokenKeyPrefix ?? TOKEN_KEY_PREFIX;
  }

  /** The current snapshot. */
  get snapshot(): Snapshot {
    return this.#snapshot;
  }

  /** The SDK room, while there is one (tests and debugging). */
  get room(): Room | null {
    return this.#room;
  }

  /** Calls `listener` now and after every change; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    listener(this.#snapshot);
    return () => this.#listeners.delete(listener);
  }

  /** Every server event as it arrives (for sounds and animation cues); returns the unsubscribe function. */
  onEvent(listener: EventListener): () => void {
    this.#eventListeners.add(listener);
    return () => this.#eventListeners.delete(listener);
  }

  /** The stored token for a code, if any. */
  storedToken(code: string): string | null {
    return this.#storage?.getItem(this.#key(code)) ?? null;
  }

  /** Creates a room; on refusal the snapshot's `error` says why and the promise resolves false. */
  async create(options: CreateOptions): Promise<boolean> {
    this.#update({ status: "connecting", error: null });
    try {
      const room = await this.#client.create(ROOM_NAME, options);
      this.#attach(room);
      return true;
    } catch (error) {
      this.#room = null;
      this.#refused(refusalOf(error), "create");
      return false;
    }
  }

  /** Joins by code; on refusal the snapshot's `error` says why (with its `code`) and it resolves false. */
  async join(code: string, options: JoinOptions): Promise<boolean> {
    const canonical = canonicalCode(code);
    this.#update({ status: "connecting", code: canonical, error: null });
    try {
      const room = await this.#client.joinById(canonical, options);
      this.#attach(room);
      return true;
    } catch (error) {
      this.#room = null;
      this.#refused(refusalOf(error), "join");
      return false;
    }
  }

  /**
   * Reconnects with the token stored for `code` (after a reload). Resolves true when back in the
   * room; false when there was no token, or the seat is gone (the token is then forgotten and
   * the status says "gone"), or the server stayed unreachable.
   */
  async resume(code: string): Promise<boolean> {
    const canonical = canonicalCode(code);
    const token = this.storedToken(canonical);
    if (!token) return false;
    this.#update({ status: "connecting", code: canonical });
    return this.#reconnectWith(token, canonical);
  }

  /**
   * Sends a client message (PROTOCOL §7). The previous refusal is cleared: if this one is refused
   * too, the `error` event sets it again.
   */
  send<K extends MessageType>(type: K, payload: MessageInputs[K]): void {
    if (!this.#room) return;
    if (this.#snapshot.error) this.#update({ error: null });
    if (type === "submit-final-vote" && this.#snapshot.role === "audience") {
      // The audience has no `own` row: remember our vote until `you` confirms it.
      const optionId = (payload as { optionId: string }).optionId;
      this.#audienceVote = { playerId: this.#snapshot.sessionId ?? "", ownOptionIds: [], eliminationVote: null, finalVote: optionId };
    }
    this.#room.send(type, payload);
    this.#refresh();
  }

  /** Leaves on purpose (gives up the seat) and forgets the token. */
  async leave(): Promise<void> {
    const room = this.#room;
    const code = this.#snapshot.code;
    this.#leaving = true;
    if (code) this.#forget(code);
    this.#room = null;
    this.#update({ status: "left" });
    await room?.leave(true);
  }

  /** Shows a refusal that happened outside the server (a form check, say). */
  showError(refusal: Refusal, requestType: string | null = null): void {
    this.#update({ error: { ...refusal, requestType, seq: ++this.#errorSeq } });
  }

  clearError(): void {
    if (this.#snapshot.error) this.#update({ error: null });
  }

  // ---- connection

  #key(code: string): string {
    return this.#prefix + code;
  }

  #remember(room: Room): void {
    try {
      this.#storage?.setItem(this.#key(room.roomId), room.reconnectionToken);
    } catch {
      // Storage full or denied (private mode): the game goes on, only a reload cannot come back.
    }
  }

  #forget(code: string): void {
    try {
      this.#storage?.removeItem(this.#key(code));
    } catch {
      // As above.
    }
  }

  #attach(room: Room): void {
    this.#room = room;
    this.#leaving = false;
    this.#remember(room);
    this.#update({ status: "connected", code: room.roomId, sessionId: room.sessionId });
    this.#refresh();
  }

  /** Registers every handler on a room before it connects (see RobotsClient). */
  #listen(room: Room): void {
    // The SDK's own reconnection goes back to the same socket address; after a server crash that
    // process is gone and the room is restored on another one. So the SDK tries only briefly (a
    // network blip) and then our matchmaking reconnection (#afterLeave) takes over.
    room.reconnection.maxRetries = SDK_RETRIES;
    room.onStateChange(() => {
      if (room === this.#room) this.#refresh();
    });
    room.onMessage("*", (type: string | number, payload: unknown) => {
      if (room === this.#room) this.#event({ type, payload } as ServerEvent);
    });
    room.onDrop(() => {
      if (room === this.#room) this.#update({ status: "reconnecting" });
    });
    room.onReconnect(() => {
      if (room !== this.#room) return;
      // The SDK stores the new token just after this callback returns.
      queueMicrotask(() => this.#remember(room));
      this.#update({ status: "connected" });
      this.#refresh();
    });
    room.onLeave((code: number, reason?: string) => {
      if (room !== this.#room || this.#leaving) return;
      void this.#afterLeave(room, code, reason ?? "");
    });
  }

  async #afterLeave(room: Room, code: number, reason: string): Promise<void> {
    const roomCode = room.roomId;
    if (code === CloseCode.Consented) {
      // A kick, or the room closed: either way the seat is gone (PROTOCOL §14).
      this.#forget(roomCode);
      this.#room = null;
      this.#update({ status: reason === KICKED_CLOSE_REASON ? "kicked" : "gone" });
      return;
    }
    // 4429, 4002, 1009, a shutdown, or the SDK's own retries used up: the seat is held for
    // RECONNECT_SECONDS, so try with the token ourselves.
    this.#update({ status: "reconnecting" });
    // 4100: the room is moving to another server process (a deploy); any other unexpected close
    // may be a crash of the process, after which the room is restored on another one (PROTOCOL
    // §13). Matchmaking finds it there, but only once it is up: until then "no such room" is
    // expected, not final.
    const movingUntil = Date.now() + MOVE_RETRY_MS;
    await this.#reconnectWith(room.reconnectionToken, roomCode, movingUntil);
  }

  /** Reconnects with `token`, retrying while the server cannot be reached and the seat may still be held. */
  async #reconnectWith(token: string, code: string, movingUntil = 0): Promise<boolean> {
    const giveUpAt = Date.now() + (RECONNECT_SECONDS + 5) * 1000;
    let delay = movingUntil ? 250 : 500;
    for (;;) {
      try {
        const room = await this.#client.reconnect(token);
        this.#attach(room);
        return true;
      } catch (error) {
        this.#room = null;
        const status = (error as { code?: unknown } | null)?.code;
        const serverAnswered = typeof status === "number" && status > 0 && status < 500;
        const stillMoving = status === 404 && Date.now() < movingUntil;
        if ((serverAnswered && !stillMoving) || Date.now() + delay > giveUpAt) {
          // 410 (token spent or expired), 404 (room closed), or the window has passed.
          this.#forget(code);
          this.#room = null;
          this.#update({ status: "gone", error: null });
          return false;
        }
        this.#update({ status: stillMoving ? "reconnecting" : "unreachable" });
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, stillMoving ? 4000 : 5000);
      }
    }
  }

  #refused(refusal: Refusal, requestType: string): void {
    const unreachable = refusal.sentence === CONNECTION_SENTENCES.unreachable;
    this.#update({
      status: unreachable ? "unreachable" : "idle",
      error: { ...refusal, requestType, seq: ++this.#errorSeq },
    });
  }

  // ---- the store

  #event(event: ServerEvent): void {
    switch (event.type) {
      case "error": {
        const e = event.payload as ErrorEvent;
        this.#update({ error: { code: e.code, sentence: sentenceFor(e.code), requestType: e.requestType, seq: ++this.#errorSeq } });
        break;
      }
      case "you":
        if (this.#snapshot.role !== "player") this.#audienceVote = event.payload as You;
        this.#refresh();
        break;
      case "elimination-complete":
        this.#update({ elimination: event.payload as ServerEvents["elimination-complete"] });
        break;
      case "all-votes-submitted":
        this.#update({ votes: event.payload as ServerEvents["all-votes-submitted"] });
        break;
      case "final-round-scores":
        this.#update({ roundScores: event.payload as FinalRoundScores });
        break;
      case "game-complete":
        this.#update({ gameComplete: event.payload as GameComplete });
        break;
      default:
        break;
    }
    for (const listener of this.#eventListeners) listener(event);
  }

  /** Recomputes the snapshot from `room.state`. */
  #refresh(): void {
    const room = this.#room;
    const state = room?.state as RawState | undefined;
    if (!room || !state || state.phase === undefined) return;
    const game = gameViewOf(state);
    let row: RawPlayer | undefined;
    state.players?.forEach((p, key) => {
      if (key === room.sessionId) row = p;
    });
    const role: Role = row ? "player" : game.hostId === room.sessionId ? "display-host" : "audience";
    // A new round (or a new game) clears what the last one revealed.
    const roundKey = `${game.round}`;
    const clear: Partial<Snapshot> = {};
    if (roundKey !== this.#roundKey || game.phase === "lobby" || game.phase === "question") {
      if (roundKey !== this.#roundKey) this.#audienceVote = null;
      this.#roundKey = roundKey;
      Object.assign(clear, { elimination: null, votes: null, roundScores: null });
    }
    if (game.phase !== "final") clear.gameComplete = null;
    if (this.#snapshot.game && this.#snapshot.game.phase !== game.phase) clear.error = null;
    const audienceOwn: OwnView | null =
      role === "audience" && this.#audienceVote && game.phase === "voting"
        ? { ownOptionIds: [], eliminationVote: null, finalVote: this.#audienceVote.finalVote }
        : null;
    this.#update({
      ...clear,
      code: game.code || room.roomId,
      sessionId: room.sessionId,
      role,
      isHost: game.hostId === room.sessionId,
      game,
      me: row ? playerView(row) : null,
      own: row ? (ownViewOf(row) ?? { ownOptionIds: [], eliminationVote: null, finalVote: null }) : audienceOwn,
      progress: progressOf(game),
    });
  }

  #update(patch: Partial<Snapshot>): void {
    this.#snapshot = { ...this.#snapshot, ...patch };
    if (this.#notifyQueued) return;
    // Several patches and events often arrive in one task: render once for all of them.
    this.#notifyQueued = true;
    queueMicrotask(() => {
      this.#notifyQueued = false;
      for (const listener of this.#listeners) listener(this.#snapshot);
    });
  }
}

function safeLocalStorage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}
