/**
 * One socket write per client per turn of the event loop (issue #9). An accepted action sends
 * each client of the room its patch, then the events (and sometimes `you`): two to four frames,
 * and `ws` writes every frame with its own `writev` system call. At 1,000 rooms those calls were
 * a third of the server's CPU. Here a socket is corked at its first frame in a turn and uncorked
 * once the turn's synchronous work is done (`process.nextTick`), so the frames of one turn leave
 * in one `writev`, in the same order and with the same bytes; nothing waits for a timer.
 */
import type { Socket } from "node:net";
import type { WebSocket } from "ws";

let corked = new Set<Socket>();
let flushQueued = false;

function flush(): void {
  // A send made while this runs belongs to the next batch, with its own flush.
  const batch = corked;
  corked = new Set();
  flushQueued = false;
  for (const socket of batch) {
    // Only this module's cork is left by now: `ws` undoes its own within the same call.
    if (socket.writableCorked > 0) socket.uncork();
  }
}

/** Holds the socket's writes until the current turn's synchronous work is done. */
export function corkForThisTurn(socket: Socket | undefined): void {
  if (!socket || socket.destroyed || corked.has(socket)) return;
  socket.cork();
  corked.add(socket);
  if (!flushQueued) {
    flushQueued = true;
    process.nextTick(flush);
  }
}

/**
 * A frame the socket can hold until it is written. Colyseus hands its messages over as Buffers
 * of their own, but a room's patch for a client without a private view (the audience, a display
 * host) is a Uint8Array *view* into the room encoder's buffer, which the room's next patch
 * overwrites. A held write keeps a reference, not the bytes: with two patches of one room in one
 * turn (actions read together, or released together by a checkpoint write), or behind a slow
 * client's backlog, such a client would be sent the later patch's bytes in place of the earlier.
 * Such views are copied; every other frame is sent as it is.
 */
function ownedBytes(data: unknown): unknown {
  if (!(data instanceof Uint8Array) || Buffer.isBuffer(data)) return data;
  if (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) return data;
  return Buffer.from(data);
}

type WebSocketClass = typeof WebSocket;

/**
 * A `ws` WebSocket class whose data frames and pings join the turn's batch; give it to the
 * WebSocketServer (`options.WebSocket`), which builds every accepted connection with it.
 */
export function batchingWebSocket(Base: WebSocketClass): WebSocketClass {
  return class BatchingWebSocket extends Base {
    override send(...args: unknown[]): void {
      corkForThisTurn((this as unknown as { _socket?: Socket })._socket);
      args[0] = ownedBytes(args[0]);
      (super.send as (...a: unknown[]) => void)(...args);
    }

    override ping(...args: unknown[]): void {
      corkForThisTurn((this as unknown as { _socket?: Socket })._socket);
      (super.ping as (...a: unknown[]) => void)(...args);
    }
  } as WebSocketClass;
}
