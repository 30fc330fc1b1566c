/**
 * Pure helpers of the capacity benchmark (loadtest/capacity-bench.ts): percentiles, medians,
 * parsing of /proc files and of the Prometheus text format. No I/O here, so the unit tests in
 * test/loadtest/ can check them on fixed input.
 */

/**
 * The q-quantile (0 ≤ q ≤ 1) of `xs` by the nearest-rank method: the smallest value with at least
 * q of the values at or below it. NaN for an empty list. Sorts a copy.
 */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const sorted = Float64Array.from(xs).sort();
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

/** The median of `xs` (the mean of the two middle values for an even count); NaN when empty. */
export function median(xs: readonly number[]): number {
  const finite = xs.filter((x) => !Number.isNaN(x));
  if (finite.length === 0) return NaN;
  const sorted = [...finite].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** p50/p95/p99/max of a latency sample, and its size. */
export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarize(xs: readonly number[]): LatencySummary {
  if (xs.length === 0) return { count: 0, p50: NaN, p95: NaN, p99: NaN, max: NaN };
  const sorted = Float64Array.from(xs).sort();
  const at = (q: number) => sorted[Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length))) - 1]!;
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1]! };
}

/** CPU time a process used so far, from /proc/<pid>/stat, in clock ticks. */
export interface ProcCpu {
  utimeTicks: number;
  stimeTicks: number;
}

/**
 * Reads utime and stime (fields 14 and 15, proc(5)) from the text of /proc/<pid>/stat. The
 * second field is the command name in parentheses and may itself hold spaces and parentheses,
 * so the fields are counted from the last ')'.
 */
export function parseProcStat(text: string): ProcCpu {
  const close = text.lastIndexOf(")");
  if (close < 0) throw new Error("not a /proc/<pid>/stat line: no ')'");
  // After ')': field 3 (state) is index 0, so field n is index n - 3.
  const fields = text.slice(close + 1).trim().split(/\s+/);
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error("not a /proc/<pid>/stat line: utime/stime missing");
  return { utimeTicks: utime, stimeTicks: stime };
}

/** A `Key:   value kB` field of /proc/<pid>/status (e.g. VmRSS), in bytes; NaN when absent. */
export function parseProcStatusKb(text: string, key: string): number {
  const match = new RegExp(`^${key}:\\s+(\\d+)\\s*kB`, "m").exec(text);
  return match ? Number(match[1]) * 1024 : NaN;
}

/**
 * Total and idle jiffies of the first line of /proc/stat (all cores together), to tell how busy
 * the whole machine was: busy share = 1 − Δidle / Δtotal. Idle counts `idle` and `iowait`.
 */
export function parseProcStatTotals(text: string): { total: number; idle: number } {
  const line = text.split("\n").find((l) => l.startsWith("cpu "));
  if (!line) throw new Error("not /proc/stat: no aggregate cpu line");
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest and guest_nice are inside user and nice).
  const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
  return { total, idle: (values[3] ?? 0) + (values[4] ?? 0) };
}

/**
 * The unlabelled samples of a Prometheus text exposition (and labelled ones under
 * `name{labels}`), as name → value. Comment lines are skipped.
 */
export function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    // name or name{labels}, then the value, then an optional timestamp.
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?)\s+(\S+)/.exec(line);
    if (!match) continue;
    const value = Number(match[2]);
    if (!Number.isNaN(value) || match[2] === "NaN") samples.set(match[1]!, value);
  }
  return samples;
}

/** `(after − before) / rooms`, or NaN when there are no rooms. */
export function perRoom(before: number, after: number, rooms: number): number {
  return rooms > 0 ? (after - before) / rooms : NaN;
}

/**
 * The smallest room count whose p99 passed the limit, from steps in any order; undefined when
 * none did. With `lastHeld` it also gives the largest room count below the knee that held.
 */
export function findKnee(steps: readonly { rooms: number; p99: number }[], limitMs: number): { knee: number | undefined; lastHeld: number | undefined } {
  const sorted = [...steps].sort((a, b) => a.rooms - b.rooms);
  const failed = sorted.find((s) => !(s.p99 <= limitMs));
  const held = sorted.filter((s) => s.p99 <= limitMs && (failed === undefined || s.rooms < failed.rooms));
  return { knee: failed?.rooms, lastHeld: held.at(-1)?.rooms };
}

/** Parses `--think 2-20` (seconds, decimals allowed) into ms; throws on anything else. */
export function parseThink(text: string): { minMs: number; maxMs: number } {
  const match = /^\s*(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
  if (!match) throw new Error(`--think must look like MIN-MAX in seconds (e.g. 2-20), got "${text}"`);
  const minMs = Math.round(Number(match[1]) * 1000);
  const maxMs = Math.round(Number(match[2]) * 1000);
  if (maxMs < minMs) throw new Error(`--think: the maximum must not be below the minimum, got "${text}"`);
  return { minMs, maxMs };
}

/** Parses `--steps 100,250,500` into ascending distinct positive integers; throws otherwise. */
export function parseSteps(text: string): number[] {
  const parts = text.split(",").map((p) => p.trim()).filter((p) => p !== "");
  if (parts.length === 0 || parts.some((p) => !/^\d+$/.test(p) || Number(p) < 1)) {
    throw new Error(`--steps must be a comma list of positive whole numbers, got "${text}"`);
  }
  return [...new Set(parts.map(Number))].sort((a, b) => a - b);
}
