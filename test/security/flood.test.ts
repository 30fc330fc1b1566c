/**
 * Issue #7 finding 4, GAME.md §11: a burst above 60 messages in one second (3× the 20/s rate
 * limit) closes that client's socket at once with close code 4429, the seat kept: the client
 * reconnects with its token as the same player, with its answer, and the other clients see only
 * `connected: false` then `true`. Between 20/s and 60/s a client is refused (`rate-limited`) and
 * stays connected. Never connected but ignored. Real SDK clients over real sockets.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { leaveAll, type TestClient } from "../support/clients.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { openTable } from "../support/table.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer(); // real-time timers, 20 messages/s, 60 s reconnection window
});
afterAll(async () => {
  await server?.close();
});
const opened: TestClient[] = [];
afterEach(async () => {
  // Bounded: a client the server no longer answers must not hold the suite.
  await Promise.race([leaveAll(opened.splice(0)), new Promise((r) => setTimeout(r, 3000))]);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function errorCodes(c: TestClient): string[] {
  return c.received.filter((m) => m.type === "error").map((m) => m.payload.code);
}

/** The close code the client's room sees when it leaves; `closed` rejects after `ms`. */
function watchLeave(c: TestClient): { code?: number; closed: (ms: number) => Promise<number> } {
  const seen: { code?: number; closed: (ms: number) => Promise<number> } = {
    closed: (ms) =>
      new Promise((resolve, reject) => {
        const poll = setInterval(() => {
          if (seen.code === undefined) return;
          clearInterval(poll);
          clearTimeout(limit);
          resolve(seen.code);
        }, 10);
        const limit = setTimeout(() => {
          clearInterval(poll);
          reject(new Error(`client ${c.id} still connected after ${ms} ms`));
        }, ms);
      }),
  };
  c.room.onLeave((code: number) => (seen.code = code));
  return seen;
}

/** Ids of the players in every state the client has seen since snapshot `from`. */
function rowsSeen(c: TestClient, from: number): string[][] {
  return c.snapshots.slice(from).map((s) => Object.keys(s.json.players).sort());
}

describe("#4 §11 a flooding client is closed at once with 4429 and keeps its seat", () => {
  it("#4 §11 20–60 messages/s: rate-limited, still connected; above 60 in a second: closed with 4429 at once, reconnects as the same player", async () => {
    const t = await openTable(server.endpoint, { players: 3 });
    opened.push(...t.all);
    const [host, flooder, calm] = t.players as [TestClient, TestClient, TestClient];
    host.send("start-game", {});
    await Promise.all(t.all.map((c) => c.waitPhase("question")));
    flooder.send("submit-answer", { answer: "flooder fake" });
    await host.next("player-answered", (p) => p.playerId === flooder.id);
    const left = watchLeave(flooder);
    await sleep(1100); // a full bucket, and the last second holds no message of this client

    // 40 at once: above the rate limit, under the flood threshold: refused, not closed.
    for (let i = 0; i < 40; i++) flooder.send("submit-answer", { answer: "again" });
    await flooder.until(() => errorCodes(flooder).length >= 40 || undefined, "40 replies", 5000);
    expect(errorCodes(flooder)).toContain("rate-limited");
    expect(errorCodes(flooder).every((c) => c === "rate-limited" || c === "already-answered")).toBe(true);
    await sleep(300);
    expect(left.code).toBeUndefined();
    expect(flooder.room.connection.isOpen).toBe(true);

    // Well over a second later, a burst of 200: the socket is closed at once with 4429 — long
    // before the 60 s reconnection window ends.
    await sleep(1500);
    const hostSnapshots = host.snapshots.length;
    for (let i = 0; i < 200; i++) flooder.send("submit-answer", { answer: "again" });
    expect(await left.closed(5000)).toBe(4429);
    expect(flooder.room.connection.isOpen).toBe(false);
    await host.waitState((s) => s.players.get(flooder.id)?.connected === false, "flooder shown disconnected");

    // The others go on: the calm player answers and hears nothing about the flooder.
    calm.send("submit-answer", { answer: "calm fake" });
    await host.next("player-answered", (p) => p.playerId === calm.id);
    expect(host.phase).toBe("question");

    // The token brings the flooder back as the same player, with its answer kept.
    const back = await flooder.reconnect();
    opened.push(back);
    expect(back.id).toBe(flooder.id);
    await host.waitState((s) => s.players.get(flooder.id)?.connected === true, "flooder shown connected again");
    // The burst emptied the flooder's message budget, and it comes back with the same budget: a
    // reconnection refills nothing. Wait for a few tokens (20 a second) before the next message.
    await sleep(200);
    back.send("submit-answer", { answer: "third try" });
    expect((await back.next("error")).code).toBe("already-answered");
    host.send("submit-answer", { answer: "host fake" });
    await Promise.all([host, calm, back].map((c) => c.waitPhase("elimination")));
    await back.until(() => back.you?.ownOptionIds.length === 1 || undefined, "the flooder's own option");
    expect(host.state.players.get(flooder.id).score).toBe(0);

    // Seen by the others: the flooder's row never went away, no player-left, no error.
    for (const c of [host, calm]) {
      for (const ids of rowsSeen(c, hostSnapshots)) expect(ids).toContain(flooder.id);
      expect(c.received.filter((m) => m.type === "player-left")).toEqual([]);
      expect(errorCodes(c)).toEqual([]);
      expect(c.room.connection.isOpen).toBe(true);
    }
    const flags = host.snapshots.slice(hostSnapshots).map((s) => s.json.players[flooder.id].connected);
    expect(flags).toContain(false);
    expect(flags.at(-1)).toBe(true);
  });

  it("#4 §11 every frame counts: a burst of pings closes the socket with 4429 too, the seat kept", async () => {
    const t = await openTable(server.endpoint, { players: 2 });
    opened.push(...t.all);
    const [host, flooder] = t.players as [TestClient, TestClient];
    const left = watchLeave(flooder);
    await sleep(1100);
    const ping = new Uint8Array([18]); // Protocol.PING
    for (let i = 0; i < 100; i++) flooder.room.connection.send(ping);
    expect(await left.closed(5000)).toBe(4429);
    await host.waitState((s) => s.players.get(flooder.id)?.connected === false, "flooder shown disconnected");
    const back = await flooder.reconnect(true);
    opened.push(back);
    expect(back.state.players.get(flooder.id).name).toBe("Player 1");
    await host.waitState((s) => s.players.get(flooder.id)?.connected === true, "flooder back");
    expect(host.state.players.size).toBe(2);
  });
});
