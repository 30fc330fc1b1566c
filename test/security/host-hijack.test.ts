/**
 * Issue #7 finding 5, GAME.md §2: the host is the session whose create request made the room,
 * never whichever socket joins first. Over real HTTP and sockets: the create request's seat
 * reservation is taken by hand without connecting, another client joins by id and connects
 * first, then the creator connects. Also: a creator that never connects leaves the role to the
 * longest-connected player once its seat reservation runs out (a server started with a 2 s seat
 * reservation), and the creator is found when the room is made on another process (Redis).
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@colyseus/sdk";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { leaveAll, TestClient } from "../support/clients.ts";
import { flushRedis, redisReachable, redisUrlFor, startProcesses, type ServerProcess } from "../support/cluster.ts";
import { findFreePort, REQUIRE_SERVICES } from "../support/postgres.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

interface SeatReservation {
  sessionId: string;
  roomId: string;
  processId: string;
  name: string;
  publicAddress?: string;
}

const opened: TestClient[] = [];
afterEach(async () => {
  // Bounded: a client the server no longer answers must not hold the suite.
  await Promise.race([leaveAll(opened.splice(0)), new Promise((r) => setTimeout(r, 3000))]);
});

/** The create request alone: the room is made and the creator's seat reserved, nobody connects. */
async function reserveCreate(http: string, options: Record<string, unknown>): Promise<SeatReservation> {
  const response = await fetch(`${http}/matchmake/create/party`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(options),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as SeatReservation;
}

/** Connects with a seat reservation obtained earlier, as the SDK does after its own request. */
async function connectWith(endpoint: string, reservation: SeatReservation): Promise<TestClient> {
  const sdk = new Client(endpoint);
  const room = await sdk.consumeSeatReservation(reservation as never);
  const client = new TestClient(sdk, room, endpoint);
  opened.push(client);
  await client.waitState((s) => s.code === room.roomId);
  return client;
}

async function joinAs(endpoint: string, code: string, options: Record<string, unknown>): Promise<TestClient> {
  const client = await TestClient.join(endpoint, code, options);
  opened.push(client);
  return client;
}

/**
 * The attack: a client joins by id and connects before the creator, asking for create-only
 * options too; then the creator connects. The creator is host with its own options.
 */
async function raceTheCreator(http: string, endpoint: string) {
  const reservation = await reserveCreate(http, { name: "Maker", icon: "robot", mode: "12-round" });
  const attacker = await joinAs(endpoint, reservation.roomId, { name: "Mallory", icon: "cat", hostPlays: false, mode: "8-round" });
  expect(attacker.state.hostId).toBe("");
  attacker.send("start-game", {});
  expect((await attacker.next("error")).code).toBe("not-host");

  const creator = await connectWith(endpoint, reservation);
  expect(creator.id).toBe(reservation.sessionId);
  for (const c of [creator, attacker]) await c.waitState((s) => s.hostId === reservation.sessionId, "the creator is host");
  const state = attacker.state;
  expect(state.players.get(creator.id).isHost).toBe(true);
  expect(state.players.get(attacker.id).isHost).toBe(false);
  // The attacker's create-only options were ignored: it is a player, the mode is the creator's.
  expect(state.players.size).toBe(2);
  expect(state.settings.hostPlays).toBe(true);
  expect(state.totalRounds).toBe(12);

  // Host-only messages from the attacker are refused; the creator's are not.
  attacker.send("update-settings", { timers: { question: 120 } });
  expect((await attacker.next("error")).code).toBe("not-host");
  attacker.send("kick-player", { playerId: creator.id });
  expect((await attacker.next("error")).code).toBe("not-host");
  attacker.send("start-game", {});
  expect((await attacker.next("error")).code).toBe("not-host");
  creator.send("start-game", {});
  await Promise.all([creator, attacker].map((c) => c.waitPhase("question")));
  expect(creator.received.filter((m) => m.type === "error")).toEqual([]);
  return { reservation, creator, attacker };
}

describe("#5 §2 the host is the session that created the room", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it("#5 §2 a client whose socket joins before the creator's is an ordinary player; the creator is host", async () => {
    await raceTheCreator(`http://127.0.0.1:${server.port}`, server.endpoint);
  });
});

describe("#5 §2 §11 a creator that never connects", () => {
  let processes: ServerProcess[] = [];
  beforeAll(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "robots-hijack-"));
    processes = await startProcesses([await findFreePort()], {
      COLYSEUS_SEAT_RESERVATION_TIME: "2",
      DATA_DIR: dataDir,
      REDIS_URL: "",
      DATABASE_URL: "",
    });
  }, 60_000);
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill()));
  });

  it("#5 §2 §11 once the creator's seat reservation runs out, the longest-connected player becomes host", async () => {
    const server = processes[0]!;
    const reservation = await reserveCreate(server.http, { name: "Maker", icon: "robot" });
    const first = await joinAs(server.endpoint, reservation.roomId, { name: "First", icon: "cat" });
    const second = await joinAs(server.endpoint, reservation.roomId, { name: "Second", icon: "dog" });
    // While the creator may still come, nobody is host.
    expect(first.state.hostId).toBe("");
    await second.waitState((s) => s.players.size === 2, "both seated");
    expect(second.state.hostId).toBe("");
    await first.waitState((s) => s.hostId === first.id, "the longest-connected player becomes host", 10_000);
    second.send("start-game", {});
    expect((await second.next("error")).code).toBe("not-host");
    first.send("start-game", {});
    await Promise.all([first, second].map((c) => c.waitPhase("question")));
    // The creator's seat is gone: its late connection is refused.
    await expect(connectWith(server.endpoint, reservation)).rejects.toThrow();
  });
});

const REDIS = redisUrlFor(12);
const redisUp = await redisReachable(REDIS);
if (!redisUp && REQUIRE_SERVICES) throw new Error(`CI=true but Redis is not reachable at ${REDIS}`);

describe.runIf(redisUp)("#5 §2 the creator is found when the room is made on another process (Redis)", () => {
  let processes: ServerProcess[] = [];
  beforeAll(async () => {
    await flushRedis(REDIS);
    const ports = [await findFreePort(), await findFreePort()];
    const dirs = await Promise.all(ports.map(() => mkdtemp(join(tmpdir(), "robots-hijack-"))));
    processes = await Promise.all(
      ports.map((port, i) =>
        startProcesses([port], { REDIS_URL: REDIS, PUBLIC_ADDRESS: "127.0.0.1:{port}", DATA_DIR: dirs[i]!, DATABASE_URL: "" }).then(([p]) => p!),
      ),
    );
  }, 90_000);
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await flushRedis(REDIS).catch(() => undefined);
  });

  it("#5 §2 creations through one process land on both; in each room the creator is host, not the first socket", async () => {
    const via = processes[0]!;
    const seen = new Set<string>();
    for (let i = 0; i < 4 && seen.size < 2; i++) {
      const { reservation } = await raceTheCreator(via.http, via.endpoint);
      seen.add(reservation.processId);
    }
    // One of the two processes made its room for a request it did not receive (over IPC).
    expect(seen.size).toBe(2);
  });
});
