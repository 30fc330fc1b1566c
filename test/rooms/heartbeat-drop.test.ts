/**
 * GAME.md §11 through the spread heartbeat (issue #9): a client whose connection goes silent
 * (no pongs, no frames, no close, as behind a dead network path) is dropped by the server within
 * the heartbeat's bound, the room shows it disconnected, and it comes back with its token. A
 * TCP relay between that client and the server stops forwarding to make the path go silent.
 */
import { connect, createServer, type Server, type Socket } from "node:net";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { Client } from "@colyseus/sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import { leaveAll, TestClient } from "../support/clients.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { HEARTBEAT_DEFAULTS } from "../../src/rooms/heartbeat.ts";

/** A TCP relay to `port` whose connections can be frozen: open, but nothing crosses. */
class Relay {
  readonly #server: Server;
  readonly #pairs: [Socket, Socket][] = [];
  constructor(port: number) {
    this.#server = createServer((down) => {
      const up = connect(port, "127.0.0.1");
      down.pipe(up);
      up.pipe(down);
      const destroy = () => {
        down.destroy();
        up.destroy();
      };
      down.on("error", destroy).on("close", destroy);
      up.on("error", destroy).on("close", destroy);
      this.#pairs.push([down, up]);
    });
  }
  async listen(): Promise<number> {
    this.#server.listen(0, "127.0.0.1");
    await once(this.#server, "listening");
    return (this.#server.address() as AddressInfo).port;
  }
  /** Every open connection stops carrying bytes either way; its sockets stay open. */
  freeze() {
    for (const [down, up] of this.#pairs) {
      down.unpipe(up);
      up.unpipe(down);
      down.pause();
      up.pause();
    }
  }
  async close() {
    for (const [down, up] of this.#pairs) {
      down.destroy();
      up.destroy();
    }
    this.#server.close();
  }
}

let server: TestServer;
let relay: Relay;
let relayEndpoint: string;
beforeAll(async () => {
  server = await startTestServer();
  relay = new Relay(server.port);
  relayEndpoint = `ws://127.0.0.1:${await relay.listen()}`;
});
afterAll(async () => {
  await relay.close();
  await server.close();
});

// A silent socket is terminated at its turn after `maxMissed` unanswered pings, and the first of
// those pings comes only at the turn after the one that saw its last inbound byte: at most
// (maxMissed + 2) intervals after it went silent (12 s). The waits below add 3 s for the rounds'
// tick granularity and for the room to hear of the close.
const DROP_BOUND_MS = (HEARTBEAT_DEFAULTS.maxMissed + 2) * HEARTBEAT_DEFAULTS.intervalMs;

it("§11 a client that goes silent (no frames, no pongs) is dropped within the heartbeat bound, shown disconnected, and reconnects with its token", async () => {
  const host = await TestClient.create(server.endpoint, { name: "Host", icon: "robot" });
  const silent = await TestClient.join(relayEndpoint, host.room.roomId, { name: "Quiet", icon: "cat" });
  await host.waitState((s) => s.players.get(silent.id)?.connected === true, "quiet seated");

  relay.freeze();
  const frozenAt = Date.now();
  await host.waitState((s) => s.players.get(silent.id)?.connected === false, "quiet shown disconnected", DROP_BOUND_MS + 3000);
  expect(Date.now() - frozenAt).toBeLessThanOrEqual(DROP_BOUND_MS + 3000);
  // The seat is kept for the reconnection window (§11), not given up.
  expect(host.state.players.has(silent.id)).toBe(true);

  const sdk = new Client(server.endpoint);
  const back = new TestClient(sdk, await sdk.reconnect(silent.room.reconnectionToken), server.endpoint);
  await back.waitState((s) => !!s.code, "state after reconnection");
  expect(back.id).toBe(silent.id);
  await host.waitState((s) => s.players.get(silent.id)?.connected === true, "quiet shown connected again");
  await back.until(() => back.you?.playerId === silent.id, "you after reconnection");
  await leaveAll([host, back]);
}, 40_000);

it("§11 a client that answers pings keeps its seat connected through several heartbeat rounds", async () => {
  const host = await TestClient.create(server.endpoint, { name: "Host", icon: "robot" });
  const idle = await TestClient.join(server.endpoint, host.room.roomId, { name: "Idle", icon: "cat" });
  await host.waitState((s) => s.players.get(idle.id)?.connected === true, "idle seated");
  const disconnects: boolean[] = [];
  host.room.onStateChange((s: any) => disconnects.push(s.players.get(idle.id)?.connected === false));
  // Past the point where a silent socket would have been terminated; it is pinged every other
  // interval meanwhile, and only its pongs keep it.
  await new Promise((r) => setTimeout(r, DROP_BOUND_MS + 500));
  expect(disconnects.some(Boolean)).toBe(false);
  expect(idle.room.connection.isOpen).toBe(true);
  await leaveAll([host, idle]);
}, 40_000);
