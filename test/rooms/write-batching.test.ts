/**
 * One socket write per client per action (issue #9: one `writev` system call per frame was a
 * third of the server's CPU at 1,000 rooms). An accepted action sends each client its patch and
 * then the events; those frames must reach the client's TCP socket in one write, and in the
 * order they were sent. The test server runs in this process, so the test counts the writes on
 * the server side of each client's socket.
 */
import type { Socket } from "node:net";
import { matchMaker } from "@colyseus/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { leaveAll } from "../support/clients.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { openTable } from "../support/table.ts";

/** Colyseus frame codes (first byte of a frame). */
const ROOM_DATA = 13;
const ROOM_STATE_PATCH = 15;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface ServerSideClient {
  sessionId: string;
  ref: { _socket: Socket };
  raw(data: Uint8Array, ...rest: unknown[]): void;
}

/** Counts the writes that reach this TCP socket's handle (one system call each) and the frames handed to it. */
function watchWrites(client: ServerSideClient) {
  const socket = client.ref._socket as Socket & { _writev?: (...a: unknown[]) => void; _write: (...a: unknown[]) => void };
  const seen = { writes: 0, frames: [] as number[] };
  const writev = socket._writev!;
  const write = socket._write;
  socket._writev = function (this: Socket, ...args: unknown[]) {
    seen.writes++;
    return writev.apply(this, args);
  };
  socket._write = function (this: Socket, ...args: unknown[]) {
    seen.writes++;
    return write.apply(this, args);
  };
  const raw = client.raw;
  client.raw = function (data: Uint8Array, ...rest: unknown[]) {
    seen.frames.push(data[0]!);
    return raw.call(this, data, ...rest);
  };
  return seen;
}

it("an accepted action's patch and events reach each client's socket in one write, patch first", async () => {
  const t = await openTable(server.endpoint, { players: 3 });
  const room = matchMaker.getLocalRoomById(t.code) as unknown as { clients: ServerSideClient[] };
  t.host.send("start-game", {});
  const [answering, watching] = [t.players[1]!, t.players[2]!];
  await watching.waitPhase("question");
  // Let the greeting's repeated `you` (300 ms after each join) and the round start go out first.
  await sleep(500);

  const seen = new Map(room.clients.map((c) => [c.sessionId, watchWrites(c)]));
  answering.send("submit-answer", { answer: "a batched answer" });
  await watching.next("player-answered");
  await answering.next("player-answered");
  await sleep(100);

  for (const [id, s] of seen) {
    // The patch (hasAnswered) and the `player-answered` event at least; the answering client may also get `you`.
    expect(s.frames.length, `frames to ${id}`).toBeGreaterThanOrEqual(2);
    expect(s.frames[0], `first frame to ${id}`).toBe(ROOM_STATE_PATCH);
    expect(s.frames).toContain(ROOM_DATA);
    expect(s.writes, `socket writes to ${id}`).toBe(1);
  }
  await leaveAll(t.all);
});
