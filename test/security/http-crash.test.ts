/**
 * Issue #7 finding 1: one malformed HTTP request must not end the process. The server runs as
 * `node src/index.ts`, exactly as `npm start` runs it, so a crash shows as an exit code; each
 * malformed request must get a 4xx, and good requests must still work after it. A bad API
 * parameter is the client's 400, never the database's 503, and is not logged as an error.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalizeJoinByIdUrl } from "../../src/rooms/roomCodes.ts";
import { ServerProcess } from "../support/cluster.ts";
import { findFreePort } from "../support/postgres.ts";
import { rawHttp, type RawResponse } from "../support/rawHttp.ts";

let server: ServerProcess;

beforeAll(async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "robots-http-crash-"));
  // info level: the test reads the log to check what a malformed request is logged as.
  server = new ServerProcess(await findFreePort(), { HOST: "127.0.0.1", DATA_DIR: dataDir, LOG_LEVEL: "info" });
  await server.ready();
}, 60_000);

afterAll(async () => {
  await server?.kill();
});

/** The process is still running and still answers a plain request. */
async function expectAlive() {
  expect(server.child.exitCode, `server exited:\n${server.output.slice(-2000)}`).toBeNull();
  const health = await fetch(`${server.http}/health`);
  expect(health.status).toBe(200);
}

function expectClientError(response: RawResponse, what: string) {
  expect(typeof response.status === "number" && response.status >= 400 && response.status <= 499, `${what} answered ${response.status}`).toBe(true);
}

const post = (target: string, body: unknown = {}) => ({
  method: "POST",
  target,
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify(body),
});

/** Log lines at error level or above (pino: 50 error, 60 fatal) written after `from`. */
function errorLinesSince(from: number): string[] {
  return server.output
    .slice(from)
    .split("\n")
    .filter((line) => /"level":(5\d|6\d)/.test(line));
}

describe("finding 1: a malformed join URL", () => {
  const badIds = ["%ZZ", "%zz", "%", "%E0%A4%A", "abc%", "%C0%80", "%ED%A0%80", "%E0".repeat(2_000)];

  it.each(badIds.map((id) => [id.slice(0, 24), id]))("GET and POST /matchmake/joinById/%s get a 4xx and the process lives on", async (_label, id) => {
    expectClientError(await rawHttp(server.port, { target: `/matchmake/joinById/${id}` }), `GET ${id.slice(0, 24)}`);
    await expectAlive();
    expectClientError(await rawHttp(server.port, post(`/matchmake/joinById/${id}`, { name: "Mallory", icon: "owl" })), `POST ${id.slice(0, 24)}`);
    await expectAlive();
  });

  it("an overlong but well-formed id is simply an unknown room", async () => {
    const response = await rawHttp(server.port, post(`/matchmake/joinById/${"Q".repeat(8_000)}`, { name: "Mallory", icon: "owl" }));
    // Colyseus's own "room not found" (522) is the client's miss: a 404 with the reason kept.
    expect(response.status).toBe(404);
    expect(JSON.parse(response.body)).toMatchObject({ code: 404, error: expect.stringContaining("not found") });
    await expectAlive();
  });

  it("after all of that, creating a room and joining it by a lower-case code still work", async () => {
    const created = await rawHttp(server.port, post("/matchmake/create/party", { name: "Host", icon: "robot" }));
    expect(created.status).toBe(200);
    const code: string = JSON.parse(created.body).roomId;
    expect(code).toMatch(/^[A-Z]{4}$/);
    const joined = await rawHttp(server.port, post(`/matchmake/joinById/${code.toLowerCase()}`, { name: "Guest", icon: "owl" }));
    expect(joined.status).toBe(200);
    expect(JSON.parse(joined.body).roomId).toBe(code);
    await expectAlive();
  });
});

describe("finding 1: headers Colyseus builds a URL from", () => {
  it("a Host header that forms no URL gets 400 at once instead of a request that never ends", async () => {
    const response = await rawHttp(server.port, { ...post("/matchmake/create/party", { name: "Host", icon: "robot" }), headers: { Host: "a b", "Content-Type": "application/json" } });
    expect(response.status).toBe(400);
    await expectAlive();
  });

  it("a junk X-Forwarded-Proto is ignored and the request is answered", async () => {
    const request = post("/matchmake/create/party", { name: "Host", icon: "robot" });
    const response = await rawHttp(server.port, { ...request, headers: { ...request.headers, "X-Forwarded-Proto": "a b" } });
    expect(response.status).toBe(200);
    await expectAlive();
  });
});

describe("finding 1: bad API parameters", () => {
  const cases: Array<[string, number]> = [
    ["/api/games/%ZZ", 400],
    ["/api/games/%E0%A4%A", 400],
    ["/api/games/not-a-uuid", 400],
    ["/api/players/%00/stats", 400],
    ["/api/players/a%07b/stats", 400],
    ["/api/players/%ZZ/stats", 400],
    ["/api/leaderboard?limit=%ZZ", 400],
    ["/api/leaderboard?limit=1&limit=2", 400],
    ["/api/games?room=%ZZ", 400],
    ["/api/games?room[x]=BCDF", 400],
    ["/api/no-such-route", 404],
    ["/api/no-such-route/%41", 404],
  ];

  it.each(cases)("%s answers %i with a JSON message, logged below error level", async (target, status) => {
    const before = server.output.length;
    const response = await rawHttp(server.port, { target });
    expect(response.status).toBe(status);
    expect(response.headers["content-type"]).toMatch(/application\/json/);
    const body = JSON.parse(response.body);
    expect(typeof body.error).toBe("string");
    expect(body.error).not.toMatch(/database/i);
    await expectAlive();
    expect(errorLinesSince(before)).toEqual([]);
  });

  it("a well-formed request for an unknown game is still a 404", async () => {
    const response = await rawHttp(server.port, { target: "/api/games/00000000-0000-4000-8000-000000000000" });
    expect(response.status).toBe(404);
  });
});

describe("finding 1: the join URL rewrite itself, on any input", () => {
  it("makes a typed code canonical and leaves everything else as it came", () => {
    expect(canonicalizeJoinByIdUrl("/matchmake/joinById/bcdf?x=1")).toBe("/matchmake/joinById/BCDF?x=1");
    expect(canonicalizeJoinByIdUrl("/matchmake/joinById/%62cdf")).toBe("/matchmake/joinById/BCDF");
    for (const id of ["%ZZ", "%", "%E0%A4%A", "bcd%", "%".repeat(5_000)]) {
      expect(canonicalizeJoinByIdUrl(`/matchmake/joinById/${id}`)).toBe(`/matchmake/joinById/${id}`);
    }
  });

  it("never throws (property, pinned seed)", () => {
    const unit = fc.constantFrom(..."%0123456789abcdefABCDEFbcdfzZ/?#-_.~ \u00e9\u200b");
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 40 }), fc.boolean(), (id, lower) => {
        const url = `/${lower ? "matchmake/joinbyid" : "matchmake/joinById"}/${id}`;
        const out = canonicalizeJoinByIdUrl(url);
        // Either untouched, or the id segment replaced by a 4-letter code.
        expect(out === url || /^\/matchmake\/joinById\/[A-Z]{4}(?=$|[/?#])/i.test(out)).toBe(true);
      }),
      { seed: 7_011, numRuns: 3_000 },
    );
  });
});
