/**
 * The gate in front of Colyseus's HTTP and WebSocket handlers (issue #7 findings 8 and 9):
 * every request gets its client address pinned (see clientIp.ts), a body of at most
 * `maxBodyBytes`, and the per-address limits on matchmaking; every WebSocket upgrade counts
 * against its address's socket cap.
 *
 * Colyseus 0.18 binds its router with a raw `request` listener that hands the Node request
 * straight to better-call, which reads the whole body into memory with no limit (core
 * `router/index.mjs` `bindRouterToTransport`; `router/node.mjs`'s 1 MiB reader is used only by
 * `serverless()`). A listener placed before it cannot stop it from running, so the gate takes
 * the listeners that are there once the server listens and calls them itself, only for requests
 * it lets through. A body it let through is read here, under the cap, and handed on as
 * `req.body`, which better-call and Express's body parsers use instead of reading the stream:
 * the same hand-off Colyseus's own `prereadRequestBodies` does. Nothing here may throw: a raw
 * listener that throws ends the process.
 */
import type { IncomingMessage, Server as HttpServer, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { matchMaker } from "@colyseus/core";
import { logger } from "../logger.ts";
import { ClientIpResolver, pinClientIp } from "./clientIp.ts";
import { IpLimits } from "./ipLimits.ts";
import { assignRequestId, requestIdOf } from "./requestId.ts";

export interface RequestGuardOptions {
  resolver: ClientIpResolver;
  limits: IpLimits;
  /** Largest request body accepted, in bytes; more is 413. */
  maxBodyBytes: number;
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;
type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
type MatchmakeKind = "create" | "join" | "other";

/** Seconds a client refused an upgrade for too many sockets is told to wait. */
const SOCKET_RETRY_SECONDS = 5;

/** Puts the gate in front of every `request` and `upgrade` listener the server has now. */
export function guardHttpServer(http: HttpServer, options: RequestGuardOptions): void {
  const requestListeners = http.listeners("request") as RequestListener[];
  http.removeAllListeners("request");
  http.on("request", (req: IncomingMessage, res: ServerResponse) => {
    try {
      // First, so that every answer below, ours or Colyseus's, carries it.
      assignRequestId(req, res);
      admitRequest(req, res, options, () => forward(requestListeners, http, req, res));
    } catch (err) {
      failed(res, err);
    }
  });

  const upgradeListeners = http.listeners("upgrade") as UpgradeListener[];
  http.removeAllListeners("upgrade");
  http.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      assignRequestId(req);
      admitUpgrade(req, socket, options, () => {
        for (const listener of upgradeListeners) listener.call(http, req, socket, head);
      });
    } catch (err) {
      logger.error({ err, reqId: requestIdOf(req) }, "WebSocket upgrade failed");
      socket.destroy();
    }
  });
}

function forward(listeners: RequestListener[], http: HttpServer, req: IncomingMessage, res: ServerResponse): void {
  for (const listener of listeners) {
    try {
      listener.call(http, req, res);
    } catch (err) {
      failed(res, err);
    }
  }
}

function failed(res: ServerResponse, err: unknown): void {
  logger.error({ err, reqId: requestIdOf(res.req) }, "HTTP request handler failed");
  try {
    if (!res.headersSent) {
      res.writeHead(500, { "content-type": "application/json", connection: "close" });
      res.end(JSON.stringify({ error: "internal error" }));
    } else {
      res.destroy();
    }
  } catch {
    // the socket is already gone
  }
}

function admitRequest(req: IncomingMessage, res: ServerResponse, options: RequestGuardOptions, next: () => void): void {
  const ip = pinClientIp(req, options.resolver);
  const kind = matchmakeKind(req);
  const declared = Number(req.headers["content-length"]);
  if (declared > options.maxBodyBytes) {
    refuse(res, kind, 413, "bad-request", `request body larger than ${options.maxBodyBytes} bytes`);
    return;
  }
  void checkLimits(ip, kind, res, options.limits)
    .then((admitted) => {
      if (!admitted) return;
      if (!hasBody(req)) return next();
      return readBody(req, options.maxBodyBytes).then((body) => {
        if (body === "too-large") return refuse(res, kind, 413, "bad-request", `request body larger than ${options.maxBodyBytes} bytes`);
        if (body === "aborted") return;
        setBody(req, body);
        next();
      });
    })
    .catch((err) => failed(res, err));
}

