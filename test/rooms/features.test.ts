/**
 * What the room adds over the rules core, through real @colyseus/sdk clients over real sockets:
 * refusals reach only their sender in the GAME.md §9 shape and order, kicks close sockets and ban
 * reconnection, the room clock runs deadlines (extended, paused), the audience's private
 * confirmation, and joins by room code. The rules themselves (answers, votes, censor, scoring,
 * settings, play-again, every rule's code) are proved through `apply` in test/game/rules.test.ts.
 * Each test names the GAME.md rule it proves.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { joinError, leaveAll, TestClient } from "../support/clients.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { openTable, type Table, type TableOptions } from "../support/table.ts";

/**
 * Every timer second is 50 ms: the 20 s minimum question phase lasts 1 s. The rate limit is
 * raised so that tests send refused messages back to back without spacing them (GAME.md §11's
 * limit has its own tests in limits.test.ts). One server per file: Colyseus keeps room handlers
 * in a process-wide matchmaker, so a second server with other room options in the same process
 * would change the first one's rooms too. Tests that drive every phase themselves open a
 * `slowTable` (longest timers, extended: phases of 6–18 s) so that no deadline interferes.
 */
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ secondMillis: 50, messagesPerSecond: 1000 });
});
afterAll(async () => {
  await server?.close();
});

// ---------------------------------------------------------------- helpers local to this file

/** Every client a test opened; all of them leave after the test, whatever happened. */
const opened: TestClient[] = [];
afterEach(async () => {
  await leaveAll(opened.splice(0));
  expected.clear();
});

function track<T extends TestClient>(c: T): T {
  opened.push(c);
  return c;
}

async function table(endpoint: string, o: TableOptions): Promise<Table> {
  const t = await openTable(endpoint, o);
  opened.push(...t.all);
  return t;
}

/** A table whose phases end only when the test ends them (longest timers, doubled). */
async function slowTable(o: TableOptions): Promise<Table> {
  const t = await table(server.endpoint, o);
  t.host.send("update-settings", { extendedTimers: true, timers: { question: 180, elimination: 90, voting: 90, results: 60 } });
  await Promise.all(t.all.map((c) => c.waitState((s) => s.settings.extendedTimers && s.settings.resultsSeconds === 60, "slow timers")));
  return t;
}

async function join(endpoint: string, code: string, options: Record<string, unknown>): Promise<TestClient> {
  return track(await TestClient.join(endpoint, code, options));
}

/** Wall-clock time passing on purpose (a paused deadline must not spend it), never a wait for an event. */
const elapse = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Error codes each client caused, in order, to prove errors go to the sender only. */
const expected = new Map<TestClient, string[]>();

/** Sends a message that must be refused with `code`; checks the error's shape. */
async function expectError(c: TestClient, type: string, payload: unknown, code: string) {
  c.send(type, payload);
  const error = await c.next("error");
  expect(error, `${type} ${JSON.stringify(payload)}`).toEqual({ code, message: expect.any(String), requestType: type });
  expect(error.message.length).toBeGreaterThan(0);
  expected.set(c, [...(expected.get(c) ?? []), code]);
  return error;
}

function errorCodes(c: TestClient): string[] {
  return c.received.filter((m) => m.type === "error").map((m) => m.payload.code);
}

/**
 * Every client sends one unknown message and waits for its own `bad-request`. The room handles
 * messages one at a time and each socket delivers in order, so once a client has this answer,
 * anything the room sent it before has arrived too.
 */
async function barrier(clients: TestClient[]) {
  await Promise.all(clients.map((c) => expectError(c, "barrier", {}, "bad-request")));
}

/** Resolves with the close code the client's room reports when its socket closes. */
function leaveCode(c: TestClient): Promise<number> {
  return new Promise((resolve) => c.room.onLeave((code: number) => resolve(code)));
}

/** Starts the game (or next round) and waits for `question` everywhere. */
async function nextQuestion(t: Table, message: "start-game" | "next-round"): Promise<any> {
  t.host.send(message, {});
  const started = await t.host.next("round-started");
  await Promise.all(t.all.map((c) => c.waitPhase("question")));
  return started;
}

