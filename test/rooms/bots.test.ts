/**
 * The bots (bots/: strategy, runner, connection, CLI) play a whole game against a real server:
 * in process through runBot(), and through `npm run bots`'s CLI as a child process.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBot, type BotEvent, type BotHandle } from "../../bots/runner.ts";
import type { GameComplete } from "../../src/protocol.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ secondMillis: 20 });
});

afterAll(async () => {
  await server?.close();
});

function within<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${label}: no result within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

describe("bots", () => {
  it("a hosting bot and two more play a game to final", async () => {
    const events: { bot: string; event: BotEvent }[] = [];
    const common = {
      endpoint: server.endpoint,
      minDelayMs: 10,
      maxDelayMs: 60,
      hostPauseMs: 50,
      onEvent: (event: BotEvent, bot: { name: string }) => events.push({ bot: bot.name, event }),
    };
    const bots: BotHandle[] = [];
    try {
      const host = await runBot({ ...common, name: "Host Bot", icon: "robot", create: {}, minPlayers: 3 });
      bots.push(host);
      expect(host.code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
      bots.push(await runBot({ ...common, name: "Bot Two", icon: "cat", code: host.code.toLowerCase() }));
      bots.push(await runBot({ ...common, name: "Bot Three", icon: "owl", code: host.code }));
      // §10: a bot knows its (empty) private view as soon as it is in: the `own` child comes
      // with the full state on join.
      for (const b of bots) {
        expect(b.room.state.players.get(b.sessionId)?.own, "the own child of the bot's row").toBeDefined();
        expect(b.bot.snapshot().own).toEqual({ ownOptionIds: [], eliminationVote: null, finalVote: null });
      }

      const results: GameComplete[] = await within(Promise.all(bots.map((b) => b.finished)), 45_000, "game-complete");
      for (const b of bots) expect(b.room.state.phase).toBe("final");
      const result = results[0]!;
      expect(result.standings).toHaveLength(3);
      expect(result.standings.map((r) => r.name).sort()).toEqual(["Bot Three", "Bot Two", "Host Bot"]);
      expect(result.winners.length).toBeGreaterThan(0);
      for (const r of results) expect(r).toEqual(result);

      // The bots played: every bot answered and voted, and nothing they sent was refused.
      for (const name of ["Host Bot", "Bot Two", "Bot Three"]) {
        const mine = events.filter((e) => e.bot === name).map((e) => e.event);
        expect(mine.some((e) => e.type === "answered")).toBe(true);
        expect(mine.some((e) => e.type === "voted" && e.stage === "elimination")).toBe(true);
        expect(mine.some((e) => e.type === "voted" && e.stage === "final")).toBe(true);
      }
      // (Only a phase ending while a message is in flight may refuse one, as wrong-phase.)
      expect(events.filter((e) => e.event.type === "refused" && e.event.code !== "wrong-phase")).toEqual([]);
      expect(events.filter((e) => e.event.type === "round-started" && e.bot === "Host Bot")).toHaveLength(host.room.state.totalRounds);
    } finally {
      await Promise.allSettled(bots.map((b) => b.stop()));
    }
  }, 60_000);

  it("`npm run bots` finds the server on PORT, creates a room, plays a whole game and names the winner", async () => {
    // No --endpoint: the CLI must take the port from PORT, as `npm start` does (it used to ignore it).
    const child = spawn("npm", ["run", "--silent", "bots", "--", "--create", "--count", "3"], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(server.port) },
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group, so a timeout ends npm and the node process it started alike.
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const killer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 60_000);
    const exitCode = await new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    clearTimeout(killer);

    expect(exitCode, `stdout:\n${stdout}\nstderr:\n${stderr}`).toBe(0);
    expect(stdout).toMatch(/room code: [BCDFGHJKLMNPQRSTVWXZ]{4}/);
    const winnerLine = stdout.match(/game 1 complete: winners?: (.+)/);
    expect(winnerLine, stdout).not.toBeNull();
    const winners = winnerLine![1]!.split(", ");
    // Each winner is a first-place row of the printed standings.
    for (const name of winners) expect(stdout).toMatch(new RegExp(`^\\S+ +1\\. ${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} `, "m"));
    expect(stdout.match(/^\S+ +\d\. /gm)).toHaveLength(3);
  }, 75_000);
});
