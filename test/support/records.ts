/**
 * Finished-game records made with the rules core alone (no server), for storage tests and
 * benchmarks. Each is a real game: the log replays to the same scores. `seed` numbers the game's
 * 256-bit test seed and varies the votes.
 */
import { randomUUID } from "node:crypto";
import { appendToLog, buildGameRecord, type ActionLog, type GameRecord } from "../../src/game/record.ts";
import { apply, createGame, type Action } from "../../src/game/rules.ts";
import type { GameState, Question } from "../../src/game/types.ts";

/** A fixed 256-bit seed (64 hex digits) numbered by `n`; no vitest import, so benchmarks can use it. */
export function recordSeed(n: number): string {
  return n.toString(16).padStart(64, "0");
}

export function makeRecord(pool: readonly Question[], options: { seed?: number; names?: string[]; code?: string; startAt?: number } = {}): GameRecord {
  const names = options.names ?? ["Ada", "Bob", "Cy"];
  let now = options.startAt ?? 1_780_000_000_000;
  let state: GameState = createGame({ code: options.code ?? "BCDF" });
  let log: ActionLog | null = null;
  const step = (action: Action) => {
    now += 1_000;
    const before = state;
    const outcome = apply(state, action, { now });
    if (!outcome.ok) throw new Error(`${action.type}: ${outcome.error.code} ${outcome.error.message}`);
    state = outcome.state;
    log = appendToLog(log, before, action, now);
  };
  const ids = names.map((_, i) => `p${i}`);
  names.forEach((name, i) => step({ type: "join", clientId: ids[i]!, name, icon: "cat", creator: i === 0 }));
  step({ type: "start-game", by: ids[0]!, pool, gameId: randomUUID(), seed: recordSeed(options.seed ?? 7) });
  let turn = 0;
  while (state.phase !== "final") {
    const round = state.current!;
    if (state.phase === "question") {
      ids.forEach((id, i) => step({ type: "submit-answer", by: id, answer: `fake ${state.round} ${i}` }));
    } else if (state.phase === "elimination" || state.phase === "voting") {
      for (const id of ids) {
        const choices = round.options.filter((o) => !o.authors.includes(id) && !o.eliminated);
        const pick = choices[(turn++ * 7 + (options.seed ?? 7)) % choices.length]!;
        step({ type: state.phase === "elimination" ? "submit-elimination-vote" : "submit-final-vote", by: id, optionId: pick.id });
      }
    } else if (state.phase === "results") {
      step({ type: "next-round", by: ids[0]! });
    }
  }
  return buildGameRecord(state, log!);
}
