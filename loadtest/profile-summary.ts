/**
 * Reads a V8 CPU profile (`--cpu-prof`, `.cpuprofile`) or heap snapshot (`.heapsnapshot`) and
 * prints where the time or the memory goes (issue #9: cuts are chosen from profiles, not
 * guesses).
 *
 *   node loadtest/profile-summary.ts PROFILE.cpuprofile [--top 30] [--from S] [--to S]
 *   node loadtest/profile-summary.ts SNAPSHOT.heapsnapshot [--top 30] [--base EARLIER.heapsnapshot] [--per N]
 *
 * CPU: self time grouped by package (a `node_modules` package, this project's directory, Node's
 * internals, or V8's own entries: GC, idle, program), by function (name, file, line), and the
 * inclusive ("total") time of each function, counting a recursive function once per sample.
 * `--from`/`--to` keep only the samples between those seconds after the profile started (the
 * bench's measured window). Percentages are of the busy time: all samples but `(idle)`.
 *
 * Heap: self size and count grouped by constructor (V8's node name for objects, its type for
 * the rest), and for the largest groups the constructor that most often holds them (the first
 * strong retainer), which is usually enough to tell whose memory it is. With `--base`, the
 * growth from an earlier snapshot of the same process per group instead (say, idle → 300 rooms),
 * divided by `--per` (the room count) to read bytes per room.
 */
import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: "string", default: "30" },
    from: { type: "string" },
    to: { type: "string" },
    base: { type: "string" },
    per: { type: "string", default: "1" },
  },
});
const TOP = Number(values.top);
const ROOT = new URL("../", import.meta.url).pathname;

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The package a script belongs to: `@scope/name` or `name` under node_modules, else a coarse bucket. */
export function packageOf(url: string, functionName = ""): string {
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)";
  const modules = url.lastIndexOf("/node_modules/");
  if (modules >= 0) {
    const parts = url.slice(modules + "/node_modules/".length).split("/");
    return parts[0]!.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  if (url.startsWith("node:")) return "node (internals)";
  const path = url.replace(/^file:\/\//, "");
  if (path.startsWith(ROOT)) return `robots ${relative(ROOT, path).split("/").slice(0, 2).join("/")}`;
  return url;
}

function frameName(frame: CallFrame): string {
  const where = frame.url === "" ? "" : ` ${frame.url.replace(/^file:\/\//, "").replace(/^.*\/node_modules\//, "").replace(ROOT, "")}:${frame.lineNumber + 1}`;
  return `${frame.functionName || "(anonymous)"}${where}`;
}

function table(title: string, rows: [string, number][], total: number, unit: (n: number) => string): void {
  console.log(`\n${title}`);
  for (const [name, value] of rows.sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
    console.log(`${((100 * value) / total).toFixed(1).padStart(6)} %  ${unit(value).padStart(10)}  ${name}`);
  }
}

function add(map: Map<string, number>, key: string, value: number): void {
  map.set(key, (map.get(key) ?? 0) + value);
}

function summariseCpu(profile: CpuProfile): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const fromUs = values.from === undefined ? -Infinity : Number(values.from) * 1e6;
  const toUs = values.to === undefined ? Infinity : Number(values.to) * 1e6;

  const selfByNode = new Map<number, number>();
  let t = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i]!;
    if (t < fromUs || t > toUs) continue;
    // A sample's time is the gap to the next one; the last sample gets the previous gap.
    const dt = profile.timeDeltas[i + 1] ?? profile.timeDeltas[i]!;
    add(selfByNode as unknown as Map<string, number>, profile.samples[i] as unknown as string, dt);
  }

  const byPackage = new Map<string, number>();
  const bySelf = new Map<string, number>();
  const byTotal = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (const [id, dt] of selfByNode) {
    const node = byId.get(id)!;
    const frame = node.callFrame;
    if (frame.functionName === "(idle)") {
      idle += dt;
      continue;
    }
    busy += dt;
    add(byPackage, packageOf(frame.url, frame.functionName), dt);
    add(bySelf, frameName(frame), dt);
    // Inclusive time: each distinct function on the stack once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const name = frameName(byId.get(cur)!.callFrame);
      if (seen.has(name)) continue;
      seen.add(name);
      add(byTotal, name, dt);
    }
  }
  const ms = (us: number) => `${(us / 1000).toFixed(0)} ms`;
  console.log(`profile: ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s; selected busy ${ms(busy)}, idle ${ms(idle)}`);
  table("self time by package (% of busy)", [...byPackage], busy, ms);
  table("self time by function", [...bySelf], busy, ms);
  table("total time by function (inclusive)", [...byTotal].filter(([n]) => !n.startsWith("(root)")), busy, ms);
}

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

