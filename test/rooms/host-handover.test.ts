/**
 * GAME.md §11: the host dropping does not stop the game; a host absent past the reconnection
 * window hands the host role to the longest-connected player. A 1 s window keeps it quick.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { leaveAll, type TestClient } from "../support/clients.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { openTable } from "../support/table.ts";

let shortWindow: TestServer;
beforeAll(async () => {
  shortWindow = await startTestServer({ reconnectSeconds: 1 });
});
afterAll(async () => {
  await shortWindow.close();
});

describe("§11 host hand-over", () => {
  it("§11 a host absent past the window hands the role to the longest-connected player; the game goes on", async () => {
    const t = await openTable(shortWindow.endpoint, { players: 3 });
    const [host, first, second] = t.players as [TestClient, TestClient, TestClient];
    host.send("start-game", {});
    await first.waitPhase("question");
    host.drop();
    await first.waitState((s) => s.hostId === first.id, "first joiner becomes host", 10_000);
    expect(first.state.players.get(first.id).isHost).toBe(true);
    // The old host keeps its score row in a started game.
    expect(first.state.players.get(host.id).connected).toBe(false);
    first.send("skip-phase", {});
    await second.waitPhase("elimination");
    second.send("skip-phase", {});
    expect((await second.next("error")).code).toBe("not-host");
    await leaveAll([first, second]);
  });

  it("§11 a display host absent past the window hands the role to a player", async () => {
    const t = await openTable(shortWindow.endpoint, { players: 2, hostPlays: false });
    const [first] = t.players as [TestClient];
    t.host.drop();
    await first.waitState((s) => s.hostId === first.id, "player becomes host", 10_000);
    first.send("start-game", {});
    await first.waitPhase("question");
    await leaveAll(t.players);
  });
});
