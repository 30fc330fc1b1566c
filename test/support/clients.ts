/**
 * Test clients: real @colyseus/sdk rooms over real sockets, recording every message and every
 * raw frame they receive, with small helpers to wait for events and state.
 */
import { Client, Room } from "@colyseus/sdk";
import { ROOM_NAME, type Icon, type ServerEvents, type ServerEventType, type You } from "../../src/protocol.ts";

export interface Received {
  type: string;
  payload: any;
  phase: string;
}

// Recorded from the very first frame: Node's WebSocket may deliver the frames that follow the
// join acknowledgement before `await sdk.create()` resumes, so handlers added afterwards would
// miss them.
/** A raw frame and the room phase right after the client applied it. */
export interface Frame {
  bytes: Uint8Array;
  phase: string;
}
const framesByRoom = new WeakMap<object, Frame[]>();
const messagesByRoom = new WeakMap<object, { type: string; payload: any }[]>();
const roomProto = Room.prototype as any;
const originalOnMessage = roomProto.onMessageCallback;
roomProto.onMessageCallback = function (this: any, event: MessageEvent) {
  let frames = framesByRoom.get(this);
  if (!frames) framesByRoom.set(this, (frames = []));
  const bytes = new Uint8Array(event.data as ArrayBuffer).slice();
  const result = originalOnMessage.call(this, event);
  let phase = "";
  try {
    phase = this.state?.phase ?? "";
  } catch {
    // no serializer yet (the join frame, or a refused join)
  }
  frames.push({ bytes, phase });
  return result;
};
roomProto.dispatchMessage = function (this: any, type: string | number, message: any) {
  let messages = messagesByRoom.get(this);
  if (!messages) messagesByRoom.set(this, (messages = []));
  messages.push({ type: String(type), payload: message });
  const listener = recorders.get(this);
  if (listener) listener(String(type), message);
};
const recorders = new WeakMap<object, (type: string, payload: any) => void>();

export const ICON: Icon = "robot";

export class TestClient {
  readonly room: Room<any>;
  readonly sdk: Client;
  readonly received: Received[] = [];
  readonly snapshots: { phase: string; json: any }[] = [];
  #cursor = new Map<string, number>();
  #listeners = new Set<() => void>();

  readonly endpoint: string;

  constructor(sdk: Client, room: Room<any>, endpoint: string) {
    this.sdk = sdk;
    this.endpoint = endpoint;
    this.room = room;
    room.reconnection.enabled = false;
    this.#attach(room);
  }

  #attach(room: Room<any>) {
    for (const early of messagesByRoom.get(room) ?? []) this.received.push({ ...early, phase: this.phase });
    recorders.set(room, (type, payload) => {
      this.received.push({ type, payload, phase: this.phase });
      this.#notify();
    });
    room.onStateChange((state: any) => {
      this.snapshots.push({ phase: state.phase, json: state.toJSON() });
      this.#notify();
    });
  }

  #notify() {
    for (const listener of [...this.#listeners]) listener();
  }

  static async create(endpoint: string, options: Record<string, unknown>): Promise<TestClient> {
    const sdk = new Client(endpoint);
    const room = await sdk.create(ROOM_NAME, options);
    const client = new TestClient(sdk, room, endpoint);
    await client.waitState((s) => s.code === room.roomId);
    return client;
  }

  static async join(endpoint: string, code: string, options: Record<string, unknown>): Promise<TestClient> {
    const sdk = new Client(endpoint);
    const room = await sdk.joinById(code, options);
    const client = new TestClient(sdk, room, endpoint);
    await client.waitState((s) => s.code === room.roomId);
    return client;
  }

  get id(): string {
    return this.room.sessionId;
  }

  get state(): any {
    return this.room.state;
  }

  get phase(): string {
    return this.room.state?.phase ?? "";
  }

  get frames(): Frame[] {
    return framesByRoom.get(this.room) ?? [];
  }

  send(type: string, payload?: unknown) {
    this.room.send(type, payload);
  }

  /** Resolves when `check` passes, re-checking on every message and state change. */
  until<T>(check: () => T | undefined | false, label: string, timeoutMs = 10_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const attempt = () => {
        const value = check();
        if (value !== undefined && value !== false) {
          cleanup();
          resolve(value as T);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${label} (client ${this.id}, phase ${this.phase})`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.#listeners.delete(attempt);
      };
      this.#listeners.add(attempt);
      attempt();
    });
  }

  /**
   * The next message of `type` not yet taken by an earlier call, optionally matching `match`,
   * typed by the protocol's event table.
   */
  next<K extends ServerEventType>(type: K, match: (payload: ServerEvents[K]) => boolean = () => true, timeoutMs?: number): Promise<ServerEvents[K]> {
    return this.until(() => {
      const from = this.#cursor.get(type) ?? 0;
      for (let i = from; i < this.received.length; i++) {
        const m = this.received[i]!;
        if (m.type === type && match(m.payload)) {
          this.#cursor.set(type, i + 1);
          return { value: m.payload };
        }
      }
      return undefined;
    }, `message ${type}`, timeoutMs).then((found) => found.value);
  }

  /** The latest `you` message (undefined before the first arrives). */
  get you(): You {
    return [...this.received].reverse().find((m) => m.type === "you")?.payload;
  }

  waitState(check: (state: any) => boolean, label = "state", timeoutMs?: number): Promise<any> {
    return this.until(() => (this.room.state && check(this.room.state) ? this.room.state : undefined), label, timeoutMs);
  }

  waitPhase(phase: string, timeoutMs?: number): Promise<any> {
    return this.waitState((s) => s.phase === phase, `phase ${phase}`, timeoutMs);
  }

  /** Drops the socket without a consented leave, as a lost connection would. */
  drop() {
    (this.room.connection.transport as any).ws.close();
  }

  /** Reconnects with the stored token; `fresh` uses a new SDK client, as a reloaded page would. */
  async reconnect(fresh = false): Promise<TestClient> {
    const sdk = fresh ? new Client(this.endpoint) : this.sdk;
    const room = await sdk.reconnect(this.room.reconnectionToken);
    const client = new TestClient(sdk, room, this.endpoint);
    await client.waitState((s) => !!s.code);
    return client;
  }

  async leave() {
    if (this.room.connection.isOpen) await this.room.leave(true);
  }
}

/** The error a refused join rejects with: its message is the GAME.md code. */
export async function joinError(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("join unexpectedly succeeded");
}

export async function leaveAll(clients: TestClient[]) {
  await Promise.allSettled(clients.map((c) => c.leave()));
}
