/**
 * What an HTTP client is told when a request fails, and what the log keeps. A client's mistake
 * (a bad percent-escape, a malformed parameter) is a 4xx logged at debug; only a database that
 * does not answer is a 503; no response body ever carries an internal error's text (issue #7,
 * findings 1 and 11): the details go to the log.
 */
import { STATUS_CODES } from "node:http";
import { ErrorCode as ColyseusErrorCode, matchMaker, ServerError } from "@colyseus/core";
import { SeatReservationError } from "@colyseus/core/errors/SeatReservationError";
import type { NextFunction, Request, Response } from "express";
import { ALL_ERROR_CODES } from "../protocol.ts";
import { logger } from "../logger.ts";
import { databaseCallFailed, databaseState, errorReason, redisState } from "../outages.ts";
import { requestIdOf } from "./requestId.ts";
import { reportError } from "../errorTracking.ts";
import { ServerDraining } from "../rooms/drain.ts";

/** Told to clients while the database is down; the cause stays in the log. */
export const DATABASE_DOWN_MESSAGE = "the database is not answering; try again shortly";
/** Told to clients for any failure that is ours, not theirs. */
export const INTERNAL_ERROR_MESSAGE = "the server could not complete this request; try again shortly";

/** A query the database did not answer: a 503 whose body never names the cause. */
export class DatabaseUnavailable extends Error {
  readonly status = 503;
  constructor(cause: unknown) {
    super(DATABASE_DOWN_MESSAGE, { cause });
    this.name = "DatabaseUnavailable";
  }
}

/**
 * The 4xx status an error carries (`status` or `statusCode`, as Express, body-parser and the
 * router set on a malformed request), or undefined for anything else.
 */
export function clientErrorStatus(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const e = err as { status?: unknown; statusCode?: unknown };
  const status = typeof e.status === "number" ? e.status : e.statusCode;
  return typeof status === "number" && Number.isInteger(status) && status >= 400 && status <= 499 ? status : undefined;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Express's last error handler: picks the status and a fixed, generic body. */
export function httpErrorHandler(err: unknown, req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) {
    // Too late to answer: let Express close the connection.
    next(err);
    return;
  }
  const clientStatus = clientErrorStatus(err);
  if (clientStatus !== undefined) {
    // The client's own doing, and any client can repeat it at will: not worth more than debug.
    logger.debug({ status: clientStatus, method: req.method, reason: messageOf(err), reqId: requestIdOf(req) }, "refused a malformed HTTP request");
    res.status(clientStatus).json({ error: clientStatus === 400 ? "malformed request" : (STATUS_CODES[clientStatus] ?? "request refused").toLowerCase() });
    return;
  }
  if (err instanceof DatabaseUnavailable) {
    // The outage itself is one warning (src/outages.ts); each request it fails is one line, no stack.
    const known = !databaseState.up;
    databaseCallFailed(err.cause, "an API request");
    logger[known ? "info" : "error"]({ path: req.path, reqId: requestIdOf(req), reason: errorReason(err.cause) }, "HTTP request failed: the database did not answer");
    res.status(503).json({ error: DATABASE_DOWN_MESSAGE });
    return;
  }
  logger.error({ err, path: req.path, reqId: requestIdOf(req) }, "HTTP request failed");
  reportError(err, { status: "500", method: req.method, route: req.route?.path ?? req.path });
  res.status(500).json({ error: INTERNAL_ERROR_MESSAGE });
}

/**
 * Colyseus answers a refused matchmaking call with its own error code as the HTTP status (520–526),
 * which reads as a server fault to every proxy, monitor and client. Each one that describes the
 * client's request gets the 4xx that says the same; the JSON body keeps the reason.
 */
const CLIENT_STATUS_OF_COLYSEUS_CODE = new Map<unknown, number>([
  [ColyseusErrorCode.MATCHMAKE_NO_HANDLER, 404], // no such room type or matchmaking method
  [ColyseusErrorCode.MATCHMAKE_INVALID_CRITERIA, 404], // no room matches a plain join
  [ColyseusErrorCode.MATCHMAKE_INVALID_ROOM_ID, 404], // no room with that code, or it is locked
  [ColyseusErrorCode.MATCHMAKE_EXPIRED, 410], // a reconnection token that is spent or expired
  [ColyseusErrorCode.AUTH_FAILED, 403],
]);
const PATCHED = Symbol.for("robots.matchmakeErrorsHidden");

