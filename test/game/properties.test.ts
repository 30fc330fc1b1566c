/**
 * Property tests: random games played to the end with random (often invalid) answers, votes,
 * skips, timeouts, drops, kicks and audience votes. After every action and at the end the
 * invariants of GAME.md §3, §4, §6 and §7 must hold.
 */
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { apply, createGame, type Action, type Outcome } from "../../src/game/rules.ts";
import type { GameState, Mode, Phase } from "../../src/game/types.ts";
import { MODES } from "../../src/protocol.ts";
import { ICON_CYCLE, NAMES, pid, pool, T0, Table, testSeed } from "./helpers.ts";

/** GAME.md §3 (plus §9 play-again: final → lobby). */
const LEGAL: Record<Phase, Phase[]> = {
  lobby: ["question"],
  question: ["elimination"],
  elimination: ["voting"],
  voting: ["results"],
  results: ["question", "final"],
  final: ["lobby"],
};

const TIMED: Phase[] = ["question", "elimination", "voting", "results"];

interface Config {
  seed: number;
  players: number;
  hostPlays: boolean;
  mode: Mode;
  familyFriendly: boolean;
}

interface Step {
  kind: number;
  who: number;
  what: number;
}

const configArb: fc.Arbitrary<Config> = fc.record({
  seed: fc.integer({ min: 0, max: 0xffffffff }),
  players: fc.integer({ min: 2, max: 8 }),
  hostPlays: fc.boolean(),
  mode: fc.constantFrom(...MODES),
  familyFriendly: fc.boolean(),
});

const stepArb: fc.Arbitrary<Step> = fc.record({
  kind: fc.nat(99),
  who: fc.nat(31),
  what: fc.nat(31),
});

class Violation extends Error {}

/** Freezes a state and everything it holds; parts shared with an earlier, frozen state are skipped. */
function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
  return value;
}

function check(cond: boolean, message: string): void {
  if (!cond) throw new Violation(message);
}

/** Invariants that hold after every accepted action. */
function checkState(prev: GameState, next: GameState): void {
  if (prev.phase !== next.phase) {
    check(LEGAL[prev.phase].includes(next.phase), `§3 illegal transition ${prev.phase} → ${next.phase}`);
  }
  for (const p of Object.values(next.players)) check(p.score >= 0, `§7 negative score ${p.id}=${p.score}`);
  if (TIMED.includes(next.phase)) {
    check(next.paused ? next.deadline === 0 : next.deadline > 0, `§3 timed phase ${next.phase} without a deadline (paused=${next.paused})`);
    const anyone = Object.values(next.players).some((p) => p.connected && !p.gone);
    check(next.paused === !anyone, `§3 paused=${next.paused} while a player connected=${anyone}`);
  } else {
    check(next.deadline === 0, `§3 ${next.phase} has a deadline`);
  }
  const round = next.current;
  if (round) {
    const eliminated = new Set(round.options.filter((o) => o.eliminated).map((o) => o.id));
    check(eliminated.size <= 1, "§6 at most one option eliminated");
    for (const [voter, optionId] of Object.entries(round.finalVotes)) {
      check(!eliminated.has(optionId), `§6 final vote for eliminated ${optionId}`);
      check(!round.options.find((o) => o.id === optionId)?.authors.includes(voter), `§6 ${voter} voted own answer`);
      check(!next.audience[voter], `§2 audience ${voter} in finalVotes`);
    }
    for (const [voter, optionId] of Object.entries(round.eliminationVotes)) {
      check(!!round.options.find((o) => o.id === optionId), `§5 elimination vote for a missing option ${optionId}`);
      check(!round.options.find((o) => o.id === optionId)?.authors.includes(voter), `§6 ${voter} eliminated own answer`);
    }
    const keys = round.options.filter((o) => o.source === "player").map((o) => o.key);
    check(new Set(keys).size === keys.length, "§5 two options share a key (not merged)");
  }
}

