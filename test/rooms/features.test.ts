/**
 * GAME.md features one by one, through real @colyseus/sdk clients over real sockets: merged
 * answers, elimination ties, censoring, kicks, skip-phase, deadlines and pausing, the audience,
 * play-again, settings, every error code and the join rules. Each test names the rule it proves.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { joinError, leaveAll, TestClient } from "../support/clients.ts";
import { expectedRoundScores } from "../support/oracle.ts";
import { PACK_BY_ID, secretIds } from "../support/pack.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { openTable, type Table, type TableOptions } from "../support/table.ts";

/**
 * Every timer second is 50 ms: the 20 s minimum question phase lasts 1 s. One server per file:
 * Colyseus keeps room handlers in a process-wide matchmaker, so a second server with other room
 * options in the same process would change the first one's rooms too. Tests that drive every
 * phase themselves open a `slowTable` (longest timers, extended: phases of 6–18 s) so that no
 * deadline interferes.
 */
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ secondMillis: 50 });
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Error codes each client caused, in order, to prove errors go to the sender only. */
const expected = new Map<TestClient, string[]>();

/** Sends a message that must be refused with `code`; checks the error's shape. */
async function expectError(c: TestClient, type: string, payload: unknown, code: string) {
  await sleep(40); // stay well under the 20 messages/s limit (GAME.md §11)
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

/** Resolves with the close code the client's room reports when its socket closes. */
function leaveCode(c: TestClient): Promise<number> {
  return new Promise((resolve) => c.room.onLeave((code: number) => resolve(code)));
}

/**
 * The option ids this player wrote this round, from its private `you` message. Colyseus flushes
 * per-client frames before broadcasts after a patch, so the `you` carrying them may arrive before
 * `all-answers-submitted`; the round's reset `you` arrives before `round-started`.
 */
function ownIds(c: TestClient): Promise<string[]> {
  return c.until(() => {
    const at = c.received.map((m) => m.type).lastIndexOf("round-started");
    if (at < 0) return undefined;
    const you = [...c.received.slice(at + 1)].reverse().find((m) => m.type === "you")?.payload;
    return you && you.ownOptionIds.length > 0 ? (you.ownOptionIds as string[]) : undefined;
  }, "own option ids");
}

interface View {
  questionId: string;
  options: { id: string; text: string }[];
  truthId: string;
  robotId: string;
  own: Record<string, string[]>;
}

/** Sends the given answers (index = player index) and waits for `elimination` everywhere. */
async function answerRound(t: Table, started: any, answers: (string | undefined)[]): Promise<View> {
  t.players.forEach((p, i) => {
    const answer = answers[i];
    if (answer !== undefined) p.send("submit-answer", { answer });
  });
  const out = await t.host.next("all-answers-submitted");
  await Promise.all(t.all.map((c) => c.waitPhase("elimination")));
  const own: Record<string, string[]> = {};
  for (const [i, p] of t.players.entries()) {
    own[p.id] = answers[i] === undefined ? [] : await ownIds(p);
  }
  return { questionId: started.question.id, options: out.options, own, ...secretIds(started.question.id, out.options) };
}

/** Starts the game (or next round) and waits for `question` everywhere. */
async function nextQuestion(t: Table, message: "start-game" | "next-round"): Promise<any> {
  t.host.send(message, {});
  const started = await t.host.next("round-started");
  await Promise.all(t.all.map((c) => c.waitPhase("question")));
  return started;
}

/** Host-driven fast-forward to `final`: skip-phase and next-round, spaced to respect the rate limit. */
async function skipToFinal(host: TestClient) {
  while (host.phase !== "final") {
    const phase = host.phase;
    const round = host.state.round;
    await sleep(60);
    host.send(phase === "results" ? "next-round" : "skip-phase", {});
    await host.waitState((s) => s.phase !== phase || s.round !== round, `leaving ${phase} of round ${round}`);
  }
}

function optionIds(c: TestClient): string[] {
  return [...c.state.options].map((o: any) => o.id);
}

function tally(votes: Record<string, string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const id of Object.values(votes)) counts[id] = (counts[id] ?? 0) + 1;
  return counts;
}

