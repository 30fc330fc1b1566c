/**
 * The drain's decisions (src/rooms/drain.ts) with stand-in rooms and mover, no server: which room
 * waits, which is closed for the restart, which is handed over, and when the drain is done.
 * The real processes are in drain-single, drain-peers and rolling-restart.
 */
import type { Room } from "@colyseus/core";
import { describe, expect, it } from "vitest";
import { Drain, gameRunning, SERVER_MOVING_REASON, type LocalRooms, type RoomMover } from "../../src/rooms/drain.ts";
import { CloseCode } from "../../src/protocol.ts";
import { within } from "../support/within.ts";

interface FakeRoom {
  roomId: string;
  state: { phase: string };
  clients: { sessionId: string }[];
  kicked: [string, number, string][];
  disconnectedWith: number | undefined;
  kickClient(id: string, code: number, reason: string): void;
  disconnect(code: number): Promise<void>;
}

function fakeRooms(phases: Record<string, string>): { rooms: LocalRooms; all: Map<string, FakeRoom> } {
  const all = new Map<string, FakeRoom>();
  const live = new Set<FakeRoom>();
  for (const [id, phase] of Object.entries(phases)) {
    const room: FakeRoom = {
      roomId: id,
      state: { phase },
      clients: [{ sessionId: `${id}-a` }, { sessionId: `${id}-b` }],
      kicked: [],
      disconnectedWith: undefined,
      kickClient(sessionId, code, reason) {
        this.kicked.push([sessionId, code, reason]);
        this.clients = this.clients.filter((c) => c.sessionId !== sessionId);
      },
      async disconnect(code) {
        this.disconnectedWith = code;
        live.delete(this);
      },
    };
    all.set(id, room);
    live.add(room);
  }
  const rooms = { get size() { return live.size; }, list: () => [...live] as unknown as Room[], follow() {} } as unknown as LocalRooms;
  return { rooms, all };
}

function recordingMover(): RoomMover & { frozen: string[]; restored: string[] } {
  const frozen: string[] = [];
  const restored: string[] = [];
  return {
    frozen,
    restored,
    async freeze(room) {
      frozen.push(room.roomId);
    },
    async restoreOn(_peer, roomId) {
      restored.push(roomId);
    },
  };
}

describe("drain decisions", () => {
  it("a game is running between the lobby and the final scoreboard", () => {
    for (const [phase, running] of [["lobby", false], ["question", true], ["elimination", true], ["voting", true], ["results", true], ["final", false]] as const) {
      expect(gameRunning({ state: { phase } } as unknown as Room)).toBe(running);
    }
  });

  it("with no peer: lobbies and finished games are frozen and closed with 4100 at once; a running game waits for its end", async () => {
    const { rooms, all } = fakeRooms({ LOBY: "lobby", DONE: "final", PLAY: "voting" });
    const mover = recordingMover();
    const drain = new Drain({ rooms, mover, drainSeconds: 60, shared: false });
    const done = drain.run("SIGTERM");
    await new Promise((r) => setTimeout(r, 600));
    expect(mover.frozen.sort()).toEqual(["DONE", "LOBY"]);
    expect(all.get("PLAY")!.disconnectedWith).toBeUndefined();
    for (const id of ["LOBY", "DONE"]) {
      expect(all.get(id)!.disconnectedWith).toBe(CloseCode.ServerMoving);
      expect(all.get(id)!.kicked.map((k) => [k[1], k[2]])).toEqual([[CloseCode.ServerMoving, SERVER_MOVING_REASON], [CloseCode.ServerMoving, SERVER_MOVING_REASON]]);
    }
    // The game ends: the room is closed the same way and the drain is over.
    all.get("PLAY")!.state.phase = "final";
    const summary = await done;
    expect(mover.frozen).toContain("PLAY");
    expect(summary).toMatchObject({ movedToPeer: 0, finishedHere: 1, keptForRestart: 3 });
    expect(mover.restored).toEqual([]);
    // A second signal returns the same drain.
    expect(await drain.run("SIGINT")).toBe(summary);
  });

  it("with no peer: DRAIN_SECONDS cuts a running game off, frozen first", async () => {
    const { rooms, all } = fakeRooms({ PLAY: "question" });
    const mover = recordingMover();
    const began = Date.now();
    const summary = await new Drain({ rooms, mover, drainSeconds: 1, shared: false }).run("SIGTERM");
    expect(Date.now() - began).toBeGreaterThanOrEqual(1_000);
    expect(mover.frozen).toEqual(["PLAY"]);
    expect(all.get("PLAY")!.disconnectedWith).toBe(CloseCode.ServerMoving);
    expect(summary).toMatchObject({ finishedHere: 0, keptForRestart: 1 });
  });

  it("a second signal stops waiting for a running game: it is frozen and kept at once, and the drain still ends", async () => {
    const { rooms, all } = fakeRooms({ PLAY: "elimination" });
    const mover = recordingMover();
    const drain = new Drain({ rooms, mover, drainSeconds: 600, shared: false });
    const done = drain.run("SIGINT");
    await new Promise((r) => setTimeout(r, 400));
    expect(mover.frozen).toEqual([]);
    const again = drain.run("SIGINT");
    expect(again).toBe(done);
    const summary = await within(done, 5_000, "the drain after a second signal");
    expect(mover.frozen).toEqual(["PLAY"]);
    expect(all.get("PLAY")!.disconnectedWith).toBe(CloseCode.ServerMoving);
    expect(summary).toMatchObject({ finishedHere: 0, keptForRestart: 1 });
  });

  it("a room that cannot be frozen stays and is tried again; it is never closed unfrozen", async () => {
    const { rooms, all } = fakeRooms({ LOBY: "lobby" });
    let attempts = 0;
    const mover: RoomMover = {
      async freeze() {
        if (++attempts < 3) throw new Error("redis down");
      },
      async restoreOn() {},
    };
    await new Drain({ rooms, mover, drainSeconds: 60, shared: false }).run("SIGTERM");
    expect(attempts).toBe(3);
    expect(all.get("LOBY")!.disconnectedWith).toBe(CloseCode.ServerMoving);
  });
});
