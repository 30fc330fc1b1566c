/**
 * The one place where the rules' state becomes the synchronised schema (GAME.md §10). Only public
 * data is copied: option sources, authors and votes never reach the schema, so no client can
 * decode them from a patch (GAME.md §8). Values are written only when they change, so a patch
 * carries only what moved.
 */
import { OptionState, PartyState, PlayerState } from "../../schema/PartyState.ts";
import { progressOf, publicQuestion } from "../game/rules.ts";
import type { GameState } from "../game/types.ts";

function assign<T extends object>(target: T, values: Partial<T>): void {
  for (const key of Object.keys(values) as (keyof T)[]) {
    if (target[key] !== values[key]) target[key] = values[key] as T[keyof T];
  }
}

export function project(game: GameState, view: PartyState): void {
  assign(view, {
    code: game.code,
    phase: game.phase,
    round: game.round,
    totalRounds: game.totalRounds,
    mode: game.mode,
    hostId: game.hostId,
    deadline: game.deadline,
    paused: game.paused,
    audienceCount: Object.values(game.audience).filter((m) => m.connected).length,
  });
  assign(view.settings, { ...game.settings });

  for (const id of [...view.players.keys()]) {
    if (!game.players[id]) view.players.delete(id);
  }
  for (const player of Object.values(game.players)) {
    let row = view.players.get(player.id);
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
  }

  const question = game.current && game.phase !== "lobby" ? publicQuestion(game.current.question) : { id: "", text: "", type: "", imageUrl: "" };
  assign(view.question, question);

  const options = game.phase === "question" || game.phase === "lobby" ? [] : game.current?.options ?? [];
  const sameIds = view.options.length === options.length && options.every((o, i) => view.options[i]!.id === o.id);
  if (!sameIds) {
    view.options.clear();
    for (const o of options) view.options.push(new OptionState({ id: o.id, text: o.text, eliminated: o.eliminated }));
  } else {
    options.forEach((o, i) => assign(view.options[i]!, { eliminated: o.eliminated }));
  }
}
