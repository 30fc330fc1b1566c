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

type WebSocketClass = typeof WebSocket;

/**
 * A `ws` WebSocket class whose data frames and pings join the turn's batch; give it to the
 * WebSocketServer (`options.WebSocket`), which builds every accepted connection with it.
 */
export function batchingWebSocket(Base: WebSocketClass): WebSocketClass {
  return class BatchingWebSocket extends Base {
    override send(...args: unknown[]): void {
      corkForThisTurn((this as unknown as { _socket?: Socket })._socket);
      (super.send as (...a: unknown[]) => void)(...args);
    }

    override ping(...args: unknown[]): void {
      corkForThisTurn((this as unknown as { _socket?: Socket })._socket);
      (super.ping as (...a: unknown[]) => void)(...args);
    }
  } as WebSocketClass;
}
