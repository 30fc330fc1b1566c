/**
 * The bots' strategy (bots/strategy.ts) on plain data: what a bot sends for a snapshot of the
 * state and its private view, with a seeded rng. Each case names the GAME.md rule the decision
 * must respect, so a bot never earns a refusal by design (§9).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  chooseVote,
  decide,
  DEFAULT_THINK_TIMES,
  FAKE_ANSWERS,
  newMemory,
  noteAnswered,
  noteCensored,
  noteGameComplete,
  noteRefusal,
  noteRoundStarted,
  pickFakeAnswer,
  thinkTime,
  type DecideOptions,
  type Decision,
  type Memory,
  type OptionView,
  type PrivateView,
  type SeatView,
  type Snapshot,
} from "../../bots/strategy.ts";
import { containsProfanity } from "../../src/game/text.ts";
import { checkMessage, comparisonKey, ErrorCode, type ErrorEvent, type Phase } from "../../src/protocol.ts";

/** A deterministic rng: mulberry32. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const seat = (over: Partial<SeatView> = {}): SeatView => ({ connected: true, hasAnswered: false, hasVoted: false, ...over });
const option = (id: string, eliminated = false): OptionView => ({ id, text: `text ${id}`, eliminated });
const view = (over: Partial<PrivateView> = {}): PrivateView => ({ ownOptionIds: [], eliminationVote: null, finalVote: null, ...over });
const OPTIONS = ["a1", "a2", "a3", "a4", "a5"].map((id) => option(id));

function snapshot(over: Partial<Snapshot> = {}): Snapshot {
  return {
    me: "me",
    phase: "lobby",
    round: 1,
    hostId: "other",
    players: new Map([["me", seat()], ["other", seat()]]),
    questionText: "What do Norwegians hang on their doors at Christmas?",
    options: [],
    own: view(),
    audience: false,
    ...over,
  };
}

const PLAYING: DecideOptions = { drive: true, minPlayers: 2, games: 1 };

describe("§9 the host drives the flow", () => {
  it("§3 start-game once enough connected players are seated, and only by the host", () => {
    const players = new Map([["me", seat()], ["p2", seat()], ["p3", seat({ connected: false })]]);
    const host = snapshot({ hostId: "me", players });
    expect(decide(host, newMemory(), PLAYING, seeded(1))).toMatchObject({ kind: "host", type: "start-game" });
    // Two connected of three seated: not enough when three are wanted.
    expect(decide(host, newMemory(), { ...PLAYING, minPlayers: 3 }, seeded(1))).toBeUndefined();
    expect(decide({ ...host, hostId: "p2" }, newMemory(), PLAYING, seeded(1))).toBeUndefined();
    expect(decide(host, newMemory(), { ...PLAYING, drive: false }, seeded(1))).toBeUndefined();
  });

  it("§3 never asks to start with fewer than 2 players, whatever minPlayers says", () => {
    const alone = snapshot({ hostId: "me", players: new Map([["me", seat()]]) });
    expect(decide(alone, newMemory(), { ...PLAYING, minPlayers: 1 }, seeded(1))).toBeUndefined();
  });

  it("a key once sent is not sent again; a new player re-arms start-game", () => {
    const m = newMemory();
    const two = snapshot({ hostId: "me" });
    const first = decide(two, m, PLAYING, seeded(1))!;
    m.sent.add(first.key);
    expect(decide(two, m, PLAYING, seeded(1))).toBeUndefined();
    const three = snapshot({ hostId: "me", players: new Map([["me", seat()], ["other", seat()], ["p3", seat()]]) });
    expect(decide(three, m, PLAYING, seeded(1))).toMatchObject({ type: "start-game" });
  });

  it("§3 next-round in results; play-again in final only while games remain", () => {
    expect(decide(snapshot({ phase: "results", hostId: "me" }), newMemory(), PLAYING, seeded(1))).toMatchObject({ type: "next-round" });
    expect(decide(snapshot({ phase: "results" }), newMemory(), PLAYING, seeded(1))).toBeUndefined();
    const m = newMemory();
    noteGameComplete(m, "g1");
    const final = snapshot({ phase: "final", hostId: "me" });
    expect(decide(final, m, PLAYING, seeded(1))).toBeUndefined();
    expect(decide(final, m, { ...PLAYING, games: 2 }, seeded(1))).toMatchObject({ type: "play-again" });
    // Before any game-complete was seen (joined in final), a bot does not restart someone's game.
    expect(decide(final, newMemory(), { ...PLAYING, games: 2 }, seeded(1))).toBeUndefined();
  });
});

describe("§5 answers", () => {
  it("a seated player answers once per round; the audience and round 0 do not", () => {
    const q = snapshot({ phase: "question" });
    const d = decide(q, newMemory(), PLAYING, seeded(2));
    expect(d).toMatchObject({ kind: "act", type: "submit-answer" });
    expect(decide({ ...q, players: new Map([["me", seat({ hasAnswered: true })]]) }, newMemory(), PLAYING, seeded(2))).toBeUndefined();
    const m = newMemory();
    noteAnswered(m, 1);
    expect(decide(q, m, PLAYING, seeded(2))).toBeUndefined();
    expect(decide({ ...q, audience: true, players: new Map() }, newMemory(), PLAYING, seeded(2))).toBeUndefined();
    expect(decide({ ...q, round: 0 }, newMemory(), PLAYING, seeded(2))).toBeUndefined();
  });

  it("§5 after answer-is-truth the next answer differs by the server's comparison key", () => {
    const m = newMemory();
    const q = snapshot({ phase: "question" });
    const first = decide(q, m, PLAYING, seeded(3))! as Extract<Decision, { type: "submit-answer" }>;
    m.sent.add(first.key);
    const refusal: ErrorEvent = { code: ErrorCode.AnswerIsTruth, message: "that is the truth", requestType: "submit-answer" };
    expect(noteRefusal(m, refusal, first, 1)).toEqual({ kind: "retry-answer", answer: first.payload.answer });
    const second = decide(q, m, PLAYING, seeded(3))! as Extract<Decision, { type: "submit-answer" }>;
    expect(second.key).not.toBe(first.key);
    expect(comparisonKey(second.payload.answer)).not.toBe(comparisonKey(first.payload.answer));
  });

  it("§5 a refused answer rules out every answer with the same key (the server's rule, not a copy)", () => {
    // U+0085 is whitespace to the server, so "the\u0085moon" keys as "moon", like "the moon".
    // The bots' former private key kept it as one word ("themoon") and could offer "the moon" again.
    const tried = new Set(["the\u0085moon", ...FAKE_ANSWERS.generic.filter((a) => a !== "the moon" && a !== "pickles")]);
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        expect(pickFakeAnswer("What is it?", tried, seeded(seed))).toBe("pickles");
      }),
      { numRuns: 50 },
    );
  });

  it("§5 when every listed answer was refused, the fallback is new too", () => {
    const all = new Set<string>([...FAKE_ANSWERS.generic, "guess number 31", "Guess  Number 32"]);
    const answer = pickFakeAnswer("What is it?", all, seeded(4));
    expect([...all].map(comparisonKey)).not.toContain(comparisonKey(answer));
  });

  it("§5 every shipped fake answer passes the wire check and the family filter, and no two merge", () => {
    for (const list of Object.values(FAKE_ANSWERS)) {
      const keys = list.map(comparisonKey);
      expect(new Set(keys).size, list.join(", ")).toBe(list.length);
      for (const answer of list) {
        expect(checkMessage("submit-answer", { answer }).ok, answer).toBe(true);
        expect(containsProfanity(answer), answer).toBe(false);
      }
    }
  });

  it("themed questions get a themed list", () => {
    const year = pickFakeAnswer("In what year did the first postage stamp appear?", new Set(), seeded(5));
    expect(FAKE_ANSWERS.year).toContain(year);
    const number = pickFakeAnswer("How many legs does a lobster have?", new Set(), seeded(5));
    expect(FAKE_ANSWERS.number).toContain(number);
  });
});

describe("§6 votes", () => {
  it("§6 an elimination vote is never for the bot's own option, and only once", () => {
    const s = snapshot({ phase: "elimination", options: OPTIONS, own: view({ ownOptionIds: ["a2"] }), players: new Map([["me", seat({ hasAnswered: true })]]) });
    for (let seed = 0; seed < 50; seed++) {
      const d = decide(s, newMemory(), PLAYING, seeded(seed));
      expect(d).toMatchObject({ type: "submit-elimination-vote" });
      expect((d as Extract<Decision, { type: "submit-elimination-vote" }>).payload.optionId).not.toBe("a2");
    }
    expect(decide({ ...s, own: view({ ownOptionIds: ["a2"], eliminationVote: "a1" }) }, newMemory(), PLAYING, seeded(1))).toBeUndefined();
    expect(decide({ ...s, players: new Map([["me", seat({ hasAnswered: true, hasVoted: true })]]) }, newMemory(), PLAYING, seeded(1))).toBeUndefined();
  });

  it("§10 having answered, the bot waits until its private view names its option", () => {
    // The issue-8 failure: options seen before the client knew which one was its own.
    const answered = snapshot({ phase: "elimination", options: OPTIONS, players: new Map([["me", seat({ hasAnswered: true })]]) });
    expect(decide({ ...answered, own: view() }, newMemory(), PLAYING, seeded(1))).toBeUndefined();
    expect(decide({ ...answered, own: undefined }, newMemory(), PLAYING, seeded(1))).toBeUndefined();
    expect(decide({ ...answered, own: view({ ownOptionIds: ["a3"] }) }, newMemory(), PLAYING, seeded(1))).toMatchObject({ type: "submit-elimination-vote" });
    // A player who did not answer has no option: it may vote at once.
    const silent = { ...answered, players: new Map([["me", seat()]]) };
    expect(decide({ ...silent, own: view() }, newMemory(), PLAYING, seeded(1))).toMatchObject({ type: "submit-elimination-vote" });
  });

  it("§5 after answer-censored a bot whose option was removed votes again", () => {
    const m = newMemory();
    noteRoundStarted(m, 1);
    noteCensored(m);
    const s = snapshot({ phase: "elimination", options: OPTIONS, own: view(), players: new Map([["me", seat({ hasAnswered: true })]]) });
    expect(decide(s, m, PLAYING, seeded(1))).toMatchObject({ type: "submit-elimination-vote" });
  });

  it("§6 a final vote is for a standing option the player did not write; the audience may pick any standing one", () => {
    const options = [option("a1", true), option("a2"), option("a3"), option("a4", true)];
    const player = snapshot({ phase: "voting", options, own: view({ ownOptionIds: ["a2"] }) });
    const audience = snapshot({ phase: "voting", options, own: view(), audience: true, players: new Map() });
    for (let seed = 0; seed < 50; seed++) {
      expect(decide(player, newMemory(), PLAYING, seeded(seed))).toMatchObject({ type: "submit-final-vote", payload: { optionId: "a3" } });
      const d = decide(audience, newMemory(), PLAYING, seeded(seed)) as Extract<Decision, { type: "submit-final-vote" }>;
      expect(["a2", "a3"]).toContain(d.payload.optionId);
    }
    expect(decide({ ...player, own: view({ ownOptionIds: ["a2"], finalVote: "a3" }) }, newMemory(), PLAYING, seeded(1))).toBeUndefined();
  });

  it("§6 an option the server refused is avoided for the rest of the round", () => {
    const m = newMemory();
    const s = snapshot({ phase: "voting", options: [option("a1"), option("a2")], own: view() });
    const first = decide(s, m, PLAYING, seeded(1))! as Extract<Decision, { type: "submit-final-vote" }>;
    expect(noteRefusal(m, { code: ErrorCode.InvalidVote, message: "gone", requestType: "submit-final-vote" }, first, 1)).toEqual({ kind: "refused" });
    const second = decide(s, m, PLAYING, seeded(1))! as Extract<Decision, { type: "submit-final-vote" }>;
    expect(second.payload.optionId).not.toBe(first.payload.optionId);
    noteRoundStarted(m, 2);
    expect(m.refusedOptions).toEqual([]);
  });

  it("chooseVote has nothing to offer when every standing option is the bot's own", () => {
    expect(chooseVote([option("a1"), option("a2", true)], ["a1"], seeded(1))).toBeUndefined();
  });

  /** GAME.md §9: the phase in which each message the bots send is accepted. */
  const PHASE_OF: Record<Decision["type"], Phase> = {
    "start-game": "lobby",
    "submit-answer": "question",
    "submit-elimination-vote": "elimination",
    "submit-final-vote": "voting",
    "next-round": "results",
    "play-again": "final",
  };

  it("§9 property: whatever the snapshot, a decision fits its phase, its role and the private view", () => {
    const phase = fc.constantFrom<Phase>("lobby", "question", "elimination", "voting", "results", "final");
    const ids = fc.uniqueArray(fc.constantFrom("a1", "a2", "a3", "a4", "a5", "a6"), { minLength: 0, maxLength: 6 });
    fc.assert(
      fc.property(phase, ids, fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), ids, fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), fc.integer(), (ph, optionIds, eliminated, ownIds, host, audience, answered, voted, seed) => {
        const options = optionIds.map((id, i) => option(id, eliminated[i]));
        const own = view({ ownOptionIds: ownIds.filter((id) => optionIds.includes(id)).slice(0, 1) });
        const players = new Map<string, SeatView>(audience ? [["other", seat()]] : [["me", seat({ hasAnswered: answered, hasVoted: voted })], ["other", seat()]]);
        const s = snapshot({ phase: ph, options, own, audience, players, hostId: host ? "me" : "other" });
        const m: Memory = newMemory();
        noteGameComplete(m, "earlier");
        const d = decide(s, m, { drive: true, minPlayers: 2, games: 2 }, seeded(seed));
        if (!d) return;
        expect(PHASE_OF[d.type]).toBe(ph);
        if (d.kind === "host") expect(host).toBe(true);
        if (d.type === "submit-answer" || d.type === "submit-elimination-vote") expect(audience).toBe(false);
        if (d.type === "submit-elimination-vote" || d.type === "submit-final-vote") {
          const chosen = options.find((o) => o.id === d.payload.optionId);
          expect(chosen?.eliminated).toBe(false);
          if (!audience) expect(own.ownOptionIds).not.toContain(d.payload.optionId);
          if (!audience) expect(voted).toBe(false);
        }
        if (d.type === "submit-answer") expect(answered).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});

describe("memory", () => {
  it("§10 a game-complete repeated to a client joining in final is counted once", () => {
    const m = newMemory();
    expect(noteGameComplete(m, "g1")).toBe(true);
    expect(noteGameComplete(m, "g1")).toBe(false);
    expect(noteGameComplete(m, "g2")).toBe(true);
    expect(m.gamesCompleted).toBe(2);
  });

  it("refusals other than the answer retries and void votes are only reported", () => {
    const m = newMemory();
    const start: Decision = { key: "start:0:2", kind: "host", type: "start-game", payload: {} };
    expect(noteRefusal(m, { code: ErrorCode.NotEnoughPlayers, message: "wait", requestType: "start-game" }, start, 0)).toEqual({ kind: "refused" });
    expect(m.refusedOptions).toEqual([]);
    expect(m.triedAnswers.size).toBe(0);
  });
});

describe("think time", () => {
  const answer: Decision = { key: "answer:0:1:0", kind: "act", type: "submit-answer", payload: { answer: "pickles" } };
  const times = { minDelayMs: 300, maxDelayMs: 1500, hostPauseMs: 2500 };

  it("a player action waits between the shortest and the longest think time", () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const ms = thinkTime(answer, times, seeded(seed), 0, 1_000);
        expect(ms).toBeGreaterThanOrEqual(300);
        expect(ms).toBeLessThanOrEqual(1500);
      }),
    );
  });

  it("§3 at most 60% of the time left in the phase, so a short phase still gets the action", () => {
    expect(thinkTime(answer, times, () => 0.99, 10_000 + 1000, 10_000)).toBeLessThanOrEqual(600);
    // A deadline already passed (clock skew) does not shorten anything.
    expect(thinkTime(answer, times, () => 0, 5_000, 10_000)).toBe(300);
  });

  it("the host starts after the shortest think time and pauses on results and final", () => {
    expect(thinkTime({ key: "s", kind: "host", type: "start-game", payload: {} }, times, seeded(1), 0, 0)).toBe(300);
    expect(thinkTime({ key: "n", kind: "host", type: "next-round", payload: {} }, times, seeded(1), 0, 0)).toBe(2500);
    expect(thinkTime({ key: "p", kind: "host", type: "play-again", payload: {} }, times, seeded(1), 0, 0)).toBe(2500);
  });

  it("the defaults are the ones the CLI and the load test print", () => {
    expect(DEFAULT_THINK_TIMES).toEqual(times);
  });
});
