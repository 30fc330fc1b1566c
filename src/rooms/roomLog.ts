/**
 * The story of a room in the log (issue #12 #2): one structured line for each thing an operator
 * asks about afterwards. The room reports what the rules accepted; this file alone decides which
 * of those are worth a line and what the line holds, so PartyRoom stays an adapter.
 *
 * Every line carries `roomId`, and every line of a game `gameId` as well, so that
 * `grep '"gameId":"…"'` or `jq 'select(.gameId == "…")'` tells one game's story and the id can be
 * handed to `npm run replay`. Names, answers and votes are never logged: ids are enough to follow
 * a game, and the record in the database holds the rest.
 *
 * Hot path: `applied` runs for every accepted action. For answers and votes (most of them) it
 * does two comparisons and allocates nothing; lines are built only for the rare events.
 */
import { matchMaker } from "@colyseus/core";
import type { Action } from "../game/rules.ts";
import type { GameState } from "../game/types.ts";
import { logger } from "../logger.ts";
import { ROOM_LIFETIME_MS } from "../protocol.ts";

/** Why a room closed, as the `room closed` line says. */
export type CloseReason = "empty" | "lifetime" | "shutdown" | (string & {});

/** Who a client is in the room, for the join and leave lines. */
function roleOf(game: GameState, id: string): "player" | "audience" | "display host" | undefined {
  if (game.players[id]) return "player";
  if (game.audience[id]) return "audience";
  return game.displayHost?.id === id ? "display host" : undefined;
}

/** A room rebuilt on this process from another's checkpoint (src/rooms/restore.ts). */
export interface Restored {
  /** When the room was first created, on whichever process. */
  restoredFrom: number;
  gameId: string | null;
}

/** One room's lines. Made when the room is created (which it logs), told of every accepted action. */
export class RoomLog {
  readonly #roomId: string;
  readonly #createdAt: number;
  #games = 0;

  constructor(roomId: string, restored?: Restored) {
    this.#roomId = roomId;
    this.#createdAt = restored?.restoredFrom ?? Date.now();
    if (restored) logger.info({ roomId, gameId: restored.gameId ?? undefined, ageMs: Date.now() - restored.restoredFrom }, "room restored");
    else logger.info({ roomId }, "room created");
  }

  /** Call after the rules accepted `action`, which took the room from `previous` to `next`. */
  applied(previous: GameState, action: Action, next: GameState): void {
    switch (action.type) {
      case "join":
        this.#member(next, action.clientId, "joined");
        break;
      case "drop":
        this.#member(next, action.clientId, "dropped");
        break;
      case "reconnect":
        this.#member(next, action.clientId, "reconnected");
        break;
      case "leave":
        this.#member(previous, action.clientId, "left");
        break;
      case "kick-player":
        logger.info({ roomId: this.#roomId, gameId: next.gameId ?? undefined, playerId: action.playerId, by: action.by, byHost: action.by === previous.hostId }, "player kicked");
        break;
      default:
        break;
    }
    if (previous.phase === next.phase) return;
    if (previous.phase === "lobby" && next.gameId) {
      this.#games += 1;
      logger.info(
        { roomId: this.#roomId, gameId: next.gameId, mode: next.mode, players: Object.keys(next.players).length, rounds: next.totalRounds, audience: Object.keys(next.audience).length },
        "game started",
      );
    } else if (next.phase === "final" && next.gameId) {
      logger.info(
        {
          roomId: this.#roomId,
          gameId: next.gameId,
          mode: next.mode,
          players: Object.keys(next.players).length,
          rounds: next.history.length,
          durationMs: next.completedAt - next.startedAt,
          winners: next.winners,
        },
        "game finished",
      );
    } else if (next.phase !== "lobby") {
      logger.debug({ roomId: this.#roomId, gameId: next.gameId ?? undefined, round: next.round, from: previous.phase, to: next.phase, by: action.type }, "phase changed");
    }
  }

  /**
   * The room is being disposed; `game` is its last state. `reason` when the room knows better
   * than what can be seen from here (handed over to another process).
   */
  closed(game: GameState, reason?: CloseReason): void {
    const lifetimeMs = Date.now() - this.#createdAt;
    reason ??= (matchMaker.state === matchMaker.MatchMakerState.SHUTTING_DOWN ? "shutdown" : lifetimeMs >= ROOM_LIFETIME_MS ? "lifetime" : "empty");
    // A game still running when its room closes never gets a "game finished" line: say so here.
    const unfinished = game.gameId && game.phase !== "final" ? { gameId: game.gameId, phase: game.phase } : {};
    logger.info({ roomId: this.#roomId, reason, lifetimeMs, games: this.#games, ...unfinished }, "room closed");
  }

  #member(game: GameState, id: string, what: "joined" | "dropped" | "reconnected" | "left"): void {
    const role = roleOf(game, id);
    const fields = { roomId: this.#roomId, gameId: game.gameId ?? undefined, playerId: id, role, host: game.hostId === id || undefined };
    // An audience can be large; its comings and goings are there for those who ask (debug).
    if (role === "audience") logger.debug(fields, `audience member ${what}`);
    else logger.info(fields, `player ${what}`);
  }
}
