/**
 * What the server tells a page about where it is reachable. The server writes
 * `<meta name="robots:lan-urls" content="http://192.168.1.20:2567 http://10.0.0.5:2567">` into every
 * page (src/http/web.ts): the base URLs other devices on the LAN can use. A page opened on the
 * server machine itself (`localhost`) shows those to the phones; a page opened any other way is
 * already on an address others can reach, and keeps it.
 */

/** The meta element the server fills with its LAN base URLs, space-separated. */
export const LAN_URLS_META = "robots:lan-urls";

/** True for a host name that only this machine can reach. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h.endsWith(".localhost") || h === "::1" || /^127\./.test(h);
}

/** The little of `Document` read here (this module is also unit-tested in Node, without a DOM). */
interface PageLike {
  querySelector(selector: string): { getAttribute(name: string): string | null } | null;
}

/** The LAN base URLs the server put in the page (may be empty). */
export function lanUrlsFromPage(doc: PageLike = (globalThis as unknown as { document: PageLike }).document): string[] {
  const content = doc.querySelector(`meta[name="${LAN_URLS_META}"]`)?.getAttribute("content") ?? "";
  return content.split(/\s+/).filter((url) => /^https?:\/\//.test(url));
}

/**
 * The base URL phones should open: this page's own origin, unless that is a loopback address and
 * the server knows a LAN address, which is what a phone needs.
 */
export function phoneBaseUrl(location: { origin: string; hostname: string }, lanUrls: readonly string[]): string {
  if (isLoopbackHost(location.hostname) && lanUrls.length > 0) return lanUrls[0]!.replace(/\/+$/, "");
  return location.origin;
}

/** The URL that opens the phone page with a room code filled in. */
export function joinUrl(base: string, code: string): string {
  return `${base.replace(/\/+$/, "")}/join/${encodeURIComponent(code)}`;
}
