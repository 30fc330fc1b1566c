/**
 * Small drivers for the rules core: a question pool, and a `Table` that feeds actions to
 * `apply` with a controllable clock so rule tests stay a few lines long.
 */
import { expect } from "vitest";
import { apply, createGame, type Action, type GameEvent, type Outcome } from "../../src/game/rules.ts";
import type { ErrorCode } from "../../src/game/errors.ts";
import type { AnswerOption, GameState, Icon, Mode, Question } from "../../src/game/types.ts";

export const T0 = 1_700_000_000_000;

/** A playable question whose truth and robot answer are easy to name in a test. */
export function question(n: number, overrides: Partial<Question> = {}): Question {
  return {
    id: `q${n}`,
    text: `Question number ${n}?`,
    type: "text",
    imageUrl: null,
    correctAnswer: `True answer ${n}`,
    robotAnswer: `Robot answer ${n}`,
    difficulty: 1,
    roundNumber: null,
    ...overrides,
  };
}

export function pool(size = 30): Question[] {
  return Array.from({ length: size }, (_, i) => question(i + 1));
}

export const NAMES = ["Ann", "Bob", "Cy", "Dee", "Eve", "Fay", "Gus", "Hal", "Ivy", "Jo"];
export const ICON_CYCLE: Icon[] = ["cat", "dog", "fox", "owl", "frog", "bear", "panda", "tiger", "lion", "robot"];

/** Player ids used by `Table.withPlayers`: p1 (the host when it plays), p2, … */
export const pid = (i: number) => `p${i}`;

/**
 * A fixed 256-bit seed for tests, told apart by small numbers: `game` keeps the seeds of a room's
 * successive games distinct, as the room's fresh random seeds are.
 */
export function testSeed(n: number, game = 0): string {
  return n.toString(16).padStart(56, "0") + game.toString(16).padStart(8, "0");
}

/** A start-game without a seed: the Table adds one, as the room does. */
type StartWithoutSeed = Omit<Extract<Action, { type: "start-game" }>, "seed"> & { seed?: string };
/** What a Table accepts: any action, start-game with or without its seed. */
export type TableAction = Exclude<Action, { type: "start-game" }> | StartWithoutSeed;

export interface TableOptions {
  /** Numbers the seeds of this table's games (see `testSeed`). */
  seed?: number;
  players?: number;
  hostPlays?: boolean;
  mode?: Mode;
  pool?: Question[];
}

/**
 * One room's state plus a clock. `act` applies an action that must succeed; `refuse` one that must
 * fail with the given code and checks the state did not change.
 */
export class Table {
  state: GameState;
  now = T0;
  events: GameEvent[] = [];
  pool: Question[];
  readonly seed: number;
  gamesStarted = 0;

  constructor(opts: TableOptions = {}) {
    this.state = createGame({ code: "KXQT" });
    this.seed = opts.seed ?? 42;
    this.pool = opts.pool ?? pool();
  }

  /** The action with a seed: each start-game of this table gets the next game's test seed. */
  #withSeed(action: TableAction): Action {
    if (action.type !== "start-game") return action;
    return { ...action, seed: action.seed ?? testSeed(this.seed, this.gamesStarted) };
  }

  /** A lobby with a display host `host` (when hostPlays is false) and `players` players p1…pn. */
  static withPlayers(opts: TableOptions = {}): Table {
    const t = new Table(opts);
    const n = opts.players ?? 3;
    if (opts.hostPlays === false) {
      t.act({ type: "join", clientId: "host", creator: true, hostPlays: false, ...(opts.mode ? { mode: opts.mode } : {}) });
    }
    for (let i = 1; i <= n; i++) {
      const creating = i === 1 && opts.hostPlays !== false;
      t.act({
        type: "join",
        clientId: pid(i),
        name: NAMES[i - 1]!,
        icon: ICON_CYCLE[i - 1]!,
        ...(creating ? { creator: true, ...(opts.mode ? { mode: opts.mode } : {}) } : {}),
      });
      t.tick(10);
    }
    return t;
  }

  /** A game already in round 1's question phase. */
  static started(opts: TableOptions = {}): Table {
    const t = Table.withPlayers(opts);
    t.act({ type: "start-game", by: t.state.hostId, pool: t.pool, gameId: "game-1" });
    return t;
  }

  get host(): string {
    return this.state.hostId;
  }

  get phase() {
    return this.state.phase;
  }

  tick(ms: number): void {
    this.now += ms;
  }

  try(action: TableAction): Outcome {
    return apply(this.state, this.#withSeed(action), { now: this.now });
  }

  act(action: TableAction): GameEvent[] {
    const out = this.try(action);
    if (!out.ok) throw new Error(`${action.type} refused: ${out.error.code} ${out.error.message}`);
    if (action.type === "start-game") this.gamesStarted++;
    this.state = out.state;
    this.events = out.events;
    return out.events;
  }

  refuse(action: TableAction, code: ErrorCode): void {
    const before = structuredClone(this.state);
    const out = this.try(action);
    expect(out.ok, `${action.type} should be refused with ${code}`).toBe(false);
    if (!out.ok) expect(out.error.code).toBe(code);
    expect(this.state).toEqual(before);
  }

  answer(by: string, answer: string): void {
    this.act({ type: "submit-answer", by, answer });
  }

  eliminate(by: string, optionId: string): void {
    this.act({ type: "submit-elimination-vote", by, optionId });
  }

  vote(by: string, optionId: string): void {
    this.act({ type: "submit-final-vote", by, optionId });
  }

  skip(): void {
    this.act({ type: "skip-phase", by: this.host });
  }

  next(): void {
    this.act({ type: "next-round", by: this.host });
  }

  get options(): AnswerOption[] {
    return this.state.current?.options ?? [];
  }

  get truthId(): string {
    return this.options.find((o) => o.source === "truth")!.id;
  }

  get robotId(): string {
    return this.options.find((o) => o.source === "robot")!.id;
  }

  /** The option id a player authored this round. */
  optionOf(playerId: string): string {
    return this.options.find((o) => o.authors.includes(playerId))!.id;
  }

  /** Every connected player answers `<name> fake <round>`; the phase moves to elimination. */
  answerAll(): void {
    for (const p of Object.values(this.state.players)) {
      if (p.connected && !p.gone) this.answer(p.id, `${p.name} fake ${this.state.round}`);
    }
  }

  /** Plays a round where nobody votes, from question to results. */
  playSilentRound(): void {
    this.answerAll();
    this.skip();
    this.skip();
  }

  /** The first event of `type` the last action produced, typed by the protocol's event map. */
  lastEvent<K extends GameEvent["type"]>(type: K): Extract<GameEvent, { type: K }> | undefined {
    return this.events.find((e): e is Extract<GameEvent, { type: K }> => e.type === type);
  }
}