/**
 * Wraps the matchmaking controller once per process, so that a failed matchmaking request gets
 * a status that says whose fault it was, and never the text of an internal error:
 * - a Colyseus refusal of the request (unknown room, expired token, …) → its 4xx (see above);
 * - a 4xx refusal of our own (`bad-request` from onAuth, `rate-limited`) passes through;
 * - a seat the room would not reserve (full, or closing) → 409;
 * - anything else (a Redis or database fault: its text names hosts, ports, commands) is logged
 *   here and answered 500 with a generic message.
 */
export function hideInternalMatchmakeErrors(): void {
  const controller = matchMaker.controller as typeof matchMaker.controller & { [PATCHED]?: true };
  if (controller[PATCHED]) return;
  const invoke = controller.invokeMethod;
  controller.invokeMethod = async function (this: typeof controller, ...args: Parameters<typeof invoke>) {
    try {
      return await invoke.apply(this, args);
    } catch (error) {
      const reqId = requestIdOf(args[3]?.headers);
      const refusal = publicMatchmakeError(error, args[0], args[1], reqId);
      logRefusedJoin(refusal, args[0], args[1], reqId);
      throw refusal;
    }
  };
  controller[PATCHED] = true;
}

/** Matchmaking calls that ask for a seat in a room that exists; their refusals are worth a line. */
const JOIN_METHODS = new Set(["join", "joinById", "joinOrCreate", "reconnect"]);
/** Client text in a log line is cut to this: a room id is 4 letters, a reason one sentence. */
const LOGGED_TEXT_MAX = 120;

/**
 * One info line per refused join (issue #12 #2): the GAME.md code when there is one, else the
 * HTTP status and Colyseus's reason (an unknown code). No stack: the refusal is the client's doing.
 */
function logRefusedJoin(refusal: ServerError, method: unknown, roomName: unknown, reqId: string | undefined): void {
  if (typeof method !== "string" || !JOIN_METHODS.has(method) || refusal.code < 400 || refusal.code > 499) return;
  const target = String(roomName).slice(0, LOGGED_TEXT_MAX);
  const known = (ALL_ERROR_CODES as readonly string[]).includes(refusal.message);
  logger.info(
    {
      method,
      ...(method === "joinById" || method === "reconnect" ? { roomId: target } : { roomName: target }),
      status: refusal.code,
      ...(known ? { code: refusal.message } : { reason: refusal.message.slice(0, LOGGED_TEXT_MAX) }),
      reqId,
    },
    "join refused",
  );
}

function publicMatchmakeError(error: unknown, method: unknown, roomName: unknown, reqId: string | undefined): ServerError {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const mapped = CLIENT_STATUS_OF_COLYSEUS_CODE.get(code);
  if (mapped !== undefined) return new ServerError(mapped, message);
  if (typeof code === "number" && code >= 400 && code <= 499) return error as ServerError;
  // Every process is draining for a restart (src/rooms/drain.ts): a retry soon succeeds. The
  // controller re-wraps the error in a plain ServerError, keeping its code and message.
  if (code === ServerDraining.STATUS) return error as ServerError;
  if ((ALL_ERROR_CODES as readonly string[]).includes(message)) return new ServerError(400, message);
  if (error instanceof SeatReservationError) return new ServerError(409, "the room cannot take a seat right now; try again");
  // While Redis is known to be away every matchmaking call fails the same way: the reason, not a stack each.
  logger.warn({ ...(redisState.up ? { err: error } : { reason: errorReason(error) }), method, roomName, reqId }, "matchmaking failed inside the server");
  reportError(error, { status: "500", matchmake: typeof method === "string" ? method : undefined });
  return new ServerError(500, INTERNAL_ERROR_MESSAGE);
}
