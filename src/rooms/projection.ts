/**
 * The one place where the rules' state becomes the synchronised schema (GAME.md §10). Public
 * data is copied to the shared tree: option sources, authors and votes never reach it, so no
 * client can decode them from a patch (GAME.md §8). The one exception is each player row's `own`
 * child, the rules' private view of that player, which the schema tags for views and the room
 * shows to the row's owner alone. Values are written only when they change, so a patch carries
 * only what moved.
 *
 * The rules never change a committed state in place: an action returns new objects for what it
 * changed and keeps the others. So a part of the view whose inputs are the very objects it was
 * last projected from is already up to date, and is skipped (issue #9: this runs on every action).
 */
import { OptionState, PartyState, PlayerState, type OwnState } from "../../schema/PartyState.ts";
import { privateView, progressOf, publicQuestion } from "../game/views.ts";
import type { GameState } from "../game/types.ts";

function assign<T extends object>(target: T, values: Partial<T>): void {
  for (const key of Object.keys(values) as (keyof T)[]) {
    if (target[key] !== values[key]) target[key] = values[key] as T[keyof T];
  }
}

/** The state each view was last brought up to date with. */
const projectedFrom = new WeakMap<PartyState, GameState>();

/**
 * Brings `view` up to date with `game`. Options and every player's `own` ids are written in this
 * one pass, so a client receives its own option ids in the same patch as the options they name.
 */
export function project(game: GameState, view: PartyState): void {
  const last = projectedFrom.get(view);
  projectedFrom.set(view, game);
  if (last === game) return;
  assign(view, {
    code: game.code,
    phase: game.phase,
    round: game.round,
    totalRounds: game.totalRounds,
    mode: game.mode,
    hostId: game.hostId,
    deadline: game.deadline,
    paused: game.paused,
    audienceCount: last?.audience === game.audience ? view.audienceCount : Object.values(game.audience).filter((m) => m.connected).length,
  });
  if (last?.settings !== game.settings) assign(view.settings, { ...game.settings });
  // Each part below is redone only when one of its inputs changed. An answer or a vote (most
  // actions) changes the round's answers or votes: the rows are redone, the `own` views only for
  // a vote, and the question and the options stay as they are.
  const was = last?.current;
  const now = game.current;
  const samePhase = last !== undefined && last.phase === game.phase;
  const sameBoard = samePhase && was?.options === now?.options && was?.question === now?.question;
  const sameVotes = was?.eliminationVotes === now?.eliminationVotes && was?.finalVotes === now?.finalVotes && was?.audienceVotes === now?.audienceVotes;
  const sameRows = samePhase && last.players === game.players && last.hostId === game.hostId && was?.answers === now?.answers && sameVotes;
  // An `own` view is made of the board and the votes.
  const sameOwn = sameBoard && sameVotes;
  if (sameRows && sameOwn) return;

  // Options are public from `elimination` on; before that there is nothing to call one's own.
  const options = game.phase === "question" || game.phase === "lobby" ? [] : now?.options ?? [];
  projectRows(game, view, sameOwn ? undefined : new Set(options.map((o) => o.id)));
  if (sameBoard) return;

  const question = now && game.phase !== "lobby" ? publicQuestion(now.question) : { id: "", text: "", type: "", imageUrl: "" };
  assign(view.question, question);

  const shownOptions = view.options;
  const sameIds = shownOptions.length === options.length && options.every((o, i) => shownOptions.at(i)!.id === o.id);
  if (!sameIds) {
    shownOptions.clear();
    for (const o of options) shownOptions.push(new OptionState({ id: o.id, text: o.text, eliminated: o.eliminated }));
  } else {
    options.forEach((o, i) => assign(shownOptions.at(i)!, { eliminated: o.eliminated }));
  }
}

/**
 * The player rows, and each row's `own` view unless `shown` is undefined (the board and the
 * votes, all an `own` view is made of, did not change).
 */
function projectRows(game: GameState, view: PartyState, shown: ReadonlySet<string> | undefined): void {
  for (const id of [...view.players.keys()]) {
    if (!game.players[id]) view.players.delete(id);
  }
  for (const player of Object.values(game.players)) {
    let row = view.players.get(player.id);
    const added = !row;
    if (!row) {
      row = new PlayerState();
      view.players.set(player.id, row);
    }
    assign(row, {
      id: player.id,
      name: player.name,
      icon: player.icon,
      score: player.score,
      connected: player.connected,
      isHost: player.id === game.hostId,
      ...progressOf(game, player.id),
    });
    // A new row's `own` starts empty; it is filled even when nothing else changed.
    if (shown || added) projectOwn(game, player.id, shown ?? shownOptionIds(game), row.own);
  }
}

function shownOptionIds(game: GameState): ReadonlySet<string> {
  const options = game.phase === "question" || game.phase === "lobby" ? [] : game.current?.options ?? [];
  return new Set(options.map((o) => o.id));
}

/**
 * A player's private view into its row's `own` child: unset votes are `""` (schema strings have no
 * null), and only ids of options on the board, so `own` never names an option the client lacks.
 */
function projectOwn(game: GameState, playerId: string, shown: ReadonlySet<string>, own: OwnState): void {
  const mine = privateView(game, playerId);
  assign(own, { eliminationVote: mine.eliminationVote ?? "", finalVote: mine.finalVote ?? "" });
  const ids = mine.ownOptionIds.filter((id) => shown.has(id));
  const same = own.ownOptionIds.length === ids.length && ids.every((id, i) => own.ownOptionIds[i] === id);
  if (!same) {
    own.ownOptionIds.clear();
    own.ownOptionIds.push(...ids);
  }
}
