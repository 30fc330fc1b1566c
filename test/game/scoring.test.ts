import { describe, it, expect } from "vitest";
import fc from "fast-check";
import {
  applyRoundTotal,
  roundMultiplier,
  roundWinners,
  scoreRound,
  standings,
  winnersOf,
} from "../../src/game/scoring.ts";
import type { AnswerOption, PlayerRoundScore } from "../../src/game/types.ts";

function opt(id: string, source: AnswerOption["source"], authors: string[] = []): AnswerOption {
  return { id, text: id, key: id, source, authors, eliminated: false };
}

/** a1 truth, a2 robot, a3 by A, a4 by B, a5 merged by C and D. */
const OPTIONS = [opt("a1", "truth"), opt("a2", "robot"), opt("a3", "player", ["A"]), opt("a4", "player", ["B"]), opt("a5", "player", ["C", "D"])];
const PLAYERS = ["A", "B", "C", "D", "E"];

function rowOf(rows: PlayerRoundScore[], id: string): PlayerRoundScore {
  return rows.find((r) => r.playerId === id)!;
}

function row(playerId: string, c: number, r: number, v: number, f: number): PlayerRoundScore {
  return { playerId, correctAnswerPoints: c, robotIdentifiedPoints: r, votesReceivedPoints: v, fooledPenalty: f, total: c + r + v + f };
}

describe("§7 round multiplier", () => {
  it("§7 8-round: rounds 1–4 ×1, 5–7 ×2, 8 ×3", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((r) => roundMultiplier(r, 8))).toEqual([1, 1, 1, 1, 2, 2, 2, 3]);
  });

  it("§7 12-round: rounds 1–6 ×1, 7–11 ×2, 12 ×3", () => {
    expect(Array.from({ length: 12 }, (_, i) => roundMultiplier(i + 1, 12))).toEqual([1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3]);
  });
});

describe("§7 round scores", () => {
  it("§7 final vote for the truth is +1000", () => {
    const rows = scoreRound({ playerIds: PLAYERS, options: OPTIONS, eliminationVotes: {}, finalVotes: { E: "a1" }, multiplier: 1 });
    expect(rowOf(rows, "E")).toEqual(row("E", 1000, 0, 0, 0));
  });

  it("§7 elimination vote for the robot's answer is +500", () => {
    const rows = scoreRound({ playerIds: PLAYERS, options: OPTIONS, eliminationVotes: { E: "a2" }, finalVotes: {}, multiplier: 1 });
    expect(rowOf(rows, "E")).toEqual(row("E", 0, 500, 0, 0));
  });

  it("§7 robot spotted counts whether or not the robot's answer was eliminated", () => {
    const eliminatedRobot = OPTIONS.map((o) => (o.id === "a2" ? { ...o, eliminated: true } : o));
    for (const options of [OPTIONS, eliminatedRobot]) {
      const rows = scoreRound({ playerIds: PLAYERS, options, eliminationVotes: { A: "a2" }, finalVotes: {}, multiplier: 1 });
      expect(rowOf(rows, "A").robotIdentifiedPoints).toBe(500);
    }
  });

  it("§7 each other player whose final vote is your answer is +500", () => {
    const rows = scoreRound({ playerIds: PLAYERS, options: OPTIONS, eliminationVotes: {}, finalVotes: { B: "a3", C: "a3", E: "a3" }, multiplier: 1 });
    expect(rowOf(rows, "A")).toEqual(row("A", 0, 0, 1500, 0));
  });

  it("§7 merged answers share fool points: every co-author gets +500 per fooled player", () => {
    const rows = scoreRound({ playerIds: PLAYERS, options: OPTIONS, eliminationVotes: {}, finalVotes: { A: "a5", E: "a5" }, multiplier: 1 });
    expect(rowOf(rows, "C")).toEqual(row("C", 0, 0, 1000, 0));
    expect(rowOf(rows, "D")).toEqual(row("D", 0, 0, 1000, 0));
  });

  it("§7 final vote for the robot's answer is −500", () => {
    const rows = scoreRound({ playerIds: PLAYERS, options: OPTIONS, eliminationVotes: {}, finalVotes: { E: "a2" }, multiplier: 1 });
    expect(rowOf(rows, "E")).toEqual(row("E", 0, 0, 0, -500));
  });

  it("§7 every component is multiplied and the total is the sum of the four", () => {
    const input = { playerIds: PLAYERS, options: OPTIONS, eliminationVotes: { A: "a2", B: "a2" }, finalVotes: { A: "a1", B: "a2", C: "a3", D: "a3", E: "a4" } };
    const x3 = scoreRound({ ...input, multiplier: 3 });
    expect(rowOf(x3, "A")).toEqual(row("A", 3000, 1500, 3000, 0));
    expect(rowOf(x3, "B")).toEqual(row("B", 0, 1500, 1500, -1500));
    expect(rowOf(x3, "C")).toEqual(row("C", 0, 0, 0, 0));
    const x2 = scoreRound({ ...input, multiplier: 2 });
    expect(rowOf(x2, "B")).toEqual(row("B", 0, 1000, 1000, -1000));
  });

  it("§7 a player who did nothing scores 0 in every component", () => {
    const rows = scoreRound({ playerIds: PLAYERS, options: OPTIONS, eliminationVotes: {}, finalVotes: {}, multiplier: 2 });
    for (const id of PLAYERS) expect(rowOf(rows, id)).toEqual(row(id, 0, 0, 0, 0));
  });

  it("§7 a row per player, components multiples of 500×multiplier, total = sum (property)", () => {
    const ids = OPTIONS.map((o) => o.id);
    const votes = fc.dictionary(fc.constantFrom(...PLAYERS), fc.constantFrom(...ids));
    fc.assert(
      fc.property(votes, votes, fc.constantFrom(1, 2, 3), (eliminationVotes, finalVotes, multiplier) => {
        const rows = scoreRound({ playerIds: PLAYERS, options: OPTIONS, eliminationVotes, finalVotes, multiplier });
        expect(rows.map((r) => r.playerId)).toEqual(PLAYERS);
        for (const r of rows) {
          const parts = [r.correctAnswerPoints, r.robotIdentifiedPoints, r.votesReceivedPoints, r.fooledPenalty];
          expect(r.total).toBe(parts.reduce((a, b) => a + b, 0));
          for (const p of parts) expect(Math.abs(p) % (500 * multiplier)).toBe(0);
          expect(r.fooledPenalty).toBeLessThanOrEqual(0);
        }
      }),
    );
  });
});

