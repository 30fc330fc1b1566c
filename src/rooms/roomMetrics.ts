/**
 * What a room tells the metrics (src/metrics.ts): messages received, how long an accepted one
 * takes to reach the clients as a patch and events, games started, completed (counted by the
 * room itself), abandoned, their length and size, and each room's phase deadline so a stuck
 * timer shows. Kept out of PartyRoom so the room carries one call per hook. Everything here runs
 * on the game loop: per message, plain number updates (src/metrics.ts prints them at scrape
 * time); per commit, one number queued; one Map write per deadline change.
 */
import type { GameState } from "../game/types.ts";
import { actionLatency, gameDuration, gamePlayers, gamesAbandoned, gamesStarted, messageTotals, roomDeadlines } from "../metrics.ts";

/** `performance.now()` when the client message being handled reached its room; 0 outside one. */
let messageAt = 0;

/**
 * Per room, for each commit not yet shown to the clients, when the message that caused it
 * arrived (0: not a message). A commit is shown at once, or after its checkpoint is written
 * (issue 11), in commit order, so the queue pairs each shown commit with its message.
 */
const awaitingShow = new Map<object, number[]>();

/** A client message reached a room; call right before handling it. */
export function beginMessage(): void {
  messageAt = performance.now();
}

/** The message was handled: accepted (a legal action, now committed) or refused. */
export function endMessage(accepted: boolean): void {
  messageAt = 0;
  if (accepted) messageTotals.accepted++;
  else messageTotals.refused++;
}

const running = (game: GameState) => game.phase !== "lobby" && game.phase !== "final";

/** Every committed state change of a room (`room` is only a key). */
export function observeCommit(room: object, previous: GameState, next: GameState): void {
  let queue = awaitingShow.get(room);
  if (!queue) awaitingShow.set(room, (queue = []));
  queue.push(messageAt);
  if (next.deadline !== previous.deadline) {
    if (next.deadline === 0) roomDeadlines.delete(room);
    else roomDeadlines.set(room, next.deadline);
  }
  if (previous.phase === next.phase) return;
  if (previous.phase === "lobby" && running(next)) {
    gamesStarted.inc();
    let players = 0;
    for (const _ in next.players) players++;
    gamePlayers.observe(players);
  } else if (next.phase === "final" && next.startedAt > 0) {
    gameDuration.observe(Math.max(0, next.completedAt - next.startedAt) / 1000);
  }
}

/** The oldest unshown commit's patch and events have just been sent to the clients. */
export function observeShown(room: object): void {
  const receivedAt = awaitingShow.get(room)?.shift();
  if (receivedAt) actionLatency.record((performance.now() - receivedAt) / 1000);
}

/** The room is going away; a game still running in it is abandoned. */
export function observeDispose(room: object, game: GameState | undefined): void {
  roomDeadlines.delete(room);
  awaitingShow.delete(room);
  if (game && running(game)) gamesAbandoned.inc();
}
