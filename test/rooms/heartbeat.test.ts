/**
 * The spread heartbeat (src/rooms/heartbeat.ts, issue #9): every socket has one turn per interval,
 * the turns of an interval spread over its ticks; at its turn a socket that received any bytes
 * since its previous turn is left alone, a silent one is pinged, and one that stayed silent
 * through the allowed pings is terminated. Fake sockets and a fake clock: every tick is driven by
 * hand, and between ticks the "network" delivers what each fake peer sends.
 */
import { describe, expect, it } from "vitest";
import { Heartbeat, type HeartbeatOptions, type HeartbeatSocket } from "../../src/rooms/heartbeat.ts";

/** An upgrade request's size, about: a real socket has received this much before its first turn. */
const HANDSHAKE_BYTES = 250;
/** A masked pong frame without payload, as a client sends it. */
const PONG_BYTES = 6;

/** A server-side socket and what its peer does. Like a `ws` socket, a pong both adds bytes and emits "pong". */
class FakeSocket implements HeartbeatSocket {
  pings = 0;
  /** Calls of bytesReceived(): the heartbeat reads it once per turn. */
  turns = 0;
  terminated = false;
  terminatedAt: number | undefined;
  received = HANDSHAKE_BYTES;
  lastByteAt = 0;
  #unanswered = 0;
  #pongListeners: (() => void)[] = [];
  /** Whether the peer answers pings. */
  answers: boolean;
  /** The peer sends a message every this many ticks (at ticks that are a multiple of it, plus `offset`); 0: never. */
  talksEvery: number;
  offset: number;
  constructor({ answers = true, talksEvery = 0, offset = 0 } = {}) {
    this.answers = answers;
    this.talksEvery = talksEvery;
    this.offset = offset;
  }
  ping() {
    if (this.terminated) throw new Error("pinged after termination");
    this.pings++;
    this.#unanswered++;
  }
  terminate() {
    this.terminated = true;
  }
  bytesReceived() {
    this.turns++;
    return this.received;
  }
  /** Lets a heartbeat listen for pongs as on a `ws` socket (the one under test does not). */
  on(_event: "pong", listener: () => void) {
    this.#pongListeners.push(listener);
    return this;
  }
  get pongListeners() {
    return this.#pongListeners.length;
  }
  receive(bytes: number, at: number) {
    this.received += bytes;
    this.lastByteAt = at;
  }
  /** What arrives from the peer between tick `step` and the next, at time `at`. */
  network(step: number, at: number) {
    if (this.terminated) return;
    if (this.talksEvery > 0 && step % this.talksEvery === this.offset) this.receive(40, at);
    if (this.answers && this.#unanswered > 0) {
      this.receive(PONG_BYTES * this.#unanswered, at);
      this.#unanswered = 0;
      for (const listener of this.#pongListeners) listener.call(this);
    }
  }
}

const OPTIONS: HeartbeatOptions = { intervalMs: 3000, maxMissed: 2, tickMs: 50 };
const TICKS_PER_INTERVAL = OPTIONS.intervalMs / OPTIONS.tickMs;

/** A heartbeat over `sockets` on a clock the test moves by one tick per step. */
function rig(sockets: Set<FakeSocket>) {
  let step = 0;
  const heartbeat = new Heartbeat(sockets, OPTIONS, () => step * OPTIONS.tickMs);
  const perTick: number[] = [];
  return {
    heartbeat,
    perTick,
    /** Runs `ticks` ticks; between ticks peers send, terminated sockets leave the set. */
    run(ticks: number) {
      for (let i = 0; i < ticks; i++, step++) {
        const now = step * OPTIONS.tickMs;
        perTick.push(heartbeat.tick());
        for (const s of sockets) {
          if (s.terminated) {
            s.terminatedAt ??= now;
            sockets.delete(s);
          }
          // Bytes land between this tick and the next.
          s.network(step, now + OPTIONS.tickMs / 2);
        }
      }
    },
  };
}

const total = (sockets: FakeSocket[], key: "pings" | "turns") => sockets.reduce((n, s) => n + s[key], 0);

describe("spread heartbeat", () => {
  it("gives every socket exactly one turn per interval", () => {
    const all = Array.from({ length: 1000 }, () => new FakeSocket());
    const r = rig(new Set(all));
    for (let interval = 1; interval <= 3; interval++) {
      r.run(TICKS_PER_INTERVAL);
      expect(all.every((s) => s.turns === interval)).toBe(true);
    }
  });

  it("a socket that received data since its last turn is not pinged", () => {
    // Each peer sends a message once per interval, each at its own tick of it.
    const all = Array.from({ length: 1000 }, (_, i) => new FakeSocket({ talksEvery: TICKS_PER_INTERVAL, offset: i % TICKS_PER_INTERVAL }));
    const r = rig(new Set(all));
    r.run(TICKS_PER_INTERVAL * 6);
    expect(total(all, "turns")).toBe(6000);
    expect(total(all, "pings")).toBe(0);
    expect(all.some((s) => s.terminated)).toBe(false);
    // A pong needs no listener: it is inbound bytes like the rest.
    expect(all.every((s) => s.pongListeners === 0)).toBe(true);
  });

  it("an idle socket that answers pings is pinged every other interval", () => {
    const all = Array.from({ length: 1000 }, () => new FakeSocket());
    const r = rig(new Set(all));
    const pingsPerInterval: number[] = [];
    for (let interval = 0; interval < 8; interval++) {
      const before = total(all, "pings");
      r.run(TICKS_PER_INTERVAL);
      pingsPerInterval.push(total(all, "pings") - before);
    }
    // The handshake is the news at the first turn, each pong at the turn after its ping.
    expect(pingsPerInterval).toEqual([0, 1000, 0, 1000, 0, 1000, 0, 1000]);
    expect(all.every((s) => s.pings === 4 && !s.terminated)).toBe(true);
  });

  it("a silent socket is terminated after maxMissed unanswered pings; live ones stay", () => {
    const dead = new FakeSocket({ answers: false });
    const live = Array.from({ length: 99 }, () => new FakeSocket());
    const sockets = new Set([...live, dead]);
    const r = rig(sockets);
    // its first turn sees the handshake, the next maxMissed ping it
    r.run(TICKS_PER_INTERVAL * (OPTIONS.maxMissed + 1));
    expect(dead.terminated).toBe(false);
    expect(dead.pings).toBe(OPTIONS.maxMissed);
    r.run(TICKS_PER_INTERVAL);
    expect(dead.terminated).toBe(true);
    expect(dead.pings).toBe(OPTIONS.maxMissed);
    expect(sockets.has(dead)).toBe(false);
    r.run(TICKS_PER_INTERVAL * 4);
    expect(live.every((s) => !s.terminated && s.pings === 4)).toBe(true);
  });

  it("a socket that goes silent is terminated (maxMissed + 1) to (maxMissed + 2) intervals after its last inbound byte: 9–12 s", () => {
    // One lone socket per rig, its last byte at each tick of an interval in turn.
    for (let k = 0; k < TICKS_PER_INTERVAL; k++) {
      const socket = new FakeSocket({ talksEvery: 1 });
      const r = rig(new Set([socket]));
      r.run(TICKS_PER_INTERVAL * 2 + k + 1);
      socket.answers = false;
      socket.talksEvery = 0;
      r.run(TICKS_PER_INTERVAL * (OPTIONS.maxMissed + 3));
      expect(socket.terminated).toBe(true);
      const silentFor = socket.terminatedAt! - socket.lastByteAt;
      expect(silentFor).toBeGreaterThan((OPTIONS.maxMissed + 1) * OPTIONS.intervalMs);
      expect(silentFor).toBeLessThanOrEqual((OPTIONS.maxMissed + 2) * OPTIONS.intervalMs);
    }
  });

  it("a socket that sends messages but never answers pings is kept: inbound data is liveness", () => {
    // A message every other interval: each ping it leaves unanswered is followed by a turn with news.
    const mute = new FakeSocket({ answers: false, talksEvery: TICKS_PER_INTERVAL * 2, offset: TICKS_PER_INTERVAL + 10 });
    const r = rig(new Set([mute]));
    r.run(TICKS_PER_INTERVAL * 12);
    expect(mute.terminated).toBe(false);
    expect(mute.pings).toBe(6);
  });

  it("a socket whose pong arrives late, before its limit, is kept", () => {
    const flaky = new FakeSocket({ answers: false });
    const r = rig(new Set([flaky]));
    r.run(TICKS_PER_INTERVAL * (OPTIONS.maxMissed + 1));
    expect(flaky.pings).toBe(OPTIONS.maxMissed);
    // its pongs finally arrive (a slow network, not a dead one)
    flaky.answers = true;
    flaky.network(-1, 0);
    r.run(TICKS_PER_INTERVAL * 3);
    expect(flaky.terminated).toBe(false);
  });

  it("a lone socket has one turn per interval, not one per tick", () => {
    const lone = new FakeSocket();
    const r = rig(new Set([lone]));
    r.run(TICKS_PER_INTERVAL * 4);
    expect(lone.turns).toBe(4);
    expect(lone.pings).toBe(2);
  });

  it("does at most its share of the sockets per tick: ceil(sockets × tick / interval)", () => {
    const sockets = new Set(Array.from({ length: 8000 }, () => new FakeSocket()));
    const r = rig(sockets);
    r.run(TICKS_PER_INTERVAL * 2);
    const bound = Math.ceil((8000 * OPTIONS.tickMs) / OPTIONS.intervalMs);
    expect(Math.max(...r.perTick)).toBeLessThanOrEqual(bound);
    // and the whole interval's work is spread, not bunched: no tick idles mid-round
    expect(r.perTick.slice(0, TICKS_PER_INTERVAL - 1).every((n) => n === bound)).toBe(true);
  });

  it("visits sockets that connect during a round and skips those that closed", () => {
    const first = Array.from({ length: 600 }, () => new FakeSocket());
    const sockets = new Set(first);
    const r = rig(sockets);
    r.run(TICKS_PER_INTERVAL / 2);
    const late = Array.from({ length: 300 }, () => new FakeSocket());
    for (const s of late) sockets.add(s);
    const closed = first.slice(500);
    for (const s of closed) sockets.delete(s);
    r.run(TICKS_PER_INTERVAL * 2);
    expect(late.every((s) => s.turns >= 1)).toBe(true);
    expect(closed.every((s) => s.turns <= 1)).toBe(true);
    expect(first.slice(0, 500).every((s) => s.turns >= 2)).toBe(true);
  });

  it("does nothing without sockets", () => {
    const r = rig(new Set());
    r.run(10);
    expect(r.perTick.every((n) => n === 0)).toBe(true);
  });
});
