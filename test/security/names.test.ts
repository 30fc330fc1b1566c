/**
 * Issue #7 finding 7, "look-alike names", over real sockets: names and bans compare by their
 * Unicode TR39 confusable skeleton once invisible format characters are gone and the text is
 * NFKC-folded (GAME.md §5 "Names"); a name needs a visible letter or digit; answers lose the
 * same invisible characters before the family-friendly filter, and that filter no longer reads
 * harmless numbers as leet-speak words.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { joinError, leaveAll, TestClient } from "../support/clients.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { openTable } from "../support/table.ts";

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

async function joined(code: string, options: Record<string, unknown>): Promise<TestClient> {
  const c = await TestClient.join(server.endpoint, code, options);
  opened.push(c);
  return c;
}

/** A join that must be refused; its code (GAME.md §9), or a failure if the join got in. */
async function refusedJoin(code: string, options: Record<string, unknown>): Promise<string> {
  return joinError(
    TestClient.join(server.endpoint, code, options).then((c) => {
      opened.push(c);
      return c;
    }),
  );
}

/** The four look-alikes of "Ada" from the finding: plain, zero-width space, Cyrillic А, word joiner. */
const ADA = "Ada";
const LOOK_ALIKES = ["Ada\u200B", "\u0410da", "A\u2060da"];

describe("#7 look-alike names (GAME.md §5 names)", () => {
  it("§5 names clash by confusable skeleton: four look-alikes of Ada cannot sit in one room", async () => {
    const host = await TestClient.create(server.endpoint, { name: "Host", icon: "robot" });
    opened.push(host);
    const code = host.room.roomId;
    const ada = await joined(code, { name: ADA, icon: "cat" });
    for (const name of LOOK_ALIKES) {
      expect(await refusedJoin(code, { name, icon: "dog" }), JSON.stringify(name)).toBe("name-taken");
      expect(await refusedJoin(code, { name, icon: "dog", audience: true }), `audience ${JSON.stringify(name)}`).toBe("name-taken");
    }
    await host.waitState((s) => s.players.size === 2, "host and Ada only");
    expect([...host.state.players.values()].map((p: any) => p.name).sort()).toEqual([ADA, "Host"]);
    expect(host.state.players.get(ada.id).name).toBe(ADA);
  });

  it("§5 the first look-alike in keeps the seat; the plain name after it is name-taken too", async () => {
    const host = await TestClient.create(server.endpoint, { name: "Host", icon: "robot" });
    opened.push(host);
    const code = host.room.roomId;
    const cyrillic = await joined(code, { name: "\u0410da", icon: "cat" });
    expect(await refusedJoin(code, { name: ADA, icon: "dog" })).toBe("name-taken");
    expect(await refusedJoin(code, { name: "ADA", icon: "dog" })).toBe("name-taken");
    const row = await host.waitState((s) => s.players.has(cyrillic.id), "Cyrillic Ada seated");
    expect(row.players.get(cyrillic.id).name).toBe("\u0410da");
    expect(row.players.size).toBe(2);
  });

  it("§5 a name of only invisible characters is bad-request", async () => {
    const host = await TestClient.create(server.endpoint, { name: "Host", icon: "robot" });
    opened.push(host);
    const code = host.room.roomId;
    for (const name of ["\u200B", "\u200B\u200C\u200D", "\u2060\uFEFF", "\u3164"]) {
      expect(await refusedJoin(code, { name, icon: "cat" }), JSON.stringify(name)).toBe("bad-request");
    }
    expect(await joinError(TestClient.create(server.endpoint, { name: "\u200B", icon: "robot" }))).toBe("bad-request");
    await sleep(100);
    expect(host.state.players.size).toBe(1);
  });

  it("§5 a ban matches by confusable skeleton: a kicked Ada cannot come back as Ada+ZWSP, Cyrillic Аda or A+WJ+da", async () => {
    const host = await TestClient.create(server.endpoint, { name: "Host", icon: "robot" });
    opened.push(host);
    const code = host.room.roomId;
    const ada = await joined(code, { name: ADA, icon: "cat" });
    host.send("kick-player", { playerId: ada.id });
    await host.waitState((s) => !s.players.has(ada.id), "Ada kicked");
    for (const name of [ADA, ...LOOK_ALIKES]) {
      expect(await refusedJoin(code, { name, icon: "dog" }), JSON.stringify(name)).toBe("kicked");
      expect(await refusedJoin(code, { name, icon: "dog", audience: true }), `audience ${JSON.stringify(name)}`).toBe("kicked");
    }
    expect(host.state.players.size).toBe(1);
  });
});

describe("#7 answers: invisible characters and harmless numbers (GAME.md §5)", () => {
  /** A started game of a playing host and one player, in round 1's question phase. */
  async function inQuestion(): Promise<[TestClient, TestClient]> {
    const t = await openTable(server.endpoint, { players: 2 });
    opened.push(...t.all);
    t.host.send("start-game", {});
    await Promise.all(t.all.map((c) => c.waitPhase("question")));
    return t.players as [TestClient, TestClient];
  }

  /** Sends an answer and resolves with the refusal code, or "accepted" once the room marks it answered. */
  async function answerOutcome(c: TestClient, answer: string): Promise<string> {
    const errorsBefore = c.received.filter((m) => m.type === "error").length;
    await sleep(60);
    c.send("submit-answer", { answer });
    return c.until(() => {
      const errors = c.received.filter((m) => m.type === "error");
      if (errors.length > errorsBefore) return errors.at(-1)!.payload.code as string;
      return c.state.players.get(c.id)?.hasAnswered ? "accepted" : undefined;
    }, `outcome of ${JSON.stringify(answer)}`);
  }

  it("§5 the family filter runs on the cleaned answer: f+ZWSP+uck and sh+WJ+it are profanity", async () => {
    const [host, player] = await inQuestion();
    expect(await answerOutcome(player, "f\u200Buck")).toBe("profanity");
    expect(await answerOutcome(player, "sh\u2060it")).toBe("profanity");
    expect(await answerOutcome(host, "f\u00ADuck")).toBe("profanity");
    await sleep(100);
    expect(player.state.players.get(player.id).hasAnswered).toBe(false);
    expect(host.state.players.get(host.id).hasAnswered).toBe(false);
  });

  it("§5 harmless numbers are answers, not leet-speak profanity: 455 and 717 are accepted", async () => {
    const [host, player] = await inQuestion();
    expect(await answerOutcome(player, "455")).toBe("accepted");
    expect(await answerOutcome(host, "717")).toBe("accepted");
    await host.waitPhase("elimination");
    const texts = [...host.state.options].map((o: any) => o.text);
    expect(texts).toEqual(expect.arrayContaining(["455", "717"]));
  });
});