function authorsOf(view: View): Record<string, string[]> {
  const authors: Record<string, string[]> = {};
  for (const [playerId, ids] of Object.entries(view.own)) for (const id of ids) (authors[id] ??= []).push(playerId);
  return authors;
}

const byPlayer = (a: any, b: any) => a.playerId.localeCompare(b.playerId);

/** Round 1 scores, every player having voted out the robot, checked against the independent scorer. */
function expectFirstRoundScores(t: Table, view: View, finalVotes: Record<string, string>, scores: any) {
  const oracle = expectedRoundScores({
    round: 1,
    totalRounds: 8,
    players: t.players.map((p) => p.id),
    truthId: view.truthId,
    robotId: view.robotId,
    authors: authorsOf(view),
    eliminationVotes: Object.fromEntries(t.players.map((p) => [p.id, view.robotId])),
    finalVotes,
  });
  expect([...scores.scores].sort(byPlayer)).toEqual([...oracle].sort(byPlayer));
  return oracle;
}

// ---------------------------------------------------------------- §5 answers

describe("§5 answers", () => {
  it("§5 two players with the same answer share one option, both credited when a third votes for it", async () => {
    const t = await slowTable({ players: 3 });
    const [h, p1, p2] = t.players as [TestClient, TestClient, TestClient];
    const started = await nextQuestion(t, "start-game");
    const view = await answerRound(t, started, ["The Moon Base", "moon base!", "Lunar garage"]);

    // truth + robot + one merged option + the third player's
    expect(view.options).toHaveLength(4);
    const merged = view.options.filter((o) => o.text === "The Moon Base" || o.text === "moon base!");
    expect(merged).toHaveLength(1);
    const mergedId = merged[0]!.id;
    expect(view.own[h.id]).toEqual([mergedId]);
    expect(view.own[p1.id]).toEqual([mergedId]);
    expect(view.own[p2.id]).toHaveLength(1);
    expect(view.own[p2.id]).not.toContain(mergedId);
    for (const c of t.all) expect(optionIds(c)).toEqual(view.options.map((o) => o.id));

    // everyone eliminates the robot, so the merged option stays on the ballot
    for (const p of t.players) p.send("submit-elimination-vote", { optionId: view.robotId });
    expect((await h.next("elimination-complete")).eliminatedId).toBe(view.robotId);
    await Promise.all(t.all.map((c) => c.waitPhase("voting")));

    const finalVotes = { [h.id]: view.truthId, [p1.id]: view.truthId, [p2.id]: mergedId };
    for (const p of t.players) p.send("submit-final-vote", { optionId: finalVotes[p.id] });
    const scores = await h.next("final-round-scores");
    expect(scores.multiplier).toBe(1);
    expect([...scores.authors[mergedId]].sort()).toEqual([h.id, p1.id].sort());
    const row = (id: string) => scores.scores.find((r: any) => r.playerId === id);
    expect(row(h.id).votesReceivedPoints).toBe(500 * scores.multiplier);
    expect(row(p1.id).votesReceivedPoints).toBe(500 * scores.multiplier);
    expect(row(p2.id).votesReceivedPoints).toBe(0);
    expectFirstRoundScores(t, view, finalVotes, scores);
    await h.waitState((s) => s.players.get(h.id).score === 2000 && s.players.get(p1.id).score === 2000, "scores");
  });

  it("§5 censor: a display host removes an answer in elimination; votes for it are void and may be cast again", async () => {
    const t = await slowTable({ players: 3, hostPlays: false });
    const h = t.host;
    const [p0, p1, p2] = t.players as [TestClient, TestClient, TestClient];
    await expectError(h, "censor-answer", { optionId: "a1" }, "wrong-phase"); // lobby
    const started = await nextQuestion(t, "start-game");
    await expectError(h, "censor-answer", { optionId: "a1" }, "wrong-phase"); // question
    const view = await answerRound(t, started, ["fake from zero", "fake from one", "fake from two"]);
    const censored = view.own[p1.id]![0]!;

    p2.send("submit-elimination-vote", { optionId: censored });
    await h.waitState((s) => s.players.get(p2.id).hasVoted === true, "p2 voted");
    await p2.until(() => p2.you?.eliminationVote === censored, "p2's vote in you");

    await expectError(p1, "censor-answer", { optionId: censored }, "not-host");
    expect(optionIds(h)).toContain(censored);

    h.send("censor-answer", { optionId: censored });
    for (const c of t.all) await c.waitState((s) => ![...s.options].some((o: any) => o.id === censored), "option censored");
    expect(optionIds(h)).toHaveLength(view.options.length - 1);
    await h.waitState((s) => s.players.get(p2.id).hasVoted === false, "p2's vote void");
    await p2.until(() => p2.you?.eliminationVote === null, "p2's vote void in you");
    expect(h.phase).toBe("elimination");

    // a later vote for it is invalid, from anyone
    await expectError(p0, "submit-elimination-vote", { optionId: censored }, "invalid-vote");
    await expectError(p2, "submit-elimination-vote", { optionId: censored }, "invalid-vote");
    // the voter whose vote was void votes again
    p2.send("submit-elimination-vote", { optionId: view.robotId });
    await p2.until(() => p2.you?.eliminationVote === view.robotId, "p2 voted again");
    p0.send("submit-elimination-vote", { optionId: view.robotId });
    p1.send("submit-elimination-vote", { optionId: view.robotId });
    const complete = await h.next("elimination-complete");
    expect(complete.eliminatedId).toBe(view.robotId);
    expect(complete.counts[view.robotId]).toBe(3);
    expect(complete.counts[censored] ?? 0).toBe(0);
    await Promise.all(t.all.map((c) => c.waitPhase("voting")));

    await expectError(p2, "submit-final-vote", { optionId: censored }, "invalid-vote");
    await expectError(h, "censor-answer", { optionId: view.own[p2.id]![0] }, "wrong-phase"); // voting
    expect(errorCodes(p1)).toEqual(expected.get(p1));
  });

  it("§5 a playing host cannot censor: host-plays for any option, in any phase", async () => {
    const t = await slowTable({ players: 2 });
    const [h] = t.players as [TestClient, TestClient];
    await expectError(h, "censor-answer", { optionId: "a1" }, "host-plays"); // lobby
    const started = await nextQuestion(t, "start-game");
    const view = await answerRound(t, started, ["fake from host", "fake from one"]);
    for (const optionId of [view.truthId, view.robotId, ...view.own[t.players[1]!.id]!, "a99"]) {
      await expectError(h, "censor-answer", { optionId }, "host-plays");
    }
    expect(optionIds(h)).toHaveLength(view.options.length);
  });

  it("§5 family-friendly off: an answer with profanity is accepted", async () => {
    const t = await slowTable({ players: 2 });
    const [h, p1] = t.players as [TestClient, TestClient];
    h.send("update-settings", { familyFriendly: false });
    await h.waitState((s) => s.settings.familyFriendly === false, "family-friendly off");
    const started = await nextQuestion(t, "start-game");
    p1.send("submit-answer", { answer: "shit happens" });
    await h.next("player-answered", (p) => p.playerId === p1.id);
    expect(h.state.players.get(p1.id).hasAnswered).toBe(true);
    const view = await answerRound(t, started, ["clean fake", undefined]);
    expect(view.options.map((o) => o.text)).toContain("shit happens");
    expect(errorCodes(p1)).toEqual([]);
  });
});

