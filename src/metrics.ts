/**
 * Prometheus metrics (prom-client), served at GET /metrics: process defaults plus what an
 * operator of a game server watches — rooms, clients, finished games, refusals by code, and the
 * outbox of games the database has not taken yet.
 */
import { matchMaker } from "@colyseus/core";
import { collectDefaultMetrics, Counter, Gauge, Registry } from "prom-client";

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
