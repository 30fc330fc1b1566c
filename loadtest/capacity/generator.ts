/**
 * One load generator of the capacity benchmark, run as a child process by
 * loadtest/capacity-bench.ts (never by hand). It holds whole rooms: all 8 clients of a room live
 * here, so the time from one client's action to the moment all 8 have its broadcast is measured
 * on one clock.
 *
 * Two kinds of room:
 * - `robots`: 8 bots of bots/runner.ts (the bots' own strategy) in a Robots room. The creating
 *   bot hosts and plays; this file starts each game for it (so rooms can be measured as idle
 *   lobbies first) and the bot itself sends `next-round` and `play-again`, so games loop. An
 *   action is `submit-answer`, `submit-elimination-vote` or `submit-final-vote`; its broadcast
 *   is `player-answered`, `elimination-vote-cast` or `final-vote-cast` naming the sender.
 * - `raw`: 8 plain `ws` clients of loadtest/capacity/raw-ws-server.ts, each sending a small
 *   message after a think time drawn like the bots' (scaled to the requested message rate); the
 *   server echoes it to the room's 8 sockets.
 *
 * The parent drives it over IPC: setup → start → begin → end → stop (see `Command`).
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import WebSocket from "ws";
import type { BotHandle } from "../../bots/runner.ts";
import { startBots } from "../../bots/runner.ts";
import { stateOf } from "../../bots/connection.ts";
import { TIMER_BOUNDS } from "../../src/protocol.ts";
import { silenceUnhandledMessageWarnings } from "../support/sdkWarnings.ts";

/** Clients per room: the workload of the issue (8 players, the host among them). */
export const ROOM_SIZE = 8;

export interface Think {
  minMs: number;
  maxMs: number;
  /** Robots host: pause in `results` and `final` before `next-round` / `play-again`. */
  hostPauseMs: number;
}

/** What the parent sends. */
export type Command =
  | {
      cmd: "setup";
      mode: "robots" | "raw";
      endpoint: string;
      /** Global indices of this generator's rooms. */
      rooms: number[];
      /** Rooms filled at once by this generator. */
      batch: number;
      think: Think;
      /** Raw mode: every think time is multiplied by this (to match the Robots message rate). */
      rawScale: number;
    }
  | { cmd: "start"; spreadMs: number }
  | { cmd: "begin" }
  | { cmd: "end"; graceMs: number }
  | { cmd: "stop" };

/** What the generator reports for one measurement window. */
export interface WindowReport {
  /** Action→all-8 latencies (ms) of actions sent in the window. */
  latencies: number[];
  /** Actions the server accepted in the window (first client to see the broadcast). */
  actions: number;
  /** Actions sent in the window whose broadcast had not reached all 8 clients after the grace. */
  unfinished: number;
  /** Messages sent in the window, by type. */
  sent: Record<string, number>;
  /** Refusals, drops and leaves seen by clients in the window, by kind and code. */
  errors: Record<string, number>;
  /** Rooms held, and those without a single accepted action in the window. */
  rooms: number;
  silentRooms: number;
  /** Games the bots saw complete in the window (robots mode). */
  gamesCompleted: number;
  /** This process's own event-loop delay (ms) and CPU (µs) over the window. */
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
  cpuMicros: number;
}

export type Reply =
  | { ev: "setup-done"; rooms: number; failedRooms: number; errors: Record<string, number>; setupMs: number }
  | { ev: "started" }
  | { ev: "begun" }
  | ({ ev: "window" } & WindowReport)
  | { ev: "stopped" }
  | { ev: "fatal"; message: string };

// ------------------------------------------------------------------ measurement

/** An action in flight: when it was sent, how many clients have its broadcast. */
interface InFlight {
  sentAt: number;
  got: number;
  inWindow: boolean;
}

interface RoomLoad {
  index: number;
  /** Clients in the room (8 unless a join failed part-way). */
  size: number;
  inFlight: Map<string, InFlight>;
  actedInWindow: boolean;
  /** Stops the room's clients. */
  stop: () => Promise<void>;
  /** Starts its game or its senders. */
  start: () => void;
}

let windowOpen = false;
let latencies: number[] = [];
let accepted = 0;
let gamesCompleted = 0;
let sent: Record<string, number> = {};
let errors: Record<string, number> = {};
const setupErrors: Record<string, number> = {};
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
let cpuAtBegin = process.cpuUsage();
const rooms: RoomLoad[] = [];
let stopping = false;

const bump = (counts: Record<string, number>, key: string) => void (counts[key] = (counts[key] ?? 0) + 1);

/** A client sent an action: its broadcast is awaited under `key` (one action per key at a time). */
function sending(room: RoomLoad, key: string): void {
  // A re-sent answer (the first one refused) replaces the refused one.
  room.inFlight.set(key, { sentAt: performance.now(), got: 0, inWindow: windowOpen });
}

