/**
 * `npm run bots` reads its arguments (bots/cli.ts): the server is found where `npm start` put it
 * (PORT, issue #8: the CLI used to ignore it), and bad input is a one-line usage error.
 */
import { describe, expect, it } from "vitest";
import { parseCli, UsageError, type CliArgs } from "../../bots/cli.ts";
import { DEFAULTS } from "../../src/config.ts";

function parsed(argv: string[], env: NodeJS.ProcessEnv = {}): CliArgs {
  const args = parseCli(argv, env);
  if (args === "help") throw new Error("unexpected --help");
  return args;
}

describe("where the bots connect", () => {
  it("PORT from the environment, as `npm start` listens on it", () => {
    expect(parsed(["--create", "--count", "4"], { PORT: "2600" }).endpoint).toBe("ws://127.0.0.1:2600");
  });

  it("the server's default port when PORT is unset or empty", () => {
    expect(parsed(["--create"]).endpoint).toBe(`ws://127.0.0.1:${DEFAULTS.port}`);
    expect(parsed(["--create"], { PORT: "" }).endpoint).toBe(`ws://127.0.0.1:${DEFAULTS.port}`);
  });

  it("--port beats PORT, --endpoint beats both", () => {
    expect(parsed(["--create", "--port", "2700"], { PORT: "2600" }).endpoint).toBe("ws://127.0.0.1:2700");
    expect(parsed(["--create", "--port", "2700", "--endpoint", "ws://10.1.2.3:9000/"], { PORT: "2600" }).endpoint).toBe("ws://10.1.2.3:9000");
  });

  it("a bad PORT or --port is a usage error naming it", () => {
    expect(() => parseCli(["--create"], { PORT: "http" })).toThrow(UsageError);
    expect(() => parseCli(["--create"], { PORT: "70000" })).toThrow(/^PORT must be between 1 and 65535/);
    expect(() => parseCli(["--create", "--port", "0"])).toThrow(/^--port /);
    expect(() => parseCli(["--create", "--endpoint", "localhost:2567"])).toThrow(/--endpoint/);
  });
});

describe("what the bots do", () => {
  it("--code is canonicalised and checked against the room-code alphabet", () => {
    expect(parsed(["--code", " kxqt "]).code).toBe("KXQT");
    expect(() => parseCli(["--code", "KAQT"])).toThrow(/--code must be 4 letters/);
    expect(() => parseCli([])).toThrow(/missing --code/);
    expect(() => parseCli(["--code", "KXQT", "--create"])).toThrow(/either --code or --create/);
  });

  it("--create hosts: the host drives and starts when --count players are in", () => {
    expect(parsed(["--create", "--count", "4"])).toMatchObject({ create: true, host: true, count: 4, minPlayers: 4 });
    expect(parsed(["--code", "KXQT"])).toMatchObject({ create: false, host: false, count: 3, minPlayers: 2 });
    expect(() => parseCli(["--create", "--count", "1"])).toThrow(/--count must be between 2 and 8/);
    expect(() => parseCli(["--create", "--count", "9"])).toThrow(/--count must be between 2 and 8/);
  });

  it("--mode takes a GAME.md mode, with --create only", () => {
    expect(parsed(["--create", "--mode", "12-round"]).mode).toBe("12-round");
    expect(() => parseCli(["--create", "--mode", "10-round"])).toThrow(/--mode must be 8-round or 12-round/);
    expect(() => parseCli(["--code", "KXQT", "--mode", "8-round"])).toThrow(/only applies with --create/);
  });

  it("think times default to the strategy's and must be ordered", () => {
    expect(parsed(["--create"])).toMatchObject({ minDelayMs: 300, maxDelayMs: 1500, hostPauseMs: 2500 });
    expect(parsed(["--create", "--min-delay", "2000"]).maxDelayMs).toBe(2000);
    expect(() => parseCli(["--create", "--min-delay", "500", "--max-delay", "100"])).toThrow(/--max-delay/);
  });

  it("unknown flags and --help", () => {
    expect(() => parseCli(["--create", "--colour", "red"])).toThrow(UsageError);
    expect(parseCli(["--help"])).toBe("help");
  });
});
