/**
 * Issue 11, embedded default (no REDIS_URL): one process keeps its rooms' checkpoints in files
 * under DATA_DIR. Killed with SIGKILL in the middle of voting and started again on the same port
 * and DATA_DIR, as a supervisor restarting `npm start` would, it restores the room; the clients
 * come back with their tokens and finish the game with the oracle's scores.
 */
import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { leaveAll } from "../support/clients.ts";
import { ServerProcess } from "../support/cluster.ts";
import { createTestDatabase, findFreePort, usePostgres } from "../support/postgres.ts";
import { playThroughLoss } from "../support/restore.ts";
import { openTable } from "../support/table.ts";

// PostgreSQL for the records only: an embedded PGlite takes long to open on a busy machine.
const postgresUp = await usePostgres();

describe.runIf(postgresUp)("a single process restarted after kill -9 restores its rooms from DATA_DIR", () => {
  const running: ServerProcess[] = [];
  let env: Record<string, string>;
  let port: number;
  let dataDir: string;
  let dropDatabase: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const db = await createTestDatabase("robots_embedded_restore");
    dropDatabase = db.drop;
    dataDir = await mkdtemp(join(tmpdir(), "robots-embedded-restore-"));
    port = await findFreePort();
    env = { DATABASE_URL: db.url, DATA_DIR: dataDir };
    running.push(new ServerProcess(port, env));
    await running[0]!.ready();
  }, 60_000);

  afterAll(async () => {
    await Promise.all(running.map((p) => p.kill("SIGKILL")));
    await dropDatabase?.();
  });

  it("the restarted process restores the game; clients reconnect with their tokens and finish with the oracle's scores", async () => {
    const first = running[0]!;
    let wasWritten = false;
    const t = await openTable(first.endpoint, { players: 3 });
    const game = await playThroughLoss(t, async () => {
      wasWritten = (await readdir(join(dataDir, "checkpoints")).catch((): string[] => [])).includes(`${t.code}.json`);
      const lostAt = Date.now();
      await first.kill("SIGKILL");
      const again = new ServerProcess(port, env);
      running.push(again);
      await again.ready();
      return { endpoint: again.endpoint, lostAt };
    });
    expect(wasWritten).toBe(true);
    console.log(`embedded: kill -9 and restart → first client back after ${game.firstBackMs} ms`);
    await leaveAll(game.table.all);
    // The room ends once everyone has left: its checkpoint file goes with it.
    const until = Date.now() + 10_000;
    while (Date.now() < until && (await readdir(join(dataDir, "checkpoints"))).includes(`${t.code}.json`)) await new Promise((r) => setTimeout(r, 200));
    expect(await readdir(join(dataDir, "checkpoints"))).not.toContain(`${t.code}.json`);
  }, 120_000);
});
