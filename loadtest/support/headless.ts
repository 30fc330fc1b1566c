/**
 * The load test without a terminal (issue #12 #6). @colyseus/loadtest draws a full-screen
 * `blessed` display and has no other mode: without a TTY (CI, `nohup`, a pipe) it shows nothing
 * but "Writing log file...". This runner connects the same clients through the same `main`, prints
 * the clients' lines and a progress line every PROGRESS_MS, and at the end a summary (rooms,
 * clients, joins, messages, errors, games, duration), optionally also as JSON in --output.
 *
 * It stops after --duration seconds, on SIGINT/SIGTERM, or when every client has played its
 * games. Exit 0 when every client joined and none failed; 1 when a join failed, a client was
 * disconnected, something threw, or nobody joined; 2 for a bad flag.
 */
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Options } from "@colyseus/loadtest";
import type { Room } from "@colyseus/sdk";
import type { BotEvent, BotHandle } from "../../bots/runner.ts";

/** How often a progress line is printed. */
const PROGRESS_MS = 10_000;
/** Bound on the consented leaves at the end. */
const LEAVE_MS = 5_000;

/** What the headless run counts; `main`'s event handler feeds it. */
export class LoadStats {
  readonly began = Date.now();
  joins = 0;
  audienceJoins = 0;
  readonly failedJoins = new Map<string, number>();
  readonly rooms = new Set<string>();
  readonly games = new Set<string>();
  messagesSent = 0;
  messagesReceived = 0;
  refusals = 0;
  drops = 0;
  reconnections = 0;
  unexpectedLeaves = 0;
  errors = 0;

  /** Counts one event of one bot. */
  note(event: BotEvent): void {
    switch (event.type) {
      case "joined":
        this.joins++;
        if (event.audience) this.audienceJoins++;
        this.rooms.add(event.code);
        return;
      case "answered":
      case "voted":
      case "host-action":
        this.messagesSent++;
        return;
      case "game-complete":
        // Every bot of the room sees it: the game id makes it one.
        this.games.add(event.result.gameId);
        return;
      case "refused":
        this.refusals++;
        return;
      case "dropped":
        this.drops++;
        return;
      case "reconnected":
        this.reconnections++;
        return;
      case "left":
        this.unexpectedLeaves++;
        return;
      default:
        return;
    }
  }

  readonly #watched = new WeakSet<object>();

