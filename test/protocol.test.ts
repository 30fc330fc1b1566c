/**
 * src/protocol.ts against GAME.md: the vocabularies are the page's (the expected lists are copied
 * from GAME.md here, not imported), every message schema takes what §9 allows and refuses what
 * §5 and §9 call a bad request, and the module stays importable by a browser.
 */
import { readFileSync } from "node:fs";
import { CloseCode as ColyseusCloseCode } from "@colyseus/core";
import { describe, expect, it } from "vitest";
import {
  ALL_ERROR_CODES,
  canonicalCode,
  checkMessage,
  CloseCode,
  CODE_ALPHABET,
  CODE_LENGTH,
  ICONS,
  isErrorCode,
  isRoomCode,
  JOIN_ERROR_CODES,
  JOIN_OPTIONS_SCHEMA,
  MESSAGE_SCHEMAS,
  MESSAGE_TYPES,
  MODES,
  PHASES,
  ROOM_NAME,
  ROUNDS_BY_MODE,
  SERVER_EVENT_TYPES,
  TIMER_BOUNDS,
  type BroadcastEvent,
  type MessageType,
  type ServerEvent,
} from "../src/protocol.ts";

/** GAME.md §9: every code named on the page. */
const GAME_MD_ERROR_CODES = [
  "bad-request", "rate-limited", "not-host", "not-player", "host-plays", "wrong-phase", "not-enough-players",
  "game-in-progress", "room-full", "name-taken", "kicked",
  "answer-is-truth", "answer-is-robot", "profanity", "already-answered", "already-voted", "invalid-vote", "own-answer",
];
/** GAME.md §9 icons. */
const GAME_MD_ICONS = "robot cat dog fox owl frog bear panda tiger lion penguin octopus unicorn alien ghost cactus".split(" ");
/** GAME.md §9 message table. */
const GAME_MD_MESSAGES = [
  "start-game", "update-settings", "kick-player", "submit-answer", "submit-elimination-vote",
  "submit-final-vote", "censor-answer", "skip-phase", "next-round", "play-again",
];
/** GAME.md §10 event table, plus the private `you`. */
const GAME_MD_EVENTS = [
  "player-joined", "player-left", "round-started", "player-answered", "answer-censored", "all-answers-submitted",
  "elimination-vote-cast", "final-vote-cast", "elimination-complete", "all-votes-submitted", "final-round-scores",
  "game-complete", "error", "you",
];

const accepts = (type: unknown, payload: unknown) => checkMessage(type, payload).ok;
const reason = (type: string, payload: unknown) => {
  const checked = checkMessage(type, payload);
  return checked.ok ? undefined : checked.reason;
};

describe("protocol vocabularies are GAME.md's", () => {
  it("§9 the error codes are exactly the page's, each once", () => {
    expect([...ALL_ERROR_CODES].sort()).toEqual([...GAME_MD_ERROR_CODES].sort());
    expect(new Set(ALL_ERROR_CODES).size).toBe(ALL_ERROR_CODES.length);
    expect(isErrorCode("room-full")).toBe(true);
    expect(isErrorCode("not-a-code")).toBe(false);
    expect(isErrorCode(42)).toBe(false);
  });

  it("§9 a refused join names its code in the page's order (the audience cap per address is rate-limited)", () => {
    expect(JOIN_ERROR_CODES.filter((c) => c !== "rate-limited")).toEqual(["bad-request", "kicked", "game-in-progress", "room-full", "name-taken"]);
  });

  it("§9 the icons, §4 the modes, §3 the phases, §9 the messages, §10 the events", () => {
    expect([...ICONS]).toEqual(GAME_MD_ICONS);
    expect([...MODES]).toEqual(["8-round", "12-round"]);
    expect(ROUNDS_BY_MODE).toEqual({ "8-round": 8, "12-round": 12 });
    expect([...PHASES]).toEqual(["lobby", "question", "elimination", "voting", "results", "final"]);
    expect([...MESSAGE_TYPES].sort()).toEqual([...GAME_MD_MESSAGES].sort());
    expect([...SERVER_EVENT_TYPES].sort()).toEqual([...GAME_MD_EVENTS].sort());
  });

  it("§3 timer defaults and bounds", () => {
    expect(TIMER_BOUNDS).toEqual({
      question: { default: 60, min: 20, max: 180 },
      elimination: { default: 30, min: 10, max: 90 },
      voting: { default: 30, min: 10, max: 90 },
      results: { default: 15, min: 5, max: 60 },
    });
  });

  it("§2 the room is `party`; codes are 4 letters without vowels or Y, case-insensitive on join", () => {
    expect(ROOM_NAME).toBe("party");
    expect(CODE_ALPHABET).toBe("BCDFGHJKLMNPQRSTVWXZ");
    expect(CODE_LENGTH).toBe(4);
    expect(isRoomCode("KXQT")).toBe(true);
    for (const bad of ["KXQ", "KXQTT", "KAQT", "KYQT", "kxqt", "KX0T", ""]) expect(isRoomCode(bad), bad).toBe(false);
    expect(canonicalCode("  kxqt ")).toBe("KXQT");
  });

  it("§11 close codes: 1009 too big, 4429 flood; the others are Colyseus's own values", () => {
    expect(CloseCode.MessageTooBig).toBe(1009);
    expect(CloseCode.Flood).toBe(4429);
    expect(CloseCode.Consented).toBe(ColyseusCloseCode.CONSENTED);
    expect(CloseCode.ServerShutdown).toBe(ColyseusCloseCode.SERVER_SHUTDOWN);
    expect(CloseCode.WithError).toBe(ColyseusCloseCode.WITH_ERROR);
    expect(CloseCode.MayTryReconnect).toBe(ColyseusCloseCode.MAY_TRY_RECONNECT);
  });
});