/** The end-of-game invariants of §3, §4, §7. */
function checkFinal(s: GameState): void {
  check(s.phase === "final", `game did not reach final: ${s.phase}`);
  check(s.history.length === s.totalRounds, `§3 ${s.history.length} results for ${s.totalRounds} rounds`);
  const expectedMultiplierSum = s.totalRounds === 8 ? 13 : 19;
  check(s.history.reduce((a, r) => a + r.multiplier, 0) === expectedMultiplierSum, "§7 multiplier sum");
  s.history.forEach((r, i) => {
    check(r.round === i + 1, "§3 rounds in order");
    const m = r.round === s.totalRounds ? 3 : r.round <= s.totalRounds / 2 ? 1 : 2;
    check(r.multiplier === m, `§7 round ${r.round} multiplier ${r.multiplier}, expected ${m}`);
    for (const row of r.scores) {
      const parts = [row.correctAnswerPoints, row.robotIdentifiedPoints, row.votesReceivedPoints, row.fooledPenalty];
      check(row.total === parts[0]! + parts[1]! + parts[2]! + parts[3]!, "§7 total is the sum of the four components");
      for (const part of parts) check(part % (500 * r.multiplier) === 0, `§7 component ${part} not a multiple of ${500 * r.multiplier}`);
      check(row.fooledPenalty <= 0 && row.correctAnswerPoints >= 0, "§7 signs");
      check(row.correctAnswerPoints === (r.finalVotes[row.playerId] === r.truthId ? 1000 * r.multiplier : 0), "§7 truth points");
      check(row.fooledPenalty === (r.finalVotes[row.playerId] === r.robotId ? -500 * r.multiplier : 0), "§7 robot penalty");
      check(row.robotIdentifiedPoints === (r.eliminationVotes[row.playerId] === r.robotId ? 500 * r.multiplier : 0), "§7 robot spotted");
    }
    if (r.eliminatedId !== null) {
      check(!Object.values(r.finalVotes).includes(r.eliminatedId), "§6 an eliminated option received a final vote");
    }
    const best = Math.max(...r.scores.map((x) => x.total));
    const expectedWinners = best > 0 ? r.scores.filter((x) => x.total === best).map((x) => x.playerId) : [];
    check(JSON.stringify([...r.winners].sort()) === JSON.stringify(expectedWinners.sort()), "§7 round winners");
  });
  const questionIds = s.history.map((r) => r.questionId);
  check(new Set(questionIds).size === questionIds.length, "§4 a question repeated within a game");

  for (const p of Object.values(s.players)) {
    const rows = s.history.map((r) => r.scores.find((x) => x.playerId === p.id)).filter((x) => x !== undefined);
    const replayed = rows.reduce((score, row) => Math.max(0, score + row.total), 0);
    check(p.score === replayed, `§7 ${p.id} score ${p.score} ≠ max(0, …) replay ${replayed}`);
    const truths = s.history.filter((r) => r.finalVotes[p.id] === r.truthId).length;
    const robots = s.history.filter((r) => r.eliminationVotes[p.id] === r.robotId).length;
    const fooled = s.history.filter((r) => r.finalVotes[p.id] === r.robotId).length;
    check(p.truthsFound === truths && p.robotsSpotted === robots && p.timesFooled === fooled, `§7 counters of ${p.id}`);
    check(p.roundsWon === s.history.filter((r) => r.winners.includes(p.id)).length, `§12 rounds won of ${p.id}`);
  }

  const rows = s.standings;
  check(rows.length === Object.keys(s.players).length, "§7 one standings row per player");
  rows.forEach((row, i) => {
    if (i === 0) return check(row.place === 1, "§7 first place is 1");
    const prev = rows[i - 1]!;
    const cmp = prev.score - row.score || prev.truthsFound - row.truthsFound || prev.robotsSpotted - row.robotsSpotted;
    check(cmp >= 0, "§7 standings sorted by score, truths, robots");
    check(row.place === (cmp === 0 ? prev.place : i + 1), `§7 place ${row.place} at index ${i}`);
  });
  check(JSON.stringify([...s.winners].sort()) === JSON.stringify(rows.filter((r) => r.place === 1).map((r) => r.playerId).sort()), "§7 winners = all with place 1");
}

/** Sees every action of a random game with the state it was applied to and its outcome. */
type Observer = (before: GameState, action: Action, out: Outcome) => void;

