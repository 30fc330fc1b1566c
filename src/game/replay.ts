/**
 * Replays a recorded game with the rules core: the same start state, the same actions at the
 * same times (start-game carrying the game's seed), the same question pool. Deterministic rules make the rebuilt
 * game identical; any difference in a round's scores is reported.
 */
import { isDeepStrictEqual } from "node:util";
import { isSeed } from "./rng.ts";
import { apply, type Action } from "./rules.ts";
import type { GameRecord } from "./record.ts";
import type { GameState, Question } from "./types.ts";

export interface ReplayReport {
  matches: boolean;
  rounds: { round: number; matches: boolean; expected: number[]; replayed: number[] }[];
  problems: string[];
  state: GameState;
}

export function replayGame(record: GameRecord, questionsById: ReadonlyMap<string, Question>): ReplayReport {
  let state = record.actionLog.initial;
  const problems: string[] = [];
  for (const [index, { at, action }] of record.actionLog.entries.entries()) {
    let input: Action;
    if (action.type === "start-game") {
      const missing = action.poolIds.filter((id) => !questionsById.has(id));
      if (missing.length) problems.push(`questions no longer in the pool: ${missing.slice(0, 5).join(", ")}`);
      // Games recorded before the ChaCha20 generator have a 32-bit seed and no seed in the log.
      if (!isSeed(action.seed)) {
        problems.push("the log has no 256-bit seed: the game was recorded by an older generator and cannot be replayed");
        break;
      }
      input = { type: "start-game", by: action.by, gameId: action.gameId, seed: action.seed, pool: action.poolIds.flatMap((id) => questionsById.get(id) ?? []) };
    } else {
      input = action;
    }
    const outcome = apply(state, input, { now: at });
    if (!outcome.ok) {
      problems.push(`action ${index} (${action.type}) was refused on replay: ${outcome.error.code}`);
      continue;
    }
    state = outcome.state;
  }
  const totals = (scores: { playerId: string; total: number }[]) => scores.map((s) => s.total);
  const rounds = record.snapshot.rounds.map((stored) => {
    const replayed = state.history.find((r) => r.round === stored.round);
    const expected = totals(stored.scores);
    const got = replayed ? totals(replayed.scores) : [];
    // Compared as values: a JSON column may hand keys back in another order.
    const same = !!replayed && isDeepStrictEqual(replayed.scores, stored.scores);
    return { round: stored.round, matches: same, expected, replayed: got };
  });
  if (state.history.length !== record.snapshot.rounds.length) {
    problems.push(`replay produced ${state.history.length} rounds, the record has ${record.snapshot.rounds.length}`);
  }
  if (state.phase !== "final") problems.push(`replay ended in ${state.phase}, not final`);
  const matches = problems.length === 0 && rounds.every((r) => r.matches);
  return { matches, rounds, problems, state };
}
