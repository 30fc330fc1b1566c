/**
 * GAME.md §9 order of checks, through real clients over real sockets: `bad-request` (shape AND
 * bounds: an answer empty or too long after §5 normalisation, a timer out of its bounds, an
 * unknown mode) comes before `rate-limited`, which comes before the role, the phase and the rule.
 * Issue 8 found the bounds checked after the rate limiter: a client over its rate with an
 * over-long answer was told `rate-limited`.
 *
 * The server allows 3 messages per second per client (a burst of 7 stays under the flood close
 * at 3× the rate), and each burst goes out in one go: the bucket refills one token per 333 ms,
 * far longer than a burst takes to arrive.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { leaveAll, type TestClient } from "../support/clients.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { openTable, type Table } from "../support/table.ts";

const RATE = 3;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ messagesPerSecond: RATE });
});
afterAll(async () => {
  await server?.close();
});

const opened: TestClient[] = [];
afterEach(async () => {
  await leaveAll(opened.splice(0));
});

async function table(players: number): Promise<Table> {
  const t = await openTable(server.endpoint, { players });
  opened.push(...t.all);
  return t;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function errorCodes(c: TestClient): string[] {
  return c.received.filter((m) => m.type === "error").map((m) => m.payload.code as string);
}

/** Sends a burst at once and returns the codes of the `count` errors it gets back, in order. */
async function burst(c: TestClient, messages: [type: string, payload: unknown][], count: number): Promise<string[]> {
  const before = errorCodes(c).length;
  for (const [type, payload] of messages) c.send(type, payload);
  await c.until(() => errorCodes(c).length >= before + count || undefined, `${count} errors`, 5000);
  expect(c.room.connection.isOpen, "the burst stays under the flood close").toBe(true);
  return errorCodes(c).slice(before);
}

describe("§9 order of checks: bad-request (shape and bounds), rate-limited, role, wrong-phase, rule", () => {
  it("§9 a client past its rate limit gets bad-request for an answer out of bounds, rate-limited for a valid one", async () => {
    const t = await table(2);
    const [host, p1] = t.players as [TestClient, TestClient];
    host.send("start-game", {});
    await Promise.all(t.all.map((c) => c.waitPhase("question")));
    await sleep(1100); // p1's bucket is full, its flood window empty

    const codes = await burst(
      p1,
      [
        // three messages spend the bucket (each refused for the role, which the rate allows)
        ["next-round", {}],
        ["next-round", {}],
        ["next-round", {}],
        // past the limit now: a payload out of bounds is still a bad request…
        ["submit-answer", { answer: "x".repeat(101) }], // §5: more than 100 characters
        ["submit-answer", { answer: " \u200B \t " }], // §5: empty once normalised
        ["submit-answer", { answer: "?!" }], // §5: no letter or digit, so an empty key
        // …and a valid one is rate-limited
        ["submit-answer", { answer: "a perfectly fine fake" }],
      ],
      7,
    );
    expect(codes).toEqual(["not-host", "not-host", "not-host", "bad-request", "bad-request", "bad-request", "rate-limited"]);

    // a refused answer changed nothing: once the bucket refills, the same answer is accepted
    expect(host.state.players.get(p1.id).hasAnswered).toBe(false);
    await sleep(1100);
    p1.send("submit-answer", { answer: "a perfectly fine fake" });
    await host.next("player-answered", (p) => p.playerId === p1.id);
    expect(errorCodes(p1)).toHaveLength(7);
  });

  it("§9 a host past its rate limit gets bad-request for settings out of bounds, rate-limited for valid ones; none apply", async () => {
    const t = await table(2);
    const host = t.host;
    await sleep(1100);

    const codes = await burst(
      host,
      [
        ["next-round", {}], // wrong phase in the lobby: spends a token
        ["next-round", {}],
        ["next-round", {}],
        ["update-settings", { timers: { question: 5 }, familyFriendly: false }], // §3: question is 20–180 s
        ["update-settings", { mode: "99-round" }], // §4: no such mode
        ["update-settings", { timers: { voting: 30.5 } }], // whole seconds only
        ["update-settings", { timers: { question: 120 }, familyFriendly: false }], // valid, but too fast
      ],
      7,
    );
    expect(codes).toEqual(["wrong-phase", "wrong-phase", "wrong-phase", "bad-request", "bad-request", "bad-request", "rate-limited"]);

    // no refused update changed any setting, not even its valid parts
    await sleep(1100);
    host.send("update-settings", { extendedTimers: true });
    await host.waitState((s) => s.settings.extendedTimers === true, "the next valid update applies");
    expect(host.state.settings.toJSON()).toMatchObject({ questionSeconds: 60, votingSeconds: 30, familyFriendly: true });
    expect(host.state.mode).toBe("8-round");
  });

  it("§9 past the rate limit an unknown type or a malformed payload is bad-request, a valid message of the wrong role rate-limited", async () => {
    const t = await table(2);
    const p1 = t.players[1]!;
    await sleep(1100);
    const codes = await burst(
      p1,
      [
        ["next-round", {}],
        ["next-round", {}],
        ["next-round", {}],
        ["no-such-message", {}],
        ["submit-answer", { answer: 42 }],
        ["start-game", {}], // host-only, but the rate is checked before the role
      ],
      6,
    );
    expect(codes).toEqual(["not-host", "not-host", "not-host", "bad-request", "bad-request", "rate-limited"]);
  });

  it("§9 within the rate, bounds come before the role and the phase", async () => {
    const t = await table(2);
    const p1 = t.players[1]!;
    await sleep(1100);
    // a non-host's out-of-bounds settings are a bad request before they are not-host
    const first = await burst(p1, [["update-settings", { timers: { results: 500 } }]], 1);
    // an over-long answer in the lobby is a bad request before it is wrong-phase
    const second = await burst(p1, [["submit-answer", { answer: "y".repeat(150) }]], 1);
    expect([...first, ...second]).toEqual(["bad-request", "bad-request"]);
  });
});
