/**
 * Issue #7 finding 8, "unbounded requests", over real HTTP and real SDK clients: a matchmaking
 * body larger than a few KiB is refused 413 without being read into memory (a 50 MB create was
 * accepted, and sixty 600 KB nested join bodies took the heap from 0.5 to 1.5 GB), and join or
 * create options of the wrong shape are refused `bad-request` before any seat is reserved.
 */
import http from "node:http";
import { matchMaker } from "@colyseus/core";
import { Client } from "@colyseus/sdk";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ICON, joinError, leaveAll, TestClient } from "../support/clients.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
let base: string;
beforeAll(async () => {
  server = await startTestServer();
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server?.close();
});

const opened: TestClient[] = [];
afterEach(async () => {
  await leaveAll(opened.splice(0));
});

const MB = 1024 * 1024;

interface Sent {
  status: number | undefined;
  body: string;
  /** Bytes of the body the client managed to hand to its socket before the answer or the close. */
  written: number;
}

/**
 * POSTs `total` bytes produced by `chunk` to `path`, with a Content-Length (`declared`) or
 * chunked, writing only while the socket drains, and stops at the answer or a closed socket.
 */
function postStream(path: string, total: number, chunk: (index: number, remaining: number) => Buffer, declared: boolean): Promise<Sent> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = { "content-type": "application/json" };
    if (declared) headers["content-length"] = total;
    const req = http.request(`${base}${path}`, { method: "POST", headers, agent: false });
    const sent: Sent = { status: undefined, body: "", written: 0 };
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      req.destroy();
      resolve(sent);
    };
    req.on("response", (res) => {
      sent.status = res.statusCode;
      res.setEncoding("utf8");
      res.on("data", (d: string) => (sent.body += d));
      res.on("end", finish);
      res.on("error", finish);
    });
    req.on("error", () => {
      // The server closed the connection while the client was still sending: what we want to
      // see, provided the answer came first.
      if (sent.status !== undefined) return;
      setTimeout(finish, 200);
    });
    req.on("close", () => setTimeout(finish, 200));
    let index = 0;
    const write = () => {
      while (!done && sent.status === undefined && sent.written < total) {
        const piece = chunk(index++, total - sent.written).subarray(0, total - sent.written);
        sent.written += piece.length;
        if (!req.write(piece)) {
          req.once("drain", write);
          return;
        }
      }
      if (sent.written >= total) req.end();
    };
    write();
  });
}

const PAD_CHUNK = 64 * 1024;

/** A 50 MB create body, valid JSON: real options and a very long padding string. */
function hugeCreateChunk(index: number, remaining: number): Buffer {
  if (index === 0) return Buffer.from(`{"name":"Ada","icon":"${ICON}","pad":"`);
  if (remaining <= PAD_CHUNK + 2) return Buffer.concat([Buffer.alloc(remaining - 2, "x"), Buffer.from('"}')]);
  return Buffer.alloc(PAD_CHUNK, "x");
}

/** A 600 KB join body nested as deeply as it goes: `[[[[…`. */
const nestedJoinBody = "[".repeat(300 * 1024) + "]".repeat(300 * 1024);

async function createHost(): Promise<TestClient> {
  const host = await TestClient.create(server.endpoint, { name: "Host", icon: ICON });
  opened.push(host);
  return host;
}

function reservedSeats(code: string): number {
  const room = matchMaker.getLocalRoomById(code) as unknown as { _reservedSeats: Record<string, unknown> } | undefined;
  expect(room, `room ${code} is on this process`).toBeDefined();
  return Object.keys(room!._reservedSeats).length;
}

