/**
 * Writes the C# classes of the room state (schema/PartyState.ts) for the Colyseus Unity SDK:
 * `npm run codegen:csharp` writes them into clients/unity/Schema/ (committed); the Unity test
 * writes them into a temporary directory to see whether the committed ones are current.
 *
 * Usage: node clients/unity/codegen.ts [output directory]
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The namespace of the generated classes: no global `PartyState` in a Unity project. */
export const CSHARP_NAMESPACE = "Robots.Schema";
/** Where the committed classes live. */
export const SCHEMA_DIR = join(ROOT, "clients/unity/Schema");

/** Regenerates every class into `outDir`, removing any `.cs` file a removed class left behind. */
export function generateCSharp(outDir: string = SCHEMA_DIR): string[] {
  mkdirSync(outDir, { recursive: true });
  for (const file of readdirSync(outDir)) if (file.endsWith(".cs")) rmSync(join(outDir, file));
  const bin = join(ROOT, "node_modules/@colyseus/schema/bin/schema-codegen");
  execFileSync(
    process.execPath,
    [bin, join(ROOT, "schema/PartyState.ts"), "--csharp", "--namespace", CSHARP_NAMESPACE, "--output", outDir],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  return readdirSync(outDir).filter((f) => f.endsWith(".cs")).sort();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = resolve(process.argv[2] ?? SCHEMA_DIR);
  for (const file of generateCSharp(out)) console.log(`generated ${join(out, file)}`);
}
