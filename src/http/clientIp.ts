/**
 * Who is on the other end of a request (issue #7 finding 9). The address is the TCP peer's,
 * unless that peer is one of our own reverse proxies (TRUSTED_PROXIES): then it is the hop
 * just before the last of our proxies in `X-Forwarded-For` (or `X-Real-IP` when the proxy
 * sends only that). A header sent by anyone else is ignored, so a client cannot pick the
 * address its limits are counted under.
 *
 * Colyseus 0.18 reads `X-Real-IP`, then `X-Forwarded-For`, then `X-Client-IP` from any peer
 * (core `Transport.mjs`, `resolveClientIp`), for the matchmaking `authContext.ip` and for the
 * WebSocket join context alike, and gives its HTTP route no socket address at all. That
 * function is internal and not exported, so instead of patching it we hand Colyseus headers it
 * can only read one way: {@link pinClientIp} removes the forwarding headers and sets
 * `X-Real-IP` to the address resolved here, before any Colyseus listener sees the request.
 * This depends only on Colyseus taking the address from the request headers (its documented
 * behaviour behind a proxy), not on the name or order of its internal functions.
 */
import { BlockList, isIP } from "node:net";
import type { IncomingMessage } from "node:http";

/** The key used when no address is known at all (a socket already gone). */
export const UNKNOWN_IP = "unknown";

const FORWARDING_HEADERS = ["x-forwarded-for", "x-real-ip", "x-client-ip"] as const;
const resolved = new WeakMap<IncomingMessage, string>();

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) is `10.0.0.1`. */
export function normalizeIp(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return (mapped ? mapped[1]! : address).toLowerCase();
}

/** One `X-Forwarded-For` entry as an address, or null: `[::1]:80` and `1.2.3.4:80` lose their port. */
function parseHop(raw: string): string | null {
  let hop = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hop);
  if (bracketed) hop = bracketed[1]!;
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(hop)) hop = hop.slice(0, hop.lastIndexOf(":"));
  return isIP(hop) ? normalizeIp(hop) : null;
}

/** Resolves client addresses against a fixed list of trusted proxies. */
export class ClientIpResolver {
  readonly #trusted = new BlockList();
  readonly #any: boolean;

  /** @param trustedProxies addresses and CIDRs (`10.0.0.1`, `10.0.0.0/8`, `fd00::/8`), already validated. */
  constructor(trustedProxies: readonly string[]) {
    for (const entry of trustedProxies) {
      const [address = "", prefix] = entry.split("/");
      const ip = normalizeIp(address);
      const family = isIP(ip) === 6 ? "ipv6" : "ipv4";
      if (prefix === undefined) this.#trusted.addAddress(ip, family);
      else this.#trusted.addSubnet(ip, Number(prefix), family);
    }
    this.#any = trustedProxies.length > 0;
  }

  isTrusted(ip: string): boolean {
    if (!this.#any) return false;
    const family = isIP(ip);
    return family !== 0 && this.#trusted.check(ip, family === 6 ? "ipv6" : "ipv4");
  }

  /** The client address of a request: see the module comment. Never throws. */
  resolve(req: IncomingMessage): string {
    const peer = req.socket?.remoteAddress;
    if (!peer) return UNKNOWN_IP;
    let client = normalizeIp(peer);
    if (!this.isTrusted(client)) return client;
    const forwarded = headerValue(req, "x-forwarded-for");
    if (forwarded !== undefined) {
      // Each proxy appends the address it received from; walk back from the nearest hop and stop
      // at the first one that is not ours. An unreadable hop ends the walk at the proxy before it.
      const hops = forwarded.split(",");
      for (let i = hops.length - 1; i >= 0; i--) {
        const hop = parseHop(hops[i]!);
        if (hop === null) return client;
        client = hop;
        if (!this.isTrusted(hop)) return hop;
      }
      return client;
    }
    const real = headerValue(req, "x-real-ip");
    const hop = real === undefined ? null : parseHop(real);
    return hop ?? client;
  }
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  if (Array.isArray(value)) return value.join(",");
  return value === undefined || value === "" ? undefined : value;
}

/**
 * Resolves the client address once per request, remembers it, and rewrites the forwarding
 * headers so Colyseus (and anything else that reads them) sees exactly that address.
 */
export function pinClientIp(req: IncomingMessage, resolver: ClientIpResolver): string {
  const known = resolved.get(req);
  if (known !== undefined) return known;
  const ip = resolver.resolve(req);
  for (const name of FORWARDING_HEADERS) delete req.headers[name];
  req.headers["x-real-ip"] = ip;
  resolved.set(req, ip);
  return ip;
}

/** The address {@link pinClientIp} resolved for this request, if it ran. */
export function clientIpOf(req: IncomingMessage): string | undefined {
  return resolved.get(req);
}
