/**
 * Micro-benchmark of the rules core (issue #9): whole games replayed through `apply()`, in µs per
 * action, and the read-side helpers the room calls around each commit.
 *
 *   node loadtest/apply-bench.ts [--games 40] [--repeat 9] [--base /tmp/base-b2]
 *
 * Games: 8 players from the lobby to `final` on the real question pack, answers from the bots'
 * own fake-answer lists, random legal votes, a host that advances the results; refused actions
 * (a second answer, a vote in the wrong phase) are kept, because the room feeds those to
 * `apply()` too. Each game is played once with this checkout's rules and logged; the log is then
 * replayed through each `apply()` under test and every outcome must match the logged one.
 *
 * With `--base <checkout>` the same logs also go through that checkout's `apply()` (for example
 * `git worktree add /tmp/base e1e1c4a`, whose `apply()` deep-copied the whole state on every
 * action, with node_modules linked in), loaded into the same process; the two take turns game by
 * game, so machine noise hits both alike. Wall time and the thread's CPU time (the steadier one on
 * a shared machine), medians over `--repeat` repetitions, and the median of the per-repetition
 * base/this ratios. Only ratios from one run are comparable.
 *
 * Then, on this checkout only: the time per action type, and per state along the games
 * `privateView` + `progressOf` for 8 clients (the room's projection and private-view sync),
 * `containsProfanity` per answer, and `standings`, so that only what measurably matters gets
 * optimised. Run with NODE_ENV=production as the server is (mutative's production build).
 */
import os from "node:os";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { pickFakeAnswer } from "../bots/strategy.ts";
import { loadQuestionPack } from "../src/persistence/questionPack.ts";
import { apply, createGame, privateView, progressOf, type Action } from "../src/game/rules.ts";
import { standings } from "../src/game/scoring.ts";
import { containsProfanity, normalizeText } from "../src/game/text.ts";
import type { GameState, Question } from "../src/game/types.ts";

const { values } = parseArgs({
  options: {
    games: { type: "string", default: "40" },
    repeat: { type: "string", default: "9" },
    base: { type: "string" },
  },
});
const gameCount = Number(values.games);
const repeat = Number(values.repeat);

type Apply = typeof apply;
interface LoggedStep {
  at: number;
  action: Action;
  ok: boolean;
}
interface GameLog {
  code: string;
  steps: LoggedStep[];
}

/** A small seeded generator for the bench's choices (not the game's: that one is in the state). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ["Ada", "Bob", "Cy", "Dee", "Eve", "Fay", "Gus", "Hal"];
const ICONS = ["cat", "dog", "fox", "owl", "frog", "bear", "panda", "tiger"] as const;

/** Plays one 8-player game with this checkout's rules and logs every action with its outcome. */
function playGame(n: number, pool: readonly Question[]): GameLog {
  const random = mulberry32(n + 1);
  const code = "BNCH";
  let state = createGame({ code });
  let now = 1_780_000_000_000 + n * 10_000_000;
  const steps: LoggedStep[] = [];
  const step = (action: Action): boolean => {
    now += 50 + Math.floor(random() * 400);
    const outcome = apply(state, action, { now });
    steps.push({ at: now, action, ok: outcome.ok });
    if (outcome.ok) state = outcome.state;
    return outcome.ok;
  };
  const ids = NAMES.map((_, i) => `p${i}`);
  ids.forEach((id, i) => step({ type: "join", clientId: id, name: NAMES[i]!, icon: ICONS[i]!, creator: i === 0 }));
  const seed = (n + 1).toString(16).padStart(64, "0");
  step({ type: "start-game", by: ids[0]!, pool, gameId: `game-${n}`, seed });
  while (state.phase !== "final") {
    const round = state.current!;
    if (state.phase === "question") {
      for (const id of ids) {
        const tried = new Set<string>();
        for (let attempt = 0; attempt < 5; attempt++) {
          const answer = pickFakeAnswer(round.question.text, tried, random);
          tried.add(answer);
          if (step({ type: "submit-answer", by: id, answer })) break;
        }
      }
      // A late answer after the phase closed: refused, as bots' stragglers are.
      step({ type: "submit-answer", by: ids[0]!, answer: "too late" });
    } else if (state.phase === "elimination" || state.phase === "voting") {
      const phase = state.phase;
      for (const id of ids) {
        const choices = state.current!.options.filter((o) => !o.authors.includes(id) && !o.eliminated);
        const pick = choices[Math.floor(random() * choices.length)]!;
        step({ type: phase === "elimination" ? "submit-elimination-vote" : "submit-final-vote", by: id, optionId: pick.id });
      }
    } else if (state.phase === "results") {
      step({ type: "next-round", by: ids[1]! }); // not the host: refused
      step({ type: "next-round", by: ids[0]! });
    }
  }
  return { code, steps };
}

/** Replays a log through one `apply()`; every outcome must be the logged one. */
function replay(applyFn: Apply, log: GameLog, onState?: (s: GameState, action: Action) => void): void {
  let state = createGame({ code: log.code });
  for (const { at, action, ok } of log.steps) {
    const outcome = applyFn(state, action, { now: at });
    if (outcome.ok !== ok) throw new Error(`replay diverged at ${action.type}`);
    if (outcome.ok) state = outcome.state;
    onState?.(state, action);
  }
}

