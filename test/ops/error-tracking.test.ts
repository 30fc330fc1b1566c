/**
 * Issue 12, item 4 (error tracking): with SENTRY_DSN set, uncaught room errors, HTTP 500s and
 * process crashes reach the DSN's server as Sentry envelopes, carrying no player data; without
 * it the SDK is never loaded; a malformed DSN stops the server with one line and exit 2. The DSN
 * points at a small HTTP server of this test's own that collects what the SDK sends. The fault
 * is a real one: the database (a private PostgreSQL cluster) is stopped under a running server,
 * so its first room cannot read its questions.
 */
import { spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { ROOM_NAME } from "../../src/protocol.ts";
import { ServerProcess } from "../support/cluster.ts";
import { findFreePort, PG_BIN, ThrowawayCluster } from "../support/postgres.ts";
import { runIndex } from "../support/runIndex.ts";
import { eventually, within } from "../support/within.ts";

if (!PG_BIN && process.env.CI === "true") throw new Error("CI=true but the PostgreSQL server binaries are missing");
const ROOT = new URL("../../", import.meta.url).pathname;

/** A name no event may carry: player data stays on the server. */
const PLAYER_NAME = "Zebulon Quartz";

interface SentryEvent {
  event_id: string;
  exception?: { values: { type: string; value: string; mechanism?: { type: string; handled?: boolean } }[] };
  tags?: Record<string, string>;
  request?: Record<string, unknown>;
  user?: unknown;
}

/** Collects the events of every Sentry envelope POSTed to it (`/api/<project>/envelope/`). */
class EnvelopeCollector {
  readonly events: SentryEvent[] = [];
  readonly raw: string[] = [];
  #server: Server | undefined;
  port = 0;

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        let body = Buffer.concat(chunks);
        if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
        const text = body.toString("utf8");
        if (req.url?.startsWith("/api/1/envelope/")) {
          this.raw.push(text);
          // Envelope: a header line, then (item header, item payload) pairs.
          const lines = text.split("\n").filter((l) => l !== "");
          for (let i = 1; i + 1 < lines.length; i += 2) {
            const header = JSON.parse(lines[i]!) as { type?: string };
            if (header.type === "event") this.events.push(JSON.parse(lines[i + 1]!) as SentryEvent);
          }
        }
        res.writeHead(200, { "Content-Type": "application/json" }).end("{}");
      });
    });
    this.port = await findFreePort();
    await new Promise<void>((resolve) => this.#server!.listen(this.port, "127.0.0.1", resolve));
  }

  get dsn(): string {
    return `http://publickey@127.0.0.1:${this.port}/1`;
  }

  event(label: string, match: (e: SentryEvent) => boolean, timeoutMs = 30_000): Promise<SentryEvent> {
    return eventually(label, () => this.events.find(match), timeoutMs);
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.#server?.close(resolve));
  }
}

describe("SENTRY_DSN validation", () => {
  it("accepts a DSN and leaves tracking off without one", () => {
    expect(loadConfig({ SENTRY_DSN: "https://abc123@o1.ingest.sentry.io/42" }).sentryDsn).toBe("https://abc123@o1.ingest.sentry.io/42");
    expect(loadConfig({}).sentryDsn).toBeNull();
  });

  it.each(["not a url", "https://o1.ingest.sentry.io/42", "ftp://key@host/1", "https://key@host/", "https://key@host/abc", "https://key@host/1?x=1"])(
    "refuses %j with one line that does not echo it",
    (dsn) => {
      expect(() => loadConfig({ SENTRY_DSN: dsn })).toThrow(ConfigError);
      try {
        loadConfig({ SENTRY_DSN: dsn });
      } catch (error) {
        const message = (error as Error).message;
        expect(message).toMatch(/^invalid configuration: SENTRY_DSN must be a Sentry DSN/);
        expect(message).not.toContain(dsn);
        expect(message).not.toContain("\n");
      }
    },
  );

  it("`node src/index.ts` with a bad SENTRY_DSN prints one line and exits 2", async () => {
    // It exits while reading the configuration; the bound only covers a machine slow to load modules.
    const outcome = await runIndex({ PATH: process.env.PATH, SENTRY_DSN: "https://no-project@host", DATA_DIR: await mkdtemp(join(tmpdir(), "robots-sentry-")) }, { giveUpMs: 60_000 });
    expect(outcome.exit).toBe(2);
    expect(outcome.stderr.trim().split("\n")).toHaveLength(1);
    expect(outcome.stderr).toContain("SENTRY_DSN");
  }, 90_000);
});

