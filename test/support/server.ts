/**
 * A real Robots server on 127.0.0.1 for a test file: the same startServer() as production,
 * with fast timers when a test asks for them.
 */
import { startServer, type RunningServer } from "../../src/app.config.ts";
import { loadConfig, type Config } from "../../src/config.ts";

export interface TestServer extends RunningServer {
  endpoint: string;
}

export async function startTestServer(overrides: Partial<Config> = {}): Promise<TestServer> {
  const config: Config = { ...loadConfig({}), host: "127.0.0.1", port: 0, monitor: false, ...overrides };
  const running = await startServer(config);
  return { ...running, endpoint: `ws://127.0.0.1:${running.port}` };
}
