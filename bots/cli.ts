/**
 * Bot players for Robots, from the command line (`npm run bots`).
 *
 *   npm run bots -- --code KXQT --count 3                # 3 bots join room KXQT and play
 *   npm run bots -- --code KXQT --count 2 --audience 2   # plus 2 audience bots
 *   npm run bots -- --create --count 4                   # a whole game alone: bot 1 creates and hosts
 *   ROBOTS_SECOND_MS=50 npm start  +  npm run bots -- --create --count 4   # a quick smoke test
 *
 * The server is ws://127.0.0.1:PORT, with PORT from the environment as `npm start` reads it
 * (default 2567); --port or --endpoint choose another. Prints one line per notable event and
 * exits 0 when the game reaches `final` (standings and winner printed). Ctrl-C leaves the room
 * cleanly (exit 130). Bad arguments exit 2, a refused join exits 1 with the server's code (e.g.
 * `game-in-progress`, `room-full`, `not found`). Strategy: bots/strategy.ts.
 */
import { parseArgs } from "node:util";
import { DEFAULTS } from "../src/config.ts";
import { canonicalCode, CODE_ALPHABET, CODE_LENGTH, isRoomCode, MAX_PLAYERS, MIN_PLAYERS, MODES, type GameComplete, type Mode } from "../src/protocol.ts";
import { JoinError } from "./connection.ts";
import { startBots, type Bot, type BotEvent, type BotHandle } from "./runner.ts";
import { DEFAULT_THINK_TIMES } from "./strategy.ts";

const HELP = `Robots bots: join (or create) a room and play.

  --code XXXX          room code to join (${CODE_LENGTH} letters)
  --create             create a room instead; the first bot hosts and starts once --count players joined
  --count N            player bots (default 3; ${MIN_PLAYERS}–${MAX_PLAYERS} with --create)
  --audience N         extra audience bots that cast one audience vote per round (default 0)
  --port N             server port on 127.0.0.1 (default: $PORT, else ${DEFAULTS.port})
  --endpoint URL       server endpoint, e.g. ws://10.0.0.5:2567 (overrides --port and $PORT)
  --host               drive the flow (start/next round) if a joined bot becomes host (implied by --create)
  --min-players N      with a hosting bot: start when N players are connected (default: --count with --create, else ${MIN_PLAYERS})
  --games N            games to play; the hosting bot sends play-again in between (default 1)
  --mode M             with --create: ${MODES.join(" (default) or ")}
  --min-delay MS       shortest think time before an action (default ${DEFAULT_THINK_TIMES.minDelayMs})
  --max-delay MS       longest think time before an action (default ${DEFAULT_THINK_TIMES.maxDelayMs})
  --host-pause MS      hosting bot: pause on results before next-round (default ${DEFAULT_THINK_TIMES.hostPauseMs})
  --quiet              only room-level lines (rounds, scores, result)
  -h, --help           this text`;

/** A bad argument or variable: one line on stderr, exit 2. */
export class UsageError extends Error {}

export interface CliArgs {
  code: string | undefined;
  create: boolean;
  count: number;
  audience: number;
  endpoint: string;
  host: boolean;
  minPlayers: number;
  games: number;
  mode: Mode | undefined;
  minDelayMs: number;
  maxDelayMs: number;
  hostPauseMs: number;
  quiet: boolean;
}

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new UsageError(`${name} must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new UsageError(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

/**
 * The server to play on: --endpoint as given; else 127.0.0.1 on --port, else on PORT from the
 * environment (the variable `npm start` listens on), else on the server's default port.
 */
function endpointOf(endpoint: string | undefined, port: string | undefined, env: NodeJS.ProcessEnv): string {
  if (endpoint !== undefined) {
    if (!/^wss?:\/\/[^/\s]+/.test(endpoint)) throw new UsageError(`--endpoint must look like ws://host:port, got "${endpoint}"`);
    return endpoint.replace(/\/+$/, "");
  }
  const chosen = port !== undefined ? integer("--port", port, DEFAULTS.port, 1, 65535) : integer("PORT", env.PORT || undefined, DEFAULTS.port, 1, 65535);
  return `ws://127.0.0.1:${chosen}`;
}

