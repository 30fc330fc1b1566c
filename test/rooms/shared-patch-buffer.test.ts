/**
 * A client without a private view (audience, a display host) is sent the room's shared patch
 * bytes as they sit in the encoder's buffer; the socket's writes of one turn go out together
 * (src/rooms/writeBatching.ts). Two patches of one room in one turn must each reach such a client
 * as they were: the second must not overwrite the first while it waits to be written.
 */
import { getMessageBytes, matchMaker, Protocol } from "@colyseus/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { WebSocket } from "ws";
import { leaveAll } from "../support/clients.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { openTable } from "../support/table.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

it("two settings changes read by the server in one turn reach the audience as both players see them", async () => {
  const t = await openTable(server.endpoint, { players: 3, audience: 1 });
  const [fan] = t.audience;
  const room = matchMaker.getLocalRoomById(t.code) as unknown as { clients: { sessionId: string; ref: WebSocket }[] };
  const hostSocket = room.clients.find((c) => c.sessionId === t.host.id)!.ref;
  // Two frames that arrive in one TCP read are emitted by the socket back to back, in one turn:
  // both actions are applied, and both patches sent, before anything is written.
  hostSocket.emit("message", getMessageBytes.raw(Protocol.ROOM_DATA, "update-settings", { timers: { question: 45 } }), true);
  hostSocket.emit("message", getMessageBytes.raw(Protocol.ROOM_DATA, "update-settings", { familyFriendly: false }), true);
  await t.host.waitState((s) => s.settings.familyFriendly === false, "host sees the second change");
  await fan!.waitState((s) => s.settings.familyFriendly === false, "the audience sees the second change");
  expect(t.host.state.settings.questionSeconds).toBe(45);
  expect(fan!.state.settings.toJSON()).toEqual(t.host.state.settings.toJSON());
  expect(t.players[1]!.state.settings.toJSON()).toEqual(t.host.state.settings.toJSON());
  await leaveAll(t.all);
});
