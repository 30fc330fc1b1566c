/**
 * GAME.md §8 and §10, the private view in the state: each player's row carries an `own` child
 * (own option ids, own votes) that only its owner's StateView contains. Proved on the wire: every
 * raw frame a client received is decoded again here by a reference decoder built from the room's
 * own handshake, and after every frame the `own` children that decoder holds are listed. A client
 * may hold its own and no one else's; the audience and a display host hold none. The positive
 * controls (the owner does receive its ids, its votes, in the full state after a reconnection)
 * make the same check able to fail.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@colyseus/sdk";
import { decode, Reflection, type Decoder } from "@colyseus/schema";
import { leaveAll, TestClient, type Frame } from "../support/clients.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { openTable, pickOther, playRound, type RoundView, type Table } from "../support/table.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const JOIN_ROOM = 10;
const ROOM_STATE = 14;
const ROOM_STATE_PATCH = 15;
/** Protocol modifiers live in the top bits of the first byte. */
const CODE_MASK = 0x1f;

/** One `own` child a decoder holds after a frame, and whose row it hangs from. */
interface OwnSeen {
  owner: string;
  ownOptionIds: string[];
  eliminationVote: string;
  finalVote: string;
}
interface Replayed {
  frame: Frame;
  /** Set for state frames: what the reference decoder holds right after this frame. */
  owns?: OwnSeen[];
  state?: any;
}

/** The state reflection inside a JOIN_ROOM frame, or undefined when it carries none. */
function handshakeOf(bytes: Uint8Array): { bytes: Uint8Array; offset: number } | undefined {
  if ((bytes[0]! & CODE_MASK) !== JOIN_ROOM) return undefined;
  const it = { offset: 1 };
  it.offset += 1 + bytes[it.offset]!; // reconnection token
  it.offset += 1 + bytes[it.offset]!; // serializer id
  const length = decode.number(bytes, it);
  if (length <= 0) return undefined;
  return { bytes: bytes.subarray(0, it.offset + length), offset: it.offset };
}

function freshDecoder(handshake: { bytes: Uint8Array; offset: number }): Decoder<any> {
  return Reflection.decode(handshake.bytes, { offset: handshake.offset });
}

/** Does this decoded instance's class declare the `own` child's fields? */
function isOwnChild(ref: any): boolean {
  const metadata = ref?.constructor?.[Symbol.metadata];
  if (!metadata) return false;
  return Object.values<any>(metadata).some((field) => field?.name === "ownOptionIds");
}

/**
 * Replays a client's raw frames through a reference decoder of its own. Every decoded `own`
 * instance counts, attached to a row or not, so nothing decoded can hide from the check.
 */
function replay(frames: Frame[], fallback?: { bytes: Uint8Array; offset: number }): Replayed[] {
  const handshake = frames.map((f) => handshakeOf(f.bytes)).find((h) => h) ?? fallback;
  if (!handshake) throw new Error("no state reflection in this client's frames");
  const decoder = freshDecoder(handshake);
  return frames.map((frame) => {
    const code = frame.bytes[0]! & CODE_MASK;
    if (code !== ROOM_STATE && code !== ROOM_STATE_PATCH) return { frame };
    decoder.decode(frame.bytes, { offset: 1 });
    const state = decoder.state as any;
    const owns: OwnSeen[] = [];
    for (const ref of decoder.root.refs.values()) {
      if (!isOwnChild(ref)) continue;
      let owner = "(detached)";
      state.players.forEach((row: any, id: string) => {
        if (row.own === ref) owner = id;
      });
      const own = ref as any;
      owns.push({ owner, ownOptionIds: [...(own.ownOptionIds ?? [])], eliminationVote: own.eliminationVote ?? "", finalVote: own.finalVote ?? "" });
    }
    return { frame, owns, state: state.toJSON() };
  });
}

function fakeOf(round: number, i: number) {
  return `private view fake r${round} p${i}`;
}