  /**
   * Counts every frame the server sends to `room`'s client from now on. The SDK's own reconnection
   * keeps the Connection; a seat taken back through matchmaking is a new room: watch it again.
   */
  watch(room: Room<any>): void {
    const connection = room.connection;
    if (!connection || this.#watched.has(connection)) return;
    this.#watched.add(connection);
    const deliver = connection.events.onmessage;
    connection.events.onmessage = (event) => {
      this.messagesReceived++;
      deliver?.(event);
    };
  }

  failedJoin(reason: string): void {
    this.failedJoins.set(reason, (this.failedJoins.get(reason) ?? 0) + 1);
  }

  get failed(): number {
    let n = 0;
    for (const count of this.failedJoins.values()) n += count;
    return n;
  }

  /** The summary as data (for --output). */
  toJSON(numClients: number) {
    return {
      durationSeconds: Math.round((Date.now() - this.began) / 100) / 10,
      clients: numClients,
      rooms: this.rooms.size,
      joins: { ok: this.joins, audience: this.audienceJoins, failed: this.failed, failures: Object.fromEntries(this.failedJoins) },
      messages: { sent: this.messagesSent, received: this.messagesReceived },
      gamesCompleted: this.games.size,
      refusals: this.refusals,
      drops: this.drops,
      reconnections: this.reconnections,
      disconnects: this.unexpectedLeaves,
      errors: this.errors,
    };
  }
}

export interface HeadlessOptions {
  endpoint: string;
  roomId: string | undefined;
  numClients: number;
  delay: number;
  /** Seconds; 0 runs until every client is done or a signal. */
  duration: number;
  output: string | undefined;
}

/** A flag that makes no sense: the CLI prints it and exits 2. */
export class UsageError extends Error {}

function integer(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === "string" ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(value)})`);
  return n;
}

/** The loadtest flags the headless runner reads (the same names as @colyseus/loadtest's). */
export function headlessOptions(argv: string[]): HeadlessOptions {
  const { values } = parseArgs({
    args: argv,
    strict: false,
    allowPositionals: true,
    options: {
      endpoint: { type: "string" },
      roomId: { type: "string" },
      numClients: { type: "string" },
      delay: { type: "string" },
      duration: { type: "string" },
      output: { type: "string" },
    },
  });
  return {
    endpoint: typeof values.endpoint === "string" ? values.endpoint : "ws://localhost:2567",
    roomId: typeof values.roomId === "string" ? values.roomId : undefined,
    numClients: integer(values.numClients, "numClients", 1, 1, 100_000),
    delay: integer(values.delay, "delay", 0, 0, 600_000),
    duration: integer(values.duration, "duration", 0, 0, 7 * 24 * 3600),
    output: typeof values.output === "string" ? resolve(values.output) : undefined,
  };
}


/**
 * Runs `main` for each client one after another (`delay` ms apart), like @colyseus/loadtest,
 * until the run ends; prints the summary and resolves with the exit code.
 */
export async function runHeadless(main: (options: Options) => Promise<BotHandle>, options: HeadlessOptions, stats: LoadStats): Promise<number> {
  const handles: BotHandle[] = [];
  let stopping = false;
  let wake: () => void = () => {};
  const ended = new Promise<string>((resolve) => {
    wake = () => resolve("every client finished");
    const onSignal = (signal: NodeJS.Signals) => resolve(signal);
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    if (options.duration > 0) setTimeout(() => resolve(`${options.duration} s elapsed`), options.duration * 1000).unref();
  });
  const onCrash = (error: unknown) => {
    stats.errors++;
    console.error("error:", error instanceof Error ? error.message : error);
  };
  process.on("uncaughtException", onCrash);
  process.on("unhandledRejection", onCrash);
  const progress = setInterval(() => console.log(progressLine(stats, options.numClients)), PROGRESS_MS);
  progress.unref();

  console.log(`load test (headless): ${options.numClients} clients on ${options.endpoint}${options.roomId ? ` room ${options.roomId}` : ""}${options.duration ? `, for ${options.duration} s` : ""}`);
  const settled: Promise<unknown>[] = [];
  const connecting = (async () => {
    for (let i = 0; i < options.numClients && !stopping; i++) {
      const base: Options = { endpoint: options.endpoint, roomName: "party", roomId: options.roomId ?? "", numClients: options.numClients, delay: options.delay, logLevel: "all", reestablishAllDelay: 0, retryFailed: 0, output: options.output ?? "", clientId: i };
      try {
        const handle = await main(base);
        handles.push(handle);
        stats.watch(handle.room);
        settled.push(handle.finished.catch(() => {}));
      } catch (error) {
        const reason = (error as { code?: unknown }).code;
        stats.failedJoin(typeof reason === "string" ? reason : (error as Error).message ?? String(error));
        console.error(`#${i} could not join: ${typeof reason === "string" ? reason : (error as Error).message}`);
      }
      if (options.delay > 0 && i + 1 < options.numClients) await new Promise((r) => setTimeout(r, options.delay));
    }
  })();
  void connecting.then(async () => {
    await Promise.all(settled);
    wake();
  });

  const why = await ended;
  stopping = true;
  clearInterval(progress);
  // Consented leaves: Bot.stop() marks the bot stopped first, so none counts as a disconnect.
  await Promise.race([Promise.allSettled(handles.map((h) => h.stop())), new Promise((r) => setTimeout(r, LEAVE_MS))]);
  const summary = stats.toJSON(options.numClients);
  console.log(formatSummary(summary, why));
  if (options.output) await writeFile(options.output, `${JSON.stringify({ ...summary, ended: why }, null, 2)}\n`);
  process.off("uncaughtException", onCrash);
  process.off("unhandledRejection", onCrash);
  const ok = summary.joins.ok > 0 && summary.joins.failed === 0 && summary.disconnects === 0 && summary.errors === 0;
  return ok ? 0 : 1;
}

function progressLine(stats: LoadStats, numClients: number): string {
  const s = stats.toJSON(numClients);
  return `[${s.durationSeconds} s] joined ${s.joins.ok}/${s.clients} (failed ${s.joins.failed}), rooms ${s.rooms}, games completed ${s.gamesCompleted}, messages sent ${s.messages.sent} received ${s.messages.received}, errors ${s.errors}`;
}

/** The end-of-run summary, one fact a line. */
export function formatSummary(s: ReturnType<LoadStats["toJSON"]>, why: string): string {
  const failures = Object.entries(s.joins.failures).map(([reason, n]) => `${reason} ×${n}`).join(", ");
  return [
    `load test summary (ended: ${why})`,
    `  duration          ${s.durationSeconds} s`,
    `  clients           ${s.clients}`,
    `  rooms             ${s.rooms}`,
    `  joins ok          ${s.joins.ok}${s.joins.audience ? ` (${s.joins.audience} as audience)` : ""}`,
    `  joins failed      ${s.joins.failed}${failures ? ` (${failures})` : ""}`,
    `  messages sent     ${s.messages.sent}`,
    `  messages received ${s.messages.received}`,
    `  games completed   ${s.gamesCompleted}`,
    `  refused requests  ${s.refusals}`,
    `  drops/reconnects  ${s.drops}/${s.reconnections}`,
    `  disconnects       ${s.disconnects}`,
    `  errors            ${s.errors}`,
  ].join("\n");
}
