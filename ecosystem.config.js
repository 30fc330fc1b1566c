/**
 * pm2: N Robots processes on ports PORT, PORT+1, … sharing Redis (and PostgreSQL).
 *
 *   REDIS_URL=redis://127.0.0.1:6379/0 DATABASE_URL=postgres://… npm run cluster
 *   CLUSTER_PROCESSES=3 PORT=2567 REDIS_URL=… npm run cluster   # defaults: one per core, 2567
 *
 * REDIS_URL is required: the processes find each other's rooms only through one shared Redis,
 * and a silent default (database 0 of a local Redis) could mix this cluster's rooms and outbox
 * with whatever else uses that database. Name the server and the database explicitly.
 *
 * Each process announces its own address to clients (PUBLIC_ADDRESS, `{port}` replaced by its
 * port; default `localhost:{port}`), so a client may use any of the ports as its endpoint and is
 * sent on to the process that holds its room. Behind nginx (deploy/nginx.conf) set
 * PUBLIC_ADDRESS=your.host/p{port}. nginx on the same host reaches each process from loopback,
 * so loopback is a trusted proxy by default (TRUSTED_PROXIES): the per-address limits then count
 * the player's address from X-Forwarded-For instead of counting everyone as nginx.
 *
 * Deploy with a rolling restart, one process at a time:
 *
 *   PM2_CONCURRENT_ACTIONS=1 pm2 reload ecosystem.config.js
 *
 * Each process, stopped with SIGINT, drains (src/rooms/drain.ts): its rooms move to the
 * processes still running, whose players reconnect there; only then does it exit and pm2 start
 * the new one, which says "ready" once it listens (wait_ready), and pm2 moves on to the next.
 * pm2 stops two processes at a time unless PM2_CONCURRENT_ACTIONS says otherwise; with at least
 * one other process running that is still safe, but one at a time keeps the most capacity up.
 * kill_timeout leaves the drain its whole DRAIN_SECONDS (the time a process with no live peer
 * lets its games finish) before pm2 would SIGKILL it.
 *
 * Exported as a named `apps` so that pm2's require() of this ES module finds it.
 */
import os from "node:os";

/**
 * Bad configuration: one line on stderr and exit code 2, like the server itself. Throwing is not
 * enough: pm2-runtime prints a thrown error twice and then exits 0, which a supervisor reads as
 * a clean stop.
 */
function refuse(message) {
  process.stderr.write(`robots cluster: ${message}\n`);
  process.exit(2);
}

function integer(name, fallback, min, max) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    refuse(`${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(raw)})`);
  }
  return value;
}

const basePort = integer("PORT", 2567, 1, 65535 - 64);
const processes = integer("CLUSTER_PROCESSES", os.cpus().length, 1, 64);
// Same bounds and default as src/config.ts, which validates it again in each process.
const drainSeconds = integer("DRAIN_SECONDS", 600, 0, 86_400);
const redisUrl = process.env.REDIS_URL;
if (!redisUrl) {
  refuse("REDIS_URL must be set (e.g. redis://127.0.0.1:6379/0); the processes share rooms only through one Redis");
}
const dataDir = process.env.DATA_DIR || "./data";
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.warn(
    `robots cluster: no DATABASE_URL, so each process keeps its own embedded database under ${dataDir}/p<port>.` +
      " Set DATABASE_URL to share one PostgreSQL (one leaderboard) across processes.",
  );
}

export const apps = Array.from({ length: processes }, (_, index) => {
  const port = basePort + index;
  return {
    name: `robots-${port}`,
    script: "src/index.ts",
    interpreter: process.execPath,
    autorestart: true,
    // The drain's own bound plus time to close the rooms and write the last games.
    kill_timeout: (drainSeconds + 60) * 1000,
    // pm2 counts a process as started when it sends "ready" after listening (src/index.ts), so a
    // rolling reload never stops the next process before this one takes rooms. Start-up may wait
    // STARTUP_TIMEOUT_SECONDS for Redis/PostgreSQL plus the embedded database's migration.
    wait_ready: true,
    listen_timeout: 120_000,
    max_memory_restart: "1G",
    env: {
      NODE_ENV: "production",
      PORT: String(port),
      REDIS_URL: redisUrl,
      DRAIN_SECONDS: String(drainSeconds),
      PUBLIC_ADDRESS: process.env.PUBLIC_ADDRESS || "localhost:{port}",
      TRUSTED_PROXIES: process.env.TRUSTED_PROXIES || "127.0.0.1,::1",
      // Each process its own directory (embedded database, outbox, checkpoint files) under DATA_DIR.
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      DATA_DIR: `${dataDir}/p${port}`,
    },
  };
});