/** Applies the matchmaking limits; false when the request was refused (and answered). */
async function checkLimits(ip: string, kind: MatchmakeKind | null, res: ServerResponse, limits: IpLimits): Promise<boolean> {
  if (kind === "create") {
    const wait = await limits.takeCreate(ip);
    if (wait > 0) {
      refuse(res, kind, 429, "rate-limited", `too many rooms created from your address; retry in ${wait} s`, wait);
      return false;
    }
  } else if (kind === "join") {
    const wait = await limits.joinBlockedFor(ip);
    if (wait > 0) {
      refuse(res, kind, 429, "rate-limited", `too many failed joins from your address; retry in ${wait} s`, wait);
      return false;
    }
    // Only the outcome tells a miss from a hit: an unknown or locked code, or options refused
    // before a seat was reserved. A seat reservation (200) is never counted.
    res.once("finish", () => {
      if (res.statusCode >= 400 && res.statusCode !== 429) {
        limits
          .recordMiss(ip)
          .then((blocked) => {
            if (blocked > 0) logger.info({ ip, seconds: blocked }, "joins blocked for an address after repeated failed joins");
          })
          .catch((err) => logger.warn({ err }, "could not count a failed join"));
      }
    });
  }
  return true;
}

/**
 * Which matchmaking call a request is, by the same path Colyseus routes on
 * (`POST /matchmake/:method/:roomName`); null for anything else.
 */
function matchmakeKind(req: IncomingMessage): MatchmakeKind | null {
  if (req.method !== "POST") return null;
  const match = /^\/matchmake\/([^/?]*)\//.exec(req.url ?? "");
  if (!match) return null;
  const method = match[1];
  if (method === "create" || method === "joinOrCreate") return "create";
  if (method === "join" || method === "joinById") return "join";
  return "other";
}

function hasBody(req: IncomingMessage): boolean {
  return req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"]) > 0;
}

/**
 * Reads a body of at most `max` bytes. Past the cap it stops keeping chunks and says so; the
 * refusal that follows closes the connection, so the rest is never held in memory.
 */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | "too-large" | "aborted"> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (outcome: Buffer | "too-large" | "aborted") => {
      if (settled) return;
      settled = true;
      req.off("data", onData);
      if (!Buffer.isBuffer(outcome)) chunks.length = 0;
      resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) settle("too-large");
      else chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => settle(Buffer.concat(chunks, size)));
    req.once("error", () => settle("aborted"));
    req.once("close", () => settle("aborted"));
  });
}

/**
 * The body as Colyseus's own pre-reader leaves it: a JSON object or array parsed, anything else
 * as text. A string is what better-call takes as the raw body and parses itself, so a JSON
 * scalar (`"Ada"`, `null`) stays text too, and a malformed body gets the route's own 400.
 */
function setBody(req: IncomingMessage, body: Buffer): void {
  const text = body.toString("utf8");
  let value: unknown = text;
  if (String(req.headers["content-type"] ?? "").includes("application/json")) {
    try {
      const parsed: unknown = JSON.parse(text || "{}");
      if (typeof parsed === "object" && parsed !== null) value = parsed;
    } catch {
      // left as text
    }
  }
  (req as IncomingMessage & { body?: unknown }).body = value;
}

/**
 * Answers a refused request and closes the connection, so an unread body is dropped with it.
 * The error field is a GAME.md code, so an SDK join rejects with that code as its message.
 */
function refuse(res: ServerResponse, kind: MatchmakeKind | null, status: number, code: string, detail: string, retryAfter?: number): void {
  if (res.headersSent) return;
  const body = JSON.stringify({ error: code, detail, ...(retryAfter ? { retryAfter } : {}) });
  const headers: Record<string, string | number> = {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    connection: "close",
    ...(retryAfter ? { "retry-after": retryAfter } : {}),
  };
  // Browsers only show a cross-origin SDK the refusal if it carries the matchmaking CORS headers.
  if (kind !== null) Object.assign(headers, corsHeaders(res.req));
  res.writeHead(status, headers);
  res.end(body);
}

function corsHeaders(req: IncomingMessage): Record<string, string> {
  try {
    const controller = matchMaker.controller;
    return { ...controller.DEFAULT_CORS_HEADERS, ...controller.getCorsHeaders(new Headers(req.headers as Record<string, string>)) } as Record<string, string>;
  } catch {
    return {};
  }
}

function admitUpgrade(req: IncomingMessage, socket: Duplex, options: RequestGuardOptions, next: () => void): void {
  const ip = pinClientIp(req, options.resolver);
  if (!options.limits.openSocket(ip)) {
    socket.on("error", () => socket.destroy());
    socket.end(`HTTP/1.1 429 Too Many Requests\r\nRetry-After: ${SOCKET_RETRY_SECONDS}\r\nX-Request-Id: ${requestIdOf(req)}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    return;
  }
  let counted = true;
  socket.once("close", () => {
    if (counted) options.limits.closeSocket(ip);
    counted = false;
  });
  next();
}