/** Plays one random game and returns its final state; throws Violation on a broken invariant. */
function playRandomGame(cfg: Config, steps: readonly Step[], observe?: Observer): GameState {
  let now = T0;
  let s = createGame({ code: "BCDF" });
  const questionPool = pool(40);
  const audience: string[] = [];

  const run = (action: Action, mustSucceed = false): boolean => {
    const before = JSON.stringify(s);
    const out = apply(s, action, { now });
    observe?.(s, action, out);
    if (!out.ok) {
      check(!mustSucceed, `${action.type} refused: ${out.error.code} ${out.error.message}`);
      check(JSON.stringify(s) === before, `§9 refused ${action.type} changed the state`);
      return false;
    }
    checkState(s, out.state);
    s = out.state;
    return true;
  };

  if (!cfg.hostPlays) run({ type: "join", clientId: "host", creator: true, hostPlays: false, mode: cfg.mode }, true);
  for (let i = 1; i <= cfg.players; i++) {
    run({ type: "join", clientId: pid(i), name: NAMES[i - 1]!, icon: ICON_CYCLE[i - 1]!, mode: cfg.mode, creator: i === 1 && cfg.hostPlays }, true);
    now += 50;
  }
  run({ type: "update-settings", by: s.hostId, settings: { familyFriendly: cfg.familyFriendly } }, true);
  run({ type: "start-game", by: s.hostId, pool: questionPool, gameId: "g", seed: testSeed(cfg.seed) }, true);

  const ids = Array.from({ length: cfg.players }, (_, i) => pid(i + 1));
  const seated = () => ids.filter((id) => s.players[id] && !s.players[id]!.gone);
  const pick = <T>(xs: readonly T[], n: number): T | undefined => (xs.length ? xs[n % xs.length] : undefined);

  for (const { kind, who, what } of steps) {
    now += 100;
    if (s.phase === "final") break;
    const player = pick(ids, who)!;
    const q = s.current?.question;
    const answers = [q?.correctAnswer ?? "x", q?.robotAnswer ?? "y", "Fake one", "fake ONE!", "Fake two", "the fake three", "damn shit", "", "??", "z".repeat(101), `Answer ${what}`];
    // Mostly ids on the table (some eliminated or censored), sometimes one that never existed.
    const tableIds = (s.current?.options ?? []).map((o) => o.id);
    const optionId = what % 8 === 7 || tableIds.length === 0 ? `a${what + 1}` : pick(tableIds, who + what)!;
    if (kind < 22) run({ type: "submit-answer", by: player, answer: pick(answers, what)! });
    else if (kind < 40) run({ type: "submit-elimination-vote", by: player, optionId });
    else if (kind < 58) run({ type: "submit-final-vote", by: pick([...ids, ...audience], who)!, optionId });
    else if (kind < 64) run({ type: "skip-phase", by: what % 5 === 0 ? player : s.hostId });
    else if (kind < 70) run({ type: "next-round", by: what % 5 === 0 ? player : s.hostId });
    else if (kind < 76) {
      if (s.deadline > 0 && what % 2 === 0) now = Math.max(now, s.deadline);
      run({ type: "timeout" });
    } else if (kind < 81) run({ type: "drop", clientId: player });
    else if (kind < 87) run({ type: "reconnect", clientId: player });
    else if (kind < 89) run({ type: "censor-answer", by: s.hostId, optionId });
    else if (kind < 92) {
      const id = `aud${audience.length + 1}`;
      if (run({ type: "join", clientId: id, name: `Fan ${audience.length + 1}`, icon: "ghost", audience: true })) audience.push(id);
    } else if (kind < 94) {
      if (player !== s.hostId && seated().length > 2) run({ type: "kick-player", by: s.hostId, playerId: player });
    } else if (kind < 96) {
      // Leaving for good (reconnection window over); keep two seated players so the game has a host.
      if (seated().length > 2) run({ type: "leave", clientId: player });
    } else if (kind < 98) now += what * 1000;
    else run({ type: "join", clientId: `late${what}`, name: `Late ${what}`, icon: "frog" });
  }

  // Finish: the host skips and advances until final.
  for (let guard = 0; s.phase !== "final"; guard++) {
    check(guard < 200, "game did not finish");
    now += 100;
    if (s.phase === "results") run({ type: "next-round", by: s.hostId }, true);
    else run({ type: "skip-phase", by: s.hostId }, true);
  }
  checkFinal(s);
  return s;
}

