/**
 * Bot players for Robots, from the command line.
 *
 *   npm run bots -- --code KXQT --count 3                # 3 bots join room KXQT and play
 *   npm run bots -- --code KXQT --count 2 --audience 2   # plus 2 audience bots
 *   npm run bots -- --create --count 4                   # a whole game alone: bot 1 creates and hosts
 *   ROBOTS_SECOND_MS=50 npm start  +  npm run bots -- --create --count 4   # a quick smoke test
 *
 * Prints one line per notable event and exits 0 when the game reaches `final` (standings and
 * winner printed). Ctrl-C leaves the room cleanly (exit 130). Bad arguments exit 2, a refused
 * join exits 1 with the server's code (e.g. `game-in-progress`, `room-full`, `not found`).
 * Strategy: loadtest/brain.ts. Run `npm run bots -- --help` for every option.
 */
import { parseArgs } from "node:util";
import { botIcon, botName, JoinError, runBot, type Bot, type BotEvent, type BotHandle, type GameComplete, type RunBotOptions } from "./brain.ts";

const HELP = `Robots bots: join (or create) a room and play.

  --code XXXX          room code to join (4 letters)
  --create             create a room instead; the first bot hosts and starts once --count players joined
  --count N            player bots (default 3; 2–8 with --create)
  --audience N         extra audience bots that cast one audience vote per round (default 0)
  --endpoint URL       server endpoint (default ws://127.0.0.1:2567)
  --host               drive the flow (start/next round) if a joined bot becomes host (implied by --create)
  --min-players N      with a hosting bot: start when N players are connected (default: --count with --create, else 2)
  --games N            games to play; the hosting bot sends play-again in between (default 1)
  --mode M             with --create: 8-round (default) or 12-round
  --min-delay MS       shortest think time before an action (default 300)
  --max-delay MS       longest think time before an action (default 1500)
  --host-pause MS      hosting bot: pause on results before next-round (default 2500)
  --quiet              only room-level lines (rounds, scores, result)
  -h, --help           this text`;

class UsageError extends Error {}

interface Args {
  code: string | undefined;
  create: boolean;
  count: number;
  audience: number;
  endpoint: string;
  host: boolean;
  minPlayers: number;
  games: number;
  mode: "8-round" | "12-round" | undefined;
  minDelayMs: number;
  maxDelayMs: number;
  hostPauseMs: number;
  quiet: boolean;
}

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new UsageError(`--${name} must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new UsageError(`--${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

export function parseCli(argv: string[]): Args | "help" {
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
        endpoint: { type: "string", default: "ws://127.0.0.1:2567" },
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
  const code = values.code?.trim().toUpperCase();
  if (create && code) throw new UsageError("give either --code or --create, not both");
  if (!create && !code) throw new UsageError("missing --code XXXX (or --create to make a room)");
  if (code && !/^[BCDFGHJKLMNPQRSTVWXZ]{4}$/.test(code)) {
    throw new UsageError(`--code must be 4 letters from BCDFGHJKLMNPQRSTVWXZ, got "${values.code}"`);
  }
  const count = integer("count", values.count, 3, create ? 2 : 0, 8);
  const audience = integer("audience", values.audience, 0, 0, 100);
  if (count + audience === 0) throw new UsageError("nothing to do: --count and --audience are both 0");
  const endpoint = values.endpoint!;
  if (!/^wss?:\/\/[^/\s]+/.test(endpoint)) throw new UsageError(`--endpoint must look like ws://host:port, got "${endpoint}"`);
  const mode = values.mode;
  if (mode !== undefined && mode !== "8-round" && mode !== "12-round") throw new UsageError(`--mode must be 8-round or 12-round, got "${mode}"`);
  if (mode !== undefined && !create) throw new UsageError("--mode only applies with --create (the host sets the mode)");
  const minDelayMs = integer("min-delay", values["min-delay"], 300, 0, 600_000);
  const maxDelayMs = integer("max-delay", values["max-delay"], Math.max(1500, minDelayMs), 0, 600_000);
  if (maxDelayMs < minDelayMs) throw new UsageError("--max-delay must not be below --min-delay");
  return {
    code,
    create,
    count,
    audience,
    endpoint: endpoint.replace(/\/+$/, ""),
    host: create || values.host!,
    minPlayers: integer("min-players", values["min-players"], create ? count : 2, 2, 8),
    games: integer("games", values.games, 1, 1, 100),
    mode,
    minDelayMs,
    maxDelayMs,
    hostPauseMs: integer("host-pause", values["host-pause"], 2500, 0, 600_000),
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
  const botName = bot.name;
  if ("room" in event) {
    const key = `${bot.memory.gamesCompleted}:${JSON.stringify(event)}`;
    if (seenRoomEvents.has(key)) return;
    seenRoomEvents.add(key);
  } else if (quiet) {
    return;
  }
  const who = `[${botName}]`;
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

const NAME_ATTEMPTS = 6;

async function joinOne(args: Args, index: number, salt: number, code: string | undefined, audience: boolean): Promise<BotHandle> {
  for (let attempt = 0; ; attempt++) {
    const name = audience ? `Fan ${botName(index, salt, attempt)}`.slice(0, 16) : botName(index, salt, attempt);
    const options: RunBotOptions = {
      endpoint: args.endpoint,
      name,
      icon: botIcon(index, salt),
      minDelayMs: args.minDelayMs,
      maxDelayMs: args.maxDelayMs,
      hostPauseMs: args.hostPauseMs,
      drive: args.host,
      minPlayers: args.minPlayers,
      games: args.games,
      audience,
      onEvent: (event, bot) => print(event, bot, args.quiet),
      ...(code ? { code } : { create: args.mode ? { mode: args.mode } : {} }),
    };
    try {
      return await runBot(options);
    } catch (error) {
      if (error instanceof JoinError && error.code === "name-taken" && attempt + 1 < NAME_ATTEMPTS) continue;
      throw error;
    }
  }
}

async function main(): Promise<number> {
  let args: Args | "help";
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

  const salt = Math.floor(Math.random() * 16);
  let code = args.code;
  try {
    if (args.create) {
      const host = await joinOne(args, 0, salt, undefined, false);
      handles.push(host);
      code = host.code;
      line(`room code: ${code}  (join at the same server; the bots start when ${args.minPlayers} players are in)`);
    }
    for (let i = handles.length; i < args.count; i++) handles.push(await joinOne(args, i, salt, code, false));
    for (let i = 0; i < args.audience; i++) handles.push(await joinOne(args, i, salt + 8, code, true));
  } catch (error) {
    if (error instanceof JoinError && error.status === undefined) {
      process.stderr.write(`bots: cannot reach the server at ${args.endpoint} (${error.code})\n`);
    } else {
      const reason = error instanceof JoinError ? `${error.code}${error.status ? ` (status ${error.status})` : ""}` : (error as Error).message;
      process.stderr.write(`bots: join refused: ${reason}\n`);
    }
    await leaveAll();
    return 1;
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

process.exit(await main());
