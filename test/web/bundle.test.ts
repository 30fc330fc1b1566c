/**
 * Issue #10 deliverable 1: the server serves the browser client itself. The bundle builds from
 * `web/` with nothing but `npm install`; the phone page stays within its 150 KB gzipped budget;
 * `/host`, `/` and `/join/<code>` answer the pages (a code that is not one still gets the page,
 * which says what is wrong); the bundles are cacheable for good; the start-up log names the LAN
 * addresses phones can open.
 */
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_ERROR_CODES } from "../../src/protocol.ts";
import { buildWebClient, lanBaseUrls, startupUrls, type WebBundle } from "../../src/http/web.ts";
import { ERROR_SENTENCES } from "../../web/lib/errors.ts";
import { isLoopbackHost, joinUrl, phoneBaseUrl } from "../../web/lib/config.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

/** Issue #10: the phone page, everything it loads, at most this many bytes gzipped. */
const PHONE_BUDGET_BYTES = 150 * 1024;

let bundle: WebBundle;
beforeAll(async () => {
  bundle = await buildWebClient();
});

/** Gzipped bytes of everything a page loads (script and stylesheet, not source maps). */
function pageBytes(page: "host" | "phone"): { raw: number; gzip: number } {
  const files = bundle.pages[page];
  if (!files) throw new Error(`the ${page} page was not built`);
  const assets = [files.script, files.style].filter((name): name is string => name !== null).map((name) => bundle.assets.get(name)!);
  return { raw: assets.reduce((n, a) => n + a.body.length, 0), gzip: assets.reduce((n, a) => n + a.gzip.length, 0) };
}

describe("issue #10: the bundle", () => {
  it("builds a script and a stylesheet for the host screen and the phone", () => {
    for (const page of ["host", "phone"] as const) {
      const files = bundle.pages[page];
      expect(files, page).toBeDefined();
      expect(files).toEqual({ script: `${page}.js`, style: `${page}.css` });
      expect(bundle.assets.get(files!.script)!.body.length).toBeGreaterThan(1000);
      // The gzipped copy served to browsers is the same file.
      expect(gunzipSync(bundle.assets.get(files!.script)!.gzip).equals(bundle.assets.get(files!.script)!.body)).toBe(true);
    }
  });

  it(`the phone page loads at most ${PHONE_BUDGET_BYTES / 1024} KB gzipped`, () => {
    const phone = pageBytes("phone");
    const host = pageBytes("host");
    console.info(`web bundle sizes: phone ${phone.raw} B raw / ${phone.gzip} B gzipped; host ${host.raw} B raw / ${host.gzip} B gzipped`);
    expect(phone.gzip).toBeLessThanOrEqual(PHONE_BUDGET_BYTES);
  });

  it("leaves zod out: the pages use protocol.ts for names and types, the server checks payloads", () => {
    for (const page of ["host", "phone"] as const) {
      const script = bundle.assets.get(bundle.pages[page]!.script)!.body.toString("utf8");
      expect(script, page).not.toContain("ZodError");
    }
  });
});

describe("issue #10: the pages are served", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });
  const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;

  it.each([
    ["/host", "host"],
    ["/", "phone"],
    ["/join/KXQT", "phone"],
    ["/join/kxqt", "phone"],
    ["/join/not-a-code", "phone"],
    ["/join/%E2%9C%93", "phone"],
  ])("%s answers the %s page as HTML", async (path, page) => {
    const response = await fetch(url(path));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html; charset=utf-8/);
    expect(response.headers.get("cache-control")).toBe("no-cache");
    expect(response.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("x-powered-by")).toBeNull();
    const html = await response.text();
    expect(html).toContain(`<script type="module" src="/web/${page}.js"></script>`);
    expect(html).toContain(`<link rel="stylesheet" href="/web/${page}.css">`);
    expect(html).toContain('<div id="app"></div>');
    // Bound to 127.0.0.1, the server has no LAN address to offer.
    expect(html).toContain('<meta name="robots:lan-urls" content="">');
  });

  it("serves the scripts and stylesheets it names, gzipped, revalidated by ETag", async () => {
    const html = await (await fetch(url("/host"))).text();
    const script = /src="(\/web\/[^"]+\.js)"/.exec(html)![1]!;
    const style = /href="(\/web\/[^"]+\.css)"/.exec(html)![1]!;
    const js = await fetch(url(script), { headers: { "accept-encoding": "gzip" } });
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(js.headers.get("cache-control")).toBe("no-cache");
    expect(js.headers.get("content-encoding")).toBe("gzip");
    expect((await js.text()).length).toBeGreaterThan(1000);
    const etag = js.headers.get("etag");
    expect(etag).toBeTruthy();
    const again = await fetch(url(script), { headers: { "accept-encoding": "gzip", "if-none-match": etag! } });
    expect(again.status).toBe(304);
    const css = await fetch(url(style));
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
  });

  it("an unknown bundle name is 404, and the question pictures are still served", async () => {
    expect((await fetch(url("/web/nope.js"))).status).toBe(404);
    expect((await fetch(url("/web/..%2Fpackage.json"))).status).toBe(404);
    expect((await fetch(url("/host/extra"))).status).toBe(404);
    const picture = await fetch(url("/questions/q001.svg"));
    expect(picture.status).toBe(200);
  });
});

