/**
 * The production image and the compose deployment (issue #12 deliverable 5), checked from their
 * files: this machine has the docker CLI but no daemon and no compose plugin, so nothing here
 * builds an image or runs `docker compose config`; the README says how to do both where Docker
 * runs. Each check names the operator surprise it guards against.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "../../src/config.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

type Instruction = { op: string; args: string };

/** Dockerfile instructions in order: comments dropped, `\` continuations joined. */
function instructions(text: string): Instruction[] {
  const joined = text
    .split("\n")
    .filter((line) => !/^\s*#/.test(line))
    .join("\n")
    .replace(/\\\n/g, " ");
  return joined
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .map((line) => {
      const [op, ...rest] = line.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(" ") };
    });
}

/** Top-level directories of the repository that the server's sources reach by relative path. */
function directoriesSourcesNeed(): Set<string> {
  const needed = new Set<string>();
  const srcDir = join(ROOT, "src");
  for (const file of readdirSync(srcDir, { recursive: true, encoding: "utf8" })) {
    if (!file.endsWith(".ts")) continue;
    const text = readFileSync(join(srcDir, file), "utf8");
    for (const match of text.matchAll(/["'`](\.\.\/[^"'`$]*)["'`]/g)) {
      const target = relative(ROOT, resolve(dirname(join(srcDir, file)), match[1]!));
      const top = target.split(sep)[0]!;
      if (top !== "src" && top !== ".." && top !== "" && top !== "node_modules") needed.add(top);
    }
  }
  return needed;
}

describe("Dockerfile", () => {
  const steps = instructions(read("Dockerfile"));
  const all = (op: string) => steps.filter((s) => s.op === op);

  it("builds on the official Node 24 image", () => {
    expect(all("FROM")[0]?.args).toMatch(/^node:24(-|$|\s)/);
  });

  it("drops the `node` npm package (a second ~190 MB Node binary) in the same layer that installed it", () => {
    const install = all("RUN").find((s) => /\bnpm ci\b/.test(s.args));
    expect(install?.args).toMatch(/--omit=dev/);
    expect(install?.args).toMatch(/rm -rf[^&]*\bnode_modules\/node(\s|$)/);
    expect(install?.args).toMatch(/rm -rf[^&]*\bnode_modules\/\.bin\/node(\s|$)/);
    // Outside the image the package stays: `npm start` on an older Node still runs Node 24 with it.
    expect(JSON.parse(read("package.json")).dependencies.node).toMatch(/^24\./);
  });

  it("starts the server with the image's own Node, not through npm or a node_modules binary", () => {
    expect(JSON.parse(all("CMD").at(-1)!.args)).toEqual(["node", "src/index.ts"]);
  });

  it("runs as the unprivileged `node` user, set before the command", () => {
    const userAt = steps.findLastIndex((s) => s.op === "USER");
    expect(steps[userAt]?.args).toBe("node");
    expect(userAt).toBeLessThan(steps.findLastIndex((s) => s.op === "CMD"));
  });

  it("has a HEALTHCHECK that asks /health with Node (slim images have no curl or wget)", () => {
    const checks = all("HEALTHCHECK");
    expect(checks).toHaveLength(1);
    const command = checks[0]!.args.replace(/^(--\S+\s+)*CMD\s+/, "");
    const argv = JSON.parse(command) as string[];
    expect(argv.slice(0, 2)).toEqual(["node", "-e"]);
    expect(argv[2]).toMatch(/fetch\(.*127\.0\.0\.1.*process\.env\.PORT.*\/health/);
    expect(argv[2]).toMatch(/process\.exit\(r\.ok \? 0 : 1\)/);
  });

  it("keeps the Colyseus monitor off", () => {
    expect(all("ENV").map((s) => s.args)).toContain("MONITOR=false");
  });

  it("copies every directory the server reads at run time, and .dockerignore keeps none of them out", () => {
    // Every COPY word but the last is a source.
    const copied = new Set(all("COPY").flatMap((s) => s.args.split(/\s+/).slice(0, -1).map((src) => src.replace(/\/$/, ""))));
    const needed = directoriesSourcesNeed();
    // The scan must see the known ones, or it proves nothing.
    for (const dir of ["schema", "migrations", "content", "public", "web"]) expect(needed).toContain(dir);
    for (const dir of [...needed, "src", "package.json", "package-lock.json"]) expect(copied, dir).toContain(dir);
    const ignored = read(".dockerignore").split("\n").map((l) => l.trim().replace(/\/$/, ""));
    for (const dir of [...needed, "src"]) expect(ignored).not.toContain(dir);
  });
});

type Service = {
  build?: { context: string; dockerfile: string };
  image?: string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  ports?: string[];
  volumes?: string[];
  networks?: string[] | Record<string, { ipv4_address?: string }>;
};

/** Compose's `${NAME:-default}` interpolation, with every variable unset (the defaults apply). */
function withDefaults(value: string): string {
  return value.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, "$1");
}

describe("deploy/docker-compose.yml", () => {
  const compose = parse(read("deploy/docker-compose.yml"), { merge: true }) as {
    services: Record<string, Service>;
    networks: Record<string, { ipam: { config: { subnet: string }[] } }>;
  };
  const services = compose.services;
  const robots = Object.entries(services).filter(([, s]) => s.build !== undefined);
  const envOf = (s: Service) => Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, withDefaults(String(v))]));

  it("runs three Robots processes from this repository's Dockerfile, plus nginx, Redis and PostgreSQL", () => {
    expect(robots).toHaveLength(3);
    for (const [, s] of robots) {
      expect(resolve(ROOT, "deploy", s.build!.context, s.build!.dockerfile)).toBe(join(ROOT, "Dockerfile"));
    }
    expect(services.nginx?.image).toMatch(/^nginx:/);
    expect(services.redis?.image).toMatch(/^redis:/);
    expect(services.postgres?.image).toMatch(/^postgres:/);
  });

  it("gives each process an environment the server accepts, on its own port, sharing Redis and PostgreSQL", () => {
    const pg = envOf(services.postgres!);
    const ports = new Set<number>();
    for (const [name, s] of robots) {
      const env = envOf(s);
      const config = loadConfig(env);
      ports.add(config.port);
      expect(new URL(env.REDIS_URL!).hostname, name).toBe("redis");
      const db = new URL(env.DATABASE_URL!);
      expect([db.hostname, db.username, db.password, db.pathname], name).toEqual(["postgres", pg.POSTGRES_USER, pg.POSTGRES_PASSWORD, `/${pg.POSTGRES_DB}`]);
      expect(config.database.kind).toBe("postgres");
      expect(config.monitor).toBe(false);
      // The SDK reaches the room's owner through nginx's /p<port>/ prefix.
      expect(config.publicAddress).toBe(`localhost:8080/p${config.port}`);
    }
    expect(ports.size).toBe(3);
  });

  it("trusts exactly nginx's fixed address for X-Forwarded-For, inside the compose network", () => {
    const nginxNetworks = services.nginx!.networks as Record<string, { ipv4_address?: string }>;
    const [networkName, attachment] = Object.entries(nginxNetworks)[0]!;
    const nginxAddress = attachment.ipv4_address!;
    const subnet = compose.networks[networkName]!.ipam.config[0]!.subnet;
    expect(nginxAddress.startsWith(subnet.split(".").slice(0, 3).join(".") + ".")).toBe(true);
    for (const [, s] of robots) expect(loadConfig(envOf(s)).trustedProxies).toEqual([nginxAddress]);
  });

  it("publishes only nginx; starts processes after healthy Redis and PostgreSQL, and nginx after healthy processes", () => {
    for (const [name, s] of Object.entries(services)) if (name !== "nginx") expect(s.ports, name).toBeUndefined();
    for (const name of ["redis", "postgres", "nginx"]) expect(services[name]!.healthcheck?.test.length, name).toBeGreaterThan(1);
    for (const [, s] of robots) {
      expect(s.depends_on).toEqual({ redis: { condition: "service_healthy" }, postgres: { condition: "service_healthy" } });
    }
    // The processes' health check is readiness (/ready), so nginx waits until each reaches its
    // database and Redis; the image's own HEALTHCHECK stays on liveness (/health, above).
    for (const [name, s] of robots) expect(s.healthcheck?.test.join(" "), name).toMatch(/fetch\(.*127\.0\.0\.1.*process\.env\.PORT.*\/ready/);
    expect(services.nginx!.depends_on).toEqual(Object.fromEntries(robots.map(([name]) => [name, { condition: "service_healthy" }])));
  });

  it("nginx routes to the compose services with deploy/nginx.conf's rules, changed only in upstream addresses", () => {
    const mount = services.nginx!.volumes!.find((v) => v.endsWith(":/etc/nginx/conf.d/default.conf:ro"));
    expect(mount).toBe("./nginx.compose.conf:/etc/nginx/conf.d/default.conf:ro");
    const composeConf = read("deploy/nginx.compose.conf");
    const upstreams = [...composeConf.matchAll(/^\s*server ([\w-]+:\d+);/gm)].map((m) => m[1]);
    const expected = robots.map(([name, s]) => `${name}:${envOf(s).PORT}`);
    expect(upstreams).toEqual(expected);
    for (const [name, s] of robots) {
      const port = envOf(s).PORT;
      expect(composeConf).toContain(`location /p${port}/ { proxy_pass http://${name}:${port}/; }`);
    }
    // Same file as the one test/cluster/nginx.test.ts runs through a real nginx, but for the hosts.
    const rules = (text: string) => text.split("\n").filter((l) => !l.startsWith("#")).join("\n");
    let back = composeConf;
    for (const [name, s] of robots) back = back.replaceAll(`${name}:${envOf(s).PORT}`, `127.0.0.1:${envOf(s).PORT}`);
    expect(rules(back)).toBe(rules(read("deploy/nginx.conf")));
  });
});
