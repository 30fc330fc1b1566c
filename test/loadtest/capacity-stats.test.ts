/**
 * The pure helpers behind `npm run bench:capacity` (issue #9, deliverable 1): the figures the
 * README quotes are only as right as these percentiles, /proc readings and metric parsing.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  findKnee,
  median,
  parseProcStat,
  parseProcStatTotals,
  parseProcStatusKb,
  parsePrometheus,
  parseSteps,
  parseThink,
  perRoom,
  quantile,
  summarize,
} from "../../loadtest/capacity/stats.ts";

describe("percentiles of a latency sample", () => {
  it("nearest rank: p50 of 1..100 is 50, p99 is 99, p100 is the max", () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i); // unsorted on purpose
    expect(quantile(xs, 0.5)).toBe(50);
    expect(quantile(xs, 0.95)).toBe(95);
    expect(quantile(xs, 0.99)).toBe(99);
    expect(quantile(xs, 1)).toBe(100);
    expect(quantile(xs, 0)).toBe(1);
  });

  it("sorts numerically, not as text (10 ms is above 9 ms)", () => {
    expect(quantile([9, 10, 100, 2], 0.75)).toBe(10);
    expect(summarize([9, 10, 100, 2]).max).toBe(100);
  });

  it("one slow action in a hundred shows in p99 but not in p95", () => {
    const xs = [...Array.from({ length: 99 }, () => 5), 400];
    const s = summarize(xs);
    expect(s).toEqual({ count: 100, p50: 5, p95: 5, p99: 5, max: 400 });
    const two = summarize([...Array.from({ length: 98 }, () => 5), 400, 400]);
    expect(two.p99).toBe(400);
  });

  it("an empty sample gives NaN, not zero (an idle window must not look fast)", () => {
    expect(Number.isNaN(quantile([], 0.5))).toBe(true);
    const s = summarize([]);
    expect(s.count).toBe(0);
    expect(Number.isNaN(s.p99)).toBe(true);
  });

  it("median of repeats: the middle one, or the mean of the two middle ones; NaN runs are ignored", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([NaN, 7])).toBe(7);
    expect(Number.isNaN(median([]))).toBe(true);
  });
});

describe("/proc parsing", () => {
  it("utime and stime are fields 14 and 15, counted after the command name", () => {
    // A command name with spaces and a ')' must not shift the fields.
    const line = "4242 (node (x) y) S 1 4242 4242 0 -1 4194560 1000 0 0 0 1234 567 0 0 20 0 11 0 100 1000000 5000 18446744073709551615";
    expect(parseProcStat(line)).toEqual({ utimeTicks: 1234, stimeTicks: 567 });
  });

  it("reads this very process's /proc/self/stat", () => {
    const cpu = parseProcStat(readFileSync("/proc/self/stat", "utf8"));
    expect(Number.isInteger(cpu.utimeTicks)).toBe(true);
    expect(cpu.utimeTicks + cpu.stimeTicks).toBeGreaterThan(0);
  });

  it("refuses text that is not a stat line", () => {
    expect(() => parseProcStat("hello")).toThrow(/no '\)'/);
    expect(() => parseProcStat("1 (x) S 1")).toThrow(/utime/);
  });

  it("VmRSS from /proc/<pid>/status in bytes; NaN when the field is missing", () => {
    const status = "Name:\tnode\nVmPeak:\t 1200000 kB\nVmRSS:\t  371520 kB\nThreads:\t11\n";
    expect(parseProcStatusKb(status, "VmRSS")).toBe(371520 * 1024);
    expect(Number.isNaN(parseProcStatusKb(status, "VmSwap"))).toBe(true);
    expect(parseProcStatusKb(readFileSync("/proc/self/status", "utf8"), "VmRSS")).toBeGreaterThan(1024 * 1024);
  });

  it("machine totals: idle counts idle and iowait, total the first eight columns", () => {
    const stat = "cpu  100 5 50 800 20 3 2 10 7 0\ncpu0 50 2 25 400 10 1 1 5 0 0\n";
    expect(parseProcStatTotals(stat)).toEqual({ total: 990, idle: 820 });
  });
});

describe("Prometheus text", () => {
  it("reads prom-client's default metrics and the server's own, with and without labels", () => {
    const text = [
      "# HELP nodejs_eventloop_lag_p99_seconds The 99th percentile of the recorded event loop delays.",
      "# TYPE nodejs_eventloop_lag_p99_seconds gauge",
      "nodejs_eventloop_lag_p99_seconds 0.012599295",
      "nodejs_heap_size_used_bytes 28573408",
      'robots_messages_refused_total{code="wrong-phase"} 3',
      "robots_outbox_pending 0",
      "process_start_time_seconds 1700000000 1700000000123",
      "",
    ].join("\n");
    const m = parsePrometheus(text);
    expect(m.get("nodejs_eventloop_lag_p99_seconds")).toBeCloseTo(0.012599295, 9);
    expect(m.get("nodejs_heap_size_used_bytes")).toBe(28573408);
    expect(m.get('robots_messages_refused_total{code="wrong-phase"}')).toBe(3);
    expect(m.get("robots_outbox_pending")).toBe(0);
    expect(m.get("process_start_time_seconds")).toBe(1700000000);
    expect(m.has("# HELP nodejs_eventloop_lag_p99_seconds")).toBe(false);
  });
});

describe("knee and per-room figures", () => {
  it("the knee is the first step whose p99 passed the limit; the one before it held", () => {
    const steps = [
      { rooms: 500, p99: 80 },
      { rooms: 100, p99: 12 },
      { rooms: 250, p99: 49.9 },
      { rooms: 1000, p99: 300 },
    ];
    expect(findKnee(steps, 50)).toEqual({ knee: 500, lastHeld: 250 });
  });

  it("no knee when every step held; no room count held when the first already failed", () => {
    expect(findKnee([{ rooms: 100, p99: 10 }, { rooms: 200, p99: 20 }], 50)).toEqual({ knee: undefined, lastHeld: 200 });
    expect(findKnee([{ rooms: 100, p99: 90 }], 50)).toEqual({ knee: 100, lastHeld: undefined });
  });

  it("a step with no latency at all (NaN) counts as failed, never as held", () => {
    expect(findKnee([{ rooms: 100, p99: 10 }, { rooms: 200, p99: NaN }], 50)).toEqual({ knee: 200, lastHeld: 100 });
  });

  it("per room = (reading − idle) / rooms; NaN without rooms", () => {
    expect(perRoom(100_000, 1_100_000, 250)).toBe(4000);
    expect(Number.isNaN(perRoom(1, 2, 0))).toBe(true);
  });
});

describe("command-line values", () => {
  it("--think MIN-MAX in seconds becomes ms", () => {
    expect(parseThink("2-20")).toEqual({ minMs: 2000, maxMs: 20_000 });
    expect(parseThink("0.1 - 0.4")).toEqual({ minMs: 100, maxMs: 400 });
    expect(() => parseThink("5-1")).toThrow(/maximum/);
    expect(() => parseThink("fast")).toThrow(/MIN-MAX/);
  });

  it("--steps becomes ascending distinct room counts", () => {
    expect(parseSteps("500,100, 250,100")).toEqual([100, 250, 500]);
    expect(() => parseSteps("100,0")).toThrow(/positive/);
    expect(() => parseSteps("a,b")).toThrow(/positive/);
    expect(() => parseSteps("")).toThrow(/positive/);
  });
});
