/**
 * GAME.md §8: until `results`, no byte sent to any client reveals which option is the truth or
 * the robot's, who wrote which option, or who voted for what. Every raw frame, every decoded
 * message and every state snapshot each client receives is recorded and searched.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { leaveAll, type TestClient } from "../support/clients.ts";
import { seedQuestions } from "../../src/persistence/questionsRepo.ts";
import { PACK_BY_ID, registerQuestions } from "../support/pack.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { openTable, pickOther, playRound, type RoundView, type Table } from "../support/table.ts";

/**
 * Questions whose truth and robot answer are strings nothing else could contain (a pack answer
 * like "42" may well occur inside a session id), so a byte search for them means something.
 */
const MARKED = Array.from({ length: 8 }, (_, i) => ({
  id: `hidden-${i}`,
  text: `Marked question number ${i}: ____`,
  type: "text" as const,
  imageUrl: null,
  correctAnswer: `veritas marker ${i}`,
  robotAnswer: `automaton marker ${i}`,
  difficulty: 1,
  roundNumber: null,
}));

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  const { db } = server.persistence.database;
  await db.updateTable("questions").set({ active: false }).execute();
  await seedQuestions(db, MARKED);
  registerQuestions(MARKED);
});
afterAll(async () => {
  await server.close();
});

const REVEAL_WORDS = ["truthId", "robotId", "authors", "correctAnswer", "robotAnswer", "eliminationVotes", "finalVotes", "source", "audiencePick"];
const SECRET_PHASES = new Set(["", "lobby", "question", "elimination", "voting"]);
const PLAYER_FIELDS = ["connected", "hasAnswered", "hasVoted", "icon", "id", "isHost", "name", "score"];
/** GAME.md §10: a player's own row also carries its private `own` child, and only its own row. */
const OWN_FIELDS = ["eliminationVote", "finalVote", "ownOptionIds"];
const OPTION_FIELDS = ["eliminated", "id", "text"];

function contains(bytes: Uint8Array, text: string): boolean {
  return Buffer.from(bytes).includes(Buffer.from(text, "utf8"));
}

function fakeOf(round: number, i: number) {
  return `secret fake r${round} p${i}`;
}

describe("§8 hidden information", () => {
  let t: Table;
  const rounds: { view: RoundView; questionId: string }[] = [];

  beforeAll(async () => {
    t = await openTable(server.endpoint, { players: 4, hostPlays: false, audience: 1 });
    t.host.send("start-game", {});
    for (let r = 0; r < 3; r++) {
      const played = await playRound(t, {
        answer: (i, round) => fakeOf(round, i),
        eliminate: (i, view) => pickOther(t, i, view, i),
        vote: (i, view, eliminatedId) => pickOther(t, i, view, i + 1, [eliminatedId]),
        audienceVote: (_i, view, eliminatedId) => view.options.find((o) => o.id !== eliminatedId)!.id,
      });
      rounds.push({ view: played.view, questionId: played.view.questionId });
      t.host.send("next-round", {});
    }
    await t.host.waitPhase("question");
  });

  afterAll(async () => {
    await leaveAll(t.all);
  });

  it("§8 no frame before results names a reveal field; results frames do (the check can see them)", () => {
    for (const client of t.all) {
      const secret = client.frames.filter((f) => SECRET_PHASES.has(f.phase));
      const revealed = client.frames.filter((f) => f.phase === "results");
      expect(secret.length).toBeGreaterThan(20);
      for (const frame of secret) {
        for (const word of REVEAL_WORDS) expect(contains(frame.bytes, word), `${word} in a ${frame.phase} frame`).toBe(false);
      }
      expect(revealed.some((f) => contains(f.bytes, "truthId"))).toBe(true);
    }
  });

  it("§8 during `question` nobody receives the truth, the robot's answer or another player's fake", () => {
    for (const [index, client] of t.all.entries()) {
      for (const { view, questionId } of rounds) {
        expect(questionId).toMatch(/^hidden-/);
        const q = PACK_BY_ID.get(questionId)!;
        const questionFrames = client.frames.filter((f) => f.phase === "question");
        for (const frame of questionFrames) {
          expect(contains(frame.bytes, q.correctAnswer)).toBe(false);
          expect(contains(frame.bytes, q.robotAnswer)).toBe(false);
          t.players.forEach((p, i) => {
            if (p !== client) expect(contains(frame.bytes, fakeOf(view.round, i)), `client ${index} saw fake of ${i}`).toBe(false);
          });
        }
      }
    }
  });

  it("§8 §10 state snapshots carry only the public contract fields, plus the client's own `own`", () => {
    for (const client of t.all) {
      const isPlayer = t.players.includes(client);
      for (const { json, phase } of client.snapshots) {
        for (const [id, row] of Object.entries<any>(json.players)) {
          const mine = isPlayer && id === client.id;
          expect(Object.keys(row).sort()).toEqual(mine ? [...PLAYER_FIELDS, "own"].sort() : PLAYER_FIELDS);
          if (mine) expect(Object.keys(row.own).sort()).toEqual(OWN_FIELDS);
        }
        for (const option of json.options) expect(Object.keys(option).sort()).toEqual(OPTION_FIELDS);
        expect(Object.keys(json.question).sort()).toEqual(["id", "imageUrl", "text", "type"]);
        if (phase === "question" || phase === "lobby") expect(json.options).toEqual([]);
        const serialized = JSON.stringify(json);
        for (const word of REVEAL_WORDS) expect(serialized.includes(`"${word}"`)).toBe(false);
      }
    }
  });

  it("§8 §10 each client's `you` speaks only of itself; vote events carry counts only", () => {
    for (const client of t.all) {
      const mine = client.received.filter((m) => m.type === "you");
      expect(mine.length).toBeGreaterThan(0);
      for (const m of mine) expect(m.payload.playerId).toBe(client.id);
      for (const m of client.received.filter((m) => m.type.endsWith("-vote-cast"))) {
        expect(Object.keys(m.payload).sort()).toEqual(["playerId", "voters", "votes"]);
      }
      for (const m of client.received.filter((m) => SECRET_PHASES.has(m.phase))) {
        const serialized = JSON.stringify(m.payload);
        for (const word of REVEAL_WORDS) expect(serialized.includes(`"${word}"`), `${m.type} carries ${word}`).toBe(false);
      }
    }
  });

  it("§8 a player's own option ids are exactly the options with its own fake", () => {
    for (const { view } of rounds) {
      t.players.forEach((p, i) => {
        const own = view.own[p.id]!;
        expect(own).toHaveLength(1);
        expect(view.options.find((o) => o.id === own[0])!.text).toBe(fakeOf(view.round, i));
      });
    }
  });

  it("§8 reveal data is gone when the next question starts: `you` resets, options empty", async () => {
    const player: TestClient = t.players[0]!;
    await player.waitPhase("question");
    await player.until(() => player.you?.ownOptionIds.length === 0 && player.you.eliminationVote === null && player.you.finalVote === null, "reset you");
    expect(player.state.options.length).toBe(0);
  });

  it("§6 option ids are opaque: the truth does not sit at a fixed id", () => {
    const truthIds = new Set(rounds.map((r) => r.view.truthId));
    const robotIds = new Set(rounds.map((r) => r.view.robotId));
    // Three shuffled rounds of 6 options: a fixed position would give one id each time.
    expect(truthIds.size + robotIds.size).toBeGreaterThan(2);
  });
});
