/**
 * Wiring: the party room, transport, HTTP routes. No game logic lives here.
 */
import type { AddressInfo } from "node:net";
import { defineRoom, defineServer, type Server } from "@colyseus/core";
import { monitor } from "@colyseus/monitor";
import { WebSocketTransport } from "@colyseus/ws-transport";
import express from "express";
import { join } from "node:path";
import type { Config } from "./config.ts";
import { apiRouter } from "./http/api.ts";
import { logger } from "./logger.ts";
import { openPersistence, type Persistence } from "./persistence/index.ts";
import { onGameComplete, PartyRoom, setQuestionSource } from "./rooms/PartyRoom.ts";
import { canonicalizeJoinByIdUrl } from "./rooms/roomCodes.ts";

/** GAME.md §11: any one message larger than 4 KiB closes the sender's socket (1009). */
export const MAX_MESSAGE_BYTES = 4 * 1024;

const PUBLIC_DIR = new URL("../public/", import.meta.url).pathname;

export interface RunningServer {
  server: Server;
  port: number;
  persistence: Persistence;
  close(): Promise<void>;
}

export function createServer(config: Config, persistence: Persistence): Server {
  return defineServer({
    greet: false,
    gracefullyShutdown: false,
    transport: new WebSocketTransport({ maxPayload: MAX_MESSAGE_BYTES }),
    rooms: {
      party: defineRoom(PartyRoom, {
        secondMillis: config.secondMillis,
        reconnectSeconds: config.reconnectSeconds,
        messagesPerSecond: config.messagesPerSecond,
      }),
    },
    express: (app) => {
      app.get("/health", (_req, res) => {
        res.json({ ok: true });
      });
      app.use("/api", apiRouter(persistence.database.db));
      app.use(express.static(PUBLIC_DIR, { maxAge: "1h" }));
      if (config.monitor) app.use("/colyseus", monitor());
      app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
        logger.error({ err }, "HTTP request failed");
        res.status(503).json({ error: "the database is not answering; try again shortly" });
      });
    },
  });
}

/** Starts listening and resolves once the port accepts connections. */
export async function startServer(config: Config): Promise<RunningServer> {
  const persistence = await openPersistence({
    database: config.database,
    outboxDir: join(config.dataDir, "outbox"),
    redisUrl: config.redisUrl,
    retryMaxDelayMs: config.recordRetryMaxMs,
  });
  setQuestionSource(() => persistence.questions());
  const stopRecording = onGameComplete((record) => {
    persistence.recorder.submit(record).catch((err) => logger.error({ err, gameId: record.id }, "could not queue a finished game"));
  });
  const server = createServer(config, persistence);
  await server.listen(config.port, config.host);
  const http = server.transport.server!;
  // Runs before Colyseus's own request handler, whose room lookup is case-sensitive.
  http.prependListener("request", (req) => {
    if (req.url) req.url = canonicalizeJoinByIdUrl(req.url);
  });
  const port = (http.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    server,
    port,
    persistence,
    close() {
      closing ??= (async () => {
        await server.gracefullyShutdown(false);
        stopRecording();
        await persistence.recorder.flush(5_000);
        await persistence.close();
      })();
      return closing;
    },
  };
}
