/**
 * Inputs the fuzz suite (fuzz.test.ts) found, kept as named tests with the exact input
 * (STYLE.md §11). Each names the issue #7 finding or the fuzz property it broke.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { leaveAll, TestClient } from "../support/clients.ts";
import { EscapedErrors, msgpackMap, msgpackStr, rawRequest, roomDataFrame, sendRaw } from "../support/fuzz.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

vi.hoisted(() => {
  process.env.LOG_LEVEL ??= "warn";
});

let server: TestServer;
const escaped = new EscapedErrors();
beforeAll(async () => {
  escaped.install();
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
  escaped.uninstall();
});

async function exchange(method: string, target: string, body?: string) {
  const before = escaped.errors.length;
  const res = await rawRequest(
    server.port,
    { method, target: Buffer.from(target, "latin1"), headers: body ? [["Content-Type", "application/json"]] : [], ...(body ? { body: Buffer.from(body) } : {}) },
    escaped,
  );
  return { ...res, escaped: escaped.describe(before) };
}

describe("fuzz regressions: HTTP", () => {
  it("regression: GET /matchmake/joinById/%ZZ (a bad escape) is answered with a 4xx and nothing escapes to the process (finding 1)", async () => {
    const res = await exchange("GET", "/matchmake/joinById/%ZZ");
    expect(res.escaped).toBe("");
    expect(res.status, res.failure).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect((await exchange("GET", "/health")).status).toBe(200);
  });

  it("regression: POST /matchmake/joinById/%C0%AF (overlong UTF-8 escape) is answered with a 4xx and nothing escapes (finding 1)", async () => {
    const res = await exchange("POST", "/matchmake/joinById/%C0%AF", '{"name":"Ada","icon":"robot"}');
    expect(res.escaped).toBe("");
    expect(res.status, res.failure).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  it("regression: POST /api/games/%ZZ?limit=-1 is a 4xx, not 503 'the database is not answering' (finding 1, seed 7003)", async () => {
    const res = await exchange("POST", "/api/games/%ZZ?limit=-1");
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  it("regression: joinById with an unknown code is a 4xx, not Colyseus's 522 (seed 7002)", async () => {
    const res = await exchange("POST", "/matchmake/joinById/kxqt", '{"name":"Ada","icon":"robot"}');
    expect(res.status, res.body).toBeGreaterThanOrEqual(400);
    expect(res.status, res.body).toBeLessThan(500);
  });

  it("regression: a matchmaking call for an unknown room name or method is a 4xx, not Colyseus's 520 (seed 7001)", async () => {
    for (const target of ["/matchmake/join/bcdf", "/matchmake/%F7%BD%FA%2F%FF%67/bcdf"]) {
      const res = await exchange("POST", target, "{}");
      expect(res.status, `${target}: ${res.body}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${target}: ${res.body}`).toBeLessThan(500);
    }
  });
});

describe("fuzz regressions: room messages", () => {
  let host: TestClient;
  let other: TestClient;
  beforeAll(async () => {
    host = await TestClient.create(server.endpoint, { name: "Host", icon: "robot" });
    other = await TestClient.join(server.endpoint, host.room.roomId, { name: "Bea", icon: "cat" });
  });
  afterAll(async () => {
    await leaveAll([host, other]);
  });

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const errorsSince = (c: TestClient, from: number) => c.received.slice(from).filter((m) => m.type === "error").map((m) => m.payload);

  it('regression: a message typed "*" is refused bad-request with requestType "*", whatever its payload (seed 7104: send("*", {}))', async () => {
    // Colyseus hands a "*"-typed message to the wildcard handler with the payload in the type's
    // place; {toString: 1} then threw inside the room (an error log, and no answer at all).
    for (const payload of [{}, { toString: 1 }, "skip-phase", null]) {
      await sleep(120);
      const from = host.received.length;
      host.send("*", payload);
      host.send("fuzz-probe", {});
      await host.until(() => errorsSince(host, from).some((e) => e.requestType === "fuzz-probe") || undefined, "probe answered", 3000);
      expect(errorsSince(host, from), JSON.stringify(payload)).toEqual([
        { code: "bad-request", message: expect.any(String), requestType: "*" },
        { code: "bad-request", message: expect.any(String), requestType: "fuzz-probe" },
      ]);
    }
    expect(host.phase).toBe("lobby");
  });

  it("regression: a well-formed frame with non-UTF-8 text is answered, and the socket stays open", async () => {
    const bad = Buffer.from([0xff, 0xfe, 0xc0, 0xaf, 0xed, 0xa0, 0x80]);
    const frames = [
      roomDataFrame(Buffer.from("update-settings"), msgpackMap([[Buffer.from("mode"), msgpackStr(bad)]])),
      roomDataFrame(bad, msgpackMap([[Buffer.from("optionId"), msgpackStr(Buffer.from("a1"))]])),
      roomDataFrame(Buffer.from("kick-player"), msgpackMap([[bad, msgpackStr(Buffer.from("x"))]])),
    ];
    for (const frame of frames) {
      await sleep(120);
      const from = host.received.length;
      sendRaw(host.room, frame);
      host.send("fuzz-probe", {});
      await host.until(() => errorsSince(host, from).some((e) => e.requestType === "fuzz-probe") || !host.room.connection.isOpen || undefined, "probe answered", 3000);
      expect(host.room.connection.isOpen).toBe(true);
      const errors = errorsSince(host, from);
      expect(errors.length, JSON.stringify(errors)).toBe(2);
      expect(errors[0].code).toBe("bad-request");
    }
    expect(host.state.settings.hostPlays).toBe(true);
    expect(other.received.filter((m) => m.type === "error")).toEqual([]);
  });
});
