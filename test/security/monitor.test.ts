/**
 * Issue #7 finding 2: the Colyseus monitor lists private room codes and its room-call endpoint
 * runs any room method. It is off unless configured; when on, every request under /colyseus
 * needs HTTP Basic credentials, the panel cannot change a room, no other site may read it with
 * an operator's credentials, the shipped nginx config does not expose it, and MONITOR=true
 * without credentials stops the server at start (exit 2, one line).
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { leaveAll, TestClient } from "../support/clients.ts";
import { NGINX, NginxProxy } from "../support/cluster.ts";
import { findFreePort, REQUIRE_SERVICES } from "../support/postgres.ts";
import { rawHttp } from "../support/rawHttp.ts";
import { runIndex } from "../support/runIndex.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

if (!NGINX && REQUIRE_SERVICES) throw new Error("CI=true but nginx is not installed (.ci/run installs it)");

const USER = "operator";
const PASSWORD = "a long monitor password";
const EVIL = "https://evil.example";

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
const RIGHT = basic(USER, PASSWORD);

/** The monitor settings loadConfig produces from this environment. */
function monitorSettings(env: NodeJS.ProcessEnv) {
  const config = loadConfig(env) as ReturnType<typeof loadConfig> & Record<string, unknown>;
  return { monitor: config.monitor, monitorCredentials: config.monitorCredentials } as Partial<ReturnType<typeof loadConfig>>;
}

describe("finding 2: configuration", () => {
  it("the monitor is off when MONITOR is not set", () => {
    expect(loadConfig({}).monitor).toBe(false);
  });

  it.each([
    [{ MONITOR: "true" }, /MONITOR_USER/],
    [{ MONITOR: "true", MONITOR_USER: USER }, /MONITOR_PASSWORD/],
    [{ MONITOR: "true", MONITOR_PASSWORD: PASSWORD }, /MONITOR_USER/],
    [{ MONITOR: "true", MONITOR_USER: USER, MONITOR_PASSWORD: "short" }, /MONITOR_PASSWORD/],
  ])("MONITOR=true with %j is a ConfigError naming the variable", (env, variable) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(variable);
  });

  it("a refused password is never printed back", () => {
    const secret = "tooShort!7";
    expect(() => loadConfig({ MONITOR: "true", MONITOR_USER: USER, MONITOR_PASSWORD: secret })).toThrow(/MONITOR_PASSWORD/);
    try {
      loadConfig({ MONITOR: "true", MONITOR_USER: USER, MONITOR_PASSWORD: secret });
    } catch (error) {
      expect((error as Error).message).not.toContain(secret);
    }
  });

  it("MONITOR=true with both credentials loads", () => {
    expect(monitorSettings({ MONITOR: "true", MONITOR_USER: USER, MONITOR_PASSWORD: PASSWORD })).toEqual({
      monitor: true,
      monitorCredentials: { user: USER, password: PASSWORD },
    });
  });

  it("`node src/index.ts` with MONITOR=true and no credentials exits 2 with one line on stderr", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "robots-monitor-config-"));
    const env: NodeJS.ProcessEnv = { ...process.env, MONITOR: "true", PORT: String(await findFreePort()), HOST: "127.0.0.1", DATA_DIR: dataDir };
    delete env.MONITOR_USER;
    delete env.MONITOR_PASSWORD;
    const { exit, stderr } = await runIndex(env);
    expect(exit).toBe(2);
    const lines = stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/MONITOR_USER/);
  }, 30_000);
});

describe("finding 2: off by default", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(monitorSettings({}));
  });
  afterAll(async () => {
    await server?.close();
  });

  it("/colyseus and its API answer 404", async () => {
    for (const target of ["/colyseus", "/colyseus/", "/colyseus/api", "/colyseus/api/room/call?roomId=X&method=disconnect&args=[]"]) {
      const response = await rawHttp(server.port, { target, headers: { Authorization: RIGHT } });
      expect(response.status, target).toBe(404);
    }
  });
});