// ---------------------------------------------------------------- §9 refusals

describe("§9 refusals", () => {
  it("§9 each refusal reaches its sender alone as { code, message, requestType }, in the §9 check order", async () => {
    const t = await slowTable({ players: 2, hostPlays: false, audience: 1 });
    const h = t.host;
    const [p0, p1] = t.players as [TestClient, TestClient];
    const fan = t.audience[0]!;

    // bad-request: unknown type, wrong shape, out of bounds; before role and phase
    await expectError(p0, "dance", {}, "bad-request");
    await expectError(h, "submit-answer", { answer: 5 }, "bad-request"); // before not-player
    await expectError(p0, "submit-answer", { answer: "ok", extra: 1 }, "bad-request");
    await expectError(p0, "submit-answer", "just a string", "bad-request");
    await expectError(p0, "submit-answer", { answer: "y".repeat(101) }, "bad-request"); // before wrong-phase
    await expectError(p1, "update-settings", { timers: { question: 5 } }, "bad-request"); // before not-host
    await expectError(h, "update-settings", { familyFriendly: "yes", mode: "12-round" }, "bad-request");
    await expectError(h, "update-settings", { mode: "12-round", colour: "red" }, "bad-request");
    // role: not-player, not-host; before wrong-phase
    await expectError(h, "submit-answer", { answer: "display fake" }, "not-player");
    await expectError(fan, "submit-answer", { answer: "fan fake" }, "not-player");
    await expectError(p0, "start-game", {}, "not-host");
    await expectError(fan, "skip-phase", {}, "not-host");
    // wrong-phase
    await expectError(p0, "submit-answer", { answer: "too early" }, "wrong-phase");
    await expectError(h, "next-round", {}, "wrong-phase");

    // a refused update-settings changed nothing, not even its valid parts
    h.send("update-settings", { familyFriendly: false });
    await h.waitState((s) => s.settings.familyFriendly === false, "family-friendly off");
    expect([h.state.mode, h.state.totalRounds]).toEqual(["8-round", 8]);

    // then a rule's own code, through the same path
    await nextQuestion(t, "start-game");
    p0.send("submit-answer", { answer: "fake from zero" });
    await h.waitState((s) => s.players.get(p0.id).hasAnswered === true, "p0 answered");
    await expectError(p0, "submit-answer", { answer: "another fake" }, "already-answered");
    await expectError(p0, "submit-elimination-vote", { optionId: "a1" }, "wrong-phase");
    expect(h.state.players.get(p1.id).hasAnswered).toBe(false);

    // every client received exactly the errors it caused, in order
    await barrier(t.all);
    for (const c of t.all) expect(errorCodes(c)).toEqual(expected.get(c));
    expect(errorCodes(p1)).toEqual(["bad-request", "bad-request"]);
  });
});

// ---------------------------------------------------------------- §9 kick