describe("§8 §10 the `own` child reaches its owner only", () => {
  let t: Table;
  let played: { view: RoundView; eliminationVotes: Record<string, string>; finalVotes: Record<string, string> };

  beforeAll(async () => {
    // A display host, three players and an audience member: every kind of client.
    t = await openTable(server.endpoint, { players: 3, hostPlays: false, audience: 1 });
    t.host.send("start-game", {});
    played = await playRound(t, {
      answer: (i, round) => fakeOf(round, i),
      eliminate: (i, view) => pickOther(t, i, view, i),
      vote: (i, view, eliminatedId) => pickOther(t, i, view, i + 1, [eliminatedId]),
      audienceVote: (_i, view, eliminatedId) => view.options.find((o) => o.id !== eliminatedId)!.id,
    });
    t.host.send("next-round", {});
    await Promise.all(t.all.map((c) => c.waitPhase("question")));
  });

  afterAll(async () => {
    await leaveAll(t.all);
  });

  it("§8 no client, audience member or display host ever decodes another player's `own`", () => {
    for (const client of [...t.all]) {
      const states = replay(client.frames).filter((r) => r.owns);
      expect(states.length).toBeGreaterThan(5);
      // The reference decoder read the same stream the SDK did.
      const last = states.at(-1)!.state;
      expect(last.phase).toBe(client.phase);
      expect(Object.keys(last.players).sort()).toEqual([...client.state.players.keys()].sort());
      for (const { owns, frame } of states) {
        for (const own of owns!) expect(own.owner, `client ${client.id} decoded an own child in a ${frame.phase} frame`).toBe(client.id);
      }
    }
    // Not a player: no row, so no `own` at all.
    for (const client of [t.host, ...t.audience]) {
      expect(replay(client.frames).some((r) => r.owns && r.owns.length > 0)).toBe(false);
    }
  });

  it("§10 positive control: each player decodes its own option id and both its votes", () => {
    const { view, eliminationVotes, finalVotes } = played;
    t.players.forEach((p, i) => {
      const owns = replay(p.frames).flatMap((r) => r.owns ?? []);
      const mine = view.options.find((o) => o.text === fakeOf(view.round, i))!.id;
      expect(owns.some((o) => o.ownOptionIds.length === 1 && o.ownOptionIds[0] === mine)).toBe(true);
      expect(owns.some((o) => o.eliminationVote === eliminationVotes[p.id])).toBe(true);
      expect(owns.some((o) => o.finalVote === finalVotes[p.id])).toBe(true);
    });
  });

  it("§10 own ids arrive in the same patch as the options they name, never before or after", () => {
    const { view } = played;
    t.players.forEach((p, i) => {
      const mine = view.options.find((o) => o.text === fakeOf(view.round, i))!.id;
      let sawOptions = 0;
      for (const r of replay(p.frames)) {
        if (!r.owns) continue;
        const optionIds = (r.state.options as { id: string }[]).map((o) => o.id);
        const own = r.owns.find((o) => o.owner === p.id);
        const ids = own?.ownOptionIds ?? [];
        // Every id it is told is its own names an option it already has.
        for (const id of ids) expect(optionIds).toContain(id);
        if (optionIds.length > 0 && r.state.round === view.round) {
          sawOptions++;
          expect(ids, `options without own ids in a ${r.frame.phase} frame`).toEqual([mine]);
        }
      }
      expect(sawOptions).toBeGreaterThan(0);
    });
  });

  it("§8 the next question clears `own`: no ids, no votes", () => {
    for (const p of t.players) {
      const row = p.state.players.get(p.id);
      expect(row.own?.ownOptionIds.length).toBe(0);
      expect(row.own?.eliminationVote).toBe("");
      expect(row.own?.finalVote).toBe("");
    }
  });
});

describe("§10 the state is the source: late handlers and reconnection", () => {
  it("§10 a client that attaches its handlers only after elimination started knows its own option before its first vote", async () => {
    const t = await openTable(server.endpoint, { players: 2, hostPlays: false });
    // The late client: joined, then left alone while frames pile up. No listener of any kind.
    const sdk = new Client(server.endpoint);
    const room = await sdk.joinById(t.code, { name: "Latecomer", icon: "owl" });
    room.reconnection.enabled = false;
    await Promise.all(t.all.map((c) => c.waitState((s) => s.players.size === 3, "three players")));
    t.host.send("start-game", {});
    await t.host.next("round-started");
    room.send("submit-answer", { answer: "latecomer's own fake" });
    t.players.forEach((p, i) => p.send("submit-answer", { answer: `punctual fake ${i}` }));
    await t.host.next("all-answers-submitted");
    await t.host.waitPhase("elimination");

    // Only now does the app look: it registers its handlers and reads the state.
    const late = new TestClient(sdk, room, server.endpoint);
    const state = await late.waitState((s) => s.phase === "elimination" && s.options.length > 0, "late client sees elimination");
    const mine = state.options.find((o: any) => o.text === "latecomer's own fake")?.id;
    expect(mine).toBeDefined();
    const own = state.players.get(late.id)?.own;
    expect(own ? [...own.ownOptionIds] : null).toEqual([mine]);

    // Voting from the state alone never hits its own answer.
    const target = state.options.find((o: any) => !own.ownOptionIds.includes(o.id)).id;
    late.send("submit-elimination-vote", { optionId: target });
    await late.waitState((s) => s.players.get(late.id).own?.eliminationVote === target, "own vote in the state");
    expect(late.received.filter((m) => m.type === "error")).toEqual([]);
    await leaveAll([...t.all, late]);
  });

  it("§11 §10 after a reconnection the full state already holds the player's own ids and vote", async () => {
    const t = await openTable(server.endpoint, { players: 3, hostPlays: false });
    t.host.send("start-game", {});
    await t.host.next("round-started");
    t.players.forEach((p, i) => p.send("submit-answer", { answer: `returning fake ${i}` }));
    await t.host.next("all-answers-submitted");
    const [alice] = t.players as [TestClient];
    const before = await alice.waitState((s) => s.phase === "elimination" && s.options.length > 0, "elimination");
    const mine = before.options.find((o: any) => o.text === "returning fake 0").id;
    const target = before.options.find((o: any) => o.id !== mine).id;
    alice.send("submit-elimination-vote", { optionId: target });
    await t.host.waitState((s) => s.players.get(alice.id).hasVoted === true, "alice voted");

    alice.drop();
    await t.host.waitState((s) => s.players.get(alice.id).connected === false, "alice away");
    const back = await alice.reconnect(true);
    expect(back.id).toBe(alice.id);

    const handshake = alice.frames.map((f) => handshakeOf(f.bytes)).find((h) => h);
    const firstState = replay(back.frames, handshake).find((r) => r.owns)!;
    expect((firstState.frame.bytes[0]! & CODE_MASK)).toBe(ROOM_STATE);
    expect(firstState.owns).toEqual([{ owner: alice.id, ownOptionIds: [mine], eliminationVote: target, finalVote: "" }]);
    await leaveAll([...t.all.filter((c) => c !== alice), back]);
  });
});