// ---------------------------------------------------------------- §6 voting

describe("§6 elimination outcomes", () => {
  it("§6 a tie at the top eliminates nothing (tie: true); no votes eliminate nothing (tie: false)", async () => {
    const t = await slowTable({ players: 2 });
    const [h, p1] = t.players as [TestClient, TestClient];
    let started = await nextQuestion(t, "start-game");
    let view = await answerRound(t, started, ["fake alpha", "fake beta"]);
    h.send("submit-elimination-vote", { optionId: view.robotId });
    p1.send("submit-elimination-vote", { optionId: view.truthId });
    const tie = await h.next("elimination-complete");
    expect(tie).toEqual({ eliminatedId: null, tie: true, counts: { [view.robotId]: 1, [view.truthId]: 1 } });
    await Promise.all(t.all.map((c) => c.waitPhase("voting")));
    for (const c of t.all) expect([...c.state.options].every((o: any) => o.eliminated === false)).toBe(true);

    h.send("skip-phase", {});
    await Promise.all(t.all.map((c) => c.waitPhase("results")));
    started = await nextQuestion(t, "next-round");
    view = await answerRound(t, started, ["fake gamma", "fake delta"]);
    h.send("skip-phase", {});
    const none = await h.next("elimination-complete");
    expect(none.eliminatedId).toBeNull();
    expect(none.tie).toBe(false);
    expect(Object.values(none.counts).every((n) => n === 0)).toBe(true);
    await Promise.all(t.all.map((c) => c.waitPhase("voting")));
    for (const c of t.all) expect([...c.state.options].every((o: any) => o.eliminated === false)).toBe(true);
    // nothing eliminated: every option, the robot's included, can still be voted for
    h.send("submit-final-vote", { optionId: view.robotId });
    await h.until(() => h.you?.finalVote === view.robotId, "vote for the robot accepted");
  });
});

