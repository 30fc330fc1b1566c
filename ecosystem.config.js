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
const redisUrl = process.env.REDIS_URL;
if (!redisUrl) {
  refuse("REDIS_URL must be set (e.g. redis://127.0.0.1:6379/0); the processes share rooms only through one Redis");
}
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.warn(
    "robots cluster: no DATABASE_URL, so each process keeps its own embedded database under ./data/p<port>." +
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
    kill_timeout: 10_000,
    max_memory_restart: "1G",
    env: {
      NODE_ENV: "production",
      PORT: String(port),
      REDIS_URL: redisUrl,
      PUBLIC_ADDRESS: process.env.PUBLIC_ADDRESS || "localhost:{port}",
      TRUSTED_PROXIES: process.env.TRUSTED_PROXIES || "127.0.0.1,::1",
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { DATA_DIR: `./data/p${port}` }),
    },
  };
});
