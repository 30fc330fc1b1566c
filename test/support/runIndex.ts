/**
 * `node src/index.ts` run as a user runs it, for tests of start-up and configuration: the
 * process's exit code (or signal), its output, and how long it lived. A process that does not
 * exit by itself is killed after `giveUpMs` and reported as hung.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface RunOutcome {
  exit: number | string;
  stderr: string;
  stdout: string;
  ms: number;
}

export interface RunOptions {
  giveUpMs?: number;
  /** Called with all stdout so far after each chunk (e.g. to act once the server listens). */
  onStdout?: (stdout: string, child: ChildProcess) => void;
}

/** Runs the server with exactly `env` until it exits. */
export async function runIndex(env: NodeJS.ProcessEnv, { giveUpMs = 20_000, onStdout }: RunOptions = {}): Promise<RunOutcome> {
  const began = Date.now();
  const child = spawn(process.execPath, ["src/index.ts"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  let stdout = "";
  child.stderr!.on("data", (d) => (stderr += d));
  child.stdout!.on("data", (d) => {
    stdout += d;
    onStdout?.(stdout, child);
  });
  const exit = await new Promise<number | string>((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve(`hung: still running after ${giveUpMs / 1000} s`);
    }, giveUpMs);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? String(signal));
    });
  });
  return { exit, stderr, stdout, ms: Date.now() - began };
}