/** Reads the command line (and PORT); throws {@link UsageError} on anything it cannot use. */
export function parseCli(argv: string[], env: NodeJS.ProcessEnv = process.env): CliArgs | "help" {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        code: { type: "string" },
        create: { type: "boolean", default: false },
        count: { type: "string" },
        audience: { type: "string" },
        port: { type: "string" },
        endpoint: { type: "string" },
        host: { type: "boolean", default: false },
        "min-players": { type: "string" },
        games: { type: "string" },
        mode: { type: "string" },
        "min-delay": { type: "string" },
        "max-delay": { type: "string" },
        "host-pause": { type: "string" },
        quiet: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return "help";
  const create = values.create!;
  const code = values.code === undefined ? undefined : canonicalCode(values.code);
  if (create && code) throw new UsageError("give either --code or --create, not both");
  if (!create && !code) throw new UsageError("missing --code XXXX (or --create to make a room)");
  if (code !== undefined && !isRoomCode(code)) {
    throw new UsageError(`--code must be ${CODE_LENGTH} letters from ${CODE_ALPHABET}, got "${values.code}"`);
  }
  const count = integer("--count", values.count, 3, create ? MIN_PLAYERS : 0, MAX_PLAYERS);
  const audience = integer("--audience", values.audience, 0, 0, 100);
  if (count + audience === 0) throw new UsageError("nothing to do: --count and --audience are both 0");
  const mode = values.mode;
  if (mode !== undefined && !(MODES as readonly string[]).includes(mode)) throw new UsageError(`--mode must be ${MODES.join(" or ")}, got "${mode}"`);
  if (mode !== undefined && !create) throw new UsageError("--mode only applies with --create (the host sets the mode)");
  const minDelayMs = integer("--min-delay", values["min-delay"], DEFAULT_THINK_TIMES.minDelayMs, 0, 600_000);
  const maxDelayMs = integer("--max-delay", values["max-delay"], Math.max(DEFAULT_THINK_TIMES.maxDelayMs, minDelayMs), 0, 600_000);
  if (maxDelayMs < minDelayMs) throw new UsageError("--max-delay must not be below --min-delay");
  return {
    code,
    create,
    count,
    audience,
    endpoint: endpointOf(values.endpoint, values.port, env),
    host: create || values.host!,
    minPlayers: integer("--min-players", values["min-players"], create ? count : MIN_PLAYERS, MIN_PLAYERS, MAX_PLAYERS),
    games: integer("--games", values.games, 1, 1, 100),
    mode: mode as Mode | undefined,
    minDelayMs,
    maxDelayMs,
    hostPauseMs: integer("--host-pause", values["host-pause"], DEFAULT_THINK_TIMES.hostPauseMs, 0, 600_000),
    quiet: values.quiet!,
  };
}

// ------------------------------------------------------------------ output

function clock(): string {
  return new Date().toISOString().slice(11, 23);
}

function line(text: string): void {
  process.stdout.write(`${clock()} ${text}\n`);
}

const seenRoomEvents = new Set<string>();