describe("§7 scores never negative", () => {
  it("§7 a round total is added and the score floors at 0", () => {
    expect(applyRoundTotal(1000, 1500)).toBe(2500);
    expect(applyRoundTotal(1000, -500)).toBe(500);
    expect(applyRoundTotal(500, -1500)).toBe(0);
    expect(applyRoundTotal(0, -500)).toBe(0);
  });
});

describe("§7 round winners", () => {
  it("§7 the round is won by the highest round total, ties counting for all", () => {
    expect(roundWinners([row("A", 1000, 0, 0, 0), row("B", 0, 500, 500, 0), row("C", 0, 500, 0, 0)])).toEqual(["A", "B"]);
    expect(roundWinners([row("A", 1000, 500, 0, 0), row("B", 1000, 0, 0, 0)])).toEqual(["A"]);
  });

  it("§7 a round whose highest total is 0 or less is won by nobody", () => {
    expect(roundWinners([row("A", 0, 0, 0, 0), row("B", 0, 0, 0, 0)])).toEqual([]);
    expect(roundWinners([row("A", 0, 0, 0, -500), row("B", 0, 0, 0, -1000)])).toEqual([]);
  });
});

function ranked(id: string, score: number, truthsFound = 0, robotsSpotted = 0, joinOrder = 0) {
  return { id, name: id.toUpperCase(), score, truthsFound, robotsSpotted, timesFooled: 0, joinOrder };
}

describe("§7 standings", () => {
  it("§7 sort by score, then truths found, then robots spotted", () => {
    const rows = standings([
      ranked("a", 1000, 0, 5, 0),
      ranked("b", 2000, 0, 0, 1),
      ranked("c", 1000, 1, 0, 2),
      ranked("d", 1000, 0, 6, 3),
    ]);
    expect(rows.map((r) => [r.playerId, r.place])).toEqual([["b", 1], ["c", 2], ["d", 3], ["a", 4]]);
  });

  it("§7 players equal on all three share the place, and the next place skips (1, 1, 3)", () => {
    const rows = standings([ranked("a", 500, 1, 1, 0), ranked("b", 500, 1, 1, 1), ranked("c", 0, 0, 0, 2), ranked("d", 0, 0, 0, 3)]);
    expect(rows.map((r) => r.place)).toEqual([1, 1, 3, 3]);
  });

  it("§7 rows carry name, score and the three counters", () => {
    const [first] = standings([{ id: "x", name: "Xena", score: 1500, truthsFound: 2, robotsSpotted: 1, timesFooled: 3, joinOrder: 0 }]);
    expect(first).toEqual({ playerId: "x", name: "Xena", score: 1500, place: 1, truthsFound: 2, robotsSpotted: 1, timesFooled: 3 });
  });

  it("§7 every player in first place is a winner", () => {
    const rows = standings([ranked("a", 3000), ranked("b", 3000), ranked("c", 100)]);
    expect(winnersOf(rows).sort()).toEqual(["a", "b"]);
    expect(winnersOf(standings([ranked("a", 0), ranked("b", 0)])).sort()).toEqual(["a", "b"]);
  });

  it("§7 standings are sorted with shared places and winners are exactly place 1 (property)", () => {
    const player = fc.record({
      score: fc.integer({ min: 0, max: 4 }).map((n) => n * 500),
      truthsFound: fc.integer({ min: 0, max: 2 }),
      robotsSpotted: fc.integer({ min: 0, max: 2 }),
    });
    fc.assert(
      fc.property(fc.array(player, { minLength: 1, maxLength: 8 }), (ps) => {
        const rows = standings(ps.map((p, i) => ({ ...p, id: `p${i}`, name: `P${i}`, timesFooled: 0, joinOrder: i })));
        expect(rows).toHaveLength(ps.length);
        expect(rows[0]!.place).toBe(1);
        const keyOf = (r: (typeof rows)[number]) => [r.score, r.truthsFound, r.robotsSpotted];
        rows.forEach((r, i) => {
          if (i === 0) return;
          const prev = rows[i - 1]!;
          const [s0, t0, r0] = keyOf(prev);
          const [s1, t1, r1] = keyOf(r);
          const ordered = s0! > s1! || (s0 === s1 && (t0! > t1! || (t0 === t1 && r0! >= r1!)));
          expect(ordered).toBe(true);
          const equal = s0 === s1 && t0 === t1 && r0 === r1;
          expect(r.place).toBe(equal ? prev.place : i + 1);
        });
        expect(winnersOf(rows)).toEqual(rows.filter((r) => r.place === 1).map((r) => r.playerId));
      }),
    );
  });
});