describe("issue #10: the addresses a phone can open", () => {
  const interfaces = {
    lo: [{ address: "127.0.0.1", netmask: "255.0.0.0", family: "IPv4", mac: "00:00:00:00:00:00", internal: true, cidr: "127.0.0.1/8" }],
    wlan0: [
      { address: "192.168.1.20", netmask: "255.255.255.0", family: "IPv4", mac: "aa:bb:cc:dd:ee:ff", internal: false, cidr: "192.168.1.20/24" },
      { address: "fe80::1", netmask: "ffff:ffff:ffff:ffff::", family: "IPv6", mac: "aa:bb:cc:dd:ee:ff", internal: false, cidr: "fe80::1/64", scopeid: 3 },
    ],
    eth0: [{ address: "10.0.0.5", netmask: "255.0.0.0", family: "IPv4", mac: "aa:bb:cc:dd:ee:00", internal: false, cidr: "10.0.0.5/8" }],
  } as const satisfies NodeJS.Dict<import("node:os").NetworkInterfaceInfo[]>;

  it("listening on every interface: each non-internal IPv4 address", () => {
    expect(lanBaseUrls("0.0.0.0", 2567, interfaces)).toEqual(["http://192.168.1.20:2567", "http://10.0.0.5:2567"]);
    expect(lanBaseUrls("::", 2567, interfaces)).toEqual(["http://192.168.1.20:2567", "http://10.0.0.5:2567"]);
  });

  it("listening on loopback: none; on one address: that one", () => {
    expect(lanBaseUrls("127.0.0.1", 2567, interfaces)).toEqual([]);
    expect(lanBaseUrls("localhost", 2567, interfaces)).toEqual([]);
    expect(lanBaseUrls("192.168.1.20", 8080, interfaces)).toEqual(["http://192.168.1.20:8080"]);
    expect(lanBaseUrls("fd00::7", 8080, interfaces)).toEqual(["http://[fd00::7]:8080"]);
  });

  it("the start-up log line: the TV on localhost, the phones on the LAN", () => {
    expect(startupUrls("0.0.0.0", 2567, interfaces)).toEqual({
      host: "http://localhost:2567/host",
      phones: ["http://192.168.1.20:2567/", "http://10.0.0.5:2567/"],
    });
    // No LAN address at all: this machine only.
    expect(startupUrls("0.0.0.0", 2567, { lo: interfaces.lo })).toEqual({ host: "http://localhost:2567/host", phones: ["http://localhost:2567/"] });
  });

  it("the host screen's join URL: the LAN address when opened on localhost, its own origin otherwise", () => {
    const lan = ["http://192.168.1.20:2567"];
    expect(phoneBaseUrl({ origin: "http://localhost:2567", hostname: "localhost" }, lan)).toBe("http://192.168.1.20:2567");
    expect(phoneBaseUrl({ origin: "http://127.0.0.1:2567", hostname: "127.0.0.1" }, lan)).toBe("http://192.168.1.20:2567");
    expect(phoneBaseUrl({ origin: "http://127.0.0.1:2567", hostname: "127.0.0.1" }, [])).toBe("http://127.0.0.1:2567");
    expect(phoneBaseUrl({ origin: "https://robots.example", hostname: "robots.example" }, lan)).toBe("https://robots.example");
    expect(isLoopbackHost("[::1]")).toBe(true);
    expect(joinUrl("http://192.168.1.20:2567/", "KXQT")).toBe("http://192.168.1.20:2567/join/KXQT");
  });
});

describe("issue #10: refusals in words", () => {
  it("every protocol error code has a sentence", () => {
    for (const code of ALL_ERROR_CODES) expect(ERROR_SENTENCES[code], code).toMatch(/\w.*[.!]$/);
  });
});
