/**
 * Issue #8 deliverable 1: docs/PROTOCOL.md is the contract a client is written from, so every
 * wire name the code defines must appear in it, and no document in the repository may point at
 * `../shared/GAME.md`, which a clone of this repository does not have.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as schema from "../schema/PartyState.ts";
import {
  ALL_ERROR_CODES,
  CloseCode,
  ICONS,
  MESSAGE_TYPES,
  MODES,
  PHASES,
  ROOM_NAME,
  SERVER_EVENT_TYPES,
} from "../src/protocol.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const protocolDoc = await readFile(join(ROOT, "docs/PROTOCOL.md"), "utf8");

/** Names the document leaves out, written as code spans the way the document writes them. */
function missingFromDoc(names: readonly (string | number)[]): string[] {
  return names.map(String).filter((name) => !protocolDoc.includes(`\`${name}\``));
}

/** Field names of a `schema()` class, in wire order, from its decorator metadata. */
function schemaFields(type: unknown): string[] {
  const metadata = (type as { [Symbol.metadata]?: Record<string, { name?: string }> })[Symbol.metadata];
  if (!metadata) throw new Error("not a @colyseus/schema class");
  return Object.keys(metadata)
    .filter((key) => /^\d+$/.test(key))
    .map((key) => metadata[key]!.name!)
    .filter((name) => typeof name === "string");
}

const SCHEMA_CLASSES = Object.entries(schema).filter(([, value]) => typeof value === "function" && schemaFieldsOrNull(value) !== null);

function schemaFieldsOrNull(value: unknown): string[] | null {
  try {
    return schemaFields(value);
  } catch {
    return null;
  }
}

describe("docs/PROTOCOL.md names every wire name the code defines (issue #8)", () => {
  it("§9 every error code", () => {
    expect(ALL_ERROR_CODES.length).toBeGreaterThan(0);
    expect(missingFromDoc(ALL_ERROR_CODES)).toEqual([]);
  });

  it("§9 every client message type", () => {
    expect(MESSAGE_TYPES.length).toBeGreaterThan(0);
    expect(missingFromDoc(MESSAGE_TYPES)).toEqual([]);
  });

  it("§10 every server event type, `error` and `you` included", () => {
    expect(SERVER_EVENT_TYPES).toContain("you");
    expect(missingFromDoc(SERVER_EVENT_TYPES)).toEqual([]);
  });

  it("§2–§4, §11 the room name, phases, modes, icons and close codes", () => {
    expect(missingFromDoc([ROOM_NAME, ...PHASES, ...MODES, ...ICONS])).toEqual([]);
    const closeCodes = Object.values(CloseCode).map(String);
    expect(closeCodes.filter((code) => !new RegExp(`\\b${code}\\b`).test(protocolDoc))).toEqual([]);
  });

  it("§10 every state class and every one of its fields, `own` included", () => {
    expect(SCHEMA_CLASSES.map(([name]) => name)).toContain("PartyState");
    const missing: string[] = [];
    for (const [className, type] of SCHEMA_CLASSES) {
      if (!protocolDoc.includes(className)) missing.push(className);
      for (const field of schemaFields(type)) {
        if (!protocolDoc.includes(`\`${field}\``)) missing.push(`${className}.${field}`);
      }
    }
    expect(missing).toEqual([]);
    expect(SCHEMA_CLASSES.flatMap(([, type]) => schemaFields(type))).toContain("own");
  });
});

describe("the repository's documents link only to files the repository has (issue #8)", () => {
  it("README.md and docs/*.md never point at ../shared", async () => {
    const docs = (await readdir(join(ROOT, "docs"))).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`);
    expect(docs).toContain("docs/PROTOCOL.md");
    const offenders: string[] = [];
    for (const file of ["README.md", ...docs]) {
      const text = await readFile(join(ROOT, file), "utf8");
      if (text.includes("../shared")) offenders.push(file);
    }
    expect(offenders).toEqual([]);
  });
});