// ---------------------------------------------------------------- §9 kick

describe("§9 kick", () => {
  it("§9 host kicks in the lobby and mid-game: socket closed, player-left, name banned, the game goes on", async () => {
    const t = await slowTable({ players: 4 });
    const [h, a, b, c] = t.players as [TestClient, TestClient, TestClient, TestClient];

    await expectError(b, "kick-player", { playerId: c.id }, "not-host");
    expect(h.state.players.has(c.id)).toBe(true);

    // lobby
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

    // mid-game
    const cClosed = leaveCode(c);
    await expectError(b, "kick-player", { playerId: h.id }, "not-host");
    h.send("kick-player", { playerId: c.id });
    expect(await h.next("player-left", (p) => p.playerId === c.id)).toEqual({ playerId: c.id, name: "Player 3" });
    expect(await b.next("player-left", (p) => p.playerId === c.id)).toEqual({ playerId: c.id, name: "Player 3" });
    expect(await cClosed).toEqual(expect.any(Number));
    expect(c.room.connection.isOpen).toBe(false);
    // kicked is checked before game-in-progress
    expect(await joinError(TestClient.join(server.endpoint, t.code, { name: "Player 3", icon: "dog" }))).toBe("kicked");
    await expect(c.sdk.reconnect(c.room.reconnectionToken)).rejects.toThrow();

    expect(h.phase).toBe("question");
    h.send("submit-answer", { answer: "host fake" });
    b.send("submit-answer", { answer: "b fake" });
    const out = await h.next("all-answers-submitted");
    expect(out.options).toHaveLength(4);
    await Promise.all([h, b].map((x) => x.waitPhase("elimination")));
  });
});

// ---------------------------------------------------------------- §3 phases and timers

