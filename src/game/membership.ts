/**
 * Who is in the room (GAME.md §2, §9, §11): joins and their refusal order, connections dropping
 * and coming back, leaving for good, kicks and their bans, and who holds the host role.
 */
import { ErrorCode, gameError, type GameError } from "./errors.ts";
import { setMode } from "./lobby.ts";
import { advanceIfEveryoneActed } from "./round.ts";
import type { Action, Ctx, GameEvent } from "./rules.ts";
import { MAX_PLAYERS } from "./settings.ts";
import { hasVisibleLetterOrDigit, NAME_MAX_LENGTH, nameKeys, normalizeName, textLength } from "./text.ts";
import { ICONS, MODES, type GameState, type Icon, type Mode } from "./types.ts";
import { seatedPlayers } from "./views.ts";

type JoinAction = Extract<Action, { type: "join" }>;

/** A join, refused in the GAME.md §9 order: bad-request, kicked, game-in-progress, room-full, name-taken. */
export function join(s: GameState, a: JoinAction, ctx: Ctx, ev: GameEvent[]): GameError | undefined {
  // Only the creator's join founds the room; anyone whose socket happens to arrive first is an
  // ordinary player, and the create-only options of a non-creator are ignored.
  const creating = a.creator === true && !s.founded;
  const hostPlays = creating ? (a.hostPlays ?? true) : true;
  const audience = !creating && a.audience === true;
  const needsName = !(creating && !hostPlays);

  if (typeof a.hostPlays !== "undefined" && typeof a.hostPlays !== "boolean") return bad("hostPlays must be a boolean");
  if (typeof a.audience !== "undefined" && typeof a.audience !== "boolean") return bad("audience must be a boolean");
  if (typeof a.mode !== "undefined" && !(MODES as readonly string[]).includes(a.mode)) return bad(`mode must be one of ${MODES.join(", ")}`);
  const name = typeof a.name === "string" ? normalizeName(a.name) : undefined;
  if (needsName || a.name !== undefined) {
    if (name === undefined || textLength(name) < 1 || textLength(name) > NAME_MAX_LENGTH) {
      return bad(`name must be 1–${NAME_MAX_LENGTH} characters`);
    }
    if (!hasVisibleLetterOrDigit(name)) return bad("a name needs at least one visible letter or digit");
  }
  if ((needsName || a.icon !== undefined) && !(ICONS as readonly string[]).includes(a.icon ?? "")) {
    return bad(`icon must be one of ${ICONS.join(" ")}`);
  }
  // §5: names and bans compare by confusable skeleton, case-insensitively ("Аda" is "Ada").
  const keys = name !== undefined ? nameKeys(name) : [];
  if (keys.some((k) => s.kickedNames.includes(k))) return gameError(ErrorCode.Kicked, "that name was kicked from this game");
  if (!creating && !audience && s.phase !== "lobby") return gameError(ErrorCode.GameInProgress, "the game has started; join as audience");
  if (!audience && seatedPlayers(s).length >= MAX_PLAYERS) return gameError(ErrorCode.RoomFull, `the room has ${MAX_PLAYERS} players`);
  const inUse = namesInUse(s);
  if (keys.some((k) => inUse.has(k))) return gameError(ErrorCode.NameTaken, "another client in this room uses that name");

  if (creating) {
    s.founded = true;
    s.hostId = a.clientId;
    s.settings.hostPlays = hostPlays;
    if (a.mode) setMode(s, a.mode as Mode);
    if (!hostPlays) {
      s.displayHost = { id: a.clientId, name: name ?? "", connected: true };
      return undefined;
    }
  }
  if (audience) {
    s.audience[a.clientId] = { id: a.clientId, name: name!, icon: a.icon as Icon, connected: true };
    return undefined;
  }
  s.players[a.clientId] = {
    id: a.clientId,
    name: name!,
    icon: a.icon as Icon,
    score: 0,
    connected: true,
    gone: false,
    joinOrder: s.nextJoinOrder++,
    connectedSince: ctx.now,
    truthsFound: 0,
    robotsSpotted: 0,
    timesFooled: 0,
    roundsWon: 0,
  };
  // A room whose host and players all left (audience only) gets its host back with the next player;
  // before it is founded the role stays reserved for the creator.
  if (s.founded && s.hostId === "") s.hostId = a.clientId;
  ev.push({ type: "player-joined", payload: { playerId: a.clientId, name: name! } });
  return undefined;
}

/**
 * A client came back with its reconnection token (GAME.md §11). A kicked client's token is banned
 * for the rest of the game (GAME.md §9): the room refuses the reconnection with `kicked`.
 */
