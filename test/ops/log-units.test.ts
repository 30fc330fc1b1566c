/**
 * Issue #12 #1, #2, unit level: what decides a line about an outage, a game record and a request
 * id. The end-to-end tests (logs, outage-logs, log-format) run the real server.
 */
import { readdirSync, readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { GameRecord } from "../../src/game/record.ts";
import { assignRequestId, requestIdOf } from "../../src/http/requestId.ts";
import { logger } from "../../src/logger.ts";
import { isOutageError, ServiceState } from "../../src/outages.ts";
import type { OutboxStore } from "../../src/persistence/outbox.ts";
import { GameRecorder } from "../../src/persistence/recorder.ts";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("ServiceState: one line when the service goes down, one when it is back", () => {
  it("many parts failing many times: one warn; back only when the last part answers; no stack", () => {
    const warn = vi.spyOn(logger, "warn").mockImplementation(() => undefined);
    const info = vi.spyOn(logger, "info").mockImplementation(() => undefined);
    const state = new ServiceState("Redis");
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6379"), { code: "ECONNREFUSED" });
    for (let retry = 0; retry < 50; retry++) {
      state.failed("presence #1", refused);
      state.failed("room listing #2", refused);
    }
    expect(state.up).toBe(false);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toEqual({ dependency: "Redis", noticedBy: "presence #1", reason: "connect ECONNREFUSED 127.0.0.1:6379" });
    state.answered("presence #1");
    expect(info).not.toHaveBeenCalled();
    state.answered("room listing #2");
    state.answered("room listing #2");
    expect(info).toHaveBeenCalledTimes(1);
    expect(state.up).toBe(true);
    // A second outage is a second pair of lines.
    state.failed("presence #1", refused);
    state.answered("presence #1");
    expect(warn).toHaveBeenCalledTimes(2);
    expect(info).toHaveBeenCalledTimes(2);
  });

  it("a part that goes away for good (a client closed) leaves quietly, without a false 'back' line", () => {
    const info = vi.spyOn(logger, "info").mockImplementation(() => undefined);
    vi.spyOn(logger, "warn").mockImplementation(() => undefined);
    const state = new ServiceState("Redis");
    state.failed("outbox #3", new Error("Connection is closed."));
    state.forget("outbox #3");
    expect(info).not.toHaveBeenCalled();
    expect(state.up).toBe(true);
  });

  it("a database error with a SQLSTATE is an answer, not an outage, unless its class says the server is unusable", () => {
    expect(isOutageError(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }))).toBe(true);
    expect(isOutageError(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isOutageError(Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }))).toBe(true);
    expect(isOutageError(Object.assign(new Error("connection failure"), { code: "08006" }))).toBe(true);
    expect(isOutageError(Object.assign(new Error("duplicate key"), { code: "23505" }))).toBe(false);
    expect(isOutageError(Object.assign(new Error("syntax error"), { code: "42601" }))).toBe(false);
  });
});

describe("request ids", () => {
  const request = (value?: string | string[]) => ({ headers: value === undefined ? {} : { "x-request-id": value } }) as unknown as IncomingMessage;
  const response = () => {
    const headers: Record<string, string> = {};
    return { res: { headersSent: false, setHeader: (k: string, v: string) => (headers[k] = v) } as unknown as ServerResponse, headers };
  };
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

  it("keeps a short, plain id and hands it on in the request's own header", () => {
    const req = request("edge-01.a_b");
    const { res, headers } = response();
    expect(assignRequestId(req, res)).toBe("edge-01.a_b");
    expect(headers["X-Request-Id"]).toBe("edge-01.a_b");
    expect(requestIdOf(req)).toBe("edge-01.a_b");
    expect(requestIdOf(new Headers({ "x-request-id": "edge-01.a_b" }))).toBe("edge-01.a_b");
  });

  it("replaces anything else: missing, empty, too long, odd characters, repeated headers", () => {
    for (const hostile of [undefined, "", "a".repeat(65), "a b", "a\u2028b", "x\",\"level\":60", "../../etc/passwd", "é", ["a", "b"]]) {
      const req = request(hostile);
      const { res, headers } = response();
      const id = assignRequestId(req, res);
      expect(id).toMatch(UUID);
      expect(headers["X-Request-Id"]).toBe(id);
      expect(req.headers["x-request-id"]).toBe(id);
    }
  });
});

describe("the recorder's lines: written with its time, retried with its attempt", () => {
  it("onRetry on the 1st, 2nd and 4th failure only; onWritten once, with the attempts it took", async () => {
    const held = new Map<string, GameRecord>();
    const store: OutboxStore = {
      put: async (r) => void held.set(r.id, r),
      remove: async (id) => void held.delete(id),
      list: async () => [...held.values()],
    };
    let failures = 5;
    const retries: number[] = [];
    const written: { id: string; ms: number; attempts: number }[] = [];
    const recorder = new GameRecorder({
      store,
      write: async () => {
        if (failures-- > 0) throw Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
      },
      onRetry: (record, attempt, error, retryInMs) => {
        expect(record.id).toBe("g-1");
        expect((error as Error).message).toBe("connect ECONNREFUSED");
        expect(retryInMs).toBeGreaterThanOrEqual(0);
        retries.push(attempt);
      },
      onWritten: (record, ms, attempts) => written.push({ id: record.id, ms, attempts }),
      minDelayMs: 1,
      maxDelayMs: 4,
    });
    await recorder.start();
    await recorder.submit({ id: "g-1", roomCode: "BCDF", completedAt: Date.now() } as GameRecord);
    expect(await recorder.flush(5_000)).toBe(true);
    await recorder.stop();
    expect(retries).toEqual([1, 2, 4]);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({ id: "g-1", attempts: 6 });
    expect(written[0]!.ms).toBeGreaterThanOrEqual(0);
  });
});

describe("every ioredis client the server makes has its error listener", () => {
  const SRC = fileURLToPath(new URL("../../src/", import.meta.url));
  const sources = (readdirSync(SRC, { recursive: true }) as string[])
    .filter((f) => f.endsWith(".ts"))
    .map((f) => ({ file: f, text: readFileSync(join(SRC, f), "utf8") }));

  it("a file that constructs an ioredis client also listens for `error` on it (or hands it to watchRedisClient)", () => {
    const constructing = sources.filter((s) => /new (Redis|Cluster)\(/.test(s.text));
    expect(constructing.length).toBeGreaterThan(0);
    for (const { file, text } of constructing) {
      expect(/\.on\("error"|watchRedisClient\(/.test(text), `${file} makes an ioredis client without an error listener`).toBe(true);
    }
  });

  it("Colyseus's Redis presence and driver only get clients made in src/outages.ts (theirs log every retry, or nothing listens)", () => {
    for (const { file, text } of sources) {
      if (file === "outages.ts") continue;
      expect(text, `${file} builds a RedisPresence of its own`).not.toMatch(/new RedisPresence\(/);
      for (const [, arg] of text.matchAll(/new RedisDriver\(([^)]*)/g)) {
        expect(arg, `${file}: RedisDriver must get a watched client`).toMatch(/^(watchedRedis|redisClient)\(/);
      }
    }
  });
});
