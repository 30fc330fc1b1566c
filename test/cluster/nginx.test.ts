/**
 * One public port in front of three processes, with the shipped deploy/nginx.conf and a real
 * nginx: matchmaking spreads over all processes, each room's WebSocket is routed to the process
 * that holds it through its /p<port>/ prefix, and whole games complete through the proxy.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { leaveAll, TestClient } from "../support/clients.ts";
import { flushRedis, NGINX, NginxProxy, redisReachable, redisUrlFor, startProcesses, type ServerProcess } from "../support/cluster.ts";
import { createTestDatabase, findFreePort, REQUIRE_SERVICES, usePostgres } from "../support/postgres.ts";
import { openTable, pickOther, playRound } from "../support/table.ts";

const REDIS = redisUrlFor(5);
const redisUp = await redisReachable(REDIS);
if (!redisUp && REQUIRE_SERVICES) throw new Error(`CI=true but Redis is not reachable at ${REDIS}`);
if (!NGINX && REQUIRE_SERVICES) throw new Error("CI=true but nginx is not installed (.ci/run installs it)");
const postgresUp = await usePostgres();

describe.runIf(redisUp && postgresUp && NGINX)("nginx in front of three processes", () => {
  let processes: ServerProcess[];
  let proxy: NginxProxy;
  let dropDatabase: () => Promise<void>;

  beforeAll(async () => {
    await flushRedis(REDIS);
    const db = await createTestDatabase("robots_nginx");
    dropDatabase = db.drop;
    const publicPort = await findFreePort();
    const ports = [await findFreePort(), await findFreePort(), await findFreePort()];
    processes = await startProcesses(ports, {
      REDIS_URL: REDIS,
      DATABASE_URL: db.url,
      PUBLIC_ADDRESS: `127.0.0.1:${publicPort}/p{port}`,
    });
    proxy = await NginxProxy.start(publicPort, ports);
  }, 90_000);

  afterAll(async () => {
    await proxy?.stop();
    await Promise.all((processes ?? []).map((p) => p.kill("SIGTERM")));
    await dropDatabase?.();
  });

  it("whole games played entirely through the one public port, rooms on every process", async () => {
    const endpoint = `ws://127.0.0.1:${proxy.port}`;
    const tables = await Promise.all([0, 1, 2, 3, 4, 5].map(() => openTable(endpoint, { players: 3 })));
    const owners = new Set<string>();
    for (const t of tables) {
      const listing = await fetch(`http://127.0.0.1:${proxy.port}/api/games?room=${t.code}`);
      expect(listing.status).toBe(200);
      // The socket went through the per-process prefix of the room's owner.
      const url: string = (t.host.room.connection.transport as any).ws.url;
      expect(url).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:${proxy.port}/p(\\d+)/`));
      owners.add(url.match(/\/p(\d+)\//)![1]!);
    }
    expect(owners.size).toBe(3);
    const completions = await Promise.all(
      tables.map(async (t) => {
        t.host.send("start-game", {});
        for (let round = 1; round <= 8; round++) {
          await playRound(t, {
            answer: (i, r) => `proxied fake ${r} ${i}`,
            eliminate: (i, view) => pickOther(t, i, view, i),
            vote: (i, view, eliminatedId) => (view.truthId !== eliminatedId ? view.truthId : pickOther(t, i, view, i, [eliminatedId])),
          });
          t.host.send("next-round", {});
        }
        return t.host.next("game-complete");
      }),
    );
    for (const complete of completions) expect(complete.standings).toHaveLength(3);
    await Promise.all(tables.map((t) => leaveAll(t.all)));
  });

  it("a client may also come in on a process port directly and still reach a room held elsewhere", async () => {
    const host = await TestClient.create(`ws://127.0.0.1:${proxy.port}`, { name: "Host", icon: "robot" });
    const guests = await Promise.all(
      processes.map((p, i) => TestClient.join(p.endpoint, host.room.roomId, { name: `Direct ${i}`, icon: "owl" })),
    );
    await host.waitState((s) => s.players.size === 4, "four seated");
    await leaveAll([host, ...guests]);
  });
});