export function reconnect(s: GameState, id: string, ctx: Ctx, ev: GameEvent[]): GameError | undefined {
  if (s.kickedIds.includes(id)) return gameError(ErrorCode.Kicked, "this client was kicked from this game");
  return setConnected(s, id, true, ctx, ev);
}

/** A connection dropped unexpectedly: the seat is kept, the phase no longer waits for it. */
export function drop(s: GameState, id: string, ctx: Ctx, ev: GameEvent[]): GameError | undefined {
  return setConnected(s, id, false, ctx, ev);
}

function setConnected(s: GameState, id: string, connected: boolean, ctx: Ctx, ev: GameEvent[]): GameError | undefined {
  const player = s.players[id];
  if (player && !player.gone) {
    if (player.connected === connected) return undefined;
    player.connected = connected;
    if (connected) player.connectedSince = ctx.now;
    else advanceIfEveryoneActed(s, ctx, ev);
    return undefined;
  }
  if (s.audience[id]) {
    s.audience[id].connected = connected;
    return undefined;
  }
  if (s.displayHost?.id === id) {
    s.displayHost.connected = connected;
    return undefined;
  }
  return bad(`unknown client ${id}`);
}

/** Gone for good: in the lobby the seat is freed, in a game the score row stays. */
export function leave(s: GameState, id: string, ctx: Ctx, ev: GameEvent[]): GameError | undefined {
  const player = s.players[id];
  if (player && !player.gone) {
    if (s.phase === "lobby") delete s.players[id];
    else {
      player.gone = true;
      player.connected = false;
    }
    ev.push({ type: "player-left", payload: { playerId: id, name: player.name } });
    if (s.hostId === id) handOverHost(s);
    advanceIfEveryoneActed(s, ctx, ev);
    return undefined;
  }
  if (s.audience[id]) {
    delete s.audience[id];
    return undefined;
  }
  if (s.displayHost?.id === id) {
    s.displayHost = null;
    handOverHost(s);
    return undefined;
  }
  return bad(`unknown client ${id}`);
}

/** The creator never came: the room is founded without it and the role goes to a player. */
export function creatorAbsent(s: GameState): GameError | undefined {
  if (s.founded) return bad("the creator already joined");
  s.founded = true;
  handOverHost(s);
  return undefined;
}

/** The host role passes to the longest-connected player (GAME.md §11). */
function handOverHost(s: GameState): void {
  const candidates = seatedPlayers(s).sort(
    (a, b) => Number(b.connected) - Number(a.connected) || a.connectedSince - b.connectedSince || a.joinOrder - b.joinOrder,
  );
  s.hostId = candidates[0]?.id ?? "";
}

/** GAME.md §2, §9: the row goes, the name and the token are banned for the rest of the game. */
export function kick(s: GameState, by: string, targetId: string, ctx: Ctx, ev: GameEvent[]): GameError | undefined {
  if (targetId === by) return bad("the host cannot kick itself");
  const player = s.players[targetId];
  const member = s.audience[targetId];
  if (!player && !member) return bad(`no player ${targetId}`);
  const name = (player ?? member)!.name;
  s.kickedNames.push(...nameKeys(name));
  s.kickedIds.push(targetId);
  if (member) {
    delete s.audience[targetId];
    if (s.current) delete s.current.audienceVotes[targetId];
    return undefined;
  }
  delete s.players[targetId];
  const round = s.current;
  if (round && (s.phase === "question" || s.phase === "elimination" || s.phase === "voting")) {
    // A kicked player's answer is withdrawn while answers are still secret; once options are
    // out, the option stays (other votes may rest on it) but credits nobody; their votes are void.
    delete round.answers[targetId];
    round.answerOrder = round.answerOrder.filter((id) => id !== targetId);
    for (const option of round.options) option.authors = option.authors.filter((id) => id !== targetId);
    delete round.eliminationVotes[targetId];
    delete round.finalVotes[targetId];
  }
  ev.push({ type: "player-left", payload: { playerId: targetId, name } });
  advanceIfEveryoneActed(s, ctx, ev);
  return undefined;
}

/** Name keys of everyone in the room, players, audience and display host alike (GAME.md §2). */
function namesInUse(s: GameState): Set<string> {
  const names = [
    ...Object.values(s.players).map((p) => p.name),
    ...Object.values(s.audience).map((m) => m.name),
    ...(s.displayHost?.name ? [s.displayHost.name] : []),
  ];
  return new Set(names.flatMap(nameKeys));
}

function bad(message: string): GameError {
  return gameError(ErrorCode.BadRequest, message);
}
