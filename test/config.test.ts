/**
 * Configuration has one source (issue #8): LOG_LEVEL is validated like every other variable, so
 * a bad value stops the server with the one-line config message and exit 2 instead of a pino
 * stack trace; the defaults other modules use are the ones the environment schema applies.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
// A namespace import, so the file also loads (and fails by assertion) where these exports are missing.
import * as config from "../src/config.ts";
import { findFreePort } from "./support/postgres.ts";
import { runIndex, type RunOutcome } from "./support/runIndex.ts";


/** Runs `node src/index.ts` with extra variables until it exits (or 20 s pass). */
async function startWith(vars: Record<string, string>): Promise<RunOutcome> {
  const dataDir = await mkdtemp(join(tmpdir(), "robots-config-"));
  const env: NodeJS.ProcessEnv = { ...process.env, HOST: "127.0.0.1", PORT: String(await findFreePort()), DATA_DIR: dataDir, ...vars };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  return runIndex(env);
}

describe("LOG_LEVEL is validated like the rest", () => {
  it("`node src/index.ts` with LOG_LEVEL=verbose exits 2 with one stderr line naming LOG_LEVEL", async () => {
    const { exit, stderr } = await startWith({ LOG_LEVEL: "verbose" });
    expect(exit, stderr).toBe(2);
    const lines = stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^invalid configuration: LOG_LEVEL .*"verbose"/);
  }, 30_000);

  it("loadConfig refuses an unknown level and names the variable", () => {
    expect(() => config.loadConfig({ LOG_LEVEL: "verbose" })).toThrow(config.ConfigError);
    expect(() => config.loadConfig({ LOG_LEVEL: "INFO" })).toThrow(/LOG_LEVEL/);
  });

  it("every level pino knows, and silent, is accepted; unset is info", () => {
    for (const level of ["fatal", "error", "warn", "info", "debug", "trace", "silent"]) {
      expect(config.loadConfig({ LOG_LEVEL: level }).logLevel).toBe(level);
    }
    expect(config.loadConfig({}).logLevel).toBe("info");
    expect(config.loadConfig({ LOG_LEVEL: "" }).logLevel).toBe("info");
  });

  it("the logger's early reading follows the same rule and leaves refusing to loadConfig", () => {
    expect(config.logLevelOf({ LOG_LEVEL: "debug" })).toBe("debug");
    expect(config.logLevelOf({ LOG_LEVEL: "verbose" })).toBe(config.loadConfig({}).logLevel);
    expect(config.logLevelOf({})).toBe("info");
  });
});

describe("defaults are defined once", () => {
  it("the exported defaults are what an empty environment loads", () => {
    const loaded = config.loadConfig({});
    const defaults = config.DEFAULTS;
    expect(defaults).toBeDefined();
    expect({
      port: loaded.port,
      logLevel: loaded.logLevel,
      secondMillis: loaded.secondMillis,
      reconnectSeconds: loaded.reconnectSeconds,
      messagesPerSecond: loaded.messagesPerSecond,
      maxAudiencePerIp: loaded.maxAudiencePerIp,
      drainSeconds: loaded.drainSeconds,
    }).toEqual({ ...defaults });
  });
});

describe("DRAIN_SECONDS", () => {
  it("is a whole number of seconds from 0 to 86400; anything else names the variable", () => {
    expect(config.loadConfig({ DRAIN_SECONDS: "0" }).drainSeconds).toBe(0);
    expect(config.loadConfig({ DRAIN_SECONDS: "86400" }).drainSeconds).toBe(86_400);
    for (const bad of ["-1", "1.5", "86401", "ten"]) expect(() => config.loadConfig({ DRAIN_SECONDS: bad })).toThrow(/DRAIN_SECONDS/);
  });
});
