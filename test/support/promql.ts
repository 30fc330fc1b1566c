/**
 * What the Prometheus files under deploy/ (alert rules, the Grafana dashboard) are checked
 * against: the metric names a running server exports, and the metric names a PromQL expression
 * reads. Shared by test/ops/alerts.test.ts and test/ops/dashboard.test.ts.
 */

import { afterAll, beforeAll } from "vitest";
import { startTestServer, type TestServer } from "./server.ts";

const PROMQL_WORDS = new Set(["and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "inf", "nan"]);

/**
 * The metric names a PromQL expression reads: identifiers that are not functions (followed by
 * `(`), keywords, label names inside `{…}` or `by (…)`, durations inside `[…]`, or parts of numbers.
 * Grafana's `$__rate_interval`-style variables sit inside `[…]` and so are skipped too.
 */
export function metricNamesIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, "")
    .replace(/\[[^\]]*\]/g, "")
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "");
  const names = new Set<string>();
  for (const match of bare.matchAll(/(?<![\w.:$])[a-zA-Z_:][\w:]*/g)) {
    const isFunction = /^\s*\(/.test(bare.slice(match.index + match[0].length));
    if (!isFunction && !PROMQL_WORDS.has(match[0].toLowerCase())) names.add(match[0]);
  }
  return [...names];
}

/** The series names a histogram or summary named `name` is read by in PromQL. */
const SAMPLE_SUFFIXES: Record<string, string[]> = {
  histogram: ["_bucket", "_sum", "_count"],
  summary: ["_sum", "_count"],
};

/**
 * Every metric name GET /metrics at `baseUrl` exports. A labelled counter with no samples yet
 * shows only its HELP and TYPE lines, so the TYPE lines are the list; a histogram's is read as
 * its `_bucket`, `_sum` and `_count` series, and those names are added.
 */
export async function exportedMetricNames(baseUrl: string): Promise<Set<string>> {
  const response = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
  const names = new Set<string>();
  for (const [, name, type] of (await response.text()).matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    for (const suffix of SAMPLE_SUFFIXES[type!] ?? []) names.add(name! + suffix);
  }
  return names;
}

/**
 * For the enclosing `describe`: starts a test server before its tests, reads the metric names its
 * /metrics exports, and closes it after them. Call the returned function inside a test.
 */
export function metricsOfTestServer(): () => Set<string> {
  let server: TestServer | undefined;
  let exported = new Set<string>();
  beforeAll(async () => {
    server = await startTestServer();
    exported = await exportedMetricNames(`http://127.0.0.1:${server.port}`);
  }, 120_000);
  afterAll(async () => {
    await server?.close();
  });
  return () => exported;
}
