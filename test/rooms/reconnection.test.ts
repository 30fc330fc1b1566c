/**
 * GAME.md §11 connections: a dropped player keeps the seat for the reconnection window, comes
 * back with its token (same id, same votes), never holds a phase open while away; a host absent
 * past the window hands over its role; a kicked player's token is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { joinError, leaveAll, TestClient } from "../support/clients.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { openTable, pickOther, type Table } from "../support/table.ts";
import { secretIds } from "../support/pack.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

/** Plays the first round up to the voting phase; returns the option view. */
async function toVoting(t: Table) {
  t.host.send("start-game", {});
  const started = await t.host.next("round-started");
  t.players.forEach((p, i) => p.send("submit-answer", { answer: `reconnect fake ${i}` }));
  const { options } = await t.host.next("all-answers-submitted");
  await Promise.all(t.players.map((p) => p.until(() => p.you?.ownOptionIds.length === 1 && p.phase === "elimination", "own option")));
  const view = { options, own: Object.fromEntries(t.players.map((p) => [p.id, p.you.ownOptionIds])), ...secretIds(started.question.id, options), round: 1, questionId: started.question.id };
  t.players.forEach((p, i) => p.send("submit-elimination-vote", { optionId: pickOther(t, i, view, i) }));
  const elimination = await t.host.next("elimination-complete");
  await Promise.all(t.players.map((p) => p.waitPhase("voting")));
  return { view, elimination };
}

describe("§11 reconnection", () => {
  it("§11 a socket dropped mid-voting reconnects with its token, keeps its id and its vote counts", async () => {
    const t = await openTable(server.endpoint, { players: 3 });
    const { view, elimination } = await toVoting(t);
    const [host, alice, bob] = t.players as [TestClient, TestClient, TestClient];
    const aliceVote = view.truthId !== elimination.eliminatedId ? view.truthId : view.robotId;
    alice.send("submit-final-vote", { optionId: aliceVote });
    await alice.until(() => alice.you?.finalVote === aliceVote, "vote confirmed");

    alice.drop();
    await host.waitState((s) => s.players.get(alice.id).connected === false, "alice shown disconnected");
    // The phase does not wait for nobody: it is still open for the two connected players.
    expect(host.phase).toBe("voting");

    const back = await alice.reconnect(true);
    expect(back.id).toBe(alice.id);
    await host.waitState((s) => s.players.get(alice.id).connected === true, "alice shown connected");
    // `you` is sent again on reconnection, with the vote the server kept.
    await back.until(() => back.you?.finalVote === aliceVote, "you after reconnection");
    // The reconnected player cannot vote twice.
    back.send("submit-final-vote", { optionId: aliceVote });
    expect((await back.next("error")).code).toBe("already-voted");
    const metrics = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
    expect(metrics).toMatch(/^robots_messages_refused_total\{code="already-voted"\} [1-9]\d*$/m);

    host.send("submit-final-vote", { optionId: pickOther(t, 0, view, 0, [elimination.eliminatedId]) });
    bob.send("submit-final-vote", { optionId: pickOther(t, 2, view, 1, [elimination.eliminatedId]) });
    const scores = await host.next("final-round-scores");
    expect(scores.finalVotes[alice.id]).toBe(aliceVote);
    const aliceRow = scores.scores.find((r) => r.playerId === alice.id)!;
    expect(aliceRow.correctAnswerPoints + aliceRow.fooledPenalty).toBe(aliceVote === view.truthId ? 1000 : -500);
    await leaveAll([host, back, bob]);
  });

  it("§3 §11 a disconnected player never holds a phase open", async () => {
    const t = await openTable(server.endpoint, { players: 3 });
    const { view, elimination } = await toVoting(t);
    const [host, alice, bob] = t.players as [TestClient, TestClient, TestClient];
    bob.drop();
    await host.waitState((s) => s.players.get(bob.id).connected === false, "bob away");
    host.send("submit-final-vote", { optionId: pickOther(t, 0, view, 0, [elimination.eliminatedId]) });
    alice.send("submit-final-vote", { optionId: pickOther(t, 1, view, 0, [elimination.eliminatedId]) });
    const progress = await host.next("final-vote-cast", (p) => p.votes === 2);
    expect(progress.voters).toBe(2);
    await host.waitPhase("results");
    const scores = await host.next("final-round-scores");
    // Bob keeps his score row while away.
    expect(scores.scores.map((r: any) => r.playerId)).toContain(bob.id);
    await leaveAll([host, alice]);
  });

  it("§11 a browser reload in the lobby keeps the seat and the name", async () => {
    const t = await openTable(server.endpoint, { players: 2 });
    const guest = t.players[1]!;
    guest.drop();
    const back = await guest.reconnect(true);
    expect(back.state.players.get(guest.id).name).toBe("Player 1");
    expect(back.state.players.size).toBe(2);
    await leaveAll([t.host, back]);
  });

  it("§9 a kick bans the kicked player's reconnection token", async () => {
    const t = await openTable(server.endpoint, { players: 3 });
    const victim = t.players[2]!;
    victim.drop();
    await t.host.waitState((s) => s.players.get(victim.id)?.connected === false, "victim away");
    t.host.send("kick-player", { playerId: victim.id });
    await t.host.waitState((s) => !s.players.has(victim.id), "victim removed");
    await expect(victim.reconnect(true)).rejects.toThrow();
    expect(await joinError(TestClient.join(server.endpoint, t.code, { name: "player 2", icon: "cat" }))).toBe("kicked");
    await leaveAll(t.all);
  });
});
