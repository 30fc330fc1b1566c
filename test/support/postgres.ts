/**
 * Real PostgreSQL for tests: the shared server at 127.0.0.1:5432 (database `test`, trust auth),
 * a fresh database per suite on it, and a private throw-away cluster that a test can stop and
 * start to cut the database off. Under CI=true a missing server is a failure, not a skip.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { createServer } from "node:net";
import { mkdtemp, chmod } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";

const run = promisify(execFile);

export const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const REQUIRE_SERVICES = process.env.CI === "true";

export async function postgresReachable(url = POSTGRES_URL): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Whether to run the Postgres half of a suite; throws under CI when the server is missing. */
export async function usePostgres(): Promise<boolean> {
  const reachable = await postgresReachable();
  if (!reachable && REQUIRE_SERVICES) throw new Error(`CI=true but PostgreSQL is not reachable at ${POSTGRES_URL}`);
  return reachable;
}

/** A new, empty database on the shared server; `drop()` removes it. */
export async function createTestDatabase(prefix = "robots"): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** A port below 32768 that nothing listens on right now (other services here own some, e.g. 25672). */
export async function findFreePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once("error", () => resolve(false));
      probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error("no free port found below 32768");
}

/** The newest installed PostgreSQL server binaries (Debian layout), if any. */
export const PG_BIN = (() => {
  try {
    const versions = readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a));
    return versions.length ? `/usr/lib/postgresql/${versions[0]}/bin` : null;
  } catch {
    return null;
  }
})();

/**
 * A private PostgreSQL cluster on its own port, run as the `postgres` user, that a test can
 * stop and start again: a database outage that is real, not mocked.
 */
export class ThrowawayCluster {
  readonly port: number;
  readonly dir: string;

  private constructor(dir: string, port: number) {
    this.dir = dir;
    this.port = port;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async create(port?: number): Promise<ThrowawayCluster> {
    port ??= await findFreePort();
    if (!PG_BIN) throw new Error("no PostgreSQL server binaries under /usr/lib/postgresql");
    const base = await mkdtemp(join(tmpdir(), "robots-pg-"));
    await chmod(base, 0o777);
    const cluster = new ThrowawayCluster(join(base, "data"), port);
    await cluster.#asPostgres(`${PG_BIN}/initdb -D ${cluster.dir} -U postgres --auth=trust -E UTF8 --no-sync >/dev/null`);
    await cluster.start();
    return cluster;
  }

  #asPostgres(command: string) {
    const asRoot = process.getuid?.() === 0;
    return asRoot ? run("runuser", ["-u", "postgres", "--", "sh", "-c", command]) : run("sh", ["-c", command]);
  }

  async start(): Promise<void> {
    await this.#asPostgres(
      `${PG_BIN}/pg_ctl -D ${this.dir} -l ${this.dir}/../log -w -t 30 -o "-p ${this.port} -k ${this.dir}/.. -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null`,
    );
  }

  async stop(): Promise<void> {
    await this.#asPostgres(`${PG_BIN}/pg_ctl -D ${this.dir} -m immediate -w stop >/dev/null`);
  }

  async destroy(): Promise<void> {
    await this.stop().catch(() => {});
    await run("rm", ["-rf", join(this.dir, "..")]);
  }
}