/** A client of `room` received the broadcast of the action under `key`. */
function received(room: RoomLoad, key: string): void {
  const flight = room.inFlight.get(key);
  if (!flight) return;
  flight.got++;
  if (flight.got === 1 && windowOpen) {
    accepted++;
    room.actedInWindow = true;
  }
  if (flight.got >= room.size) {
    room.inFlight.delete(key);
    if (flight.inWindow) latencies.push(performance.now() - flight.sentAt);
  }
}

const uniform = (min: number, max: number) => min + Math.random() * (max - min);

// ------------------------------------------------------------------ Robots rooms

/** Broadcast type → the action kind it confirms. */
const BROADCASTS = { "player-answered": "a", "elimination-vote-cast": "e", "final-vote-cast": "f" } as const;
/** Action message type → its kind. */
const ACTIONS: Record<string, string> = { "submit-answer": "a", "submit-elimination-vote": "e", "submit-final-vote": "f" };

/** Timers at their longest, so that the bots' think times, not deadlines, move the game. */
const LONG_TIMERS = {
  question: TIMER_BOUNDS.question.max,
  elimination: TIMER_BOUNDS.elimination.max,
  voting: TIMER_BOUNDS.voting.max,
  results: TIMER_BOUNDS.results.max,
};

async function robotsRoom(index: number, endpoint: string, think: Think): Promise<RoomLoad> {
  const handles: BotHandle[] = [];
  let startTimer: ReturnType<typeof setTimeout> | undefined;
  let started = false;
  const load: RoomLoad = {
    index,
    size: ROOM_SIZE,
    inFlight: new Map(),
    actedInWindow: false,
    stop: async () => {
      clearTimeout(startTimer);
      await Promise.allSettled(handles.map((h) => h.stop()));
    },
    start: () => {
      started = true;
      const host = handles[0]!;
      host.room.send("update-settings", { timers: LONG_TIMERS });
      scheduleStart(think.minMs);
    },
  };
  /** The host's `start-game`, after a think time, while the room is in the lobby (first game and after `play-again`). */
  const scheduleStart = (delay: number) => {
    clearTimeout(startTimer);
    startTimer = setTimeout(() => {
      const host = handles[0]!;
      if (stopping || stateOf(host.room).phase !== "lobby") return;
      host.room.send("start-game", {});
      // Refused (e.g. a player reconnecting): try again.
      scheduleStart(Math.max(2000, think.maxMs));
    }, delay);
  };
  const instrument = (handle: BotHandle) => {
    const room = handle.room;
    const send = room.send.bind(room) as (type: string, payload?: unknown) => void;
    (room as { send: unknown }).send = (type: string, payload?: unknown) => {
      const kind = ACTIONS[type];
      if (kind) sending(load, kind + room.sessionId);
      if (windowOpen) bump(sent, type);
      send(type, payload);
    };
    for (const [type, kind] of Object.entries(BROADCASTS)) {
      room.onMessage(type, (p: { playerId: string }) => received(load, kind + p.playerId));
    }
  };
  try {
    handles.push(
      ...(await startBots({
        endpoint,
        players: ROOM_SIZE,
        // The runner's host starts at this many players: never, so the room stays a lobby until
        // `start` (this file then starts every game).
        minPlayers: ROOM_SIZE + 1,
        games: Number.MAX_SAFE_INTEGER,
        minDelayMs: think.minMs,
        maxDelayMs: think.maxMs,
        hostPauseMs: think.hostPauseMs,
        salt: index % 16,
        onBot: (handle) => instrument(handle),
        onEvent: (event, bot) => {
          if (!windowOpen) return;
          switch (event.type) {
            case "refused": {
              bump(errors, `refused:${event.requestType}:${event.code}`);
              const kind = ACTIONS[event.requestType];
              if (kind) load.inFlight.delete(kind + bot.id);
              return;
            }
            case "answer-retry":
              return bump(errors, `answer-retry:${event.code}`);
            case "dropped":
              return bump(errors, `dropped:${event.code}`);
            case "left":
              return bump(errors, `left:${event.code}`);
            case "game-complete":
              // Every bot reports it; count it once, from the host.
              if (bot === handles[0]?.bot) gamesCompleted++;
              return;
          }
        },
      })),
    );
  } catch (error) {
    await load.stop();
    throw error;
  }
  const host = handles[0]!;
  let phase = stateOf(host.room).phase;
  host.room.onStateChange(() => {
    const now = stateOf(host.room).phase;
    // Back in the lobby after `play-again`: the next game starts after the host's think time.
    if (started && !stopping && now === "lobby" && phase !== "lobby") scheduleStart(think.minMs);
    phase = now;
  });
  return load;
}

// ------------------------------------------------------------------ raw ws rooms

