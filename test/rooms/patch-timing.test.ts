/**
 * When the room sends its state (issue #9, docs/PROTOCOL.md §8): the patch of an accepted action
 * goes out while the server handles that action, followed by the `you` and the events that refer
 * to it, instead of waiting for a 50 ms patch tick; and a room where nothing happens does no
 * periodic patch work. The test server runs in this process, so the test watches the room's
 * server-side clients: which frames they are sent, and in which turn of the event loop (the async
 * execution that handled the incoming message or finished its checkpoint write, or a later timer).
 */
import { executionAsyncId } from "node:async_hooks";
import { matchMaker } from "@colyseus/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { leaveAll, TestClient } from "../support/clients.ts";
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
  ref: { on(event: "message", listener: () => void): unknown };
  raw(data: Uint8Array, ...rest: unknown[]): void;
}

function serverRoom(code: string) {
  const room = matchMaker.getLocalRoomById(code) as unknown as { clients: ServerSideClient[]; broadcastPatch(): boolean } | undefined;
  if (!room) throw new Error(`room ${code} is not on this process`);
  return room;
}

/** Records every frame the server hands to this client's socket, with the turn it was sent in. */
function recordFrames(client: ServerSideClient) {
  const frames: { code: number; turn: number }[] = [];
  const raw = client.raw;
  client.raw = function (data: Uint8Array, ...rest: unknown[]) {
    frames.push({ code: data[0]!, turn: executionAsyncId() });
    return raw.call(this, data, ...rest);
  };
  return frames;
}

it("§8 an accepted action's patch, then its `you` and events, leave in the turn that handled the action", async () => {
  const t = await openTable(server.endpoint, { players: 3 });
  const room = serverRoom(t.code);
  const peer = t.players[1]!;
  const [hostSide, peerSide] = [t.host.id, peer.id].map((id) => room.clients.find((c) => c.sessionId === id)!) as [ServerSideClient, ServerSideClient];
  // Let the greeting's repeated `you` (300 ms after each join) go out first.
  await sleep(500);

  let handledIn: number | undefined;
  hostSide.ref.on("message", () => (handledIn = executionAsyncId()));
  const frames = recordFrames(peerSide);

  t.host.send("start-game", {});
  await peer.next("round-started");
  await peer.waitPhase("question");

  expect(handledIn).toBeDefined();
  const codes = frames.map((f) => f.code);
  expect(codes).toContain(ROOM_STATE_PATCH);
  expect(codes).toContain(ROOM_DATA);
  // The patch comes first: `round-started` finds the room already in `question` (PROTOCOL §8).
  expect(codes.indexOf(ROOM_STATE_PATCH)).toBeLessThan(codes.indexOf(ROOM_DATA));
  // Everything went out together, not on a later tick: in the turn that handled the host's
  // message, or, since the room's checkpoint is written before any client sees an outcome
  // (issue 11), in the turn in which that write finished.
  const turns = new Set(frames.map((f) => f.turn));
  expect(turns.size).toBe(1);
  await leaveAll(t.all);
});

it("an idle lobby does no patch work while nothing happens", async () => {
  const host = await TestClient.create(server.endpoint, { name: "Host", icon: "robot" });
  const guest = await TestClient.join(server.endpoint, host.room.roomId, { name: "Guest", icon: "cat" });
  await host.waitState((s) => s.players.size === 2, "both seated");
  const room = serverRoom(host.room.roomId);
  await sleep(500);

  let patches = 0;
  const broadcastPatch = room.broadcastPatch;
  room.broadcastPatch = function (this: unknown) {
    patches++;
    return broadcastPatch.call(this);
  };
  await sleep(1000);
  expect(patches).toBe(0);

  // It still patches as soon as something changes.
  guest.send("submit-answer", { answer: "too early" });
  expect((await guest.next("error")).code).toBe("wrong-phase");
  host.send("update-settings", { timers: { question: 30 } });
  await guest.waitState((s) => s.settings.questionSeconds === 30, "settings patched");
  expect(patches).toBe(1);
  await leaveAll([host, guest]);
});
