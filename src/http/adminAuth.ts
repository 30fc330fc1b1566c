/**
 * Doors for operators only: the Colyseus monitor behind HTTP Basic credentials, read-only, and
 * /metrics behind an optional bearer token and address allowlist (issue #7, findings 2 and 11).
 * Secrets are compared in constant time, so response timing tells nothing about how much of a
 * guess was right.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { BlockList, isIP } from "node:net";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { logger } from "../logger.ts";

/**
 * True when `given` equals `expected`, in a time that depends on neither: both are hashed to
 * digests of the same length first, which `timingSafeEqual` requires.
 */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given, "utf8").digest();
  const b = createHash("sha256").update(expected, "utf8").digest();
  return timingSafeEqual(a, b);
}

/** User name and password from an `Authorization: Basic …` header, or null. */
export function parseBasicAuthorization(header: string | undefined): { user: string; password: string } | null {
  const match = /^basic +([A-Za-z0-9+/=]+) *$/i.exec(header ?? "");
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? null : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Express middleware: the request goes on only with these HTTP Basic credentials, else 401. */
export function requireBasicAuth(credentials: { user: string; password: string }, realm: string): RequestHandler {
  const challenge = `Basic realm="${realm.replaceAll('"', "")}", charset="UTF-8"`;
  return (req, res, next) => {
    const given = parseBasicAuthorization(req.get("authorization"));
    // Both halves are always compared, so a right user name with a wrong password takes as
    // long as a wrong user name.
    const userOk = secretsEqual(given?.user ?? "", credentials.user);
    const passwordOk = secretsEqual(given?.password ?? "", credentials.password);
    if (given && userOk && passwordOk) {
      next();
      return;
    }
    if (given) logger.info({ ip: req.socket.remoteAddress, path: req.originalUrl.split("?")[0] }, "refused monitor credentials");
    res.set("WWW-Authenticate", challenge).status(401).json({ error: "credentials required" });
  };
}

/**
 * The monitor's room-call endpoint runs any method of a room (disconnect it, kick a player,
 * edit its state, send forged messages): every use the panel makes of it writes. Refused, so the
 * panel is a read-only view even for someone holding the credentials.
 */
const ROOM_CALL_PATH = /^\/+api\/+room\/+call(?:\/|$)/i;

/**
 * Express middleware for the monitor's mount: credentials first, then no writes, and none of
 * Colyseus's permissive CORS headers on anything it answers.
 */
export function monitorGuard(credentials: { user: string; password: string }): RequestHandler[] {
  const noCors = (_req: Request, res: Response, next: NextFunction) => {
    for (const name of res.getHeaderNames()) if (name.startsWith("access-control-")) res.removeHeader(name);
    res.set("Cache-Control", "no-store");
    next();
  };
  const readOnly = (req: Request, res: Response, next: NextFunction) => {
    if (ROOM_CALL_PATH.test(req.path)) {
      res.status(403).json({ error: "the monitor is read-only" });
      return;
    }
    next();
  };
  return [noCors, requireBasicAuth(credentials, "Robots monitor"), readOnly];
}

/** IPv4 peers of a dual-stack socket appear as `::ffff:a.b.c.d`. */
function plainAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

/** A BlockList holding each address or CIDR of `entries` (as validated by loadConfig). */
export function addressList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [raw = "", prefix] = entry.split("/");
    const address = prefix === undefined ? plainAddress(raw) : raw;
    const type = isIP(address) === 6 ? "ipv6" : "ipv4";
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}

/** True when `address` (a socket's remote address) is in `list`. */
export function addressAllowed(list: BlockList, address: string | undefined): boolean {
  if (!address) return false;
  const plain = plainAddress(address);
  const family = isIP(plain);
  return family !== 0 && list.check(plain, family === 6 ? "ipv6" : "ipv4");
}

/**
 * Express middleware for /metrics. With an allowlist, other addresses get 403; with a token, a
 * request without `Authorization: Bearer <token>` gets 401. Neither set: open, as before.
 * `clientAddress` picks the address to check (the socket's peer unless a trusted proxy says
 * otherwise).
 */
export function metricsGuard(
  options: { token: string | null; allow: readonly string[] | null },
  clientAddress: (req: Request) => string | undefined = (req) => req.socket.remoteAddress,
): RequestHandler {
  const allow = options.allow ? addressList(options.allow) : null;
  const token = options.token;
  return (req, res, next) => {
    if (allow && !addressAllowed(allow, clientAddress(req))) {
      res.status(403).json({ error: "metrics are not served to this address" });
      return;
    }
    if (token !== null) {
      const match = /^bearer +(\S+) *$/i.exec(req.get("authorization") ?? "");
      if (!secretsEqual(match?.[1] ?? "", token) || !match) {
        res.set("WWW-Authenticate", 'Bearer realm="Robots metrics"').status(401).json({ error: "a bearer token is required" });
        return;
      }
    }
    next();
  };
}
