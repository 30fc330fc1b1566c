/**
 * Request ids (issue #12 #2): every HTTP response carries `X-Request-Id`, and a log line about a
 * failed request carries the same value as `reqId`, so a user's report and the log meet.
 *
 * The id is set at the very first listener of a request (src/http/requestGuard.ts), because many
 * answers never reach Express: the guard's own 413/429, and Colyseus's matchmaking router. A
 * proxy's or client's id is kept only when it is short and plain; anything else is hostile input
 * (log forging, huge values) and is replaced. pino-http was considered: its value is logging each
 * request, which this server does not want, and it works as a middleware, after the point where
 * the guard and Colyseus already answer.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/** The header, in the lower case Node uses for `req.headers`. */
export const REQUEST_ID_HEADER = "x-request-id";

/** What a client-supplied id may look like; anything else gets a fresh UUID instead. */
export const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Gives the request its id and the response its header. The request's own header is replaced
 * by the id, so code that only sees the headers (Colyseus's matchmaking auth context) reads
 * the vetted value. Never throws.
 */
export function assignRequestId(req: IncomingMessage, res?: ServerResponse): string {
  const offered = req.headers[REQUEST_ID_HEADER];
  const id = typeof offered === "string" && SAFE_REQUEST_ID.test(offered) ? offered : randomUUID();
  req.headers[REQUEST_ID_HEADER] = id;
  if (res && !res.headersSent) res.setHeader("X-Request-Id", id);
  return id;
}

/** The id {@link assignRequestId} gave, read from a request or from the headers it was given. */
export function requestIdOf(source: IncomingMessage | Headers | undefined): string | undefined {
  if (!source) return undefined;
  const value = source instanceof Headers ? source.get(REQUEST_ID_HEADER) : source.headers[REQUEST_ID_HEADER];
  return typeof value === "string" && SAFE_REQUEST_ID.test(value) ? value : undefined;
}