interface HeapGroups {
  total: number;
  groups: Map<string, { size: number; count: number; heldBy: Map<string, number> }>;
}

function summariseHeap(after: HeapGroups, base: HeapGroups | undefined): void {
  const per = Number(values.per);
  const kb = (b: number) => `${(b / 1024).toFixed(base ? 2 : 0)} KB`;
  const rows = [...after.groups].map(([label, g]) => {
    const b = base?.groups.get(label);
    return { label, size: (g.size - (b?.size ?? 0)) / per, count: (g.count - (b?.count ?? 0)) / per, heldBy: g.heldBy, all: g.size };
  });
  const total = (after.total - (base?.total ?? 0)) / per;
  console.log(base ? `heap growth over the base snapshot, ÷ ${per}: ${kb(total)}` : `heap snapshot: ${kb(total)} self size`);
  console.log(`\nself size by constructor (% of all), count, most of it held by`);
  for (const r of rows.sort((a, b) => b.size - a.size).slice(0, TOP)) {
    const holders = [...r.heldBy].sort((a, b) => b[1] - a[1]).slice(0, 2);
    const held = holders.map(([n, s]) => `${n} ${((100 * s) / r.all).toFixed(0)}%`).join(", ");
    console.log(`${((100 * r.size) / total).toFixed(1).padStart(6)} %  ${kb(r.size).padStart(10)}  ${r.count.toFixed(base ? 1 : 0).padStart(8)}  ${r.label}  ← ${held}`);
  }
}

function groupHeap(snap: HeapSnapshot): HeapGroups {
  const { node_fields: nf, node_types: nt, edge_fields: ef, edge_types: et } = snap.snapshot.meta;
  const N = nf.length;
  const E = ef.length;
  const [TYPE, NAME, SIZE, EDGES] = ["type", "name", "self_size", "edge_count"].map((f) => nf.indexOf(f)) as [number, number, number, number];
  const [ETYPE, ETO] = ["type", "to_node"].map((f) => ef.indexOf(f)) as [number, number];
  const types = nt[0];
  const edgeTypes = et[0];
  const weak = edgeTypes.indexOf("weak");
  const shortcut = edgeTypes.indexOf("shortcut");
  const count = snap.nodes.length / N;

  const group = (i: number): string => {
    const type = types[snap.nodes[i * N + TYPE]!]!;
    const name = snap.strings[snap.nodes[i * N + NAME]!]!;
    if (type === "object" || type === "native") return name.length > 60 ? `${name.slice(0, 57)}…` : name;
    if (type === "closure") return `(closure) ${name || "anonymous"}`;
    return `(${type})`;
  };
  const groups = new Int32Array(count);
  const names = new Map<string, number>();
  const labels: string[] = [];
  for (let i = 0; i < count; i++) {
    const g = group(i);
    let k = names.get(g);
    if (k === undefined) {
      k = labels.length;
      names.set(g, k);
      labels.push(g);
    }
    groups[i] = k;
  }
  // First strong retainer of every node.
  const retainer = new Int32Array(count).fill(-1);
  let edge = 0;
  for (let i = 0; i < count; i++) {
    const edges = snap.nodes[i * N + EDGES]!;
    for (let e = 0; e < edges; e++, edge += E) {
      const kind = snap.edges[edge + ETYPE]!;
      if (kind === weak || kind === shortcut) continue;
      const to = snap.edges[edge + ETO]! / N;
      if (retainer[to] === -1) retainer[to] = i;
    }
  }
  const groupsOut: HeapGroups["groups"] = new Map(labels.map((l) => [l, { size: 0, count: 0, heldBy: new Map<string, number>() }]));
  const byIndex = [...groupsOut.values()];
  let total = 0;
  for (let i = 0; i < count; i++) {
    const s = snap.nodes[i * N + SIZE]!;
    const g = byIndex[groups[i]!]!;
    g.size += s;
    g.count++;
    total += s;
    const r = retainer[i]!;
    if (r >= 0) add(g.heldBy, labels[groups[r]!]!, s);
  }
  return { total, groups: groupsOut };
}

if (positionals.length !== 1) {
  console.error("usage: node loadtest/profile-summary.ts FILE.cpuprofile|FILE.heapsnapshot [--top N] [--from S] [--to S]");
  process.exit(2);
}
const file = positionals[0]!;
const load = async (f: string) => JSON.parse(await readFile(f, "utf8")) as unknown;
if (file.endsWith(".heapsnapshot")) {
  const base = values.base ? groupHeap((await load(values.base)) as HeapSnapshot) : undefined;
  summariseHeap(groupHeap((await load(file)) as HeapSnapshot), base);
} else summariseCpu((await load(file)) as CpuProfile);