describe("without SENTRY_DSN", () => {
  it("the Sentry SDK is never loaded by the server's modules", async () => {
    await import("../../src/app.config.ts");
    const { startErrorTracking, reportError } = await import("../../src/errorTracking.ts");
    await startErrorTracking(null);
    reportError(new Error("nowhere to go"), {});
    // @sentry/core sets this global as soon as it is imported.
    expect((globalThis as { __SENTRY__?: unknown }).__SENTRY__).toBeUndefined();
  });
});

describe.runIf(PG_BIN)("with SENTRY_DSN, a real fault reaches the collector", () => {
  const collector = new EnvelopeCollector();
  let cluster: ThrowawayCluster;
  let server: ServerProcess;

  beforeAll(async () => {
    await collector.start();
    cluster = await ThrowawayCluster.create();
    server = new ServerProcess(await findFreePort(), {
      HOST: "127.0.0.1",
      DATA_DIR: await mkdtemp(join(tmpdir(), "robots-sentry-")),
      DATABASE_URL: cluster.url,
      SENTRY_DSN: collector.dsn,
      LOG_LEVEL: "info",
    });
    // Generous: other suites may load the machine; a slow start is not what is tested here.
    await server.ready(90_000);
  }, 150_000);

  afterAll(async () => {
    await server?.kill("SIGKILL");
    await cluster?.destroy();
    await collector.stop();
  }, 30_000);

  it("says it is on, without the DSN's key", () => {
    expect(server.output).toContain("error tracking on");
    expect(server.output).not.toContain("publickey");
  });

  it("the database down before a process's first room: the room's onCreate error and the HTTP 500 are both reported, without player data", async () => {
    // A new room reads its question pool from the database; with no earlier read to fall back on,
    // the room cannot be made: an uncaught error in onCreate, and a 500 to the matchmaking call.
    await cluster.stop();
    const response = await fetch(`${server.http}/matchmake/create/${ROOM_NAME}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: "Bearer not-for-sentry", Cookie: "session=not-for-sentry" },
      body: JSON.stringify({ name: PLAYER_NAME, icon: "robot" }),
      signal: AbortSignal.timeout(60_000),
    });
    expect(response.status).toBe(500);
    const roomError = await collector.event("the room's onCreate error", (e) => e.tags?.methodName === "onCreate");
    expect(roomError.exception?.values.length).toBeGreaterThan(0);
    const httpError = await collector.event("the HTTP 500", (e) => e.tags?.status === "500");
    expect(httpError.tags?.matchmake).toBe("create");
    // No player data, no headers or cookies, no request bodies, no client address in anything sent.
    expect(collector.raw.length).toBeGreaterThan(0);
    for (const text of collector.raw) {
      expect(text).not.toContain(PLAYER_NAME);
      expect(text).not.toContain("not-for-sentry");
      expect(text).not.toContain('"ip_address"');
    }
  }, 90_000);
});

describe("with SENTRY_DSN, a process-level crash is reported before the process exits", () => {
  const collector = new EnvelopeCollector();
  beforeAll(() => collector.start());
  afterAll(() => collector.stop());

  it("an uncaught exception after startErrorTracking() reaches the collector and the process exits 1", async () => {
    // The server's own module, started as src/index.ts starts it, then a throw outside any handler.
    const script = `import { startErrorTracking } from "./src/errorTracking.ts";
await startErrorTracking(process.env.SENTRY_DSN);
setTimeout(() => { throw new Error("crash for the error-tracking test"); }, 10);`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT, env: { ...process.env, SENTRY_DSN: collector.dsn, LOG_LEVEL: "warn" }, stdio: "ignore" });
    const code = await within(new Promise<number | null>((resolve) => child.once("exit", resolve)), 30_000, "the crashing process to exit");
    expect(code).toBe(1);
    const crash = await collector.event("the crash event", (e) => e.exception?.values.some((v) => v.value === "crash for the error-tracking test") ?? false, 5_000);
    expect(crash.exception!.values.at(-1)!.mechanism).toMatchObject({ type: "auto.node.onuncaughtexception", handled: false });
  }, 40_000);
});
