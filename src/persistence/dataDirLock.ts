/**
 * One process at a time on DATA_DIR's embedded database (issue #12 #6). PGlite keeps the whole
 * database in one process's memory and writes its files back behind the others' backs: a second
 * server or a CLI (`migrate`, `seed`, `replay`) opening the same directory corrupts it or reads a
 * stale copy. The server holds this lock for its whole life and every CLI for its run; whoever
 * comes second is refused with one line naming the holder.
 *
 * The lock itself is proper-lockfile's: a directory created atomically, its mtime refreshed by
 * the holder, and taken over once it is older than STALE_MS, so a holder killed with SIGKILL (or
 * a machine that lost power) blocks the next process for seconds, never for ever, and a reused
 * pid cannot keep it. Beside it, a small JSON file names the holder for the refusal message;
 * when that holder is a process of this machine that no longer exists, the newcomer waits for
 * the lock to go stale instead of refusing.
 */
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import lockfile from "proper-lockfile";

/** The lock directory's name inside DATA_DIR. */
export const LOCK_NAME = "robots.lock";
/** The holder's description, beside the lock (a lock directory must stay empty to be removed). */
export const OWNER_NAME = "robots.lock.json";
/** A lock whose holder has not refreshed it for this long is abandoned (proper-lockfile's minimum is 2 s). */
export const STALE_MS = 10_000;
/** Pause between two tries while waiting for a dead holder's lock to go stale. */
const RETRY_MS = 500;

/** Who holds the lock, as written in OWNER_NAME. */
export interface LockOwner {
  pid: number;
  /** What the holder is: "server" or the CLI command ("migrate", "seed", "replay"). */
  role: string;
  host: string;
  startedAt: string;
  port?: number;
}

/** DATA_DIR is held by another live process; `message` is the one line to print. */
export class DataDirBusyError extends Error {
  readonly dataDir: string;
  readonly owner: LockOwner | undefined;
  constructor(dataDir: string, owner: LockOwner | undefined) {
    const who = owner
      ? `${owner.role === "server" ? "a Robots server" : `\`npm run ${owner.role}\``} (pid ${owner.pid}${owner.host === hostname() ? "" : ` on ${owner.host}`}${owner.port ? `, port ${owner.port}` : ""}, since ${owner.startedAt})`
      : "another process";
    super(`DATA_DIR ${JSON.stringify(dataDir)} is in use by ${who}: its embedded database opens in one process at a time; stop that process first, or use DATABASE_URL (PostgreSQL) to share a database`);
    this.name = "DataDirBusyError";
    this.dataDir = dataDir;
    this.owner = owner;
  }
}

/** A held lock. */
export interface DataDirLock {
  readonly dataDir: string;
  /** Gives the lock back; safe to call twice. */
  release(): Promise<void>;
}

export interface LockOptions {
  role: string;
  port?: number;
  /**
   * Called if the lock is lost while held (its directory removed, or not refreshed for STALE_MS
   * because the event loop or the disk stalled). Default: throw, which ends the process.
   */
  onLost?: (err: Error) => void;
}

/** Takes DATA_DIR's lock, creating the directory if needed; rejects with DataDirBusyError when a live process holds it. */
export async function lockDataDir(dataDir: string, options: LockOptions): Promise<DataDirLock> {
  const dir = resolve(dataDir);
  await mkdir(dir, { recursive: true });
  const lockOptions = {
    lockfilePath: join(dir, LOCK_NAME),
    stale: STALE_MS,
    realpath: false,
    onCompromised: options.onLost ?? ((err: Error) => {
      throw err;
    }),
  };
  let unlock: () => Promise<void>;
  try {
    unlock = await lockfile.lock(dir, lockOptions);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ELOCKED") throw err;
    const owner = await readOwner(dir);
    if (!owner || isAlive(owner)) throw new DataDirBusyError(dataDir, owner);
    // The holder died without letting go (SIGKILL, a crash): its lock is no longer refreshed
    // and goes stale within STALE_MS, when proper-lockfile takes it over.
    try {
      unlock = await lockfile.lock(dir, { ...lockOptions, retries: { retries: Math.ceil((STALE_MS * 1.5) / RETRY_MS), factor: 1, minTimeout: RETRY_MS, maxTimeout: RETRY_MS } });
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code !== "ELOCKED") throw again;
      throw new DataDirBusyError(dataDir, await readOwner(dir));
    }
  }
  const me: LockOwner = { pid: process.pid, role: options.role, host: hostname(), startedAt: new Date().toISOString(), ...(options.port ? { port: options.port } : {}) };
  const ownerFile = join(dir, OWNER_NAME);
  // Written whole under another name and renamed, so a reader never sees half of it.
  const temporary = `${ownerFile}.${process.pid}`;
  await writeFile(temporary, JSON.stringify(me));
  await rename(temporary, ownerFile);
  let released: Promise<void> | undefined;
  return {
    dataDir,
    release() {
      released ??= (async () => {
        const current = await readOwner(dir);
        if (current?.pid === me.pid && current.host === me.host) await rm(ownerFile, { force: true });
        await unlock().catch((err: NodeJS.ErrnoException) => {
          // Already lost (onLost was told) or released by proper-lockfile's exit hook.
          if (err.code !== "ERELEASED" && err.code !== "ENOTACQUIRED") throw err;
        });
      })();
      return released;
    },
  };
}

/** The holder's description, or undefined if it is missing or unreadable (the holder may be writing it). */
async function readOwner(dir: string): Promise<LockOwner | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(join(dir, OWNER_NAME), "utf8"));
    if (typeof parsed !== "object" || parsed === null) return undefined;
    const o = parsed as Record<string, unknown>;
    if (!Number.isSafeInteger(o.pid) || typeof o.role !== "string" || typeof o.host !== "string" || typeof o.startedAt !== "string") return undefined;
    return { pid: o.pid as number, role: o.role, host: o.host, startedAt: o.startedAt, ...(Number.isSafeInteger(o.port) ? { port: o.port as number } : {}) };
  } catch {
    return undefined;
  }
}

/** Whether the holder still runs. A process of another machine (a shared disk) cannot be asked: it counts as alive. */
function isAlive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code !== "ESRCH";
  }
}