describe("§9 kick", () => {
  it("§9 a kick closes the socket, tells the others, bans the name and the reconnection token; the game goes on", async () => {
    const t = await slowTable({ players: 4 });
    const [h, a, b, c] = t.players as [TestClient, TestClient, TestClient, TestClient];

    // lobby, connected: the socket closes
    const aClosed = leaveCode(a);
    h.send("kick-player", { playerId: a.id });
    for (const other of [h, b, c]) {
      expect(await other.next("player-left", (p) => p.playerId === a.id)).toEqual({ playerId: a.id, name: "Player 1" });
    }
    expect(await aClosed).toEqual(expect.any(Number));
    expect(a.room.connection.isOpen).toBe(false);
    await h.waitState((s) => !s.players.has(a.id) && s.players.size === 3, "a removed");
    expect(await joinError(TestClient.join(server.endpoint, t.code, { name: "Player 1", icon: "cat" }))).toBe("kicked");
    // bad-request is checked before kicked (GAME.md §9 join order)
    expect(await joinError(TestClient.join(server.endpoint, t.code, { name: "Player 1", icon: "dragon" }))).toBe("bad-request");
    await expect(a.sdk.reconnect(a.room.reconnectionToken)).rejects.toThrow();
    t.all.splice(t.all.indexOf(a), 1);
    t.players.splice(t.players.indexOf(a), 1);

    // the game goes on without them
    const started = await nextQuestion(t, "start-game");
    expect(started.round).toBe(1);

    // mid-game, while away: the seat's reconnection is refused `kicked` by the rules
    c.drop();
    await h.waitState((s) => s.players.get(c.id)?.connected === false, "c away");
    h.send("kick-player", { playerId: c.id });
    expect(await h.next("player-left", (p) => p.playerId === c.id)).toEqual({ playerId: c.id, name: "Player 3" });
    expect(await b.next("player-left", (p) => p.playerId === c.id)).toEqual({ playerId: c.id, name: "Player 3" });
    expect(await joinError(c.reconnect(true))).toBe("kicked");
    // kicked is checked before game-in-progress
    expect(await joinError(TestClient.join(server.endpoint, t.code, { name: "Player 3", icon: "dog" }))).toBe("kicked");
    t.all.splice(t.all.indexOf(c), 1);
    t.players.splice(t.players.indexOf(c), 1);

    expect(h.phase).toBe("question");
    h.send("submit-answer", { answer: "host fake" });
    b.send("submit-answer", { answer: "b fake" });
    const out = await h.next("all-answers-submitted");
    expect(out.options).toHaveLength(4);
    await Promise.all([h, b].map((x) => x.waitPhase("elimination")));
  });
});

// ---------------------------------------------------------------- §3 the room clock

