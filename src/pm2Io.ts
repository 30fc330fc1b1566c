/**
 * @colyseus/core imports `@pm2/io` as it starts, to publish its room and client counts to pm2's
 * dashboard. Outside pm2 nobody reads them, yet the package's metrics keep running: it counts
 * the process's active handles (a walk over every socket) and samples the event loop on timers
 * of its own. At 1,000 rooms that was 2.5 % of the server's busy time (issue #9, CPU profile of
 * the capacity benchmark), next to the Prometheus metrics the server already exports.
 *
 * Under pm2 (which names each process it runs in `pm_id`) the import goes ahead as before.
 * Elsewhere the module is refused at resolution, which Colyseus treats exactly as a missing
 * optional package: its own `.catch` ignores it.
 */
import { registerHooks } from "node:module";

const PM2_IO = "@pm2/io";
let decided = false;

/** Whether this process runs under pm2. */
export function underPm2(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.pm_id !== undefined;
}

/** Keeps `@pm2/io` from loading unless the process runs under pm2; call before Colyseus starts. */
export function loadPm2IoOnlyUnderPm2(): void {
  if (decided || underPm2()) return;
  decided = true;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      if (specifier === PM2_IO) {
        throw Object.assign(new Error(`${PM2_IO} is loaded only under pm2`), { code: "ERR_MODULE_NOT_FOUND" });
      }
      return nextResolve(specifier, context);
    },
  });
}