async function rawRoom(index: number, endpoint: string, think: Think, scale: number): Promise<RoomLoad> {
  const sockets: WebSocket[] = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const load: RoomLoad = {
    index,
    size: ROOM_SIZE,
    inFlight: new Map(),
    actedInWindow: false,
    stop: async () => {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.terminate();
    },
    start: () => {
      sockets.forEach((socket, player) => {
        let seq = 0;
        const next = () => {
          const t = setTimeout(() => {
            timers.delete(t);
            if (stopping || socket.readyState !== WebSocket.OPEN) return;
            const key = `${player}:${++seq}`;
            sending(load, key);
            if (windowOpen) bump(sent, "message");
            socket.send(JSON.stringify({ k: key }));
            next();
          }, uniform(think.minMs, think.maxMs) * scale);
          timers.add(t);
        };
        next();
      });
    },
  };
  try {
    for (let i = 0; i < ROOM_SIZE; i++) {
      const socket = new WebSocket(`${endpoint}/?room=${index}`);
      sockets.push(socket);
      await new Promise<void>((resolve, reject) => {
        socket.once("open", () => resolve());
        socket.once("error", reject);
      });
      socket.on("message", (data) => received(load, (JSON.parse(String(data)) as { k: string }).k));
      socket.on("close", () => {
        if (windowOpen && !stopping) bump(errors, "closed");
      });
    }
  } catch (error) {
    await load.stop();
    throw error;
  }
  return load;
}

// ------------------------------------------------------------------ commands

async function setup(c: Extract<Command, { cmd: "setup" }>): Promise<Reply> {
  const began = performance.now();
  let next = 0;
  let failedRooms = 0;
  const worker = async () => {
    for (let i = next++; i < c.rooms.length; i = next++) {
      const index = c.rooms[i]!;
      try {
        rooms.push(c.mode === "robots" ? await robotsRoom(index, c.endpoint, c.think) : await rawRoom(index, c.endpoint, c.think, c.rawScale));
      } catch (error) {
        failedRooms++;
        const e = error as { code?: unknown; message?: string };
        bump(setupErrors, `join:${typeof e.code === "string" ? e.code : (e.message ?? String(error)).slice(0, 60)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, c.batch) }, worker));
  return { ev: "setup-done", rooms: rooms.length, failedRooms, errors: setupErrors, setupMs: performance.now() - began };
}

function start(spreadMs: number): Reply {
  // Rooms start spread over `spreadMs`, so that they do not move in lock-step.
  for (const room of rooms) setTimeout(() => !stopping && room.start(), Math.random() * spreadMs);
  return { ev: "started" };
}

function begin(): Reply {
  latencies = [];
  accepted = 0;
  gamesCompleted = 0;
  sent = {};
  errors = {};
  for (const room of rooms) room.actedInWindow = false;
  loop.reset();
  cpuAtBegin = process.cpuUsage();
  windowOpen = true;
  return { ev: "begun" };
}

async function end(graceMs: number): Promise<Reply> {
  windowOpen = false;
  const cpu = process.cpuUsage(cpuAtBegin);
  const eventLoopP99Ms = loop.percentile(99) / 1e6;
  const eventLoopMaxMs = loop.max / 1e6;
  const windowLatencies = latencies;
  const pendingFromWindow = () => rooms.reduce((n, r) => n + [...r.inFlight.values()].filter((f) => f.inWindow).length, 0);
  // Actions sent just before the end still get their broadcast delivered (and timed).
  const until = performance.now() + graceMs;
  while (pendingFromWindow() > 0 && performance.now() < until) await new Promise((r) => setTimeout(r, 50));
  const unfinished = pendingFromWindow();
  for (const r of rooms) for (const [k, f] of r.inFlight) if (f.inWindow) r.inFlight.delete(k);
  return {
    ev: "window",
    latencies: windowLatencies,
    actions: accepted,
    unfinished,
    sent,
    errors,
    rooms: rooms.length,
    silentRooms: rooms.filter((r) => !r.actedInWindow).length,
    gamesCompleted,
    eventLoopP99Ms,
    eventLoopMaxMs,
    cpuMicros: cpu.user + cpu.system,
  };
}

async function stopAll(): Promise<Reply> {
  stopping = true;
  await Promise.race([Promise.allSettled(rooms.map((r) => r.stop())), new Promise((r) => setTimeout(r, 10_000))]);
  return { ev: "stopped" };
}

async function handle(c: Command): Promise<Reply> {
  switch (c.cmd) {
    case "setup":
      return setup(c);
    case "start":
      return start(c.spreadMs);
    case "begin":
      return begin();
    case "end":
      return end(c.graceMs);
    case "stop":
      return stopAll();
  }
}

if (import.meta.main) {
  // The bots handle every event they need; the rest need no warning each.
  silenceUnhandledMessageWarnings();
  if (!process.send) {
    console.error("capacity generator: run by loadtest/capacity-bench.ts (needs an IPC channel)");
    process.exit(2);
  }
  // The parent gone (crashed or killed): nothing left to measure for.
  process.on("disconnect", () => process.exit(1));
  process.on("message", (c: Command) => {
    handle(c).then(
      (reply) => {
        process.send!(reply);
        if (c.cmd === "stop") setTimeout(() => process.exit(0), 100);
      },
      (error: unknown) => process.send!({ ev: "fatal", message: (error as Error)?.stack ?? String(error) } satisfies Reply),
    );
  });
}
