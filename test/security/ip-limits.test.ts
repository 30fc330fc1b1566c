/**
 * Issue #7 finding 9, "no per-IP limits", over real HTTP, real WebSocket upgrades and real SDK
 * clients: room creations, failed joins (code guessing), open sockets and audience members per
 * room are limited per client address; successful joins never are; and the address is the
 * socket's peer unless that peer is a trusted proxy, so a forged X-Forwarded-For dodges nothing.
 *
 * Each block starts its own server with small limits (one at the defaults, for the party behind
 * one NAT); the servers run one after the other.
 */
import http from "node:http";
import { Client } from "@colyseus/sdk";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig, type Config } from "../../src/config.ts";
import { ICONS } from "../../src/protocol.ts";
import { ICON, joinError, leaveAll, TestClient } from "../support/clients.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Limits as the environment would set them, so the variable names are checked too. */
function limitsFrom(env: Record<string, string>): Partial<Config> {
  const c = loadConfig(env) as Config & Record<string, unknown>;
  const picked: Record<string, unknown> = {};
  for (const key of [
    "trustedProxies",
    "createRoomsPerMinute",
    "failedJoinLimit",
    "failedJoinWindowSeconds",
    "failedJoinBlockSeconds",
    "failedJoinBlockMaxSeconds",
    "maxSocketsPerIp",
    "maxAudiencePerIp",
  ]) {
    picked[key] = c[key];
  }
  return picked as Partial<Config>;
}

/** One server per describe block, with the limits it needs, and its clients left at the end. */
function serverWith(env: Record<string, string>) {
  const ctx = { server: undefined as unknown as TestServer, base: "", opened: [] as TestClient[] };
  beforeAll(async () => {
    ctx.server = await startTestServer(limitsFrom(env));
    ctx.base = `http://127.0.0.1:${ctx.server.port}`;
  });
  afterEach(async () => {
    await leaveAll(ctx.opened.splice(0));
  });
  afterAll(async () => {
    await ctx.server?.close();
  });
  return ctx;
}

async function matchmake(base: string, method: string, target: string, options: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/matchmake/${method}/${target}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(options),
  });
  const text = await res.text();
  return { status: res.status, retryAfter: res.headers.get("retry-after"), body: text };
}