describe("§9 message schemas", () => {
  it("§9 the payload-less messages take nothing or {} and refuse anything else", () => {
    for (const type of ["start-game", "skip-phase", "next-round", "play-again"] satisfies MessageType[]) {
      expect(accepts(type, undefined), type).toBe(true);
      expect(accepts(type, null), type).toBe(true);
      expect(accepts(type, {}), type).toBe(true);
      expect(accepts(type, { extra: 1 }), type).toBe(false);
      expect(accepts(type, "go"), type).toBe(false);
      expect(accepts(type, []), type).toBe(false);
    }
  });

  it("§9 an unknown type is a bad request", () => {
    expect(reason("no-such-message", {})).toContain("unknown message type");
    expect(accepts(42, {})).toBe(false);
    expect(accepts("__proto__", {})).toBe(false);
    expect(accepts("toString", {})).toBe(false);
  });

  it("§5 an answer is 1–100 characters after normalisation, with a letter or digit", () => {
    const ok = (answer: unknown) => accepts("submit-answer", { answer });
    expect(ok("a fake")).toBe(true);
    expect(ok("x".repeat(100))).toBe(true);
    expect(ok("x".repeat(101))).toBe(false);
    expect(ok("🤖".repeat(100))).toBe(false); // emoji: no letter or digit
    expect(ok(`A${"🤖".repeat(99)}`)).toBe(true); // an emoji counts once
    expect(ok(`A${"🤖".repeat(100)}`)).toBe(false);
    expect(ok(`   ${"x".repeat(100)}   `)).toBe(true); // measured after trimming
    expect(ok(`${"x".repeat(50)}\u200B\u200B${"x".repeat(50)}`)).toBe(true); // invisible characters do not count
    expect(ok("a      b")).toBe(true); // whitespace runs collapse
    expect(ok("")).toBe(false);
    expect(ok("   \t\n\u0085")).toBe(false);
    expect(ok("\u200B\u2060\u00AD")).toBe(false); // invisible only
    expect(ok("\u202E\u0007")).toBe(false); // controls and bidi only
    expect(ok("?!")).toBe(false); // the comparison key is empty
    expect(ok(" ".repeat(500) + "x" + " ".repeat(499))).toBe(true);
    expect(ok("x".repeat(1001))).toBe(false); // raw length bound
    expect(ok(42)).toBe(false);
    expect(accepts("submit-answer", {})).toBe(false);
    expect(accepts("submit-answer", { answer: "a fake", extra: true })).toBe(false);
    expect(reason("submit-answer", { answer: "x".repeat(101) })).toContain("1–100");
  });

  it("§3 §4 update-settings: timers whole seconds within bounds, a known mode, booleans; nothing else", () => {
    const ok = (payload: unknown) => accepts("update-settings", payload);
    expect(ok({})).toBe(true);
    expect(ok({ mode: "12-round", extendedTimers: true, familyFriendly: false })).toBe(true);
    for (const [timer, { min, max }] of Object.entries(TIMER_BOUNDS)) {
      expect(ok({ timers: { [timer]: min } }), `${timer} ${min}`).toBe(true);
      expect(ok({ timers: { [timer]: max } }), `${timer} ${max}`).toBe(true);
      expect(ok({ timers: { [timer]: min - 1 } }), `${timer} ${min - 1}`).toBe(false);
      expect(ok({ timers: { [timer]: max + 1 } }), `${timer} ${max + 1}`).toBe(false);
      expect(ok({ timers: { [timer]: min + 0.5 } }), `${timer} fraction`).toBe(false);
      expect(ok({ timers: { [timer]: String(min) } }), `${timer} string`).toBe(false);
    }
    expect(ok({ timers: { question: Number.NaN } })).toBe(false);
    expect(ok({ timers: { question: Number.POSITIVE_INFINITY } })).toBe(false);
    expect(ok({ timers: { lobby: 30 } })).toBe(false);
    expect(ok({ mode: "99-round" })).toBe(false);
    expect(ok({ mode: 8 })).toBe(false);
    expect(ok({ extendedTimers: "yes" })).toBe(false);
    expect(ok({ hostPlays: false })).toBe(false); // create-only, not a setting
    expect(ok(undefined)).toBe(false);
    // one bad part refuses the whole update
    expect(ok({ familyFriendly: false, timers: { question: 5 } })).toBe(false);
    expect(reason("update-settings", { timers: { question: 5 } })).toContain("from 20 to 180");
  });

  it("§9 votes and censoring carry an option id, kicks a player id", () => {
    for (const type of ["submit-elimination-vote", "submit-final-vote", "censor-answer"] satisfies MessageType[]) {
      expect(accepts(type, { optionId: "a1" }), type).toBe(true);
      expect(accepts(type, { optionId: "a".repeat(17) }), type).toBe(false);
      expect(accepts(type, { optionId: 1 }), type).toBe(false);
      expect(accepts(type, {}), type).toBe(false);
      expect(accepts(type, { optionId: "a1", text: "x" }), type).toBe(false);
    }
    expect(accepts("kick-player", { playerId: "abc123" })).toBe(true);
    expect(accepts("kick-player", { playerId: "x".repeat(65) })).toBe(false);
    expect(accepts("kick-player", {})).toBe(false);
  });

  it("§9 a checked message keeps its type and payload", () => {
    expect(checkMessage("submit-final-vote", { optionId: "a3" })).toEqual({ ok: true, message: { type: "submit-final-vote", payload: { optionId: "a3" } } });
    expect(Object.keys(MESSAGE_SCHEMAS).sort()).toEqual([...MESSAGE_TYPES].sort());
  });

  it("§9 join options: shapes only; the rules judge the values", () => {
    const ok = (o: unknown) => JOIN_OPTIONS_SCHEMA.safeParse(o).success;
    expect(ok({ name: "Ada", icon: "robot" })).toBe(true);
    expect(ok({ hostPlays: false })).toBe(true); // a display host may omit name and icon
    expect(ok({ name: "Ada", icon: "cat", audience: true })).toBe(true);
    expect(ok({ name: "Ada", icon: "cat", mode: "12-round", hostPlays: true })).toBe(true);
    expect(ok({ name: 42 })).toBe(false);
    expect(ok({ name: "x".repeat(65) })).toBe(false);
    expect(ok({ audience: "yes" })).toBe(false);
    expect(ok({ hostPlays: 1 })).toBe(false);
    expect(ok("Ada")).toBe(false);
  });
});

describe("server events are typed by the protocol", () => {
  it("§10 an event's payload must match its type (checked by the compiler)", () => {
    const good: ServerEvent = { type: "player-answered", payload: { playerId: "p1" } };
    // @ts-expect-error round-started needs its whole payload
    const wrong: BroadcastEvent = { type: "round-started", payload: { round: 1 } };
    // @ts-expect-error `you` and `error` go to one client, never in a broadcast
    const notBroadcast: BroadcastEvent = { type: "you", payload: { playerId: "p", ownOptionIds: [], eliminationVote: null, finalVote: null } };
    expect([good, wrong, notBroadcast].map((e) => e.type)).toEqual(["player-answered", "round-started", "you"]);
  });
});

describe("the protocol module bundles for a browser", () => {
  it("imports nothing but zod and the pure text module, which imports nothing", () => {
    const imports = (file: string) =>
      [...readFileSync(new URL(file, import.meta.url), "utf8").matchAll(/^(?:import|export)\b[^;]*?from\s+"([^"]+)"/gms)].map((m) => m[1]);
    expect(new Set(imports("../src/protocol.ts"))).toEqual(new Set(["zod", "./text/normalize.ts"]));
    expect(imports("../src/text/normalize.ts")).toEqual([]);
  });
});