describe("§3 phases", () => {
  it("§3 a round nobody plays runs question → elimination → voting → results → next question on deadlines alone", async () => {
    const t = await table(server.endpoint, { players: 2 });
    const h = t.host;
    h.send("update-settings", { timers: { question: 20, elimination: 10, voting: 10, results: 5 } });
    await h.waitState((s) => s.settings.resultsSeconds === 5, "short timers");
    expect(h.state.deadline).toBe(0); // lobby
    const length: Record<string, number> = { question: 1000, elimination: 500, voting: 500, results: 250 };

    // Each phase starts when the previous deadline fires (a clock tick late at most), so its own
    // deadline lies its length after the previous one; a generous slack absorbs a loaded machine.
    const SLACK = 2_000;
    const sentAt = Date.now();
    h.send("start-game", {});
    let previousDeadline = 0;
    for (const phase of ["question", "elimination", "voting", "results"]) {
      const s = await h.waitPhase(phase);
      const now = Date.now();
      expect(s.round).toBe(1);
      expect(s.paused).toBe(false);
      const startedAfter = previousDeadline || sentAt;
      if (previousDeadline) expect(now).toBeGreaterThanOrEqual(previousDeadline); // not ended early
      expect(s.deadline - startedAfter).toBeGreaterThanOrEqual(length[phase]!);
      expect(s.deadline - startedAfter).toBeLessThanOrEqual(length[phase]! + SLACK);
      expect(s.deadline - now).toBeLessThanOrEqual(length[phase]!);
      previousDeadline = s.deadline;
    }
    await h.waitState((s) => s.phase === "question" && s.round === 2, "round 2 by deadline");
    expect(Date.now()).toBeGreaterThanOrEqual(previousDeadline);
    expect(h.state.deadline - previousDeadline).toBeGreaterThanOrEqual(length.question!);

    expect((await h.next("all-answers-submitted")).options).toHaveLength(2); // truth and robot only
    expect(await h.next("elimination-complete")).toMatchObject({ eliminatedId: null, tie: false });
    expect((await h.next("round-started", (p) => p.round === 2)).deadline).toBe(h.state.deadline);
    const seen = h.snapshots.map((x) => x.phase).filter((p, i, all) => p !== all[i - 1]);
    expect(seen.slice(seen.indexOf("question"))).toEqual(["question", "elimination", "voting", "results", "question"]);
  });

  it("§3 extended timers double every deadline", async () => {
    const t = await table(server.endpoint, { players: 2 });
    const h = t.host;
    h.send("update-settings", { extendedTimers: true, timers: { question: 20, elimination: 10 } });
    await h.waitState((s) => s.settings.extendedTimers === true && s.settings.eliminationSeconds === 10, "extended");
    const sentAt = Date.now();
    h.send("start-game", {});
    const started = await h.next("round-started");
    const receivedAt = Date.now();
    const doubled = 2 * 20 * 50;
    expect(started.deadline - sentAt).toBeGreaterThanOrEqual(doubled);
    expect(started.deadline - receivedAt).toBeLessThanOrEqual(doubled);
    await h.waitPhase("question");
    expect(h.state.deadline).toBe(started.deadline);

    const s = await h.waitPhase("elimination");
    const now = Date.now();
    expect(now).toBeGreaterThanOrEqual(started.deadline); // the question phase lasted the doubled time
    expect(s.deadline - now).toBeLessThanOrEqual(2 * 10 * 50);
    // Elimination began when the question deadline fired: its deadline is the doubled 1000 ms
    // after that (plus at most a loaded machine's lag), not the plain 500 ms.
    expect(s.deadline - started.deadline).toBeGreaterThanOrEqual(2 * 10 * 50);
    expect(s.deadline - started.deadline).toBeLessThanOrEqual(2 * 10 * 50 + 2_000);
  });

  it("§3 with no player connected the deadline pauses, and a returning player resumes with the time left", async () => {
    const t = await table(server.endpoint, { players: 2, hostPlays: false, audience: 1 });
    const h = t.host;
    const [p0, p1] = t.players as [TestClient, TestClient];
    const fan = t.audience[0]!;
    h.send("update-settings", { timers: { question: 180 } }); // 9 s at 50 ms a second
    await h.waitState((s) => s.settings.questionSeconds === 180, "long question");
    const started = await nextQuestion(t, "start-game");
    const originalDeadline = started.deadline;
    await elapse(300); // some of the question time is spent before the pause

    const dropAt = Date.now();
    p0.drop();
    p1.drop();
    for (const watcher of [h, fan]) {
      await watcher.waitState((s) => s.paused === true, "paused");
      expect(watcher.state.deadline).toBe(0);
      expect(watcher.state.phase).toBe("question");
    }
    const pausedSeenAt = Date.now();
    expect(h.state.players.get(p0.id).connected).toBe(false);
    expect(h.state.players.get(p1.id).connected).toBe(false);

    await elapse(1000); // paused time that must not be spent
    expect(h.state.paused).toBe(true);
    expect(h.phase).toBe("question");

    const reconnectAt = Date.now();
    const back = track(await p0.reconnect());
    const s = await h.waitState((x) => x.paused === false && x.deadline > 0, "resumed");
    const resumedSeenAt = Date.now();
    expect(s.phase).toBe("question");
    expect(back.phase).toBe("question");
    expect(await back.until(() => back.you, "you on reconnection")).toMatchObject({ playerId: p0.id, finalVote: null });
    // new deadline = resume time + (original deadline − pause time)
    expect(s.deadline).toBeGreaterThanOrEqual(reconnectAt + originalDeadline - pausedSeenAt);
    expect(s.deadline).toBeLessThanOrEqual(resumedSeenAt + originalDeadline - dropAt);
    expect(s.deadline - originalDeadline).toBeGreaterThanOrEqual(1000); // the paused second was not spent
    await fan.waitState((x) => x.paused === false && x.deadline === s.deadline, "audience sees the resume");

    // the returning player plays on; the one still away does not hold the phase open
    back.send("submit-answer", { answer: "back again" });
    await h.waitPhase("elimination");
  });
});

// ---------------------------------------------------------------- §2 §10 audience

describe("§2 §10 audience", () => {
  it("§2 §10 an audience member's final vote is confirmed to it alone by `you`; no player shows a vote", async () => {
    const t = await slowTable({ players: 2, audience: 1 });
    const h = t.host;
    const fan = t.audience[0]!;
    await nextQuestion(t, "start-game");
    t.players.forEach((p, i) => p.send("submit-answer", { answer: `audience round fake ${i}` }));
    const { options } = await h.next("all-answers-submitted");
    await Promise.all(t.all.map((c) => c.waitPhase("elimination")));
    h.send("skip-phase", {});
    await Promise.all(t.all.map((c) => c.waitPhase("voting")));

    const pick = options[0]!.id;
    fan.send("submit-final-vote", { optionId: pick });
    await fan.until(() => fan.you?.finalVote === pick, "audience vote confirmed by you");
    await barrier(t.all);
    for (const p of t.players) {
      expect(p.you?.finalVote ?? null).toBeNull();
      expect(h.state.players.get(p.id).hasVoted).toBe(false);
    }
    for (const c of t.all) expect(c.received.some((m) => m.type === "final-vote-cast")).toBe(false);
    expect(h.state.players.has(fan.id)).toBe(false);
  });
});

