/**
 * SIGTERM of a process while another one runs (issue 11, item 3): two real `node src/index.ts`
 * processes sharing Redis (database 10), real SDK clients. The stopped process takes no new room
 * (a create sent to it lands on the peer), hands its room to the peer and closes the room's
 * clients with 4100; they reconnect through matchmaking with their tokens, keep their ids and
 * answers, and the game plays on to its end on the peer. The stopped process exits 0.
 * Before the drain, SIGTERM closed the game with 4001 and the room was gone.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, type Room } from "@colyseus/sdk";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CloseCode } from "../../src/protocol.ts";
import { TestClient } from "../support/clients.ts";
import { flushRedis, redisReachable, redisUrlFor, ServerProcess } from "../support/cluster.ts";
import { findFreePort, REQUIRE_SERVICES } from "../support/postgres.ts";
import { eventually, within } from "../support/within.ts";

const REDIS = redisUrlFor(10);
const redisUp = await redisReachable(REDIS);
if (!redisUp && REQUIRE_SERVICES) throw new Error(`CI=true but Redis is not reachable at ${REDIS}`);

describe.runIf(redisUp)("SIGTERM with a live peer", () => {
  const processes: ServerProcess[] = [];
  let dir: string;
  let redis: Redis;

  beforeAll(async () => {
    await flushRedis(REDIS);
    redis = new Redis(REDIS);
    dir = await mkdtemp(join(tmpdir(), "robots-drain-peers-"));
    for (const name of ["a", "b"]) {
      await mkdir(join(dir, name));
      const server = new ServerProcess(await findFreePort(), {
        REDIS_URL: REDIS,
        DATABASE_URL: "",
        DATA_DIR: join(dir, name),
        PUBLIC_ADDRESS: "127.0.0.1:{port}",
        // 25 ms timer seconds: a whole game on timeouts lasts about 30 s.
        ROBOTS_SECOND_MS: "25",
        LOG_LEVEL: "info",
      });
      processes.push(server);
    }
    await Promise.all(processes.map((p) => p.ready(90_000)));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill("SIGKILL")));
    redis?.disconnect();
    await rm(dir, { recursive: true, force: true });
  });

  it("the room moves to the peer: clients closed with 4100 reconnect with their tokens and the game ends there", async () => {
    const [a, b] = processes as [ServerProcess, ServerProcess];
    const host = await TestClient.create(a.endpoint, { name: "Host", icon: "robot", hostPlays: true });
    const code = host.room.roomId;
    const others = [await TestClient.join(a.endpoint, code, { name: "Ann", icon: "cat" }), await TestClient.join(b.endpoint, code, { name: "Bo", icon: "cat" })];
    const players = [host, ...others];
    await host.waitState((s) => s.players.size === 3, "everyone seated");
    const listing = JSON.parse((await redis.hget("roomcaches", code))!) as { publicAddress: string; processId: string };
    const ownerAddress = listing.publicAddress;
    const owner = processes.find((p) => ownerAddress.endsWith(`:${p.port}`))!;
    const peer = owner === a ? b : a;
    const closes = players.map((p) => {
      const codes: number[] = [];
      p.room.onLeave((c: number) => void codes.push(c));
      return codes;
    });

    host.send("start-game", {});
    await host.waitPhase("question");
    host.send("submit-answer", { answer: "said before the move" });
    others[0]!.send("submit-answer", { answer: "also before the move" });
    await host.waitState((s) => s.players.get(host.id).hasAnswered && s.players.get(others[0]!.id).hasAnswered, "two answers counted");

    const exited = new Promise<number | string>((resolve) => owner.child.once("exit", (c, s) => resolve(c ?? String(s))));
    owner.child.kill("SIGTERM");
    // A create that reaches the draining process goes to the peer.
    await new Promise((r) => setTimeout(r, 150));
    const created = await fetch(`${owner.http}/matchmake/create/party`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "New", icon: "cat" }) });
    expect(created.status).toBe(200);
    expect(((await created.json()) as { processId: string }).processId).not.toBe(listing.processId);

    await eventually("every client closed with 4100", () => closes.every((c) => c.length > 0), 15_000);
    for (const c of closes) expect(c).toEqual([CloseCode.ServerMoving]);
    const began = Date.now();
    // The stock SDK, through matchmaking on the live process, with the token it already holds.
    const back: Room<any>[] = await Promise.all(players.map((p) => eventually("reconnect to the peer", () => new Client(peer.endpoint).reconnect(p.room.reconnectionToken), 15_000)));
    for (const r of back) r.onMessage("*", () => {});
    console.log(`moved room: every client back ${Date.now() - began} ms after the 4100`);
    expect(back.map((r) => r.sessionId)).toEqual(players.map((p) => p.id));
    expect(await within(exited, 20_000, "the stopped process exits")).toBe(0);
    expect(owner.output).toMatch(/drain: room handed to a peer/);

    const state = back[0]!.state as any;
    await eventually("state after the move", () => state.phase && state.players?.size === 3, 5_000);
    expect(state.round).toBe(1);
    expect(state.players.get(host.id).hasAnswered).toBe(true);
    expect(state.players.get(others[0]!.id).hasAnswered).toBe(true);
    // The game goes on by its timers on the peer, to its end.
    await eventually("the game's end on the peer", () => state.phase === "final", 60_000).catch((e) => {
      throw new Error(`${e} (phase ${state.phase}, round ${state.round})\n${peer.output.slice(-3000)}`);
    });
    expect(state.players.size).toBe(3);
    await Promise.all(back.map((r) => r.leave(true)));
  }, 150_000);
});
