/**
 * Issue 12, item 4 (dashboard): deploy/grafana/robots-dashboard.json is a Grafana dashboard with a
 * panel for each thing the issue lists, every PromQL expression in it reads only metrics a real
 * server exports on GET /metrics (so renaming a metric breaks CI instead of blanking a panel),
 * and every expression is valid PromQL by promtool (each is checked as a recording rule, with
 * Grafana's variables replaced by what Grafana would put there). Under CI=true a missing promtool
 * is a failure.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { metricNamesIn, metricsOfTestServer } from "../support/promql.ts";

const run = promisify(execFile);
const DASHBOARD = join(import.meta.dirname, "../../deploy/grafana/robots-dashboard.json");

const PROMTOOL = (() => {
  try {
    return execFileSync("sh", ["-c", "command -v promtool"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
})();
if (!PROMTOOL && process.env.CI === "true") throw new Error("CI=true but promtool is missing (.ci/run installs Debian's prometheus)");

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: { refId: string; expr: string }[];
}
interface Dashboard {
  title: string;
  uid: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: unknown; definition?: string }[] };
}

const dashboard = JSON.parse(await readFile(DASHBOARD, "utf8")) as Dashboard;
const graphs = dashboard.panels.filter((p) => p.type !== "row");

/** Every PromQL expression of the dashboard: panel targets, and the variables' label_values(). */
function expressions(): { where: string; expr: string }[] {
  const found = graphs.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `${p.title} ${t.refId}`, expr: t.expr })));
  for (const v of dashboard.templating.list) {
    const inner = /^label_values\((.+),\s*\w+\)$/.exec(v.definition ?? "")?.[1];
    if (inner) found.push({ where: `variable ${v.name}`, expr: inner });
  }
  return found;
}

/** What Grafana substitutes for its variables before Prometheus sees the query. */
function asGrafanaSends(expr: string): string {
  return expr.replaceAll("$__rate_interval", "1m").replaceAll("$__interval", "15s").replaceAll("$__range", "6h").replaceAll("$instance", ".*");
}

describe("the Grafana dashboard's shape", () => {
  it("is a dashboard Grafana imports: title, uid, schema version, a Prometheus datasource variable, unique panel ids", () => {
    expect(dashboard.title).toBe("Robots");
    expect(dashboard.uid).toMatch(/^[\w-]{1,40}$/);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.templating.list.find((v) => v.type === "datasource")?.query).toBe("prometheus");
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of graphs) {
      expect(p.datasource, p.title).toEqual({ type: "prometheus", uid: "${datasource}" });
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
    }
  });

  it("has a panel for each thing issue 12 lists, reading the metric that measures it", () => {
    const wanted: [RegExp, string][] = [
      [/^Rooms$/, "robots_rooms"],
      [/^Clients$/, "robots_clients"],
      [/Messages per second/, "robots_messages_received_total"],
      [/latency/, "robots_action_broadcast_seconds_bucket"],
      [/Game duration/, "robots_game_duration_seconds_bucket"],
      [/Completion rate/, "robots_games_started_total"],
      [/Players per game/, "robots_game_players_sum"],
      [/Event-loop lag/, "nodejs_eventloop_lag_p99_seconds"],
      [/Outbox pending/, "robots_outbox_pending"],
      [/Record failures/, "robots_records_lost_total"],
      [/Memory/, "process_resident_memory_bytes"],
      [/Redis and database up/, "robots_dependency_up"],
      [/stuck past their deadline/, "robots_rooms_past_deadline"],
    ];
    for (const [title, metric] of wanted) {
      const panel = graphs.find((p) => title.test(p.title));
      expect(panel, `a panel titled ${title}`).toBeDefined();
      expect(panel!.targets!.flatMap((t) => metricNamesIn(t.expr)), panel!.title).toContain(metric);
    }
  });

  it("p50 and p99 of the action latency are both drawn", () => {
    const latency = graphs.find((p) => /latency/.test(p.title))!;
    const exprs = latency.targets!.map((t) => t.expr).join("\n");
    expect(exprs).toContain("histogram_quantile(0.5,");
    expect(exprs).toContain("histogram_quantile(0.99,");
  });
});

describe("every metric the dashboard reads is one the server exports", () => {
  const exported = metricsOfTestServer();

  it("each expression's metric names appear in GET /metrics", () => {
    const missing: string[] = [];
    for (const { where, expr } of expressions()) {
      const names = metricNamesIn(expr);
      expect(names.length, `${where} reads no metric`).toBeGreaterThan(0);
      for (const name of names) if (!exported().has(name)) missing.push(`${where}: ${name}`);
    }
    expect(missing).toEqual([]);
  });
});

describe.runIf(PROMTOOL)("every dashboard expression is valid PromQL (promtool)", () => {
  it("`promtool check rules` accepts each expression as a recording rule", async () => {
    const dir = await mkdtemp(join(tmpdir(), "robots-dashboard-"));
    try {
      const rules = expressions().map(({ expr }, i) => ({ record: `robots:dashboard_check_${i}`, expr: asGrafanaSends(expr) }));
      const file = join(dir, "dashboard-rules.yml");
      await writeFile(file, stringify({ groups: [{ name: "dashboard", rules }] }));
      const { stdout } = await run(PROMTOOL!, ["check", "rules", file], { timeout: 60_000 });
      expect(stdout).toContain(`SUCCESS: ${rules.length} rules found`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a broken expression is refused, so the check above can fail", async () => {
    const dir = await mkdtemp(join(tmpdir(), "robots-dashboard-"));
    try {
      const file = join(dir, "broken.yml");
      await writeFile(file, stringify({ groups: [{ name: "broken", rules: [{ record: "robots:broken", expr: "sum by (le (rate(robots_rooms[1m]))" }] }] }));
      await expect(run(PROMTOOL!, ["check", "rules", file], { timeout: 60_000 })).rejects.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
