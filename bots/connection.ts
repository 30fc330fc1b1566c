/**
 * A bot's connection to a server through the Colyseus SDK: create or join a room with handlers
 * that are in place before the first frame arrives, and the room's decoded state read as the
 * strategy's plain snapshot (bots/strategy.ts).
 *
 * Reconnection: after an abrupt network close the SDK re-establishes the socket itself, to the
 * same address, keeping the room object and its handlers. When the server process that held the
 * room went away (a deploy: close code 4100, or a crash), that address is the wrong one: the bot
 * then asks matchmaking again with its token ({@link reconnect}), which finds the process that
 * holds the room now, and gets a new room object (bots/runner.ts rebinds its handlers).
 */
import { Client, type Room } from "@colyseus/sdk";
import { canonicalCode, ROOM_NAME, type Icon, type JoinOptions, type Mode, type Phase, type You } from "../src/protocol.ts";
import type { OwnState, PartyState } from "../schema/PartyState.ts";
import type { OptionView, PrivateView, SeatView, Snapshot } from "./strategy.ts";

/** Where and how one bot enters a room. */
export interface ConnectOptions {
  /** `ws://host:port` of the server. */
  endpoint: string;
  name: string;
  icon: Icon;
  /** Join this room code (case-insensitive). Exactly one of `code` and `create`. */
  code?: string;
  /** Create a room: the bot becomes its playing host. */
  create?: { mode?: Mode };
  /** Join as audience. */
  audience?: boolean;
}

/** A join the server refused: `code` is the GAME.md code (e.g. `name-taken`) or the SDK's message. */
export class JoinError extends Error {
  readonly code: string;
  /** The matchmaker's status; undefined when the server could not be reached at all. */
  readonly status: number | undefined;
  constructor(code: string, status: number | undefined) {
    super(code);
    this.name = "JoinError";
    this.code = code;
    this.status = status;
  }
}

/**
 * A Client that hands each Room to a hook before its socket opens. Frames that arrive in one TCP
 * read are dispatched before the code after `await join()` runs, so handlers registered there
 * miss the `you` sent with the join (issue #8: 84 of 120 bots in one run); handlers registered
 * from the hook cannot.
 */
class HookedClient extends Client {
  onRoom: ((room: Room<any>) => void) | undefined;
  protected override createRoom(roomName: string, rootSchema?: any): any {
    const room = super.createRoom(roomName, rootSchema);
    this.onRoom?.(room);
    return room;
  }
}

/**
 * Creates or joins a room. `attach` is called with the Room before it connects: register every
 * handler there. Rejects with a {@link JoinError} when the server refuses or cannot be reached.
 */
export async function connect(options: ConnectOptions, attach: (room: Room<any>) => void): Promise<Room<any>> {
  if (!!options.code === !!options.create) throw new Error("connect: give exactly one of `code` and `create`");
  const client = new HookedClient(options.endpoint);
  client.onRoom = attach;
  const join: JoinOptions = { name: options.name, icon: options.icon };
  try {
    if (options.create) {
      return await client.create(ROOM_NAME, { ...join, hostPlays: true, ...(options.create.mode ? { mode: options.create.mode } : {}) });
    }
    return await client.joinById(canonicalCode(options.code!), { ...join, ...(options.audience ? { audience: true } : {}) });
  } catch (error) {
    const e = error as { message?: string; code?: number };
    throw new JoinError(e.message ?? String(error), typeof e.code === "number" ? e.code : undefined);
  }
}

/**
 * Takes the seat back with a reconnection token through matchmaking at `endpoint`: the room may
 * now live on another process. `attach` is called with the new Room before it connects, as in
 * {@link connect}. Rejects like the SDK's `reconnect` (e.g. while the room is not up yet).
 */
export async function reconnect(endpoint: string, token: string, attach: (room: Room<any>) => void): Promise<Room<any>> {
  const client = new HookedClient(endpoint);
  client.onRoom = attach;
  return client.reconnect(token);
}

// ------------------------------------------------------------------ reading the state

/**
 * The decoded state as the schema declares it (a type-only import: the SDK decodes by the
 * schema the server sends). Partial: fields are missing until the first state arrives.
 */
type DecodedState = Partial<PartyState>;

/** The room's state, or an empty one before the join handshake gave the SDK a serializer. */
export function stateOf(room: Room<any>): DecodedState {
  try {
    return (room.state ?? {}) as DecodedState;
  } catch {
    return {};
  }
}

/**
 * This client's private view: its row's `own` child when the state carries it (the source,
 * GAME.md §10), else the last `you` message (an audience member has no row, only the message);
 * undefined while neither has arrived.
 */
export function privateViewOf(state: DecodedState, me: string, you: You | undefined): PrivateView | undefined {
  // Only the owner's view carries `own` (GAME.md §10); the schema type cannot say so.
  const own = state.players?.get(me)?.own as OwnState | undefined;
  if (own) return { ownOptionIds: [...own.ownOptionIds], eliminationVote: own.eliminationVote || null, finalVote: own.finalVote || null };
  if (you) return { ownOptionIds: you.ownOptionIds, eliminationVote: you.eliminationVote, finalVote: you.finalVote };
  return undefined;
}

/** What this client sees, as the strategy's plain data. */
export function snapshotOf(room: Room<any>, you: You | undefined, audience: boolean): Snapshot {
  const st = stateOf(room);
  const players = new Map<string, SeatView>();
  st.players?.forEach((p, id) => players.set(id, { connected: !!p.connected, hasAnswered: !!p.hasAnswered, hasVoted: !!p.hasVoted }));
  const options: OptionView[] = [];
  st.options?.forEach((o) => options.push({ id: o.id, text: o.text, eliminated: !!o.eliminated }));
  return {
    me: room.sessionId,
    phase: (st.phase ?? "") as Phase | "",
    round: st.round ?? 0,
    hostId: st.hostId ?? "",
    players,
    questionText: st.question?.text ?? "",
    options,
    own: privateViewOf(st, room.sessionId, you),
    audience,
  };
}

/** Player id → name, for reports. */
export function playerNames(room: Room<any>): Map<string, string> {
  const names = new Map<string, string>();
  stateOf(room).players?.forEach((p, id) => names.set(id, p.name));
  return names;
}

/** An option's text, or its id when the state no longer has it. */
export function optionText(room: Room<any>, id: string): string {
  let text = id;
  stateOf(room).options?.forEach((o) => {
    if (o.id === id) text = o.text;
  });
  return text;
}

/** Seated players whose client is connected. */
export function connectedPlayers(room: Room<any>): number {
  let n = 0;
  stateOf(room).players?.forEach((p) => void (p.connected && n++));
  return n;
}
