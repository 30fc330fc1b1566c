/**
 * ecosystem.config.js (pm2) refuses to start a cluster without an explicit REDIS_URL (issue #12
 * deliverable 5): the old silent default, database 0 of a local Redis, could join a cluster to
 * whatever else uses that database. The file reads process.env when it is imported, so each case
 * imports it in a child process with an environment of its own.
 */
import { spawn } from "node:child_process";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const CONFIG_URL = pathToFileURL(new URL("../../ecosystem.config.js", import.meta.url).pathname).href;

type Outcome = { code: number | null; stdout: string; stderr: string };

/** Imports the ecosystem file in a fresh Node with exactly `env` on top of PATH/HOME, prints its apps. */
function importEcosystem(env: Record<string, string>): Promise<Outcome> {
  const script = `const { apps } = await import(${JSON.stringify(CONFIG_URL)}); process.stdout.write(JSON.stringify(apps));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("ecosystem.config.js (pm2 cluster)", () => {
  it.each([
    ["unset", {}],
    ["empty", { REDIS_URL: "" }],
  ])("REDIS_URL %s: one line naming REDIS_URL on stderr, exit code 2, no apps", async (_label, env: Record<string, string>) => {
    const out = await importEcosystem({ CLUSTER_PROCESSES: "2", ...env });
    expect(out.code).toBe(2);
    expect(out.stdout).toBe("");
    const lines = out.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^robots cluster: REDIS_URL must be set/);
  });

  it("a bad CLUSTER_PROCESSES is refused the same way (one line, exit 2)", async () => {
    const out = await importEcosystem({ REDIS_URL: "redis://127.0.0.1:6379/7", CLUSTER_PROCESSES: "0" });
    expect(out.code).toBe(2);
    expect(out.stderr.trimEnd().split("\n")).toEqual([expect.stringMatching(/^robots cluster: CLUSTER_PROCESSES must be a whole number/)]);
  });

  it("with REDIS_URL set: N apps on consecutive ports, each given that exact REDIS_URL", async () => {
    const redisUrl = "redis://127.0.0.1:6379/7";
    const databaseUrl = "postgres://postgres@127.0.0.1:5432/robots";
    const out = await importEcosystem({ REDIS_URL: redisUrl, DATABASE_URL: databaseUrl, CLUSTER_PROCESSES: "3", PORT: "3100" });
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    const apps = JSON.parse(out.stdout) as { name: string; script: string; env: Record<string, string> }[];
    expect(apps.map((a) => a.name)).toEqual(["robots-3100", "robots-3101", "robots-3102"]);
    for (const [i, app] of apps.entries()) {
      expect(app.script).toBe("src/index.ts");
      expect(app.env).toMatchObject({ PORT: String(3100 + i), REDIS_URL: redisUrl, DATABASE_URL: databaseUrl });
    }
  });
});
