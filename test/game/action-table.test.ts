/**
 * GAME.md §9's message table ("who" and "phase" columns) against the core's table of client
 * actions, and the gate that reads it: every client action, sent by every kind of client, in every
 * phase, is refused by role, then by phase, exactly as the table says, and otherwise reaches its
 * rule.
 */
import { describe, expect, it } from "vitest";
import { MESSAGE_TYPES, PHASES } from "../../src/protocol.ts";
import { ACTION_RULES, type ClientActionType } from "../../src/game/rules.ts";
import { ErrorCode } from "../../src/game/errors.ts";
import type { Phase } from "../../src/game/types.ts";
import { Table, type TableAction } from "./helpers.ts";

/** GAME.md §9, copied by hand: "player, audience" is a voter; "any" is every phase. */
const GAME_MD_SECTION_9: Record<ClientActionType, { who: "host" | "player" | "player, audience"; phase: readonly Phase[] | "any" }> = {
  "start-game": { who: "host", phase: ["lobby"] },
  "update-settings": { who: "host", phase: ["lobby"] },
  "kick-player": { who: "host", phase: "any" },
  "submit-answer": { who: "player", phase: ["question"] },
  "submit-elimination-vote": { who: "player", phase: ["elimination"] },
  "submit-final-vote": { who: "player, audience", phase: ["voting"] },
  "censor-answer": { who: "host", phase: ["elimination"] },
  "skip-phase": { who: "host", phase: ["question", "elimination", "voting"] },
  "next-round": { who: "host", phase: ["results"] },
  "play-again": { who: "host", phase: ["final"] },
};

const WHO = { host: "host", player: "player", "player, audience": "voter" } as const;

describe("§9 the table of client actions", () => {
  it("§9 has one row for every client message the wire defines, and no other", () => {
    expect(Object.keys(ACTION_RULES).sort()).toEqual([...MESSAGE_TYPES].sort());
    expect(Object.keys(GAME_MD_SECTION_9).sort()).toEqual([...MESSAGE_TYPES].sort());
  });

  it("§9 says who may send each action and in which phases, as GAME.md §9 does", () => {
    for (const [type, row] of Object.entries(GAME_MD_SECTION_9) as [ClientActionType, (typeof GAME_MD_SECTION_9)[ClientActionType]][]) {
      const rule = ACTION_RULES[type];
      expect(rule.who, type).toBe(WHO[row.who]);
      expect([...rule.phases].sort(), type).toEqual([...(row.phase === "any" ? PHASES : row.phase)].sort());
    }
  });

  it("§5 only censor-answer is for a host that does not play", () => {
    const displayOnly = Object.entries(ACTION_RULES).filter(([, rule]) => "displayHostOnly" in rule && rule.displayHostOnly);
    expect(displayOnly.map(([type]) => type)).toEqual(["censor-answer"]);
  });
});

// ---------------------------------------------------------------- the gate, through apply

/** Plays the game on (answers, skips, next rounds) until it reaches `phase`. */
function advanceTo(t: Table, phase: Phase): Table {
  if (phase === "lobby") return t;
  t.act({ type: "start-game", by: t.host, pool: t.pool, gameId: "g" });
  while (t.phase !== phase) {
    if (t.phase === "question") t.answerAll();
    else if (t.phase === "results") t.next();
    else t.skip();
  }
  return t;
}

/** A table with a display host "host", players p1–p3 and an audience member "aud", in `phase`. */
function tableIn(phase: Phase): Table {
  const t = Table.withPlayers({ players: 3, hostPlays: false });
  t.act({ type: "join", clientId: "aud", name: "Fan", icon: "owl", audience: true });
  return advanceTo(t, phase);
}

/** A well-formed action of each type, so that only role, phase or the rule can refuse it. */
function actionOf(type: ClientActionType, by: string, t: Table): TableAction {
  switch (type) {
    case "start-game":
      return { type, by, pool: t.pool, gameId: "g2" };
    case "update-settings":
      return { type, by, settings: { familyFriendly: false } };
    case "kick-player":
      return { type, by, playerId: "p3" };
    case "submit-answer":
      return { type, by, answer: "a fine fake" };
    case "submit-elimination-vote":
    case "submit-final-vote":
    case "censor-answer":
      return { type, by, optionId: "a1" };
    case "skip-phase":
    case "next-round":
    case "play-again":
      return { type, by };
  }
}

/** The refusal the gate owes `sender` for `type` in `phase`, or null when the rule decides. */
function expectedGate(type: ClientActionType, sender: "host" | "player" | "audience" | "stranger", phase: Phase): string | null {
  const { who, phase: phases } = GAME_MD_SECTION_9[type];
  const allowed =
    who === "host" ? sender === "host" :
    who === "player" ? sender === "player" :
    sender === "player" || sender === "audience";
  if (!allowed) return who === "host" ? ErrorCode.NotHost : ErrorCode.NotPlayer;
  if (phases !== "any" && !phases.includes(phase)) return ErrorCode.WrongPhase;
  return null;
}

const SENDERS = { host: "host", player: "p1", audience: "aud", stranger: "nobody" } as const;
const GATE_CODES: string[] = [ErrorCode.NotHost, ErrorCode.NotPlayer, ErrorCode.HostPlays, ErrorCode.WrongPhase];

describe("§9 the gate reads the table: role, then phase, then the rule", () => {
  for (const phase of PHASES) {
    it(`§9 every action from every kind of client in ${phase}`, () => {
      const t = tableIn(phase);
      expect(t.phase).toBe(phase);
      for (const type of MESSAGE_TYPES) {
        for (const [sender, id] of Object.entries(SENDERS) as [keyof typeof SENDERS, string][]) {
          const out = t.try(actionOf(type, id, t));
          const expected = expectedGate(type, sender, phase);
          const label = `${type} by ${sender} in ${phase}`;
          if (expected) {
            expect(out.ok ? "accepted" : out.error.code, label).toBe(expected);
          } else if (!out.ok) {
            // Past the gate only the rule's own codes remain.
            expect(GATE_CODES, `${label}: ${out.error.code}`).not.toContain(out.error.code);
          }
        }
      }
    });
  }

  it("§5 §9 a playing host's censor-answer is host-plays in every phase, right after the role check", () => {
    for (const phase of PHASES) {
      const t = advanceTo(Table.withPlayers({ players: 3 }), phase);
      t.refuse({ type: "censor-answer", by: t.host, optionId: "a1" }, ErrorCode.HostPlays);
      t.refuse({ type: "censor-answer", by: "p2", optionId: "a1" }, ErrorCode.NotHost);
    }
  });
});
