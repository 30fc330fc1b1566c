/**
 * Wiring: the party room, transport, HTTP routes. No game logic lives here.
 */
import type { AddressInfo } from "node:net";
import { defineRoom, defineServer, type Server } from "@colyseus/core";
import { monitor } from "@colyseus/monitor";
import { WebSocketTransport } from "@colyseus/ws-transport";
import express from "express";
import type { Config } from "./config.ts";
import { PartyRoom } from "./rooms/PartyRoom.ts";
import { canonicalizeJoinByIdUrl } from "./rooms/roomCodes.ts";

/** GAME.md §11: any one message larger than 4 KiB closes the sender's socket (1009). */
export const MAX_MESSAGE_BYTES = 4 * 1024;

const PUBLIC_DIR = new URL("../public/", import.meta.url).pathname;

export interface RunningServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

export function createServer(config: Config): Server {
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
      app.use(express.static(PUBLIC_DIR, { maxAge: "1h" }));
      if (config.monitor) app.use("/colyseus", monitor());
    },
  });
}

/** Starts listening and resolves once the port accepts connections. */
export async function startServer(config: Config): Promise<RunningServer> {
  const server = createServer(config);
  await server.listen(config.port, config.host);
  const http = server.transport.server!;
  // Runs before Colyseus's own request handler, whose room lookup is case-sensitive.
  http.prependListener("request", (req) => {
    if (req.url) req.url = canonicalizeJoinByIdUrl(req.url);
  });
  const port = (http.address() as AddressInfo).port;
  return {
    server,
    port,
    close: () => server.gracefullyShutdown(false),
  };
}