describe("properties of random games", () => {
  it("§3 §6 §7 random games keep every invariant and end in a valid final state", () => {
    fc.assert(
      fc.property(configArb, fc.array(stepArb, { minLength: 100, maxLength: 400, size: "max" }), (cfg, steps) => {
        playRandomGame(cfg, steps);
      }),
      { numRuns: 80 },
    );
  });

  it("§6 deterministic: the same seed and the same actions give the same final state", () => {
    fc.assert(
      fc.property(configArb, fc.array(stepArb, { minLength: 50, maxLength: 300, size: "max" }), (cfg, steps) => {
        const a = playRandomGame(cfg, steps);
        const b = playRandomGame(cfg, steps);
        expect(b).toEqual(a);
      }),
      { numRuns: 20 },
    );
  });

  // Issue #9: apply() shares the unchanged parts of a state instead of deep-copying it. Every state
  // of a game is deep-frozen as soon as it exists (a write to it then throws) and its JSON kept, so
  // no later action, accepted or refused, may change any earlier state, shared parts included.
  it("§9 no action, accepted or refused, changes an earlier state; an accepted one shares what it left alone", () => {
    fc.assert(
      fc.property(configArb, fc.array(stepArb, { minLength: 50, maxLength: 300, size: "max" }), (cfg, steps) => {
        const seen: { state: GameState; json: string }[] = [];
        const observe: Observer = (before, action, out) => {
          if (seen.length === 0) seen.push({ state: deepFreeze(before), json: JSON.stringify(before) });
          // A refusal hands nothing back: the caller goes on with the (frozen) state it passed in.
          if (!out.ok) return;
          // Events leave the room as messages: plain data, no draft (a revoked proxy cannot be cloned).
          expect(structuredClone(out.events)).toEqual(JSON.parse(JSON.stringify(out.events)));
          // Stale timeouts, repeated reconnects: accepted, nothing changed, the same object back.
          if (out.state === before) return;
          // Shared structure: a part of the state whose content did not change is the same object
          // (a start-game may still replace an empty list by a fresh empty one).
          for (const key of ["settings", "players", "questions", "history", "kickedNames", "kickedIds"] as const) {
            const part: object = before[key];
            const empty = Object.keys(part).length === 0;
            if (!empty && JSON.stringify(out.state[key]) === JSON.stringify(part)) {
              check(out.state[key] === part, `${action.type} copied the unchanged ${key}`);
            }
          }
          seen.push({ state: deepFreeze(out.state), json: JSON.stringify(out.state) });
        };
        playRandomGame(cfg, steps, observe);
        for (const [i, { state, json }] of seen.entries()) check(JSON.stringify(state) === json, `state ${i} changed after it was returned`);
      }),
      { numRuns: 40 },
    );
  });

  it("§9 an accepted action that changes nothing returns the very state it was given", () => {
    const t = Table.started({ players: 3 });
    const before = t.state;
    const stale = apply(before, { type: "timeout" }, { now: t.now });
    const again = apply(before, { type: "reconnect", clientId: pid(2) }, { now: t.now });
    expect(stale.ok && stale.state).toBe(before);
    expect(again.ok && again.state).toBe(before);
  });

  it("§7 the multipliers of a game sum to 13 for 8 rounds and 19 for 12 rounds", () => {
    for (const [mode, sum] of [["8-round", 13], ["12-round", 19]] as const) {
      const s = playRandomGame({ seed: 1, players: 2, hostPlays: true, mode, familyFriendly: true }, []);
      expect(s.history.map((r) => r.multiplier).reduce((a, b) => a + b, 0)).toBe(sum);
    }
  });

  it("§4 no duplicate question within a game, for any seed and pool with repeated entries", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 12, max: 30 }), (seed, size) => {
        const base = pool(size);
        const withDuplicates = [...base, ...base.slice(0, 5)];
        let s = createGame({ code: "BCDF" });
        for (const action of [
          { type: "join", clientId: "p1", name: "Ann", icon: "cat", mode: "12-round", creator: true },
          { type: "join", clientId: "p2", name: "Bob", icon: "dog" },
          { type: "start-game", by: "p1", pool: withDuplicates, gameId: "g", seed: testSeed(seed) },
        ] as const) {
          const out = apply(s, action, { now: T0 });
          if (!out.ok) throw new Error(out.error.message);
          s = out.state;
        }
        const ids = s.questions.map((q) => q.id);
        expect(ids).toHaveLength(12);
        expect(new Set(ids).size).toBe(12);
      }),
    );
  });
});
