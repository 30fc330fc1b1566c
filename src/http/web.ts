/**
 * The browser client (issue #10), served by the game server itself: `/host` is the TV screen,
 * `/` and `/join/<code>` the phone controller. The TypeScript under `web/` is bundled with
 * esbuild inside this process the first time a bundle is asked for (a few hundred milliseconds,
 * once per process; `npm start` does it at start-up), kept in memory and served under `/web/`,
 * so a fresh clone needs nothing but `npm install && npm start`, and `npm test` and CI get the
 * same bundle without a build step. The pages themselves never wait for the build: they name
 * their bundles by fixed paths (`/web/host.js`), which browsers revalidate by ETag.
 */
import { networkInterfaces, type NetworkInterfaceInfo } from "node:os";
import { gzipSync } from "node:zlib";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Plugin } from "esbuild";
import express, { type Request, type Response } from "express";
import { logger } from "../logger.ts";

/** Where the client sources live. */
export const WEB_DIR = new URL("../../web/", import.meta.url).pathname;
/** URL prefix of the bundles. */
export const ASSET_PREFIX = "/web/";

/** The pages: the entry module under `web/` (the first of these names that exists) and the page title. */
const PAGES = {
  host: { entries: ["host.tsx", "host.ts"], title: "Robots: host screen" },
  phone: { entries: ["phone.tsx", "phone.ts"], title: "Robots" },
} as const;
export type PageName = keyof typeof PAGES;

/** One built file, ready to send. */
export interface WebAsset {
  /** File name under {@link ASSET_PREFIX}. */
  name: string;
  type: string;
  body: Buffer;
  gzip: Buffer;
  /** Strong validator of the content (the same for both encodings' sources). */
  etag: string;
}

/** The result of one build: the files, and which script and stylesheet each page loads. */
export interface WebBundle {
  assets: Map<string, WebAsset>;
  pages: Partial<Record<PageName, { script: string; style: string | null }>>;
}

const CONTENT_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
};

/**
 * Bundles the pages whose entry module exists (a checkout without `web/`, such as a trimmed
 * container image, serves the game without pages). Minified, for browsers of the last few years.
 */