describe("finding 2: on, with credentials", () => {
  let server: TestServer;
  let host: TestClient;
  const get = (target: string, headers: Record<string, string> = {}) => rawHttp(server.port, { target, headers });

  beforeAll(async () => {
    server = await startTestServer(monitorSettings({ MONITOR: "true", MONITOR_USER: USER, MONITOR_PASSWORD: PASSWORD }));
    host = await TestClient.create(server.endpoint, { name: "Host", icon: "robot" });
  });
  afterAll(async () => {
    await leaveAll([host]);
    await server?.close();
  });

  it("no credentials: 401 with a Basic challenge, on the page and on every API path", async () => {
    for (const target of ["/colyseus/", "/colyseus/api", `/colyseus/api/room?roomId=${host.room.roomId}`, "/COLYSEUS/api", "/colyseus//api", "/colyseus/assets/x.js"]) {
      const response = await get(target);
      expect(response.status, target).toBe(401);
      expect(response.headers["www-authenticate"], target).toMatch(/^Basic realm=/);
      expect(response.body, target).not.toContain(host.room.roomId);
    }
  });

  it("an absolute-form request target does not get around the credentials", async () => {
    const response = await get(`http://127.0.0.1:${server.port}/colyseus/api`);
    expect(response.status).toBe(401);
  });

  it("wrong user, wrong password, or a malformed header: 401", async () => {
    for (const authorization of [basic(USER, "not the password"), basic("someone", PASSWORD), basic(USER, ""), "Basic !!!", `Bearer ${PASSWORD}`, basic(USER, `${PASSWORD}x`)]) {
      const response = await get("/colyseus/api", { Authorization: authorization });
      expect(response.status, authorization).toBe(401);
      expect(response.body).not.toContain(host.room.roomId);
    }
  });

  it("the right credentials: 200, the panel and the room listing", async () => {
    const page = await get("/colyseus/", { Authorization: RIGHT });
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toMatch(/text\/html/);
    const api = await get("/colyseus/api", { Authorization: RIGHT });
    expect(api.status).toBe(200);
    expect(JSON.parse(api.body).rooms.map((r: { roomId: string }) => r.roomId)).toContain(host.room.roomId);
  });

  it("the room-call endpoint is refused even with credentials, and the room is untouched", async () => {
    for (const path of ["/colyseus/api/room/call", "/colyseus/API/Room/Call", "/colyseus/api//room/call"]) {
      const target = `${path}?roomId=${host.room.roomId}&method=disconnect&args=${encodeURIComponent("[]")}`;
      const response = await get(target, { Authorization: RIGHT });
      expect(response.status, path).toBeGreaterThanOrEqual(400);
      expect(response.status, path).toBeLessThan(500);
    }
    // Still there, still answering: a disconnect would have closed the host's socket.
    await new Promise((r) => setTimeout(r, 300));
    const api = await get("/colyseus/api", { Authorization: RIGHT });
    expect(JSON.parse(api.body).rooms.map((r: { roomId: string }) => r.roomId)).toContain(host.room.roomId);
    expect(host.room.connection.isOpen).toBe(true);
  });

  it("a page from another site gets no Access-Control-Allow-Origin for it, with or without credentials", async () => {
    for (const method of ["GET", "OPTIONS"]) {
      const response = await rawHttp(server.port, {
        method,
        target: "/colyseus/api",
        headers: { Origin: EVIL, Authorization: RIGHT, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization" },
      });
      expect(response.headers["access-control-allow-origin"], method).not.toBe(EVIL);
      if (method === "GET") {
        expect(response.status).toBe(403);
        expect(response.body).not.toContain(host.room.roomId);
      }
    }
  });

  it("a browser's cross-site fetch (Sec-Fetch-Site) is refused even without an Origin header", async () => {
    const response = await get("/colyseus/api", { Authorization: RIGHT, "Sec-Fetch-Site": "cross-site" });
    expect(response.status).toBe(403);
  });

  it("the panel's own same-origin requests still work", async () => {
    const response = await get("/colyseus/api", { Authorization: RIGHT, Origin: `http://127.0.0.1:${server.port}`, "Sec-Fetch-Site": "same-origin" });
    expect(response.status).toBe(200);
    expect(response.headers["access-control-allow-origin"]).toBeUndefined();
  });

  describe.runIf(NGINX)("behind the shipped deploy/nginx.conf", () => {
    let proxy: NginxProxy;
    beforeAll(async () => {
      // The shipped file lists three processes; the other two ports have nothing behind them,
      // and nginx passes over them.
      proxy = await NginxProxy.start(await findFreePort(), [server.port, await findFreePort(), await findFreePort()]);
    }, 20_000);
    afterAll(async () => {
      await proxy?.stop();
    });

    it("the monitor is not reachable through the public port, even with credentials", async () => {
      const targets = ["/colyseus/", "/colyseus/api", "/COLYSEUS/api", "//colyseus/api", "/%63olyseus/api", "/./colyseus/api", `/p${server.port}/colyseus/api`, `/p${server.port}/Colyseus/api`];
      for (const target of targets) {
        const response = await rawHttp(proxy.port, { target, headers: { Authorization: RIGHT } });
        expect(response.status, target).toBe(404);
        expect(response.body, target).not.toContain(host.room.roomId);
      }
    });

    it("the rest of the site still goes through", async () => {
      expect((await rawHttp(proxy.port, { target: "/health" })).status).toBe(200);
      expect((await rawHttp(proxy.port, { target: "/api/leaderboard" })).status).toBe(200);
      expect((await rawHttp(proxy.port, { target: `/p${server.port}/health` })).status).toBe(200);
    });
  });
});