describe("§3 phases", () => {
  it("§3 skip-phase by the host ends question, elimination and voting; by a player not-host; elsewhere wrong-phase", async () => {
    const t = await slowTable({ players: 2 });
    const [h, p1] = t.players as [TestClient, TestClient];
    await expectError(h, "skip-phase", {}, "wrong-phase"); // lobby
    await expectError(p1, "skip-phase", {}, "not-host"); // role is checked before phase
    await nextQuestion(t, "start-game");
    for (const [phase, nextPhase] of [["question", "elimination"], ["elimination", "voting"], ["voting", "results"]] as const) {
      expect(h.phase).toBe(phase);
      await expectError(p1, "skip-phase", {}, "not-host");
      expect(h.phase).toBe(phase);
      h.send("skip-phase", {});
      await Promise.all(t.all.map((c) => c.waitPhase(nextPhase)));
    }
    await expectError(h, "skip-phase", {}, "wrong-phase"); // results
    expect(h.phase).toBe("results");
    const started = await nextQuestion(t, "next-round");
    expect(started.round).toBe(2);
  });

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
    await sleep(300);

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

    await sleep(1000);
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

// ---------------------------------------------------------------- §2 audience

describe("§2 audience", () => {
  it("§2 audience joins a full room and mid-game, cannot play, votes once, and never moves players' numbers", async () => {
    const t = await slowTable({ players: 8, audience: 1 });
    const h = t.host;
    const fans = [t.audience[0]!];
    expect(h.state.players.size).toBe(8);
    await h.waitState((s) => s.audienceCount === 1, "one in the audience");

    let started = await nextQuestion(t, "start-game");
    fans.push(await join(server.endpoint, t.code, { name: "Fan 1", icon: "ghost", audience: true }));
    fans.push(await join(server.endpoint, t.code, { name: "Fan 2", icon: "alien", audience: true }));
    t.all.push(fans[1]!, fans[2]!);
    for (const c of t.all) await c.waitState((s) => s.audienceCount === 3, "three in the audience");
    expect(h.state.players.size).toBe(8);
    for (const f of fans) {
      expect(h.state.players.has(f.id)).toBe(false);
      expect(f.state.phase).toBe("question");
      expect(f.you).toMatchObject({ ownOptionIds: [], eliminationVote: null, finalVote: null });
    }
    const [f0, f1, f2] = fans as [TestClient, TestClient, TestClient];

    await expectError(f0, "submit-answer", { answer: "audience fake" }, "not-player");
    let view = await answerRound(t, started, t.players.map((_, i) => `fake ${i} of eight`));
    await expectError(f0, "submit-elimination-vote", { optionId: view.robotId }, "not-player");
    for (const p of t.players) p.send("submit-elimination-vote", { optionId: view.robotId });
    expect((await h.next("elimination-complete")).eliminatedId).toBe(view.robotId);
    await Promise.all(t.all.map((c) => c.waitPhase("voting")));

    const X = view.own[h.id]![0]!;
    const Y = view.own[t.players[1]!.id]![0]!;
    for (const [f, optionId] of [[f0, X], [f1, X], [f2, Y]] as const) {
      f.send("submit-final-vote", { optionId });
      await f.until(() => f.you?.finalVote === optionId, "audience vote confirmed by you");
    }
    await expectError(f0, "submit-final-vote", { optionId: Y }, "already-voted");
    await expectError(f1, "submit-final-vote", { optionId: view.robotId }, "already-voted");
    expect(h.received.filter((m) => m.type === "final-vote-cast")).toHaveLength(0);
    for (const p of t.players) expect(h.state.players.get(p.id).hasVoted).toBe(false);

    const finalVotes: Record<string, string> = {};
    t.players.forEach((p, i) => (finalVotes[p.id] = i === 2 ? Y : view.truthId));
    for (const p of t.players) p.send("submit-final-vote", { optionId: finalVotes[p.id] });
    const allVotes = await h.next("all-votes-submitted");
    const scores = await h.next("final-round-scores");
    const casts = h.received.filter((m) => m.type === "final-vote-cast").map((m) => m.payload);
    expect(casts.map((c) => c.voters)).toEqual(Array(8).fill(8));
    expect(casts.map((c) => c.votes).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(allVotes.counts).toEqual(tally(finalVotes));
    expect(scores.finalVotes).toEqual(finalVotes);
    expect(scores.audiencePick).toBe(X);
    const oracle = expectFirstRoundScores(t, view, finalVotes, scores);
    expect(scores.scores.find((r: any) => r.playerId === h.id).votesReceivedPoints).toBe(0); // two fans voted X: no points
    await Promise.all(t.all.map((c) => c.waitPhase("results")));
    for (const row of oracle) expect(h.state.players.get(row.playerId).score).toBe(Math.max(0, row.total));

    // round 2: the audience splits 1–1 → no pick
    started = await nextQuestion(t, "next-round");
    view = await answerRound(t, started, t.players.map((_, i) => `second fake ${i}`));
    h.send("skip-phase", {});
    await Promise.all(t.all.map((c) => c.waitPhase("voting")));
    const X2 = view.own[h.id]![0]!;
    const Y2 = view.own[t.players[1]!.id]![0]!;
    for (const [f, optionId] of [[f0, X2], [f1, Y2]] as const) {
      f.send("submit-final-vote", { optionId });
      await f.until(() => f.you?.finalVote === optionId, "audience vote confirmed by you");
    }
    for (const p of t.players) p.send("submit-final-vote", { optionId: view.truthId });
    const scores2 = await h.next("final-round-scores");
    expect(scores2.audiencePick).toBeNull();
    expect(Object.keys(scores2.finalVotes).sort()).toEqual(t.players.map((p) => p.id).sort());
    for (const row of scores2.scores) expect(row.votesReceivedPoints).toBe(0);
  });
});

// ---------------------------------------------------------------- §9 play-again and settings

describe("§9 host controls", () => {
  it("§9 play-again after final: lobby, same players, scores 0, round 0; the next game draws unused questions", async () => {
    const t = await slowTable({ players: 2 });
    const [h, p1] = t.players as [TestClient, TestClient];
    const ids = [h.id, p1.id].sort();
    expect(h.state.deadline).toBe(0);

    const started = await nextQuestion(t, "start-game");
    const view = await answerRound(t, started, ["first fake", "second fake"]);
    h.send("skip-phase", {});
    await Promise.all(t.all.map((c) => c.waitPhase("voting")));
    for (const p of t.players) p.send("submit-final-vote", { optionId: view.truthId });
    await h.waitState((s) => s.phase === "results" && s.players.get(h.id).score === 1000, "scores after round 1");
    await expectError(h, "play-again", {}, "wrong-phase");
    await skipToFinal(h);
    const complete = await h.next("game-complete");
    await Promise.all(t.all.map((c) => c.waitPhase("final")));
    expect(h.state.deadline).toBe(0); // final has no deadline
    expect(complete.standings.map((r: any) => r.score)).toEqual([1000, 1000]);
    await expectError(h, "skip-phase", {}, "wrong-phase"); // nothing to skip in final
    await expectError(h, "next-round", {}, "wrong-phase");

    await expectError(p1, "play-again", {}, "not-host");
    h.send("play-again", {});
    for (const c of t.all) {
      const s = await c.waitPhase("lobby");
      expect(s.round).toBe(0);
      expect(s.deadline).toBe(0);
      expect([...s.players.keys()].sort()).toEqual(ids);
      for (const id of ids) expect(s.players.get(id).score).toBe(0);
    }

    await nextQuestion(t, "start-game");
    await skipToFinal(h);
    await h.next("game-complete");
    const questionIds = h.received.filter((m) => m.type === "round-started").map((m) => m.payload.question.id as string);
    expect(questionIds).toHaveLength(16);
    const first = new Set(questionIds.slice(0, 8));
    const second = new Set(questionIds.slice(8));
    expect(first.size).toBe(8);
    expect(second.size).toBe(8);
    expect([...second].filter((id) => first.has(id))).toEqual([]);
  });

  it("§9 update-settings: valid changes apply; a refused one changes nothing; non-host not-host; after start wrong-phase", async () => {
    const t = await table(server.endpoint, { players: 2 });
    const [h, p1] = t.players as [TestClient, TestClient];
    const settings = (c: TestClient) => ({ ...c.state.settings.toJSON(), mode: c.state.mode, totalRounds: c.state.totalRounds });

    h.send("update-settings", { mode: "12-round", timers: { question: 90, results: 10 }, extendedTimers: true, familyFriendly: false });
    const changed = {
      questionSeconds: 90,
      eliminationSeconds: 30,
      votingSeconds: 30,
      resultsSeconds: 10,
      extendedTimers: true,
      familyFriendly: false,
      hostPlays: true,
      mode: "12-round",
      totalRounds: 12,
    };
    for (const c of t.all) await c.waitState((s) => s.settings.questionSeconds === 90 && s.totalRounds === 12, "settings applied");
    for (const c of t.all) expect(settings(c)).toEqual(changed);

    const refused: unknown[] = [
      { mode: "8-round", timers: { question: 5, voting: 20 }, extendedTimers: false, familyFriendly: true },
      { timers: { question: 181 } },
      { timers: { question: 19 } },
      { timers: { elimination: 9 } },
      { timers: { elimination: 91 } },
      { timers: { voting: 91 } },
      { timers: { results: 4 } },
      { timers: { results: 61 } },
      { mode: "8-round", timers: { voting: 20.5 } },
      { mode: "3-round", familyFriendly: true },
      { familyFriendly: "yes", mode: "8-round" },
      { mode: "8-round", colour: "red" },
      { timers: { question: 30, lunch: 20 } },
    ];
    for (const payload of refused) await expectError(h, "update-settings", payload, "bad-request");
    await expectError(p1, "update-settings", { familyFriendly: true }, "not-host");
    // a later valid update lands after every refused one; only it changed anything
    h.send("update-settings", { timers: { elimination: 45 } });
    await h.waitState((s) => s.settings.eliminationSeconds === 45, "elimination 45");
    expect(settings(h)).toEqual({ ...changed, eliminationSeconds: 45 });

    // the bounds themselves are accepted
    h.send("update-settings", { timers: { question: 20, elimination: 90, voting: 10, results: 60 } });
    await h.waitState((s) => s.settings.resultsSeconds === 60, "bounds accepted");
    expect(settings(h)).toMatchObject({ questionSeconds: 20, eliminationSeconds: 90, votingSeconds: 10, resultsSeconds: 60 });

    await nextQuestion(t, "start-game");
    await expectError(h, "update-settings", { familyFriendly: true }, "wrong-phase");
    expect(h.state.settings.familyFriendly).toBe(false);
  });
});

// ---------------------------------------------------------------- §6 §9 error codes

describe("§6 §9 refusals", () => {
  it("§6 §9 every error code, with { code, message, requestType }, to the sender only", async () => {
    const t = await slowTable({ players: 2, hostPlays: false, audience: 1 });
    const h = t.host;
    const [p0, p1] = t.players as [TestClient, TestClient];

    // lobby; GAME.md §9 check order: bad-request, role, wrong-phase
    await expectError(p0, "submit-answer", { answer: "too early" }, "wrong-phase");
    await expectError(p0, "dance", {}, "bad-request");
    await expectError(h, "submit-answer", { answer: 5 }, "bad-request");
    await expectError(h, "submit-answer", { answer: "display fake" }, "not-player");
    await expectError(p0, "start-game", {}, "not-host");
    await expectError(p0, "next-round", {}, "not-host");

    const started = await nextQuestion(t, "start-game");
    const q = PACK_BY_ID.get(started.question.id)!;
    await expectError(h, "submit-answer", { answer: "display fake" }, "not-player");
    await expectError(p0, "submit-answer", { answer: q.correctAnswer }, "answer-is-truth");
    await expectError(p0, "submit-answer", { answer: ` ${q.correctAnswer.toUpperCase()} !! ` }, "answer-is-truth");
    await expectError(p0, "submit-answer", { answer: q.robotAnswer }, "answer-is-robot");
    await expectError(p0, "submit-answer", { answer: `${q.robotAnswer.toLowerCase()}.` }, "answer-is-robot");
    await expectError(p0, "submit-answer", { answer: "shit happens" }, "profanity");
    await expectError(p0, "submit-answer", { answer: "!!!" }, "bad-request");
    await expectError(p0, "submit-answer", { answer: "   " }, "bad-request");
    await expectError(p0, "submit-answer", { answer: "y".repeat(101) }, "bad-request");
    await expectError(p0, "submit-answer", {}, "bad-request");
    await expectError(p0, "submit-answer", { answer: 42 }, "bad-request");
    await expectError(p0, "submit-answer", { answer: "ok", extra: 1 }, "bad-request");
    await expectError(p0, "submit-answer", "just a string", "bad-request");
    await expectError(p0, "submit-elimination-vote", { optionId: "a1" }, "wrong-phase");
    await expectError(t.audience[0]!, "submit-answer", { answer: "fan fake" }, "not-player");
    expect(h.state.players.get(p0.id).hasAnswered).toBe(false); // refusals changed nothing

    p0.send("submit-answer", { answer: "fake from zero" });
    await h.waitState((s) => s.players.get(p0.id).hasAnswered === true, "p0 answered");
    await expectError(p0, "submit-answer", { answer: "another fake" }, "already-answered");
    const view = await answerRound(t, started, [undefined, "fake from one"]);
    const own0 = (await ownIds(p0))[0]!;
    const own1 = view.own[p1.id]![0]!;
    expect(view.options).toHaveLength(4);

    // elimination
    await expectError(p0, "submit-elimination-vote", { optionId: own0 }, "own-answer");
    await expectError(p0, "submit-elimination-vote", { optionId: "a99" }, "invalid-vote");
    await expectError(p0, "submit-elimination-vote", { optionId: 7 }, "bad-request");
    await expectError(p0, "submit-elimination-vote", {}, "bad-request");
    await expectError(p0, "submit-final-vote", { optionId: view.truthId }, "wrong-phase");
    await expectError(p0, "submit-answer", { answer: "late fake" }, "wrong-phase");
    await expectError(h, "submit-elimination-vote", { optionId: view.robotId }, "not-player");
    p0.send("submit-elimination-vote", { optionId: view.robotId });
    await h.waitState((s) => s.players.get(p0.id).hasVoted === true, "p0 voted");
    await expectError(p0, "submit-elimination-vote", { optionId: own1 }, "already-voted");
    p1.send("submit-elimination-vote", { optionId: view.robotId });
    expect((await h.next("elimination-complete")).eliminatedId).toBe(view.robotId);
    await Promise.all(t.all.map((c) => c.waitPhase("voting")));

    // voting
    await expectError(p0, "submit-final-vote", { optionId: view.robotId }, "invalid-vote"); // eliminated
    await expectError(p0, "submit-final-vote", { optionId: "zz" }, "invalid-vote"); // unknown
    await expectError(p0, "submit-final-vote", { optionId: own0 }, "own-answer");
    await expectError(p0, "submit-elimination-vote", { optionId: view.truthId }, "wrong-phase");
    await expectError(h, "submit-final-vote", { optionId: view.truthId }, "not-player");
    p0.send("submit-final-vote", { optionId: view.truthId });
    await h.waitState((s) => s.players.get(p0.id).hasVoted === true, "p0 voted");
    await expectError(p0, "submit-final-vote", { optionId: own1 }, "already-voted");
    p1.send("submit-final-vote", { optionId: view.truthId });
    await Promise.all(t.all.map((c) => c.waitPhase("results")));
    await expectError(p0, "submit-final-vote", { optionId: view.truthId }, "wrong-phase");

    // every client received exactly the errors it caused, in order
    await sleep(100);
    for (const c of t.all) expect(errorCodes(c)).toEqual(expected.get(c) ?? []);
    expect(errorCodes(p1)).toEqual([]);
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

    h.send("update-settings", { timers: { question: 180 } });
    await h.waitState((s) => s.settings.questionSeconds === 180, "long question");
    h.send("start-game", {});
    await h.waitPhase("question");
    expect(await rejected({ name: "Late", icon: "owl" })).toBe("game-in-progress");
    expect(await rejected({ name: "Late", icon: "dragon" })).toBe("bad-request"); // bad-request before game-in-progress
    const late = await join(server.endpoint, code, { name: "Late", icon: "owl", audience: true });
    expect(late.state.phase).toBe("question");
    await h.waitState((s) => s.audienceCount === 1, "late audience counted");

    const unknown = ["ZZZZ", "XXXX"].find((c) => c !== code)!;
    expect(await rejected({ name: "Lost", icon: "owl" }, unknown)).toMatch(/not found/i);
    expect(await rejected({ name: "Lost", icon: "owl" }, unknown.toLowerCase())).toMatch(/not found/i);
    expect(h.state.players.size).toBe(8);
  });
});
