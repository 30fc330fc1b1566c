/**
 * A real Robots server on 127.0.0.1 for a test file: the same startServer() as production,
 * with fast timers when a test asks for them.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type RunningServer } from "../../src/app.config.ts";
import { loadConfig, type Config } from "../../src/config.ts";

export interface TestServer extends RunningServer {
  endpoint: string;
  dataDir: string;
}

/** In-memory PGlite and a fresh outbox directory unless the test says otherwise. */
export async function startTestServer(overrides: Partial<Config> = {}): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), "robots-test-"));
  const config: Config = {
    ...loadConfig({}),
    host: "127.0.0.1",
    port: 0,
    monitor: false,
    dataDir,
    database: { kind: "pglite", dataDir: null },
    ...overrides,
  };
  const running = await startServer(config);
  return { ...running, endpoint: `ws://127.0.0.1:${running.port}`, dataDir: config.dataDir };
}
