/**
 * Prometheus metrics (prom-client), served at GET /metrics: process defaults plus what an
 * operator of a game server watches — rooms, clients, finished games, refusals by code, and the
 * outbox of games the database has not taken yet.
 */
import { matchMaker } from "@colyseus/core";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

export const gamesCompleted = new Counter({
  name: "robots_games_completed_total",
  help: "Games that reached the final phase on this process.",
  registers: [registry],
});

export const messagesRefused = new Counter({
  name: "robots_messages_refused_total",
  help: "Client messages refused, by GAME.md error code.",
  labelNames: ["code"] as const,
  registers: [registry],
});

new Gauge({
  name: "robots_rooms",
  help: "Rooms held by this process.",
  registers: [registry],
  collect() {
    this.set(matchMaker.stats.local.roomCount);
  },
});

new Gauge({
  name: "robots_clients",
  help: "Clients connected to this process.",
  registers: [registry],
  collect() {
    this.set(matchMaker.stats.local.ccu);
  },
});

/** What the metrics read from the game recorder (src/persistence/recorder.ts). */
export interface WatchedRecorder {
  pendingCount: number;
  delivered: number;
  outboxFailures: number;
  lost: number;
}

/** A counter whose value is a running total kept elsewhere, read at each scrape. */
function countedBy(name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

/** Metrics that read the recorder; registered once the persistence exists. */
export function watchRecorder(recorder: WatchedRecorder): void {
  const names = ["robots_outbox_pending", "robots_game_records_written", "robots_outbox_failures_total", "robots_records_lost_total"];
  for (const name of names) registry.removeSingleMetric(name);
  new Gauge({
    name: "robots_outbox_pending",
    help: "Finished games waiting in the outbox for the database.",
    registers: [registry],
    collect() {
      this.set(recorder.pendingCount);
    },
  });
  new Gauge({
    name: "robots_game_records_written",
    help: "Finished games the database confirmed since this process started.",
    registers: [registry],
    collect() {
      this.set(recorder.delivered);
    },
  });
  countedBy(
    "robots_outbox_failures_total",
    "Outbox calls (put, remove, list) that failed or timed out; the records stayed pending in memory.",
    () => recorder.outboxFailures,
  );
  countedBy(
    "robots_records_lost_total",
    "Finished games given up at shutdown that neither the database nor the outbox held.",
    () => recorder.lost,
  );
}

// ------------------------------------------------------------ game flow (issue 12)
// Fed by src/rooms/roomMetrics.ts. What changes on every client message is kept in plain numbers
// and handed to prom-client only at scrape time: a prom-client inc() or observe() hashes labels
// and costs 10-20 times a number update (issue 9 counts CPU per action).

/** Client messages received by rooms so far: bumped by the rooms, read at each scrape. */
export const messageTotals = { accepted: 0, refused: 0 };

new Counter({
  name: "robots_messages_received_total",
  help: "Client messages received by rooms, by result: accepted (a legal action) or refused (an error code went back).",
  labelNames: ["result"] as const,
  registers: [registry],
  collect() {
    this.reset();
    this.inc({ result: "accepted" }, messageTotals.accepted);
    this.inc({ result: "refused" }, messageTotals.refused);
  },
});

/**
 * A histogram for the game loop: `record()` is a bucket scan and three number updates, with
 * nothing allocated; the Prometheus text is built from those numbers when scraped.
 */
export class LoopHistogram extends Histogram {
  readonly #name: string;
  readonly #help: string;
  readonly #bounds: readonly number[];
  /** Per bucket (not cumulative); the last one is +Inf. */
  readonly #counts: Float64Array;
  #sum = 0;
  #count = 0;

  constructor(options: { name: string; help: string; buckets: number[]; registers: Registry[] }) {
    super(options);
    this.#name = options.name;
    this.#help = options.help;
    this.#bounds = [...options.buckets].sort((a, b) => a - b);
    this.#counts = new Float64Array(this.#bounds.length + 1);
  }

  record(value: number): void {
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.#counts[i]!++;
    this.#sum += value;
    this.#count++;
  }

  /** What prom-client's registry prints (its own Histogram keeps the same shape). */
  async getForPromString() {
    const name = this.#name;
    const values: { labels: Record<string, string | number>; sharedLabels: Record<string, never>; value: number; metricName: string }[] = [];
    let cumulative = 0;
    this.#bounds.forEach((bound, i) => {
      cumulative += this.#counts[i]!;
      values.push({ labels: { le: bound }, sharedLabels: {}, value: cumulative, metricName: `${name}_bucket` });
    });
    values.push({ labels: { le: "+Inf" }, sharedLabels: {}, value: this.#count, metricName: `${name}_bucket` });
    values.push({ labels: {}, sharedLabels: {}, value: this.#sum, metricName: `${name}_sum` });
    values.push({ labels: {}, sharedLabels: {}, value: this.#count, metricName: `${name}_count` });
    return { name, help: this.#help, type: "histogram", values, aggregator: "sum" };
  }
}

export const actionLatency = new LoopHistogram({
  name: "robots_action_broadcast_seconds",
  help: "From a client message reaching its room to the patch and events it caused being sent, for accepted messages.",
  buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5],
  registers: [registry],
});

export const gamesStarted = new Counter({
  name: "robots_games_started_total",
  help: "Games started on this process (completion rate: robots_games_completed_total / this).",
  registers: [registry],
});

export const gamesAbandoned = new Counter({
  name: "robots_games_abandoned_total",
  help: "Games whose room closed before the game reached its final phase.",
  registers: [registry],
});

export const gameDuration = new Histogram({
  name: "robots_game_duration_seconds",
  help: "From start-game to the final phase, for games that completed.",
  buckets: [15, 30, 60, 120, 300, 600, 900, 1200, 1800, 2700, 3600],
  registers: [registry],
});

export const gamePlayers = new Histogram({
  name: "robots_game_players",
  help: "Players in a game when it started.",
  buckets: [2, 3, 4, 5, 6, 7, 8],
  registers: [registry],
});

/** A phase deadline this far in the past with the phase unchanged means the room's timer failed. */
export const PAST_DEADLINE_GRACE_MS = 5_000;

/** Each room's current phase deadline (epoch ms), while it has one; written by roomMetrics.ts. */
export const roomDeadlines = new Map<object, number>();

new Gauge({
  name: "robots_rooms_past_deadline",
  help: `Rooms whose phase deadline passed more than ${PAST_DEADLINE_GRACE_MS / 1000} s ago without the phase ending (a stuck timer).`,
  registers: [registry],
  collect() {
    const stale = Date.now() - PAST_DEADLINE_GRACE_MS;
    let count = 0;
    for (const deadline of roomDeadlines.values()) if (deadline < stale) count++;
    this.set(count);
  },
});

/** The shared services' answers, as the readiness probes last saw them (src/http/readiness.ts). */
export interface WatchedServices {
  services(): Promise<{ database: { ok: boolean }; redis?: { ok: boolean } }>;
}

/**
 * robots_dependency_up{dependency="database"|"redis"}: 1 while it answers, 0 while not. Redis has
 * no sample without REDIS_URL, so an alert on it cannot fire for a single-process deployment.
 */
export function watchServices(watched: WatchedServices): void {
  registry.removeSingleMetric("robots_dependency_up");
  new Gauge({
    name: "robots_dependency_up",
    help: "Whether a shared service answers this process's readiness probe (1) or not (0): database, and redis when REDIS_URL is set.",
    labelNames: ["dependency"] as const,
    registers: [registry],
    async collect() {
      const { database, redis } = await watched.services();
      this.reset();
      this.set({ dependency: "database" }, database.ok ? 1 : 0);
      if (redis) this.set({ dependency: "redis" }, redis.ok ? 1 : 0);
    },
  });
}
