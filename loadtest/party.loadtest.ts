/**
 * Load test for Robots with @colyseus/loadtest: every simulated client is a bot of `npm run bots`
 * (bots/: the same strategy and runner).
 *
 * Start a server (fast timers make games short):
 *   ROBOTS_SECOND_MS=50 npm start
 *
 * Many rooms, each a full game of bots played again and again:
 *   npm run loadtest -- --room party --numClients 40 --delay 50 --endpoint ws://127.0.0.1:2567
 *   Clients are grouped by --perRoom (default 4, 2–8): the first of each group creates a room and
 *   hosts it (starts once the group is in, next-round after a pause, play-again after `final`).
 *
 * One existing room (e.g. created by the Unity host or `npm run bots -- --create`):
 *   npm run loadtest -- --roomId KXQT --numClients 12
 *   Clients join as players while seats are free and the room is in its lobby, then as audience
 *   (`room-full` / `game-in-progress` fall back to an audience join).
 *
 * Extra flags: --perRoom N, --games N (games per created room, default 1000), --minDelay MS and
 * --maxDelay MS (think time, default 300–1500), --hostPause MS (default 2500).
 * Loadtest flags: --endpoint, --numClients, --delay (ms between connections), --output FILE.
 * --duration S ends the run after S seconds.
 *
 * On a terminal it shows @colyseus/loadtest's live display (quit with q, Esc or Ctrl-C). Without
 * one (CI, a pipe, nohup), or with --headless, it runs headless (loadtest/support/headless.ts):
 * the clients' lines, a progress line every 10 s and a summary at the end; --output FILE then
 * receives the summary as JSON. Exit 0 if every client joined and none failed, else 1; 2 for a
 * bad flag.
 */
import { parseArgs } from "node:util";
import { cli, type Options } from "@colyseus/loadtest";
import { headlessOptions, LoadStats, runHeadless, UsageError } from "./support/headless.ts";
import { JoinError } from "../bots/connection.ts";
import { botIcon } from "../bots/names.ts";
import { runNamedBot, type BotEvent, type BotHandle, type RunBotOptions } from "../bots/runner.ts";
import { DEFAULT_THINK_TIMES } from "../bots/strategy.ts";
import { canonicalCode, ErrorCode, MAX_PLAYERS, MIN_PLAYERS } from "../src/protocol.ts";

const { values: extra } = parseArgs({
  args: process.argv.slice(2),
  strict: false,
  allowPositionals: true,
  options: {
    perRoom: { type: "string" },
    games: { type: "string" },
    minDelay: { type: "string" },
    maxDelay: { type: "string" },
    hostPause: { type: "string" },
    headless: { type: "boolean" },
    duration: { type: "string" },
  },
});

function num(value: unknown, fallback: number, min: number, max: number): number {
  const n = typeof value === "string" ? Number(value) : NaN;
  return Number.isInteger(n) ? Math.min(max, Math.max(min, n)) : fallback;
}

const PER_ROOM = num(extra.perRoom, 4, MIN_PLAYERS, MAX_PLAYERS);
const GAMES = num(extra.games, 1000, 1, 100_000);
const MIN_DELAY = num(extra.minDelay, DEFAULT_THINK_TIMES.minDelayMs, 0, 600_000);
const MAX_DELAY = Math.max(MIN_DELAY, num(extra.maxDelay, DEFAULT_THINK_TIMES.maxDelayMs, 0, 600_000));
const HOST_PAUSE = num(extra.hostPause, DEFAULT_THINK_TIMES.hostPauseMs, 0, 600_000);

/** The room the current group of clients joins (clients connect one after another). */
let groupCode: string | undefined;

/** What the headless run counts (unused by the terminal display, which counts for itself). */
const stats = new LoadStats();

function report(clientId: number, botId: string, event: BotEvent): void {
  stats.note(event);
  switch (event.type) {
    case "joined":
      return console.log(`#${clientId} joined ${event.code} as ${event.audience ? "audience" : event.isHost ? "host" : "player"}`);
    case "game-complete": {
      // Every bot of a room sees it: only the player at the top of the standings reports.
      const top = event.result.standings[0];
      if (!top || top.playerId !== botId) return;
      const names = new Map(event.result.standings.map((r) => [r.playerId, r.name]));
      return console.log(`#${clientId} game ${event.game} complete, winner: ${event.result.winners.map((id) => names.get(id)).join(", ")} (${top.score})`);
    }
    case "refused":
      return console.warn(`#${clientId} ${event.requestType} refused: ${event.code}`);
    case "left":
      return console.warn(`#${clientId} left (code ${event.code})`);
    default:
      return;
  }
}

/** A seat was refused because the game is full or running: the client joins as audience instead. */
const AUDIENCE_FALLBACK: readonly string[] = [ErrorCode.RoomFull, ErrorCode.GameInProgress];

export async function main(options: Options): Promise<BotHandle> {
  const i = options.clientId;
  const common: Omit<RunBotOptions, "name"> = {
    endpoint: options.endpoint,
    icon: botIcon(i),
    minDelayMs: MIN_DELAY,
    maxDelayMs: MAX_DELAY,
    hostPauseMs: HOST_PAUSE,
    onEvent: (event, bot) => {
      if (event.type === "reconnected") stats.watch(bot.room);
      report(i, bot.id, event);
    },
  };
  let handle: BotHandle;
  if (options.roomId) {
    const code = canonicalCode(options.roomId);
    try {
      handle = await runNamedBot({ ...common, code }, i, 3);
    } catch (error) {
      if (!(error instanceof JoinError) || !AUDIENCE_FALLBACK.includes(error.code)) throw error;
      handle = await runNamedBot({ ...common, code, audience: true }, i, 3);
    }
  } else if (i % PER_ROOM === 0 || !groupCode) {
    handle = await runNamedBot({ ...common, create: {}, minPlayers: PER_ROOM, games: GAMES }, 0, 0);
    groupCode = handle.code;
  } else {
    handle = await runNamedBot({ ...common, code: groupCode }, i % PER_ROOM, 0);
  }
  void handle.finished.catch(() => {});
  return handle;
}

if (process.stdout.isTTY && !extra.headless) {
  // @colyseus/loadtest ends on SIGINT (writing --output); --duration sends it one.
  const seconds = Number(extra.duration);
  if (Number.isInteger(seconds) && seconds > 0) setTimeout(() => process.kill(process.pid, "SIGINT"), seconds * 1000).unref();
  cli(async (options) => void (await main(options)));
} else {
  try {
    process.exitCode = await runHeadless(main, headlessOptions(process.argv.slice(2)), stats);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(error.message);
    process.exitCode = 2;
  }
  // Sockets the server has not closed yet must not keep a finished run alive.
  process.exit();
}