export async function buildWebClient(webDir: string = WEB_DIR): Promise<WebBundle> {
  // Loaded on first use: a server that never serves a page never loads the bundler.
  const esbuild = await import("esbuild");
  const entryPoints: Record<string, string> = {};
  for (const [page, { entries }] of Object.entries(PAGES)) {
    const path = entries.map((entry) => join(webDir, entry)).find((candidate) => existsSync(candidate));
    if (path) entryPoints[page] = path;
  }
  const bundle: WebBundle = { assets: new Map(), pages: {} };
  if (Object.keys(entryPoints).length === 0) return bundle;
  const result = await esbuild.build({
    entryPoints,
    absWorkingDir: join(webDir, ".."),
    bundle: true,
    write: false,
    outdir: join(webDir, "dist"),
    entryNames: "[name]",
    assetNames: "[name]-[hash]",
    format: "esm",
    platform: "browser",
    target: ["chrome110", "firefox110", "safari16"],
    minify: true,
    sourcemap: "linked",
    metafile: true,
    jsx: "automatic",
    jsxImportSource: "preact",
    tsconfig: join(webDir, "tsconfig.json"),
    define: { "process.env.NODE_ENV": '"production"' },
    legalComments: "none",
    logLevel: "silent",
    plugins: [withoutZod(webDir)],
  });
  for (const file of result.outputFiles) {
    const name = file.path.slice(file.path.lastIndexOf("/") + 1);
    const ext = name.slice(name.lastIndexOf("."));
    const body = Buffer.from(file.contents);
    const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`;
    bundle.assets.set(name, { name, type: CONTENT_TYPES[ext] ?? "application/octet-stream", body, gzip: gzipSync(body, { level: 9 }), etag });
  }
  for (const [outPath, output] of Object.entries(result.metafile.outputs)) {
    if (!output.entryPoint) continue;
    const page = Object.entries(entryPoints).find(([, path]) => path.endsWith(output.entryPoint!))?.[0] as PageName | undefined;
    if (!page) continue;
    const base = (p: string) => p.slice(p.lastIndexOf("/") + 1);
    bundle.pages[page] = { script: base(outPath), style: output.cssBundle ? base(output.cssBundle) : null };
  }
  return bundle;
}

/**
 * Resolves `zod` to web/lib/zod-stub.ts. src/protocol.ts builds the server's payload schemas with
 * zod as it loads; a page needs only its names and types, and zod's API does not tree-shake
 * (about 90 KB gzipped, most of the phone page's 150 KB budget).
 */
function withoutZod(webDir: string): Plugin {
  return {
    name: "robots-without-zod",
    setup(build) {
      build.onResolve({ filter: /^zod(\/.*)?$/ }, () => ({ path: join(webDir, "lib", "zod-stub.ts") }));
    },
  };
}

let building: Promise<WebBundle> | undefined;

/**
 * The process's bundle, built once. A failed build is logged and tried again on the next
 * request, so fixing a syntax error under `web/` needs no restart.
 */
export function webClient(): Promise<WebBundle> {
  building ??= buildWebClient()
    .catch((err: unknown) => {
      building = undefined;
      logger.error({ err }, "could not build the web client");
      throw err;
    })
    .finally(() => stopBundler().catch(() => undefined));
  return building;
}

/**
 * The server builds once: esbuild's service process (about 65 MB resident) and the 6 MB output
 * buffer this process keeps for it would otherwise stay for the server's whole life (issue #9:
 * idle memory). A later build, after a failed one, starts the service again.
 */
async function stopBundler(): Promise<void> {
  const esbuild = await import("esbuild");
  await esbuild.stop();
}

// ---------------------------------------------------------------- addresses

/** True for an address the server binds to every interface with. */
function isWildcard(host: string): boolean {
  return host === "0.0.0.0" || host === "::" || host === "[::]" || host === "";
}

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\./.test(h);
}

/**
 * The base URLs (`http://address:port`) other devices on the LAN can open, for a server listening
 * on `listenHost`: every non-internal IPv4 address when it listens on all interfaces, the one
 * address when it listens on one, none when it listens on loopback only.
 */
export function lanBaseUrls(
  listenHost: string,
  port: number,
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): string[] {
  if (isLoopback(listenHost)) return [];
  if (!isWildcard(listenHost)) {
    const host = listenHost.includes(":") && !listenHost.startsWith("[") ? `[${listenHost}]` : listenHost;
    return [`http://${host}:${port}`];
  }
  const urls: string[] = [];
  for (const entries of Object.values(interfaces)) {
    for (const entry of entries ?? []) {
      if (entry.internal || entry.family !== "IPv4") continue;
      const url = `http://${entry.address}:${port}`;
      if (!urls.includes(url)) urls.push(url);
    }
  }
  return urls;
}

/** The start-up lines: where the TV and the phones should go. */
export function startupUrls(listenHost: string, port: number, interfaces?: NodeJS.Dict<NetworkInterfaceInfo[]>): { host: string; phones: string[] } {
  const lan = lanBaseUrls(listenHost, port, interfaces);
  const local = isWildcard(listenHost) || isLoopback(listenHost) ? `http://localhost:${port}` : lan[0]!;
  return { host: `${local}/host`, phones: lan.length > 0 ? lan.map((base) => `${base}/`) : [`${local}/`] };
}

// ---------------------------------------------------------------- HTTP

/**
 * The pages' Content-Security-Policy: scripts, styles and everything else from this origin only,
 * the game's WebSocket to this origin, pictures from this origin (question images) or inline
 * `data:`; no plugins, no framing, no base-tag or form tricks.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

function securityHeaders(res: Response): void {
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Referrer-Policy", "no-referrer");
  res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The HTML shell of a page: the LAN addresses for the join URL, the stylesheet and the script. */
export function pageHtml(page: PageName, lanUrls: readonly string[]): string {
  const { title } = PAGES[page];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="dark light">
<link rel="icon" href="data:,">
<meta name="robots:lan-urls" content="${escapeAttribute(lanUrls.join(" "))}">
<title>${title}</title>
<link rel="stylesheet" href="${ASSET_PREFIX}${page}.css">
<script type="module" src="${ASSET_PREFIX}${page}.js"></script>
</head>
<body class="page-${page}">
<noscript>Robots needs JavaScript.</noscript>
<div id="app"></div>
</body>
</html>
`;
}

/** What the web routes need to know about the server. */
export interface WebRoutesOptions {
  /** The address the server listens on (config `host`): decides which LAN URLs a page offers. */
  listenHost: string;
}

/** `/host`, `/`, `/join/:code` and the bundles under `/web/`. */
export function webRouter(options: WebRoutesOptions): express.Router {
  const router = express.Router();

  // A page never waits for the build: a server busy bundling still answers its pages at once.
  const servePage = (page: PageName) => (req: Request, res: Response) => {
    securityHeaders(res);
    res.setHeader("Content-Security-Policy", PAGE_CSP);
    res.setHeader("X-Frame-Options", "DENY");
    res.setHeader("Cache-Control", "no-cache");
    res.type("html").send(pageHtml(page, lanBaseUrls(options.listenHost, req.socket.localPort ?? 0)));
  };

  router.get("/host", servePage("host"));
  router.get("/", servePage("phone"));
  // Any code at all: the page checks it and says what is wrong.
  router.get("/join/:code", servePage("phone"));

  router.get(`${ASSET_PREFIX}:file`, async (req: Request, res: Response, next) => {
    let bundle: WebBundle;
    try {
      bundle = await webClient();
    } catch {
      res.status(503).type("text/plain").send("The web client could not be built; see the server log.\n");
      return;
    }
    const asset = bundle.assets.get(String(req.params.file));
    if (!asset) {
      next();
      return;
    }
    securityHeaders(res);
    res.setHeader("Content-Type", asset.type);
    // Kept, and checked by ETag on every load (a 304 once it has it): a restart with new
    // sources is picked up at once under the same name.
    res.setHeader("Cache-Control", "no-cache");
    res.setHeader("Vary", "Accept-Encoding");
    const gzip = /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
    const etag = gzip ? `${asset.etag.slice(0, -1)}-gz"` : asset.etag;
    res.setHeader("ETag", etag);
    if (String(req.headers["if-none-match"] ?? "").split(/\s*,\s*/).includes(etag)) {
      res.status(304).end();
      return;
    }
    if (gzip) res.setHeader("Content-Encoding", "gzip");
    res.send(gzip ? asset.gzip : asset.body);
  });

  return router;
}
