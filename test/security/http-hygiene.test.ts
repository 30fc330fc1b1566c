/**
 * Issue #7 finding 11, the HTTP part: no `X-Powered-By`; /metrics can be closed with a bearer
 * token (METRICS_TOKEN) and an address allowlist (METRICS_ALLOW); and no response body carries
 * an internal error's text, whether the database or Redis fails underneath.
 */
import { matchMaker } from "@colyseus/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { flushRedis, redisReachable, redisUrlFor } from "../support/cluster.ts";
import { REQUIRE_SERVICES } from "../support/postgres.ts";
import { rawHttp } from "../support/rawHttp.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

/** A Redis database of its own, so no other suite's data is touched. */
const REDIS = redisUrlFor(13);
const redisUp = await redisReachable(REDIS);
if (!redisUp && REQUIRE_SERVICES) throw new Error(`CI=true but Redis is not reachable at ${REDIS}`);

const TOKEN = "metrics-token-for-tests-0123456789";

/** The /metrics settings loadConfig produces from this environment. */
function metricsSettings(env: NodeJS.ProcessEnv) {
  const config = loadConfig(env) as ReturnType<typeof loadConfig> & Record<string, unknown>;
  return { metricsToken: config.metricsToken, metricsAllow: config.metricsAllow } as Partial<ReturnType<typeof loadConfig>>;
}

const createBody = { method: "POST", target: "/matchmake/create/party", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ name: "Host", icon: "robot" }) };

describe("finding 11: configuration of /metrics", () => {
  it("neither is set by default", () => {
    expect(metricsSettings({})).toEqual({ metricsToken: null, metricsAllow: null });
  });

  it("METRICS_ALLOW takes addresses and CIDRs of both families", () => {
    expect(metricsSettings({ METRICS_ALLOW: "127.0.0.1, 10.0.0.0/8,::1,fd00::/8" }).metricsAllow).toEqual(["127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8"]);
  });

  it.each([
    [{ METRICS_ALLOW: "localhost" }, /METRICS_ALLOW/],
    [{ METRICS_ALLOW: "10.0.0.0/33" }, /METRICS_ALLOW/],
    [{ METRICS_ALLOW: "10.0.0.1/8/1" }, /METRICS_ALLOW/],
    [{ METRICS_ALLOW: " , " }, /METRICS_ALLOW/],
    [{ METRICS_TOKEN: "short" }, /METRICS_TOKEN/],
  ])("%j is a ConfigError naming the variable", (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(variable);
  });

  it("a refused token is never printed back", () => {
    expect(() => loadConfig({ METRICS_TOKEN: "tooShort!7" })).toThrow(/METRICS_TOKEN/);
    expect(() => loadConfig({ METRICS_TOKEN: "tooShort!7" })).not.toThrow(/tooShort!7/);
  });
});

describe("finding 11: a server with a metrics token and an allowlist that admits it", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(metricsSettings({ METRICS_TOKEN: TOKEN, METRICS_ALLOW: "127.0.0.0/8,::1" }));
  });
  afterAll(async () => {
    await server?.close();
  });

  it("no response names the framework in X-Powered-By", async () => {
    for (const target of ["/health", "/", "/api/leaderboard", "/api/games/%ZZ", "/api/no-such-route", "/no-such-file", "/metrics"]) {
      const response = await rawHttp(server.port, { target });
      expect(typeof response.status, target).toBe("number");
      expect(response.headers["x-powered-by"], target).toBeUndefined();
    }
    const created = await rawHttp(server.port, createBody);
    expect(created.status).toBe(200);
    expect(created.headers["x-powered-by"]).toBeUndefined();
  });

  it("/metrics without the token: 401 with a Bearer challenge, and nothing of the metrics", async () => {
    for (const authorization of [undefined, "Bearer wrong-token-but-long-enough", `Bearer ${TOKEN}x`, `Basic ${Buffer.from(`x:${TOKEN}`).toString("base64")}`, TOKEN, "Bearer "]) {
      const response = await rawHttp(server.port, { target: "/metrics", headers: authorization === undefined ? {} : { Authorization: authorization } });
      expect(response.status, String(authorization)).toBe(401);
      expect(response.headers["www-authenticate"]).toMatch(/^Bearer/);
      expect(response.body).not.toContain("# HELP");
    }
  });

  it("/metrics with the token: 200 and the Prometheus text", async () => {
    const response = await rawHttp(server.port, { target: "/metrics", headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
    expect(response.body).toContain("# HELP");
  });

  it("a database that fails under the API is a 503 whose body names nothing internal", async () => {
    // The handle the API queries through, closed under it: every query now throws.
    await server.persistence.database.close();
    for (const target of ["/api/leaderboard", "/api/games?room=BCDF", "/api/games/00000000-0000-4000-8000-000000000000", "/api/players/Ada/stats"]) {
      const response = await rawHttp(server.port, { target });
      expect(response.status, target).toBe(503);
      expect(JSON.parse(response.body), target).toEqual({ error: "the database is not answering; try again shortly" });
      expect(response.body).not.toMatch(/destroyed|kysely|pglite|driver|stack/i);
    }
  });
});

describe("finding 11: an allowlist that does not admit the caller", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(metricsSettings({ METRICS_ALLOW: "10.0.0.0/8,fd00::/8" }));
  });
  afterAll(async () => {
    await server?.close();
  });

  it("/metrics from 127.0.0.1 is 403, and a forged X-Forwarded-For does not help", async () => {
    const attempts: Array<Record<string, string>> = [{}, { "X-Forwarded-For": "10.1.2.3" }, { "X-Real-IP": "10.1.2.3" }];
    for (const headers of attempts) {
      const response = await rawHttp(server.port, { target: "/metrics", headers });
      expect(response.status, JSON.stringify(headers)).toBe(403);
      expect(response.body).not.toContain("# HELP");
    }
  });

  it("the rest of the server is not affected", async () => {
    expect((await rawHttp(server.port, { target: "/health" })).status).toBe(200);
  });
});

describe.runIf(redisUp)("finding 11: Redis failing under matchmaking", () => {
  let server: TestServer;
  beforeAll(async () => {
    await flushRedis(REDIS);
    server = await startTestServer({ redisUrl: REDIS, publicAddress: null });
  });
  afterAll(async () => {
    await server?.close();
    await flushRedis(REDIS);
  });

  it("the client gets a generic error, not ioredis's words", async () => {
    const healthy = await rawHttp(server.port, createBody);
    expect(healthy.status).toBe(200);
    // The room listing's own Redis connection, cut: every listing command now fails.
    (matchMaker.driver as unknown as { _client: { disconnect(): void } })._client.disconnect();
    for (const request of [createBody, { ...createBody, target: "/matchmake/joinById/BCDF" }]) {
      const response = await rawHttp(server.port, request);
      expect(typeof response.status === "number" && response.status >= 400, `${request.target} answered ${response.status}`).toBe(true);
      const body = JSON.parse(response.body);
      expect(typeof body.error).toBe("string");
      expect(body.error).not.toMatch(/connection|closed|redis|ECONN|6379|stream|writable/i);
    }
  });
});
