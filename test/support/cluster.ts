/**
 * Real server processes for multi-process tests: `node src/index.ts` exactly as a user runs it,
 * with Redis and PostgreSQL shared, plus helpers for Redis and nginx.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { Redis } from "ioredis";

const REDIS_BASE = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
/** Each suite its own Redis database, so suites running side by side never flush each other. */
export function redisUrlFor(db: number): string {
  return `${REDIS_BASE.replace(/\/\d+$/, "")}/${db}`;
}
export const REDIS_URL = redisUrlFor(3);
const NODE = process.execPath;
const ROOT = new URL("../../", import.meta.url).pathname;

export async function redisReachable(url = REDIS_URL): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    return (await redis.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** Empties the test Redis database (only the one named in REDIS_URL). */
export async function flushRedis(url = REDIS_URL): Promise<void> {
  const redis = new Redis(url);
  await redis.flushdb();
  redis.disconnect();
}

export class ServerProcess {
  readonly port: number;
  readonly child: ChildProcess;
  output = "";

  constructor(port: number, env: Record<string, string>) {
    this.port = port;
    this.child = spawn(NODE, ["src/index.ts"], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: "warn", ...env, PORT: String(port) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child.stdout!.on("data", (d) => (this.output += d));
    this.child.stderr!.on("data", (d) => (this.output += d));
  }

  get endpoint(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  get http(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Resolves when /health answers; rejects if the process exits first or after `timeoutMs`. */
  async ready(timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (this.child.exitCode !== null) throw new Error(`server on ${this.port} exited ${this.child.exitCode}:\n${this.output}`);
      try {
        const r = await fetch(`${this.http}/health`);
        if (r.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`server on ${this.port} not ready in ${timeoutMs / 1000} s:\n${this.output}`);
  }

  kill(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once("exit", () => resolve());
      this.child.kill(signal);
    });
  }
}

export async function startProcesses(ports: number[], env: Record<string, string>): Promise<ServerProcess[]> {
  const processes = ports.map((port) => new ServerProcess(port, env));
  await Promise.all(processes.map((p) => p.ready()));
  return processes;
}

export const NGINX = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((p) => existsSync(p)) ?? null;

/**
 * Runs nginx with the shipped deploy/nginx.conf, its ports swapped for the test's: the file a
 * user deploys is the file under test.
 */
export class NginxProxy {
  readonly port: number;
  readonly child: ChildProcess;
  output = "";

  private constructor(port: number, child: ChildProcess) {
    this.port = port;
    this.child = child;
    child.stdout!.on("data", (d) => (this.output += d));
    child.stderr!.on("data", (d) => (this.output += d));
  }

  static async start(listenPort: number, backendPorts: number[]): Promise<NginxProxy> {
    if (!NGINX) throw new Error("nginx is not installed");
    const dir = await mkdtemp(join(tmpdir(), "robots-nginx-"));
    await mkdir(join(dir, "temp"), { recursive: true });
    const shipped = await readFile(join(ROOT, "deploy/nginx.conf"), "utf8");
    const defaults = ["2567", "2568", "2569"];
    if (backendPorts.length !== defaults.length) throw new Error("the shipped config lists three processes");
    let site = shipped.replace(/listen 8080;/, `listen 127.0.0.1:${listenPort};`);
    defaults.forEach((port, i) => {
      site = site.replaceAll(`127.0.0.1:${port}`, `127.0.0.1:${backendPorts[i]}`).replaceAll(`/p${port}/`, `/p${backendPorts[i]}/`);
    });
    await writeFile(join(dir, "robots.conf"), site);
    const temp = join(dir, "temp");
    await writeFile(
      join(dir, "nginx.conf"),
      `daemon off;\nmaster_process off;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log warn;\nevents { worker_connections 1024; }\n` +
        `http {\n  access_log off;\n  client_body_temp_path ${temp}/body;\n  proxy_temp_path ${temp}/proxy;\n  fastcgi_temp_path ${temp}/fastcgi;\n  uwsgi_temp_path ${temp}/uwsgi;\n  scgi_temp_path ${temp}/scgi;\n  include ${dir}/robots.conf;\n}\n`,
    );
    const child = spawn(NGINX, ["-c", join(dir, "nginx.conf"), "-p", dir, "-e", join(dir, "error.log")], { stdio: ["ignore", "pipe", "pipe"] });
    const proxy = new NginxProxy(listenPort, child);
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      if (child.exitCode !== null) throw new Error(`nginx exited: ${proxy.output}${await readFile(join(dir, "error.log"), "utf8").catch(() => "")}`);
      try {
        if ((await fetch(`http://127.0.0.1:${listenPort}/health`)).ok) return proxy;
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("nginx did not come up");
  }

  stop(): Promise<void> {
    if (this.child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once("exit", () => resolve());
      this.child.kill("SIGTERM");
    });
  }
}
