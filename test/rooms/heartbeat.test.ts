/**
 * The spread heartbeat (src/rooms/heartbeat.ts, issue #9): dead-socket detection as Colyseus's
 * transport did it (a ping per interval, terminated after the allowed unanswered pings), but with
 * the pings of one interval spread over its ticks, so no tick pings more than its share. Fake
 * sockets and a fake clock: every tick is driven by hand.
 */
import { describe, expect, it } from "vitest";
import { Heartbeat, type HeartbeatOptions, type HeartbeatSocket } from "../../src/rooms/heartbeat.ts";

class FakeSocket implements HeartbeatSocket {
  pings = 0;
  terminated = false;
  #listeners: ((this: HeartbeatSocket) => void)[] = [];
  answers: boolean;
  constructor(answers = true) {
    this.answers = answers;
  }
  ping() {
    if (this.terminated) throw new Error("pinged after termination");
    this.pings++;
  }
  terminate() {
    this.terminated = true;
  }
  on(_event: "pong", listener: (this: HeartbeatSocket) => void) {
    this.#listeners.push(listener);
    return this;
  }
  /** What the network would do between ticks: a live peer answers its pings. */
  answer() {
    if (this.answers && !this.terminated && this.pings > 0) for (const l of this.#listeners) l.call(this);
  }
  get listenerCount() {
    return this.#listeners.length;
  }
}

const OPTIONS: HeartbeatOptions = { intervalMs: 3000, maxMissed: 2, tickMs: 50 };
const TICKS_PER_INTERVAL = OPTIONS.intervalMs / OPTIONS.tickMs;

/** A heartbeat over `sockets` on a clock the test moves by one tick per step. */
function rig(sockets: Set<FakeSocket>) {
  let now = 0;
  const heartbeat = new Heartbeat(sockets, OPTIONS, () => now);
  const perTick: number[] = [];
  return {
    heartbeat,
    perTick,
    /** Runs `ticks` ticks; live sockets answer between ticks, terminated ones leave the set. */
    run(ticks: number) {
      for (let i = 0; i < ticks; i++) {
        perTick.push(heartbeat.tick());
        for (const s of sockets) {
          s.answer();
          if (s.terminated) sockets.delete(s);
        }
        now += OPTIONS.tickMs;
      }
    },
  };
}

describe("spread heartbeat", () => {
  it("pings every socket exactly once per interval", () => {
    const sockets = new Set(Array.from({ length: 1000 }, () => new FakeSocket()));
    const all = [...sockets];
    const r = rig(sockets);
    for (let interval = 1; interval <= 3; interval++) {
      r.run(TICKS_PER_INTERVAL);
      expect(all.every((s) => s.pings === interval)).toBe(true);
    }
    // one pong listener per socket, added once, whatever the number of rounds
    expect(all.every((s) => s.listenerCount === 1)).toBe(true);
  });

  it("pings a lone socket once per interval, not once per tick", () => {
    const lone = new FakeSocket();
    const r = rig(new Set([lone]));
    r.run(TICKS_PER_INTERVAL * 4);
    expect(lone.pings).toBe(4);
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

  it("terminates a socket that leaves its pings unanswered, at the turn after the allowed misses; live ones stay", () => {
    const dead = new FakeSocket(false);
    const live = Array.from({ length: 99 }, () => new FakeSocket());
    const sockets = new Set([...live, dead]);
    const r = rig(sockets);
    r.run(TICKS_PER_INTERVAL * OPTIONS.maxMissed);
    expect(dead.terminated).toBe(false);
    expect(dead.pings).toBe(OPTIONS.maxMissed);
    r.run(TICKS_PER_INTERVAL);
    expect(dead.terminated).toBe(true);
    expect(sockets.has(dead)).toBe(false);
    r.run(TICKS_PER_INTERVAL * 3);
    expect(live.every((s) => !s.terminated && s.pings === OPTIONS.maxMissed + 4)).toBe(true);
  });

  it("a socket that answers again before the limit is kept", () => {
    const flaky = new FakeSocket(false);
    const r = rig(new Set([flaky]));
    r.run(TICKS_PER_INTERVAL * OPTIONS.maxMissed);
    // its pong finally arrives (a slow network, not a dead one)
    flaky.answers = true;
    flaky.answer();
    r.run(TICKS_PER_INTERVAL * 3);
    expect(flaky.terminated).toBe(false);
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
    expect(late.every((s) => s.pings >= 1)).toBe(true);
    expect(closed.every((s) => s.pings <= 1)).toBe(true);
    expect(first.slice(0, 500).every((s) => s.pings >= 2)).toBe(true);
  });

  it("does nothing, and pings no one, without sockets", () => {
    const r = rig(new Set());
    r.run(10);
    expect(r.perTick.every((n) => n === 0)).toBe(true);
  });
});
