/**
 * GAME.md §11 connection limits through real clients over real sockets: an oversized message
 * closes only its sender's socket (1009), and a flooding client is refused (`rate-limited`) or
 * disconnected while the room and its other clients go on.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { leaveAll, type TestClient } from "../support/clients.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { openTable, type Table, type TableOptions } from "../support/table.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer(); // real-time timers, 20 messages/s (GAME.md §11)
});
afterAll(async () => {
  await server?.close();
});

const opened: TestClient[] = [];
afterEach(async () => {
  await leaveAll(opened.splice(0));
});

async function table(o: TableOptions): Promise<Table> {
  const t = await openTable(server.endpoint, o);
  opened.push(...t.all);
  return t;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function errors(c: TestClient): { code: string; message: string; requestType: string }[] {
  return c.received.filter((m) => m.type === "error").map((m) => m.payload);
}

/** Close code of the client's room, or undefined while it is open. */
function watchLeave(c: TestClient): { code?: number } {
  const seen: { code?: number } = {};
  c.room.onLeave((code: number) => (seen.code = code));
  return seen;
}

describe("§11 connection limits", () => {
  it("§11 a message larger than 4 KiB closes that client's socket with 1009; the room and the others go on", async () => {
    const t = await table({ players: 3 });
    const [h, big, calm] = t.players as [TestClient, TestClient, TestClient];
    h.send("start-game", {});
    await Promise.all(t.all.map((c) => c.waitPhase("question")));

    // just under the limit: refused by the rules (answers are ≤ 100 characters), socket kept
    big.send("submit-answer", { answer: "x".repeat(3900) });
    expect((await big.next("error")).code).toBe("bad-request");
    expect(big.room.connection.isOpen).toBe(true);

    const closed = new Promise<number>((resolve) => big.room.onLeave((code: number) => resolve(code)));
    big.send("submit-answer", { answer: "x".repeat(5000) });
    expect(await closed).toBe(1009);
    expect(big.room.connection.isOpen).toBe(false);
    await h.waitState((s) => s.players.get(big.id).connected === false, "big shown disconnected");

    // the others still send and get answers
    calm.send("submit-answer", { answer: "calm fake" });
    expect(await h.next("player-answered", (p) => p.playerId === calm.id)).toEqual({ playerId: calm.id });
    calm.send("submit-answer", { answer: "second fake" });
    expect(await calm.next("error")).toMatchObject({ code: "already-answered", requestType: "submit-answer" });
    h.send("submit-answer", { answer: "host fake" });
    // the disconnected client does not hold the phase open
    await Promise.all([h, calm].map((c) => c.waitPhase("elimination")));
    expect(errors(h)).toEqual([]);
  });

  it("§11 a client sending 60 messages at once is rate-limited or disconnected; a normal client is unaffected", async () => {
    const t = await table({ players: 3 });
    const [h, flood, calm] = t.players as [TestClient, TestClient, TestClient];
    const left = watchLeave(flood);
    await sleep(1100); // full buckets

    // host-only messages from a non-host: within the rate they are `not-host`, beyond it
    // `rate-limited` (rate-limited is checked before the role, GAME.md §9)
    for (let i = 0; i < 60; i++) flood.send("next-round", {});
    await flood
      .until(() => errors(flood).length >= 60 || left.code !== undefined || undefined, "flood answered", 3000)
      .catch(() => undefined);
    const codes = errors(flood).map((e) => e.code);
    const limited = codes.filter((c) => c === "rate-limited").length;
    expect(limited > 0 || left.code !== undefined, `codes ${codes.join(",")} close ${left.code}`).toBe(true);
    expect(codes.every((c) => c === "not-host" || c === "rate-limited")).toBe(true);
    // at most the bucket (20) plus what refilled during the burst passed the limiter
    expect(codes.filter((c) => c === "not-host").length).toBeLessThanOrEqual(25);
    for (const e of errors(flood)) expect(e).toEqual({ code: e.code, message: expect.any(String), requestType: "next-round" });

    // the room goes on and a normal client is unaffected
    expect(h.phase).toBe("lobby");
    calm.send("next-round", {});
    expect((await calm.next("error")).code).toBe("not-host");
    h.send("update-settings", { timers: { question: 120 } });
    await h.waitState((s) => s.settings.questionSeconds === 120, "settings changed");
    h.send("start-game", {});
    await Promise.all([h, calm].map((c) => c.waitPhase("question")));
    calm.send("submit-answer", { answer: "calm fake" });
    await h.next("player-answered", (p) => p.playerId === calm.id);
    expect(errors(calm).map((e) => e.code)).toEqual(["not-host"]);
    expect(errors(h)).toEqual([]);
    expect(calm.room.connection.isOpen).toBe(true);
    expect(h.room.connection.isOpen).toBe(true);
  });

  it("§11 sustained traffic under 20 messages/s is never rate-limited; a flooder recovers after the burst", async () => {
    const t = await table({ players: 2 });
    const [h, p1] = t.players as [TestClient, TestClient];
    await sleep(1100);
    // 30 messages at 10 per second
    for (let i = 0; i < 30; i++) {
      p1.send("next-round", {});
      await sleep(100);
    }
    await p1.until(() => errors(p1).length >= 30 || undefined, "30 replies");
    expect(errors(p1).map((e) => e.code)).toEqual(Array(30).fill("not-host"));

    // a burst of 30 is limited; a second later the same client is served normally again
    for (let i = 0; i < 30; i++) h.send("skip-phase", {});
    await h.until(() => errors(h).length >= 30 || !h.room.connection.isOpen || undefined, "burst replies", 3000).catch(() => undefined);
    if (h.room.connection.isOpen) {
      expect(errors(h).some((e) => e.code === "rate-limited")).toBe(true);
      await sleep(1100);
      h.send("update-settings", { familyFriendly: false });
      await h.waitState((s) => s.settings.familyFriendly === false, "served again");
    }
  });
});