/** Formats one bot event; events every bot sees alike are printed once. */
function print(event: BotEvent, bot: Bot, quiet: boolean): void {
  if ("room" in event) {
    const key = `${bot.memory.gamesCompleted}:${JSON.stringify(event)}`;
    if (seenRoomEvents.has(key)) return;
    seenRoomEvents.add(key);
  } else if (quiet) {
    return;
  }
  const who = `[${bot.name}]`;
  switch (event.type) {
    case "joined":
      return line(`${who} joined ${event.code} as ${event.audience ? "audience" : event.isHost ? "host + player" : "player"} (phase ${event.phase})`);
    case "round-started":
      return line(`== round ${event.round}/${event.totalRounds} (x${event.multiplier}): ${event.question}`);
    case "answered":
      return line(`${who} answered "${event.answer}"`);
    case "answer-retry":
      return line(`${who} "${event.answer}" refused (${event.code}), writing another`);
    case "voted":
      return line(`${who} ${event.stage === "elimination" ? "voted to eliminate" : "voted for"} "${event.text}"`);
    case "host-action":
      return line(`${who} ${event.action}${event.players !== undefined ? ` with ${event.players} players` : ""}`);
    case "elimination-complete":
      return line(`   eliminated: ${event.eliminatedText ? `"${event.eliminatedText}"` : event.tie ? "nothing (tie)" : "nothing (no votes)"}`);
    case "round-scores": {
      line(`   round ${event.round} (x${event.multiplier}) truth: "${event.truth}", robot: "${event.robot}"`);
      const rows = [...event.rows].sort((a, b) => b.score - a.score);
      return line(`   scores: ${rows.map((r) => `${r.name} ${r.total >= 0 ? "+" : ""}${r.total} = ${r.score}`).join(", ")}`);
    }
    case "game-complete":
      return printStandings(event.result, event.game);
    case "refused":
      return line(`${who} ${event.requestType} refused: ${event.code} (${event.message})`);
    case "dropped":
      return line(`${who} connection dropped (${event.code}), reconnecting`);
    case "reconnected":
      return line(`${who} reconnected`);
    case "left":
      return line(`${who} left the room (close code ${event.code}${event.reason ? `, ${event.reason}` : ""})`);
  }
}

function printStandings(result: GameComplete, game: number): void {
  const names = new Map(result.standings.map((r) => [r.playerId, r.name]));
  const winners = result.winners.map((id) => names.get(id) ?? id);
  line(`== game ${game} complete: ${winners.length === 1 ? "winner" : "winners"}: ${winners.join(", ") || "nobody"}`);
  for (const r of result.standings) {
    line(`   ${String(r.place).padStart(2)}. ${r.name.padEnd(16)} ${String(r.score).padStart(6)}  truths ${r.truthsFound}  robots ${r.robotsSpotted}  fooled ${r.timesFooled}`);
  }
}

// ------------------------------------------------------------------ running

async function main(): Promise<number> {
  let args: CliArgs | "help";
  try {
    args = parseCli(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bots: ${error.message}\n(run with --help for the options)\n`);
    return 2;
  }
  if (args === "help") {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const a = args;

  const handles: BotHandle[] = [];
  let exiting = false;
  const leaveAll = async () => {
    await Promise.allSettled(handles.map((h) => h.stop()));
  };
  process.on("SIGINT", () => {
    if (exiting) process.exit(130);
    exiting = true;
    line("interrupted: leaving the room");
    void leaveAll().then(() => process.exit(130));
  });

  try {
    await startBots({
      endpoint: a.endpoint,
      ...(a.code ? { code: a.code } : {}),
      ...(a.mode ? { mode: a.mode } : {}),
      players: a.count,
      audience: a.audience,
      minDelayMs: a.minDelayMs,
      maxDelayMs: a.maxDelayMs,
      hostPauseMs: a.hostPauseMs,
      drive: a.host,
      minPlayers: a.minPlayers,
      games: a.games,
      onEvent: (event, bot) => print(event, bot, a.quiet),
      onBot: (handle) => handles.push(handle),
      onCode: (code) => {
        if (a.create) line(`room code: ${code}  (join at the same server; the bots start when ${a.minPlayers} players are in)`);
      },
    });
  } catch (error) {
    if (error instanceof JoinError && error.status === undefined) {
      process.stderr.write(`bots: cannot reach the server at ${a.endpoint} (${error.code})\n`);
    } else {
      const reason = error instanceof JoinError ? `${error.code}${error.status ? ` (status ${error.status})` : ""}` : (error as Error).message;
      process.stderr.write(`bots: join refused: ${reason}\n`);
    }
    return 1;
  }
  if (exiting) {
    await leaveAll();
    return 130;
  }

  try {
    await Promise.any(handles.map((h) => h.finished));
  } catch {
    if (exiting) return 130;
    process.stderr.write("bots: every bot left the room before the game completed\n");
    await leaveAll();
    return 1;
  }
  if (exiting) return 130;
  exiting = true;
  line("game over: leaving");
  await leaveAll();
  return 0;
}

if (import.meta.main) process.exit(await main());
