/**
 * Issue 8, the Unity path: the C# classes `npm run codegen:csharp` writes into
 * clients/unity/Schema/ are committed, so CI checks they are current; and they compile, with
 * Debian's `mcs`, against a compile-only stand-in for the Colyseus SDK's schema types
 * (test/clients/csharp/) together with a contract file that reads every GAME.md §10 field with
 * its exact C# type, so a renamed or retyped field fails the build. Under CI=true a missing
 * `mcs` is a failure (.ci/run installs mono-mcs), never a skip.
 *
 * The same compiler checks the Unity developer's guide (clients/unity/README.md, issue 8
 * deliverable 4) and the Unity example in README.md: every ```csharp block is compiled against a
 * compile-only stand-in of the SDK 0.18 client API (test/clients/csharp/ColyseusClientStub.cs), so
 * a method the SDK does not have, or a wrong argument type, fails here and not in a reader's Unity
 * project. Convention (also stated in the guide's §10): the blocks are parts of one class
 * `RobotsClient : MonoBehaviour`; a block of only `using` lines is the file header, a `csharp`
 * block holds class members, a `csharp body` block holds statements and is compiled as the body of
 * an `async Task` method. The README example starts with its own usings and is a body.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCSharp, SCHEMA_DIR } from "../../clients/unity/codegen.ts";

const run = promisify(execFile);
const STUB_DIR = join(import.meta.dirname, "csharp");
const ROOT = join(import.meta.dirname, "../..");
const GUIDE = "clients/unity/README.md";
const MAIN_README = "README.md";
/** The reader's UI calls and screen values the guide assumes, as members of the same partial class. */
const GUIDE_APP = join(STUB_DIR, "guide", "GuideApp.cs");

function findMcs(): string | undefined {
  try {
    return execFileSync("sh", ["-c", "command -v mcs"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}
const MCS = findMcs();
if (!MCS && process.env.CI === "true") throw new Error("CI=true but the C# compiler mcs is missing (.ci/run installs mono-mcs)");

let workDir: string;
let fresh: string;
beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "robots-unity-"));
  fresh = join(workDir, "fresh");
  generateCSharp(fresh);
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

async function csFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith(".cs")).sort();
}

describe("issue 8: clients/unity/Schema is what codegen writes today", () => {
  it("the committed C# classes match a fresh `npm run codegen:csharp` file for file", async () => {
    const committed = await csFiles(SCHEMA_DIR);
    const expected = await csFiles(fresh);
    expect(committed, "run `npm run codegen:csharp` and commit clients/unity/Schema/").toEqual(expected);
    for (const file of expected) {
      const want = await readFile(join(fresh, file), "utf8");
      const have = await readFile(join(SCHEMA_DIR, file), "utf8");
      expect(have, `clients/unity/Schema/${file} is stale: run \`npm run codegen:csharp\``).toBe(want);
    }
  });

  it("every class sits in namespace Robots.Schema and every field names a class that exists", async () => {
    const files = await csFiles(fresh);
    const classes = new Set(files.map((f) => f.replace(/\.cs$/, "")));
    expect([...classes].sort()).toEqual(["OptionState", "OwnState", "PartyState", "PlayerState", "QuestionState", "SettingsState"]);
    for (const file of files) {
      const text = await readFile(join(fresh, file), "utf8");
      expect(text).toContain("namespace Robots.Schema {");
      expect(text).toContain(`public partial class ${file.replace(/\.cs$/, "")} : global::Colyseus.Schema.Schema`);
      for (const [, child] of text.matchAll(/typeof\((?:global::Colyseus\.Schema\.\w+<)?(\w+)>?\)/g)) {
        expect(classes.has(child!) || child === "string", `${file} refers to ${child}`).toBe(true);
      }
    }
  });
});

describe.runIf(MCS)("issue 8: the generated C# compiles with mcs against the SDK stand-in", () => {
  const stub = async () => (await csFiles(STUB_DIR)).map((f) => join(STUB_DIR, f));

  /** Compiles the stand-in, the state contract and the classes in `schemaDir`; mcs output on failure. */
  async function compile(schemaDir: string): Promise<{ ok: boolean; output: string }> {
    const sources = [...(await stub()), ...(await csFiles(schemaDir)).map((f) => join(schemaDir, f))];
    const out = join(workDir, `contract-${Date.now()}-${Math.random().toString(36).slice(2)}.dll`);
    try {
      const { stdout, stderr } = await run(MCS!, ["-target:library", "-define:UNITY_5_3_OR_NEWER", `-out:${out}`, ...sources]);
      return { ok: true, output: stdout + stderr };
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string };
      return { ok: false, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
    }
  }

  it("the committed classes and the §10 state contract compile", async () => {
    const result = await compile(SCHEMA_DIR);
    expect(result.output).not.toMatch(/error CS/);
    expect(result.ok).toBe(true);
  }, 60_000);

  it("the check can fail: a renamed field and a retyped field each break the build", async () => {
    for (const [file, from, to, code] of [
      ["PartyState.cs", "public string hostId", "public string hostID", "CS1061"],
      ["PlayerState.cs", "public double score = default(double)", "public ushort score = default(ushort)", "CS1503"],
    ] as const) {
      const dir = join(workDir, `mutant-${code}`);
      generateCSharp(dir);
      const path = join(dir, file);
      const text = await readFile(path, "utf8");
      expect(text).toContain(from);
      await writeFile(path, text.replace(from, to));
      const result = await compile(dir);
      expect(result.ok).toBe(false);
      expect(result.output).toContain(code);
    }
  }, 60_000);
});

