/**
 * Issue 12, deliverable 4 (alerts): deploy/prometheus/alerts.yml is valid Prometheus rule syntax
 * (`promtool check rules`), every rule behaves as its unit test says (`promtool test rules` on
 * deploy/prometheus/alerts.test.yml: a firing and a quiet case per rule), and every metric the
 * rules read is one a real server exports on GET /metrics, so renaming a metric in src/metrics.ts
 * (or a prom-client default changing) breaks CI instead of silently muting an alert. Under CI=true
 * a missing promtool is a failure (.ci/run installs Debian's `prometheus`), never a skip.
 */
import { execFile, execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { metricNamesIn, metricsOfTestServer } from "../support/promql.ts";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "../..");
const RULES = "deploy/prometheus/alerts.yml";
const RULE_TESTS = "deploy/prometheus/alerts.test.yml";

function findPromtool(): string | undefined {
  try {
    return execFileSync("sh", ["-c", "command -v promtool"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}
const PROMTOOL = findPromtool();
if (!PROMTOOL && process.env.CI === "true") throw new Error("CI=true but promtool is missing (.ci/run installs Debian's prometheus)");

/** promtool's exit code and output; a non-zero exit is a result to assert on, not a throw. */
async function promtool(...args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(PROMTOOL!, args, { cwd: ROOT, timeout: 60_000 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === "number" ? failed.code : -1, output: `${failed.stdout ?? ""}${failed.stderr ?? ""}` };
  }
}

describe.runIf(PROMTOOL)("issue 12: the alert rules pass promtool", () => {
  it("`promtool check rules` accepts deploy/prometheus/alerts.yml", async () => {
    const { code, output } = await promtool("check", "rules", RULES);
    expect(output).toContain("SUCCESS");
    expect(code, output).toBe(0);
  });

  it("`promtool test rules` passes every rule's firing and quiet case", async () => {
    const { code, output } = await promtool("test", "rules", RULE_TESTS);
    expect(code, output).toBe(0);
  });
});

/** Each rule's expression from alerts.yml, by alert name. */
async function ruleExpressions(): Promise<Map<string, string>> {
  const doc = parse(await readFile(join(ROOT, RULES), "utf8")) as { groups: { rules: { alert?: string; record?: string; expr: string }[] }[] };
  const exprs = new Map<string, string>();
  for (const group of doc.groups) for (const rule of group.rules) exprs.set(rule.alert ?? rule.record ?? "?", String(rule.expr));
  return exprs;
}

describe("issue 12: the metric names in a PromQL expression", () => {
  it("are found past functions, label matchers, grouping, ranges and numbers", () => {
    const expr = 'sum by (job, code) (rate(foo_total{job="x",code=~"a|b"}[5m])) > 1.5e9 and on (job) bar_bytes / baz unless changes(qux[1h]) == 0';
    expect(metricNamesIn(expr).sort()).toEqual(["bar_bytes", "baz", "foo_total", "qux"]);
  });
});

describe("issue 12: every metric an alert reads is one the server exports", () => {
  const exported = metricsOfTestServer();

  it("the server exports robots_* metrics at all (the list below is not empty by accident)", () => {
    expect([...exported()].filter((name) => name.startsWith("robots_")).length).toBeGreaterThan(0);
  });

  it("each rule's metrics appear in GET /metrics (`up` is Prometheus's own)", async () => {
    const exprs = await ruleExpressions();
    expect(exprs.size).toBeGreaterThan(0);
    const missing: string[] = [];
    for (const [alert, expr] of exprs) {
      const names = metricNamesIn(expr).filter((name) => name !== "up");
      if (alert !== "RobotsTargetDown") expect(names.length, `${alert} reads no metric`).toBeGreaterThan(0);
      for (const name of names) if (!exported().has(name)) missing.push(`${alert}: ${name}`);
    }
    expect(missing).toEqual([]);
  });
});

describe("issue 12: the alerts the issue asks for exist, and each rule has a firing unit test", () => {
  it("rooms stuck past their deadline, Redis down, database down, action latency and completion rate have rules", async () => {
    const alerts = [...(await ruleExpressions()).keys()];
    expect(alerts).toEqual(expect.arrayContaining(["RobotsRoomsPastDeadline", "RobotsRedisDown", "RobotsDatabaseDown", "RobotsActionLatencyHigh", "RobotsGameCompletionLow"]));
  });

  it("every alert in alerts.yml fires in at least one case of alerts.test.yml", async () => {
    type RuleTest = { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] };
    const doc = parse(await readFile(join(ROOT, RULE_TESTS), "utf8")) as { tests: RuleTest[] };
    const fired = new Set(doc.tests.flatMap((t) => (t.alert_rule_test ?? []).filter((c) => (c.exp_alerts ?? []).length > 0).map((c) => c.alertname)));
    const untested = [...(await ruleExpressions()).keys()].filter((alert) => !fired.has(alert));
    expect(untested).toEqual([]);
  });
});