function median(xs: number[]): number {
  const sorted = xs.slice().sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const pool = await loadQuestionPack();
const logs = Array.from({ length: gameCount }, (_, i) => playGame(i, pool));
const actionCount = logs.reduce((a, l) => a + l.steps.length, 0);
const refused = logs.reduce((a, l) => a + l.steps.filter((s) => !s.ok).length, 0);

const candidates: { name: string; apply: Apply }[] = [];
if (values.base) {
  const baseRules = (await import(pathToFileURL(resolve(values.base, "src/game/rules.ts")).href)) as { apply: Apply };
  candidates.push({ name: `base (${values.base})`, apply: baseRules.apply });
}
candidates.push({ name: "this checkout", apply });

/** Thread CPU time in µs: other processes on a shared machine do not count against it. */
function cpuMicros(): number {
  const { user, system } = process.threadCpuUsage();
  return user + system;
}

for (const c of candidates) for (const log of logs) replay(c.apply, log); // warm-up: JIT, the profanity matcher
// Per repetition and implementation: [wall µs, CPU µs] summed over all games. The implementations
// take turns game by game, the first one alternating, so a slow moment hits both alike.
const totals = Array.from({ length: repeat }, () => candidates.map(() => [0, 0]));
for (let r = 0; r < repeat; r++) {
  logs.forEach((log, g) => {
    const order = (r + g) % 2 === 0 ? candidates.map((_, i) => i) : candidates.map((_, i) => candidates.length - 1 - i);
    for (const i of order) {
      const wall0 = process.hrtime.bigint();
      const cpu0 = cpuMicros();
      replay(candidates[i]!.apply, log);
      const sums = totals[r]![i]!;
      sums[1]! += cpuMicros() - cpu0;
      sums[0]! += Number(process.hrtime.bigint() - wall0) / 1000;
    }
  });
}

console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, NODE_ENV=${process.env.NODE_ENV ?? "(unset)"}, load ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
console.log(`${gameCount} games of 8 players, ${actionCount} actions (${refused} refused), ${repeat} repetitions; µs per action, medians\n`);
const perAction = (kind: 0 | 1, i: number) => totals.map((rep) => rep[i]![kind]! / actionCount);
candidates.forEach((c, i) => {
  const wall = perAction(0, i);
  const cpu = perAction(1, i);
  console.log(`apply()  ${c.name.padEnd(32)} wall ${median(wall).toFixed(2)} (${Math.min(...wall).toFixed(2)}–${Math.max(...wall).toFixed(2)})   CPU ${median(cpu).toFixed(2)} (${Math.min(...cpu).toFixed(2)}–${Math.max(...cpu).toFixed(2)})`);
});
if (candidates.length === 2) {
  // The ratio of each repetition, then their median: both sides of a ratio ran at the same moment.
  const ratios = (kind: 0 | 1) => totals.map((rep) => rep[0]![kind]! / rep[1]![kind]!);
  console.log(`ratio base / this checkout: wall ${median(ratios(0)).toFixed(1)}×, CPU ${median(ratios(1)).toFixed(1)}×`);
}

// ---------------------------------------------------------------- read side, this checkout only

// Where the time goes by action type (this checkout): median µs of one apply(), and its share.
const byType = new Map<string, number[]>();
for (let r = 0; r < 3; r++) {
  for (const log of logs) {
    let state = createGame({ code: log.code });
    for (const { at, action } of log.steps) {
      const t0 = process.hrtime.bigint();
      const outcome = apply(state, action, { now: at });
      const micros = Number(process.hrtime.bigint() - t0) / 1000;
      if (outcome.ok) state = outcome.state;
      const key = `${action.type}${outcome.ok ? "" : " (refused)"}`;
      byType.set(key, [...(byType.get(key) ?? []), micros]);
    }
  }
}
const typeTotal = [...byType.values()].reduce((a, xs) => a + xs.reduce((b, x) => b + x, 0), 0);
console.log("\nby action type (this checkout): median µs, share of the time");
for (const [type, xs] of [...byType].sort((a, b) => b[1].reduce((x, y) => x + y, 0) - a[1].reduce((x, y) => x + y, 0))) {
  const share = (100 * xs.reduce((a, b) => a + b, 0)) / typeTotal;
  console.log(`  ${type.padEnd(34)} ${median(xs).toFixed(1).padStart(7)} µs  ${share.toFixed(0).padStart(3)} %  (${xs.length / 3} per run)`);
}

const views: number[] = [];
const profanity: number[] = [];
const ranking: number[] = [];
for (const log of logs) {
  replay(apply, log, (s, action) => {
    let t0 = process.hrtime.bigint();
    for (const id of Object.keys(s.players)) {
      privateView(s, id);
      progressOf(s, id);
    }
    views.push(Number(process.hrtime.bigint() - t0) / 1000);
    if (action.type === "submit-answer") {
      const text = normalizeText(action.answer);
      t0 = process.hrtime.bigint();
      containsProfanity(text);
      profanity.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
    t0 = process.hrtime.bigint();
    standings(Object.values(s.players));
    ranking.push(Number(process.hrtime.bigint() - t0) / 1000);
  });
}
console.log(`\nprivateView + progressOf, 8 clients, per commit: median ${median(views).toFixed(2)} µs`);
console.log(`containsProfanity, per answer:                   median ${median(profanity).toFixed(2)} µs (${profanity.length} answers)`);
console.log(`standings of 8 players:                          median ${median(ranking).toFixed(2)} µs`);