/** One fenced C# block of a Markdown file: its info string after `csharp`, its code, its first code line. */
type CSharpBlock = { kind: string; code: string; line: number };

function csharpBlocks(markdown: string): CSharpBlock[] {
  const blocks: CSharpBlock[] = [];
  for (const m of markdown.matchAll(/^```csharp([^\n]*)\n([\s\S]*?)^```/gm)) {
    const line = markdown.slice(0, m.index).split("\n").length + 1;
    blocks.push({ kind: m[1]!.trim(), code: m[2]!, line });
  }
  return blocks;
}

const isUsing = (line: string) => /^\s*using [\w.]+;\s*$/.test(line);
const onlyUsings = (code: string) => code.trim().split("\n").every(isUsing);

/**
 * One C# file from the blocks of `file`: usings first, then the class `RobotsClient` whose
 * members are the member blocks and whose `async Task` methods are the body blocks. `#line`
 * directives make mcs report errors at the Markdown file's own lines.
 */
function classFromBlocks(file: string, blocks: CSharpBlock[]): string {
  const at = (line: number) => `#line ${line} "${join(ROOT, file)}"`;
  const header: string[] = [];
  const members: string[] = [];
  for (const block of blocks) {
    if (onlyUsings(block.code)) header.push(at(block.line), block.code, "#line default");
    else if (block.kind === "body") {
      members.push(`async global::System.Threading.Tasks.Task Block${block.line}() {`, at(block.line), block.code, "#line default", "}");
    } else if (block.kind === "") members.push(at(block.line), block.code, "#line default");
    else throw new Error(`${file}:${block.line}: unknown block kind "csharp ${block.kind}" (use csharp or csharp body)`);
  }
  return [
    ...header,
    "namespace Robots.GuideCheck {",
    "public partial class RobotsClient : global::UnityEngine.MonoBehaviour {",
    ...members,
    "}",
    "}",
    "",
  ].join("\n");
}

/** README.md's Unity example: its leading usings are its header, the rest is one body. */
function readmeUnityExample(markdown: string): CSharpBlock[] {
  const blocks = csharpBlocks(markdown);
  expect(blocks, "README.md has one ```csharp block, the Unity example").toHaveLength(1);
  const block = blocks[0]!;
  const lines = block.code.split("\n");
  let n = 0;
  while (n < lines.length && (isUsing(lines[n]!) || lines[n]!.trim() === "")) n++;
  expect(n, "the README example starts with its usings").toBeGreaterThan(0);
  return [
    { kind: "", code: lines.slice(0, n).join("\n"), line: block.line },
    { kind: "body", code: lines.slice(n).join("\n"), line: block.line + n },
  ];
}

describe.runIf(MCS)("issue 8: the C# in the Unity guide compiles against the SDK 0.18 client API", () => {
  /** Compiles the guide text (and the README example) with the stand-ins and the committed classes. */
  async function compileGuide(guide: string, readme: string): Promise<{ ok: boolean; output: string }> {
    const dir = await mkdtemp(join(workDir, "guide-"));
    const guideFile = join(dir, "Guide.g.cs");
    const readmeFile = join(dir, "ReadmeExample.g.cs");
    await writeFile(guideFile, classFromBlocks(GUIDE, csharpBlocks(guide)));
    await writeFile(readmeFile, classFromBlocks(MAIN_README, readmeUnityExample(readme)));
    const stubs = (await csFiles(STUB_DIR)).map((f) => join(STUB_DIR, f));
    const schema = (await csFiles(SCHEMA_DIR)).map((f) => join(SCHEMA_DIR, f));
    const sources = [...stubs, ...schema, GUIDE_APP, guideFile, readmeFile];
    try {
      const { stdout, stderr } = await run(MCS!, ["-target:library", "-define:UNITY_5_3_OR_NEWER", "-r:System.Core", `-out:${join(dir, "guide.dll")}`, ...sources], { cwd: ROOT });
      return { ok: true, output: stdout + stderr };
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string };
      return { ok: false, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
    }
  }

  const read = (file: string) => readFile(join(ROOT, file), "utf8");

  it("every ```csharp block of clients/unity/README.md and README.md's Unity example compile", async () => {
    const guide = await read(GUIDE);
    const blocks = csharpBlocks(guide);
    expect(blocks.filter((b) => onlyUsings(b.code)), "the guide's using header").toHaveLength(1);
    expect(blocks.filter((b) => b.kind === "body").length).toBeGreaterThan(3);
    expect(blocks.filter((b) => b.kind === "" && !onlyUsings(b.code)).length).toBeGreaterThan(3);
    const result = await compileGuide(guide, await read(MAIN_README));
    expect(result.output).not.toMatch(/error CS/);
    expect(result.ok).toBe(true);
  }, 60_000);

  it("the check can fail: a misspelt SDK method and an exception type the SDK lacks break the build at the guide's line", async () => {
    const guide = await read(GUIDE);
    const readme = await read(MAIN_README);
    for (const [from, to, code] of [
      ["await client.JoinById<PartyState>(code, options)", "await client.JoinRoomById<PartyState>(code, options)", "CS1061"],
      ["} catch (HttpException e) {", "} catch (MatchMakeError e) {", "CS0246"],
    ] as const) {
      expect(guide, `the guide still contains ${from}`).toContain(from);
      const result = await compileGuide(guide.replace(from, to), readme);
      expect(result.ok).toBe(false);
      expect(result.output).toContain(code);
      const line = guide.slice(0, guide.indexOf(from)).split("\n").length;
      expect(result.output).toContain(`${GUIDE}(${line},`);
    }
  }, 60_000);
});
