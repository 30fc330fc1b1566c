/**
 * The first look at every HTTP request, in a raw `request` listener that runs before Colyseus's
 * own. Code here must never throw: an exception in a raw listener ends the process and every
 * game on it (issue #7, finding 1). It also cannot answer: Colyseus's listener runs after it on
 * the same response whatever happens. So a request found unfit is only marked and sent to a path
 * no Colyseus route matches; the first Express middleware ({@link answerScreenedRequests})
 * answers it.
 */
import type { IncomingMessage } from "node:http";
import type { NextFunction, Request, Response } from "express";
import { logger } from "../logger.ts";
import { canonicalizeJoinByIdUrl } from "../rooms/roomCodes.ts";

/** Where a refused request is sent: matched by no Colyseus route, so Express gets it. */
const REFUSED_PATH = "/.robots-refused";

/** The admin panel's mount; see {@link screenRawRequest} for what is special about it. */
export const MONITOR_PATH = "/colyseus";
const MONITOR_PATH_PATTERN = /^\/colyseus(?:\/|$)/i;

interface Refusal {
  status: number;
  error: string;
}

const refused = new WeakMap<IncomingMessage, Refusal>();

/**
 * Screens one request in place; never throws.
 *
 * - A path that is not valid percent-encoding (`%ZZ`, a lone `%`, a cut-off UTF-8 sequence) is
 *   refused with 400 before any route tries to decode it.
 * - A lower-case join code is made canonical (GAME.md §2).
 * - Colyseus builds a URL from `X-Forwarded-Proto` and `Host` for its own routes and, when they
 *   cannot form one, throws inside a promise nobody awaits: the request hangs forever. A proto
 *   other than http/https is dropped; a Host that forms no URL refuses the request with 400.
 * - Under the monitor path, Colyseus would echo the caller's `Origin` in
 *   `Access-Control-Allow-Origin` with credentials allowed, letting any web page read the panel
 *   with an operator's stored credentials. The Origin is removed before Colyseus sees it, and a
 *   request that comes from another site is refused with 403.
 */
export function screenRawRequest(req: IncomingMessage): void {
  try {
    const path = pathOf(req.url ?? "/");
    const monitorRequest = MONITOR_PATH_PATTERN.test(path);
    const origin = req.headers.origin;
    if (monitorRequest) delete req.headers.origin;
    if (!decodes(path)) {
      // Every route decodes its path sooner or later; this one never will.
      refuse(req, { status: 400, error: "malformed percent-encoding in the request path" });
      return;
    }
    if (req.url) req.url = canonicalizeJoinByIdUrl(req.url);
    screenForwardedProto(req);
    const host = req.headers.host;
    if (host !== undefined && !URL.canParse(`http://${host}/`)) {
      refuse(req, { status: 400, error: "malformed Host header" });
      return;
    }
    if (monitorRequest && fromAnotherSite(req, origin)) refuse(req, { status: 403, error: "the monitor only answers its own pages" });
  } catch (err) {
    refuse(req, { status: 400, error: "malformed request" });
    logger.debug({ err }, "raw request screen failed; request refused");
  }
}

/** Express middleware, mounted first: answers the requests {@link screenRawRequest} refused. */
export function answerScreenedRequests(req: Request, res: Response, next: NextFunction): void {
  const refusal = refused.get(req);
  if (!refusal) {
    next();
    return;
  }
  logger.debug({ status: refusal.status, reason: refusal.error }, "refused a request before routing");
  res.status(refusal.status).json({ error: refusal.error });
}

function refuse(req: IncomingMessage, refusal: Refusal): void {
  refused.set(req, refusal);
  req.url = REFUSED_PATH;
}

function screenForwardedProto(req: IncomingMessage): void {
  const raw = req.headers["x-forwarded-proto"];
  if (raw === undefined) return;
  const first = String(raw).split(",")[0]!.trim().toLowerCase();
  if (first === "http" || first === "https") req.headers["x-forwarded-proto"] = first;
  else delete req.headers["x-forwarded-proto"];
}

/** A browser says so (`Sec-Fetch-Site`), or the Origin it sent is not this host. */
function fromAnotherSite(req: IncomingMessage, origin: string | undefined): boolean {
  const fetchSite = req.headers["sec-fetch-site"];
  if (fetchSite === "cross-site" || fetchSite === "same-site") return true;
  return origin !== undefined && !sameOrigin(origin, req.headers.host);
}

function sameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined || !URL.canParse(origin)) return false;
  return new URL(origin).host === new URL(`http://${host}/`).host;
}

function decodes(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

/** The path of a request target, whether origin-form (`/a?b`) or absolute-form (`http://h/a`). */
function pathOf(target: string): string {
  if (target.startsWith("/")) return target.split("?")[0]!;
  return URL.canParse(target) ? new URL(target).pathname : "";
}