// ---------------------------------------------------------------- §2 §9 joins

describe("§2 §9 joins", () => {
  it("§2 §9 room code, case-insensitive joinById, and every join rejection code", async () => {
    const h = track(await TestClient.create(server.endpoint, { name: "Host", icon: "robot" }));
    const code = h.room.roomId;
    expect(code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(h.state.code).toBe(code);

    const lower = await join(server.endpoint, code.toLowerCase(), { name: "Lower", icon: "cat" });
    expect(lower.room.roomId).toBe(code);
    await h.waitState((s) => s.players.size === 2, "two players");

    const rejected = (options: Record<string, unknown>, at = code) => joinError(TestClient.join(server.endpoint, at, options));
    expect(await rejected({ name: "Dragon", icon: "dragon" })).toBe("bad-request");
    expect(await rejected({ name: "NoIcon" })).toBe("bad-request");
    expect(await rejected({ name: "", icon: "dog" })).toBe("bad-request");
    expect(await rejected({ name: "   ", icon: "dog" })).toBe("bad-request");
    expect(await rejected({ name: "x".repeat(17), icon: "dog" })).toBe("bad-request");
    expect(await rejected({ icon: "dog" })).toBe("bad-request");
    expect(await rejected({ name: 12, icon: "dog" })).toBe("bad-request");
    expect(await rejected({ name: "host", icon: "dog" })).toBe("name-taken");
    expect(await rejected({ name: "LOWER", icon: "dog" })).toBe("name-taken");
    expect(await rejected({ name: "HOST", icon: "dog", audience: true })).toBe("name-taken");
    expect(await rejected({ name: "host", icon: "dragon" })).toBe("bad-request"); // bad-request before name-taken

    const sixteen = await join(server.endpoint, code, { name: "x".repeat(16), icon: "dog" });
    for (let i = 3; i < 8; i++) await join(server.endpoint, code, { name: `Seat ${i}`, icon: "fox" });
    await h.waitState((s) => s.players.size === 8, "eight players");
    expect(h.state.players.get(sixteen.id).name).toBe("x".repeat(16));
    expect(await rejected({ name: "Ninth", icon: "owl" })).toBe("room-full");
    expect(await rejected({ name: "host", icon: "owl" })).toBe("room-full"); // room-full before name-taken
    expect(h.state.players.size).toBe(8);
    // the audience may join a full room
    await join(server.endpoint, code, { name: "Early Fan", icon: "ghost", audience: true });
    await h.waitState((s) => s.audienceCount === 1, "audience in a full room");

    h.send("update-settings", { timers: { question: 180 } });
    await h.waitState((s) => s.settings.questionSeconds === 180, "long question");
    h.send("start-game", {});
    await h.waitPhase("question");
    expect(await rejected({ name: "Late", icon: "owl" })).toBe("game-in-progress");
    expect(await rejected({ name: "Late", icon: "dragon" })).toBe("bad-request"); // bad-request before game-in-progress
    const late = await join(server.endpoint, code, { name: "Late", icon: "owl", audience: true });
    expect(late.state.phase).toBe("question");
    await h.waitState((s) => s.audienceCount === 2, "late audience counted");

    const unknown = ["ZZZZ", "XXXX"].find((c) => c !== code)!;
    expect(await rejected({ name: "Lost", icon: "owl" }, unknown)).toMatch(/not found/i);
    expect(await rejected({ name: "Lost", icon: "owl" }, unknown.toLowerCase())).toMatch(/not found/i);
    expect(h.state.players.size).toBe(8);
  });
});