/** A raw WebSocket upgrade: 101 when the server takes it, else the refusal's status. */
function upgradeStatus(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: "127.0.0.1",
      port,
      path: "/",
      agent: false,
      headers: { connection: "Upgrade", upgrade: "websocket", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==" },
    });
    req.on("upgrade", (_res, socket) => {
      socket.destroy();
      resolve(101);
    });
    req.on("response", (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

describe("#9 room creations per address", () => {
  const ctx = serverWith({ CREATE_ROOMS_PER_MINUTE: "3" });

  it("#9 creates past CREATE_ROOMS_PER_MINUTE get 429 with Retry-After; the SDK sees `rate-limited`", async () => {
    for (let i = 0; i < 3; i++) {
      const ok = await matchmake(ctx.base, "create", "party", { name: `Host${i}`, icon: ICON });
      expect(ok.status, `create ${i + 1}`).toBe(200);
    }
    const refused = await matchmake(ctx.base, "create", "party", { name: "Host4", icon: ICON });
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(60);
    expect(await joinError(new Client(ctx.server.endpoint).create("party", { name: "Host5", icon: ICON }))).toBe("rate-limited");
    const joinOrCreate = await matchmake(ctx.base, "joinOrCreate", "party", { name: "Host6", icon: ICON });
    expect(joinOrCreate.status, "joinOrCreate creates too").toBe(429);
  });

  it("#9 a forged X-Forwarded-For, X-Real-IP or X-Client-IP from an untrusted peer is ignored", async () => {
    // The previous test spent this address's creations: other claimed addresses change nothing.
    for (const header of ["x-forwarded-for", "x-real-ip", "x-client-ip"]) {
      for (const forged of ["203.0.113.7", "198.51.100.1, 203.0.113.8"]) {
        const res = await matchmake(ctx.base, "create", "party", { name: "Spoof", icon: ICON }, { [header]: forged });
        expect(res.status, `${header}: ${forged}`).toBe(429);
      }
    }
  });
});

describe("#9 behind a trusted proxy (TRUSTED_PROXIES)", () => {
  const ctx = serverWith({ TRUSTED_PROXIES: "127.0.0.1, 10.0.0.0/8", CREATE_ROOMS_PER_MINUTE: "2" });

  it("#9 the right-most untrusted X-Forwarded-For hop is the client address", async () => {
    const viaProxy = (chain: string) => matchmake(ctx.base, "create", "party", { name: "Host", icon: ICON }, { "x-forwarded-for": chain });
    expect((await viaProxy("203.0.113.1")).status).toBe(200);
    expect((await viaProxy("203.0.113.1, 10.1.2.3")).status, "10/8 is one of ours: skipped").toBe(200);
    // A client that writes its own X-Forwarded-For only adds hops to the left of the real one.
    expect((await viaProxy("198.51.100.99, 203.0.113.1")).status).toBe(429);
    expect((await viaProxy("203.0.113.2")).status, "another client behind the same proxy").toBe(200);
    expect((await matchmake(ctx.base, "create", "party", { name: "Host", icon: ICON }, { "x-real-ip": "203.0.113.3" })).status).toBe(200);
    expect((await matchmake(ctx.base, "create", "party", { name: "Host", icon: ICON }, { "x-real-ip": "203.0.113.3" })).status).toBe(200);
    expect((await matchmake(ctx.base, "create", "party", { name: "Host", icon: ICON }, { "x-real-ip": "203.0.113.3" })).status).toBe(429);
  });
});

describe("#9 failed joins (code guessing)", () => {
  const ctx = serverWith({ FAILED_JOIN_LIMIT: "3", FAILED_JOIN_WINDOW_SECONDS: "60", FAILED_JOIN_BLOCK_SECONDS: "1", FAILED_JOIN_BLOCK_MAX_SECONDS: "60" });

  it("#9 after a few misses every join from the address gets 429 with Retry-After, the block grows, and hits never count", async () => {
    const host = await TestClient.create(ctx.server.endpoint, { name: "Host", icon: ICON });
    ctx.opened.push(host);
    const code = host.room.roomId;
    // Eight successful joins first: were they counted, the first guess below would be blocked.
    for (let i = 0; i < 8; i++) ctx.opened.push(await TestClient.join(ctx.server.endpoint, code, { name: `Fan${i}`, icon: ICON, audience: true }));
    await host.waitState((s) => s.audienceCount === 8, "8 audience members");
    const guesses = ["BCDF", "BCDG", "BCDH", "BCDJ", "BCDK", "BCDL", "BCDM", "BCDN", "BCDP"].filter((g) => g !== code);
    // A different forged address on every guess: it must not spread the misses.
    for (let i = 0; i < 3; i++) {
      const miss = await matchmake(ctx.base, "joinById", guesses[i]!, { name: "Eve", icon: ICON }, { "x-forwarded-for": `203.0.113.${i}` });
      expect(miss.status, `guess ${i + 1} is a plain miss`).not.toBe(429);
      expect(miss.status).toBeGreaterThanOrEqual(400);
    }
    const blocked = await matchmake(ctx.base, "joinById", guesses[3]!, { name: "Eve", icon: ICON });
    expect(blocked.status).toBe(429);
    const first = Number(blocked.retryAfter);
    expect(first).toBeGreaterThanOrEqual(1);
    // While blocked, even the right code is refused: a hit must not stand out from a miss.
    const right = await matchmake(ctx.base, "joinById", code, { name: "Eve", icon: ICON });
    expect(right.status).toBe(429);
    expect(await joinError(new Client(ctx.server.endpoint).joinById(code, { name: "Eve", icon: ICON }))).toBe("rate-limited");

    await sleep(first * 1000 + 200);
    for (let i = 0; i < 3; i++) {
      const miss = await matchmake(ctx.base, "joinById", guesses[4 + (i % 3)]!, { name: "Eve", icon: ICON });
      expect(miss.status, `guess ${i + 1} after the first block`).not.toBe(429);
    }
    const again = await matchmake(ctx.base, "joinById", guesses[4]!, { name: "Eve", icon: ICON });
    expect(again.status).toBe(429);
    expect(Number(again.retryAfter), "the second block is longer than the first").toBeGreaterThan(first);
  });
});

describe("#9 open sockets per address (MAX_SOCKETS_PER_IP)", () => {
  const ctx = serverWith({ MAX_SOCKETS_PER_IP: "3" });

  it("#9 a fourth socket from one address is refused with 429; a closed one frees its place", async () => {
    const host = await TestClient.create(ctx.server.endpoint, { name: "Host", icon: ICON });
    ctx.opened.push(host);
    const code = host.room.roomId;
    for (const name of ["Ada", "Bob"]) ctx.opened.push(await TestClient.join(ctx.server.endpoint, code, { name, icon: ICON }));
    expect(await upgradeStatus(ctx.server.port)).toBe(429);
    await expect(TestClient.join(ctx.server.endpoint, code, { name: "Cy", icon: ICON })).rejects.toThrow();
    const bob = ctx.opened.pop()!;
    await bob.leave();
    await host.waitState((s) => s.players.size === 2, "Bob gone");
    // The server counts the socket down when it closes, a moment after the leave.
    let status = 0;
    for (let i = 0; i < 20 && status !== 101; i++) {
      status = await upgradeStatus(ctx.server.port);
      if (status !== 101) await sleep(100);
    }
    expect(status).toBe(101);
    await sleep(50);
    ctx.opened.push(await TestClient.join(ctx.server.endpoint, code, { name: "Cy", icon: ICON }));
    await host.waitState((s) => s.players.size === 3, "Cy in");
  });
});

describe("#9 audience per address in one room (MAX_AUDIENCE_PER_IP)", () => {
  const ctx = serverWith({ MAX_AUDIENCE_PER_IP: "2" });

  it("#9 audience joins past the cap are refused `rate-limited`; players are not affected", async () => {
    const host = await TestClient.create(ctx.server.endpoint, { name: "Host", icon: ICON });
    ctx.opened.push(host);
    const code = host.room.roomId;
    const fans: TestClient[] = [];
    for (const name of ["Fan1", "Fan2"]) fans.push(await TestClient.join(ctx.server.endpoint, code, { name, icon: ICON, audience: true }));
    ctx.opened.push(...fans);
    const sdk = new Client(ctx.server.endpoint);
    expect(await joinError(sdk.joinById(code, { name: "Fan3", icon: ICON, audience: true }))).toBe("rate-limited");
    ctx.opened.push(await TestClient.join(ctx.server.endpoint, code, { name: "Ada", icon: ICON }));
    await host.waitState((s) => s.audienceCount === 2 && s.players.size === 2, "two fans and two players");

    // A fan who leaves frees the place.
    const fan = fans[0]!;
    await fan.leave();
    await host.waitState((s) => s.audienceCount === 1, "a fan left");
    ctx.opened.push(await TestClient.join(ctx.server.endpoint, code, { name: "Fan4", icon: ICON, audience: true }));
    await host.waitState((s) => s.audienceCount === 2, "Fan4 in");
  });
});

describe("#9 a party behind one NAT at the default limits", () => {
  const ctx = serverWith({});

  it("#9 eight players and fifty audience members from one address all get in", async () => {
    const host = await TestClient.create(ctx.server.endpoint, { name: "Host", icon: ICON });
    ctx.opened.push(host);
    const code = host.room.roomId;
    const players = await Promise.all(
      Array.from({ length: 7 }, (_, i) => TestClient.join(ctx.server.endpoint, code, { name: `Player${i + 1}`, icon: ICONS[i % ICONS.length] })),
    );
    ctx.opened.push(...players);
    for (let batch = 0; batch < 5; batch++) {
      const fans = await Promise.all(
        Array.from({ length: 10 }, (_, i) => TestClient.join(ctx.server.endpoint, code, { name: `Fan${batch * 10 + i + 1}`, icon: ICON, audience: true })),
      );
      ctx.opened.push(...fans);
    }
    await host.waitState((s) => s.players.size === 8 && s.audienceCount === 50, "8 players and 50 audience");
  });
});

describe("#9 every limit is a validated setting", () => {
  it("#9 bad values stop the server with a message naming the variable", () => {
    for (const [name, value] of [
      ["MAX_BODY_BYTES", "lots"],
      ["CREATE_ROOMS_PER_MINUTE", "0"],
      ["FAILED_JOIN_LIMIT", "-1"],
      ["FAILED_JOIN_BLOCK_SECONDS", "1.5"],
      ["MAX_SOCKETS_PER_IP", "many"],
      ["MAX_AUDIENCE_PER_IP", "0"],
      ["TRUSTED_PROXIES", "10.0.0.0/33"],
      ["TRUSTED_PROXIES", "proxy.example.com"],
    ]) {
      expect(() => loadConfig({ [name!]: value }), `${name}=${value}`).toThrow(ConfigError);
      try {
        loadConfig({ [name!]: value });
      } catch (error) {
        expect((error as Error).message).toContain(name);
      }
    }
    expect(() => loadConfig({ FAILED_JOIN_BLOCK_SECONDS: "120", FAILED_JOIN_BLOCK_MAX_SECONDS: "60" })).toThrow(/FAILED_JOIN_BLOCK_MAX_SECONDS/);
  });

  it("#9 the defaults let a full party in and keep a flood out", () => {
    const c = loadConfig({}) as Config & Record<string, unknown>;
    expect(c.trustedProxies).toEqual([]);
    expect(c.maxBodyBytes).toBe(4096);
    expect(c.maxSocketsPerIp).toBeGreaterThanOrEqual(8 + 50 + 1);
    expect(c.maxAudiencePerIp).toBeGreaterThanOrEqual(50);
    expect(c.createRoomsPerMinute).toBeLessThanOrEqual(60);
    expect(c.failedJoinLimit).toBeLessThanOrEqual(20);
  });
});
