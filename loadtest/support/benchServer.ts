/**
 * What the before/after benchmarks share: a real `node src/index.ts` from a given checkout, on
 * 127.0.0.1, and a temporary git worktree of an older revision to run as the "before".
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, symlink } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";

const ROOT = new URL("../../", import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface BenchServerOptions {
  label: string;
  /** The checkout whose src/index.ts runs. */
  cwd: string;
  port: number;
  /** Added to (and overriding) the bench's defaults: 127.0.0.1, errors-only log, no monitor. */
  env: Record<string, string>;
  /** Node flags before the script, e.g. `--import` of a probe. */
  nodeArgs?: string[];
  /** Opens an IPC channel to the server (`child.send`). */
  ipc?: boolean;
}

export class BenchServer {
  readonly label: string;
  readonly port: number;
  readonly child: ChildProcess;
  output = "";

  constructor(o: BenchServerOptions) {
    this.label = o.label;
    this.port = o.port;
    this.child = spawn(process.execPath, [...(o.nodeArgs ?? []), "src/index.ts"], {
      cwd: o.cwd,
      env: { ...process.env, HOST: "127.0.0.1", LOG_LEVEL: "error", MONITOR: "false", ...o.env, PORT: String(o.port) },
      stdio: o.ipc ? ["ignore", "pipe", "pipe", "ipc"] : ["ignore", "pipe", "pipe"],
    });
    this.child.stdout!.on("data", (d) => (this.output += d));
    this.child.stderr!.on("data", (d) => (this.output += d));
  }

  get endpoint(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Resolves when /health answers; rejects if the process exits first or after `timeoutMs`. */
  async ready(timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (this.child.exitCode !== null) throw new Error(`${this.label} exited ${this.child.exitCode}:\n${this.output}`);
      try {
        if ((await fetch(`http://127.0.0.1:${this.port}/health`)).ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`${this.label} not ready:\n${this.output}`);
  }

  /** Resident memory of the server process, in MiB. */
  rssMiB(): number {
    const status = readFileSync(`/proc/${this.child.pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
  }

  /** SIGTERM, and SIGKILL if the server has not exited 10 s later. */
  stop(): Promise<void> {
    if (this.child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once("exit", () => resolve());
      this.child.kill("SIGTERM");
      setTimeout(() => this.child.kill("SIGKILL"), 10_000).unref();
    });
  }
}

/** Checks `rev` out into a temporary worktree that uses this checkout's node_modules. */
export async function checkoutRevision(rev: string): Promise<string> {
  const dir = await mkdtemp(join(os.tmpdir(), "robots-before-"));
  execFileSync("git", ["-C", ROOT, "worktree", "add", "--detach", "--force", dir, rev], { stdio: "ignore" });
  await symlink(join(ROOT, "node_modules"), join(dir, "node_modules"));
  return dir;
}

export function removeCheckout(dir: string): void {
  execFileSync("git", ["-C", ROOT, "worktree", "remove", "--force", dir], { stdio: "ignore" });
}
