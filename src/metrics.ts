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

/** Gauges that read the recorder; registered once the persistence exists. */
export function watchRecorder(recorder: { pendingCount: number; delivered: number }): void {
  for (const name of ["robots_outbox_pending", "robots_game_records_written"]) registry.removeSingleMetric(name);
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
}
