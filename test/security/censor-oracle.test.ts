/**
 * Issue #7 finding 6, "a playing host can find the truth", over real sockets. Censoring the truth
 * or the robot's answer used to be refused `invalid-vote` while a player's answer was accepted,
 * so a host that also plays could probe every option in elimination and learn which is which.
 * GAME.md §5 now: only a display host (`hostPlays: false`) censors; a playing host gets
 * `host-plays` for any option, known or not, in any phase, and nothing changes. Also GAME.md §3:
 * `start-game` with fewer than 2 connected players is `not-enough-players`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { leaveAll, TestClient } from "../support/clients.ts";
import { secretIds } from "../support/pack.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { openTable, type Table } from "../support/table.ts";

let server: TestServer;
const opened: TestClient[] = [];

beforeAll(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  await leaveAll(opened.splice(0));
});
afterAll(async () => {
  await server?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function table(o: { players: number; hostPlays?: boolean }): Promise<Table> {
  const t = await openTable(server.endpoint, o);
  opened.push(...t.all);
  return t;
}

/** Sends a message that must be refused with `code`, spaced to stay under the rate limit. */
async function refused(c: TestClient, type: string, payload: unknown, code: string): Promise<void> {
  await sleep(60);
  c.send(type, payload);
  expect(await c.next("error"), `${type} ${JSON.stringify(payload)}`).toEqual({ code, message: expect.any(String), requestType: type });
}

/** Starts the game, has every player answer, and returns the elimination options with the secret ids. */
async function toElimination(t: Table) {
  t.host.send("start-game", {});
  const started = await t.host.next("round-started");
  await Promise.all(t.all.map((c) => c.waitPhase("question")));
  t.players.forEach((p, i) => p.send("submit-answer", { answer: `decoy number ${i + 1}` }));
  const out = await t.host.next("all-answers-submitted");
  await Promise.all(t.all.map((c) => c.waitPhase("elimination")));
  const options = out.options as { id: string; text: string }[];
  const { truthId, robotId } = secretIds(started.question.id, options);
  const playerIds = options.map((o) => o.id).filter((id) => id !== truthId && id !== robotId);
  return { options, truthId, robotId, playerIds };
}

function optionIds(c: TestClient): string[] {
  return [...c.state.options].map((o: any) => o.id);
}

describe("#6 censor is no oracle (GAME.md §5)", () => {
  it("§5 a playing host gets host-plays for the truth, the robot, a player's answer and an unknown id; nothing changes", async () => {
    const t = await table({ players: 3 });
    const host = t.host;
    const { options, truthId, robotId, playerIds } = await toElimination(t);
    expect(playerIds.length).toBeGreaterThanOrEqual(2);
    const hostOwn = await host.until(() => (host.you?.ownOptionIds?.length ? host.you.ownOptionIds : undefined), "host's own option");
    const otherPlayers = playerIds.filter((id) => !hostOwn.includes(id));

    for (const optionId of [truthId, robotId, otherPlayers[0]!, hostOwn[0]!, "a99", "zz"]) {
      await refused(host, "censor-answer", { optionId }, "host-plays");
    }
    await sleep(150);
    expect(host.phase).toBe("elimination");
    for (const c of t.all) {
      expect(optionIds(c).sort()).toEqual(options.map((o) => o.id).sort());
      expect(c.received.some((m) => m.type === "answer-censored")).toBe(false);
    }
    // nobody else heard of the refusals
    for (const c of t.all.filter((c) => c !== host)) expect(c.received.filter((m) => m.type === "error")).toEqual([]);
  });

  it("§9 host-plays comes right after the role check, before wrong-phase: a playing host in the lobby", async () => {
    const t = await table({ players: 2 });
    await refused(t.host, "censor-answer", { optionId: "a1" }, "host-plays");
    await refused(t.players[1]!, "censor-answer", { optionId: "a1" }, "not-host");
  });

  it("§5 a display host censors a player's answer (answer-censored to everyone); truth, robot and unknown ids are invalid-vote", async () => {
    const t = await table({ players: 2, hostPlays: false });
    const display = t.host;
    const { options, truthId, robotId, playerIds } = await toElimination(t);

    for (const optionId of [truthId, robotId, "a99"]) await refused(display, "censor-answer", { optionId }, "invalid-vote");
    expect(optionIds(display)).toHaveLength(options.length);

    await sleep(60);
    const target = playerIds[0]!;
    display.send("censor-answer", { optionId: target });
    for (const c of t.all) {
      const event = await c.next("answer-censored");
      expect(event).toEqual({ optionId: target, votes: 0, voters: 2 });
      await c.waitState((s) => ![...s.options].some((o: any) => o.id === target), "option gone");
    }
    expect(optionIds(display)).toHaveLength(options.length - 1);
  });
});

describe("#6 / GAME.md §3 not-enough-players", () => {
  it("§3 start-game with 1 connected player is not-enough-players and the room stays in the lobby", async () => {
    const t = await table({ players: 1 });
    await refused(t.host, "start-game", {}, "not-enough-players");
    await sleep(100);
    expect(t.host.phase).toBe("lobby");
  });

  it("§3 a display host with one player is not-enough-players too (the display is not a player)", async () => {
    const t = await table({ players: 1, hostPlays: false });
    await refused(t.host, "start-game", {}, "not-enough-players");
    expect(t.host.phase).toBe("lobby");
  });
});