describe("#8 request bodies are capped at a few KiB (413)", () => {
  it("#8 a 50 MB create body announced by Content-Length gets 413 before it is sent, and the server still serves", async () => {
    const sent = await postStream("/matchmake/create/party", 50 * MB, hugeCreateChunk, true);
    expect(sent.status).toBe(413);
    expect(sent.written, "the answer came long before the 50 MB were sent").toBeLessThan(50 * MB);
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    await createHost();
  });

  it("#8 a 50 MB create body sent chunked (no Content-Length) is cut off with 413 after a few KiB", async () => {
    const sent = await postStream("/matchmake/create/party", 50 * MB, hugeCreateChunk, false);
    expect(sent.status).toBe(413);
    expect(JSON.parse(sent.body)).toMatchObject({ error: "bad-request" });
    expect(sent.written, "the server stopped reading long before 50 MB").toBeLessThan(50 * MB);
    await createHost();
  });

  it("#8 a 600 KB nested join body gets 413, with or without Content-Length, and the room is untouched", async () => {
    const host = await createHost();
    const code = host.room.roomId;
    const withLength = await fetch(`${base}/matchmake/joinById/${code}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: nestedJoinBody,
    });
    expect(withLength.status).toBe(413);
    const chunked = await postStream(`/matchmake/joinById/${code}`, nestedJoinBody.length, (i) => Buffer.from(nestedJoinBody.slice(i * 16384, (i + 1) * 16384)), false);
    expect(chunked.status).toBe(413);
    expect(reservedSeats(code)).toBe(0);
    expect(host.state.players.size).toBe(1);
    const ada = await TestClient.join(server.endpoint, code, { name: "Ada", icon: ICON });
    opened.push(ada);
    await host.waitState((s) => s.players.size === 2, "Ada joined");
  });

  it("#8 a body under the cap still reaches matchmaking", async () => {
    const res = await fetch(`${base}/matchmake/create/party`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Ada", icon: ICON, note: "x".repeat(2000) }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toHaveProperty("sessionId");
  });
});

describe("#8 join and create options are checked before a seat is reserved (GAME.md §9 bad-request)", () => {
  it("#8 a join whose options have the wrong shape is refused bad-request over HTTP with no seat", async () => {
    const host = await createHost();
    const code = host.room.roomId;
    for (const options of [{ name: 42, icon: ICON }, { name: "Ada", icon: ICON, audience: "yes" }, { name: "x".repeat(5000), icon: ICON }, [1, 2, 3], "Ada"]) {
      const res = await fetch(`${base}/matchmake/joinById/${code}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(options),
      });
      const body = (await res.json()) as { error?: string; sessionId?: string };
      expect(res.status, JSON.stringify(options).slice(0, 60)).toBeGreaterThanOrEqual(400);
      expect(body).not.toHaveProperty("sessionId");
      expect(body.error).toBe("bad-request");
      expect(reservedSeats(code)).toBe(0);
    }
    expect(host.state.players.size).toBe(1);
    expect(host.state.audienceCount).toBe(0);
  });

  it("#8 the SDK's join and create reject with exactly `bad-request`", async () => {
    const host = await createHost();
    const sdk = new Client(server.endpoint);
    expect(await joinError(sdk.joinById(host.room.roomId, { name: { first: "Ada" }, icon: ICON }))).toBe("bad-request");
    expect(await joinError(sdk.create("party", { name: "Ada", icon: ICON, hostPlays: "no" }))).toBe("bad-request");
    expect(await joinError(sdk.create("party", { name: "Ada", icon: 7 }))).toBe("bad-request");
    expect(reservedSeats(host.room.roomId)).toBe(0);
    expect(host.state.players.size).toBe(1);
  });

  it("#8 unknown option keys are ignored, and reconnection is not checked again", async () => {
    const host = await createHost();
    const ada = await TestClient.join(server.endpoint, host.room.roomId, { name: "Ada", icon: ICON, theme: "dark", version: 3 });
    opened.push(ada);
    await host.waitState((s) => s.players.size === 2, "Ada joined");
    ada.drop();
    await host.waitState((s) => s.players.get(ada.id)?.connected === false, "Ada dropped");
    const back = await ada.reconnect();
    opened.push(back);
    await host.waitState((s) => s.players.get(ada.id)?.connected === true, "Ada back");
  });
});
