/**
 * Tools for the fuzz suite (test/security/fuzz*.test.ts): a raw HTTP/1.1 client that can send
 * bytes `fetch` refuses to (bad escapes, NUL, non-UTF-8, odd methods), a watch for errors that
 * escape the in-process server, a prototype-pollution check, a forced GC for heap readings, and
 * builders for raw Colyseus frames the SDK would never encode.
 */
import { connect } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

// ---------------------------------------------------------------- escaped errors

/**
 * Errors that reached the process instead of a response: an uncaught exception in a raw
 * `request` listener or an unhandled rejection. In production either one ends the process; here
 * the test records it and fails, and a pending request stops waiting at once.
 */
export class EscapedErrors {
  readonly errors: { kind: string; error: unknown }[] = [];
  #waiters = new Set<() => void>();
  #onException = (error: unknown) => this.#record("uncaughtException", error);
  #onRejection = (error: unknown) => this.#record("unhandledRejection", error);

  install(): this {
    process.on("uncaughtException", this.#onException);
    process.on("unhandledRejection", this.#onRejection);
    return this;
  }

  uninstall() {
    process.off("uncaughtException", this.#onException);
    process.off("unhandledRejection", this.#onRejection);
  }

  #record(kind: string, error: unknown) {
    this.errors.push({ kind, error });
    for (const wake of [...this.#waiters]) wake();
  }

  /** Resolves on the next escaped error; `cancel` stops waiting. */
  next(): { promise: Promise<void>; cancel: () => void } {
    let wake!: () => void;
    const promise = new Promise<void>((resolve) => (wake = resolve));
    this.#waiters.add(wake);
    return { promise, cancel: () => this.#waiters.delete(wake) };
  }

  describe(from = 0): string {
    return this.errors
      .slice(from)
      .map((e) => `${e.kind}: ${e.error instanceof Error ? `${e.error.name}: ${e.error.message}` : String(e.error)}`)
      .join("\n");
  }
}

// ---------------------------------------------------------------- raw HTTP

export interface RawRequest {
  method: string;
  /** The request target exactly as written on the wire (may hold any byte). */
  target: Buffer;
  headers: [string, string | Buffer][];
  body?: Buffer;
  /** Send the body with `Transfer-Encoding: chunked` instead of Content-Length. */
  chunked?: boolean;
}

export interface RawResponse {
  /** HTTP status, or null when the connection ended without a status line. */
  status: number | null;
  head: string;
  body: string;
  /** How the exchange ended when no status came: timeout, reset, closed, escaped error. */
  failure?: string;
}

/** One request on its own connection (`Connection: close`), bounded by `timeoutMs`. */
export function rawRequest(port: number, req: RawRequest, escaped: EscapedErrors, timeoutMs = 4000): Promise<RawResponse> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    const chunks: Buffer[] = [];
    const crash = escaped.next();
    let socketError: string | undefined;
    let done = false;
    const finish = (failure?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      crash.cancel();
      socket.destroy();
      const raw = Buffer.concat(chunks).toString("latin1");
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
      const split = raw.indexOf("\r\n\r\n");
      resolve({
        status: match ? Number(match[1]) : null,
        head: split >= 0 ? raw.slice(0, split) : raw,
        body: split >= 0 ? raw.slice(split + 4, split + 4 + 2000) : "",
        ...(match ? {} : { failure: failure ?? socketError ?? "closed without a response" }),
      });
    };
    const timer = setTimeout(() => finish(`no response within ${timeoutMs} ms`), timeoutMs);
    void crash.promise.then(() => setTimeout(() => finish(`escaped error: ${escaped.describe(escaped.errors.length - 1)}`), 50));
    socket.on("data", (c) => chunks.push(c));
    socket.on("end", () => finish());
    socket.on("close", () => finish());
    socket.on("error", (e: NodeJS.ErrnoException) => {
      // A reset while the body is still going out may come after the response: keep reading.
      socketError = e.code ?? e.message;
    });
    socket.on("connect", () => {
      const head: Buffer[] = [Buffer.from(`${req.method} `, "latin1"), req.target, Buffer.from(" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n", "latin1")];
      for (const [name, value] of req.headers) head.push(Buffer.from(`${name}: `, "latin1"), Buffer.from(value), Buffer.from("\r\n"));
      const body = req.body;
      if (body && req.chunked) head.push(Buffer.from("Transfer-Encoding: chunked\r\n"));
      else if (body) head.push(Buffer.from(`Content-Length: ${body.length}\r\n`));
      head.push(Buffer.from("\r\n"));
      socket.write(Buffer.concat(head));
      if (body && req.chunked) {
        for (let at = 0; at < body.length; at += 16_384) {
          const part = body.subarray(at, at + 16_384);
          socket.write(`${part.length.toString(16)}\r\n`);
          socket.write(part);
          socket.write("\r\n");
        }
        socket.write("0\r\n\r\n");
      } else if (body) {
        socket.write(body);
      }
    });
  });
}

// ---------------------------------------------------------------- prototypes and heap

const PROTOTYPES: [string, object][] = [
  ["Object.prototype", Object.prototype],
  ["Array.prototype", Array.prototype],
  ["Function.prototype", Function.prototype],
  ["String.prototype", String.prototype],
];

/** Own property names of the shared prototypes, to compare before and after a run. */
export function prototypeKeys(): Record<string, string[]> {
  return Object.fromEntries(PROTOTYPES.map(([name, proto]) => [name, Reflect.ownKeys(proto).map(String).sort()]));
}

/** Pollution shows as a new key on a prototype, or an inherited value on a fresh object. */
export function pollution(before: Record<string, string[]>): string[] {
  const found: string[] = [];
  const after = prototypeKeys();
  for (const [name, keys] of Object.entries(after)) {
    const added = keys.filter((k) => !before[name]!.includes(k));
    if (added.length) found.push(`${name} gained ${added.join(", ")}`);
  }
  const probe = {} as Record<string, unknown>;
  for (const key of ["polluted", "isAdmin", "admin", "toJSON", "then"]) {
    if (probe[key] !== undefined) found.push(`({}).${key} is ${String(probe[key])}`);
  }
  return found;
}

/**
 * `global.gc` without starting Node with --expose-gc: the flag can be set at run time, and a
 * fresh context then sees the `gc` function.
 */
function gcFunction(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

/** heapUsed after a few full collections with pauses in between (timers and sockets settle). */
export async function settledHeapUsed(): Promise<number> {
  const gc = gcFunction();
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  gc();
  return process.memoryUsage().heapUsed;
}

// ---------------------------------------------------------------- raw Colyseus frames

/** Colyseus protocol codes (shared-types Protocol) the room reads from a client. */
export const FRAME = { ROOM_DATA: 13, ROOM_DATA_BYTES: 17, PING: 18, ROOM_REQUEST: 21, LEAVE_ROOM: 12, JOIN_ROOM: 10 } as const;

/** A msgpack string header followed by the given bytes, valid UTF-8 or not. */
export function msgpackStr(bytes: Uint8Array): Buffer {
  const n = bytes.length;
  const header = n < 32 ? [0xa0 | n] : n < 256 ? [0xd9, n] : [0xda, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from(header), bytes]);
}

/** A msgpack map of string keys to already-encoded values. */
export function msgpackMap(entries: [Uint8Array, Uint8Array][]): Buffer {
  return Buffer.concat([Buffer.from([0x80 | entries.length]), ...entries.flatMap(([k, v]) => [msgpackStr(k), v])]);
}

/** A ROOM_DATA frame: protocol byte, the message type as a schema string, then the payload bytes. */
export function roomDataFrame(typeBytes: Uint8Array, payload: Uint8Array = new Uint8Array(0), code: number = FRAME.ROOM_DATA): Buffer {
  return Buffer.concat([Buffer.from([code]), msgpackStr(typeBytes), payload]);
}

/** Sends raw bytes on an SDK room's socket, bypassing the SDK's encoder. */
export function sendRaw(room: { connection: { transport: unknown } }, bytes: Uint8Array) {
  (room.connection.transport as { ws: WebSocket }).ws.send(bytes);
}
