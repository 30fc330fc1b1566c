/**
 * Before and between games (GAME.md §3, §4, §9): the host's settings, starting a game, and
 * play-again back to the lobby. Role and phase were checked by the gate in rules.ts.
 */
import { ErrorCode, gameError, type GameError } from "./errors.ts";
import { enter } from "./phases.ts";
import { drawQuestions } from "./questions.ts";
import { Rng, startRng } from "./rng.ts";
import { startRound } from "./round.ts";
import type { SettingsUpdate } from "../protocol.ts";
import type { Ctx, GameEvent } from "./rules.ts";
import { MIN_PLAYERS, ROUNDS_BY_MODE, type TimerName } from "./settings.ts";
import type { GameState, Mode, Question } from "./types.ts";
import { seatedPlayers } from "./views.ts";

/** What `update-settings` may change (GAME.md §9): the wire payload, bounds checked by its schema. */
export type SettingsPatch = SettingsUpdate;

/** Applies an already validated patch: a refused update never gets here, so it changes nothing. */
export function updateSettings(s: GameState, patch: SettingsPatch): GameError | undefined {
  if (patch.mode) setMode(s, patch.mode);
  for (const [timer, seconds] of Object.entries(patch.timers ?? {})) {
    s.settings[`${timer as TimerName}Seconds`] = seconds;
  }
  if (patch.extendedTimers !== undefined) s.settings.extendedTimers = patch.extendedTimers;
  if (patch.familyFriendly !== undefined) s.settings.familyFriendly = patch.familyFriendly;
  return undefined;
}

/** The mode and its number of rounds (GAME.md §4). */
export function setMode(s: GameState, mode: Mode): void {
  s.mode = mode;
  s.totalRounds = ROUNDS_BY_MODE[mode];
}

export function startGame(s: GameState, pool: readonly Question[], gameId: string, seed: string, ctx: Ctx, ev: GameEvent[]): GameError | undefined {
  const ready = seatedPlayers(s).filter((p) => p.connected);
  if (ready.length < MIN_PLAYERS) {
    return gameError(ErrorCode.NotEnoughPlayers, `a game needs at least ${MIN_PLAYERS} connected players`);
  }
  // A fresh stream per game: nothing drawn in an earlier game tells anything about this one.
  const rng = new Rng(startRng(seed));
  const questions = drawQuestions(pool, s.usedQuestionIds, s.totalRounds, rng);
  if (questions.length < s.totalRounds) {
    return gameError(ErrorCode.BadRequest, `the question pool holds only ${questions.length} usable questions`);
  }
  s.rng = rng.state;
  s.questions = questions;
  s.usedQuestionIds = [...new Set([...s.usedQuestionIds, ...questions.map((q) => q.id)])];
  s.gameId = gameId;
  s.startedAt = ctx.now;
  s.completedAt = 0;
  s.history = [];
  s.standings = [];
  s.winners = [];
  startRound(s, ctx, ev);
  return undefined;
}

/** Back to the lobby with the same players, scores reset and the bans lifted (GAME.md §2, §9). */
export function playAgain(s: GameState): GameError | undefined {
  enter(s, "lobby", 0);
  for (const player of Object.values(s.players)) {
    if (player.gone) {
      delete s.players[player.id];
      continue;
    }
    Object.assign(player, { score: 0, truthsFound: 0, robotsSpotted: 0, timesFooled: 0, roundsWon: 0 });
  }
  s.round = 0;
  s.current = null;
  s.questions = [];
  s.history = [];
  s.standings = [];
  s.winners = [];
  s.gameId = null;
  s.rng = null;
  s.startedAt = 0;
  s.completedAt = 0;
  s.kickedNames = [];
  s.kickedIds = [];
  return undefined;
}
