import { describe, it, expect } from "vitest";
import { apply, createGame, privateView, progressOf } from "../../src/game/rules.ts";
import { ErrorCode } from "../../src/game/errors.ts";
import type { RoundResult } from "../../src/game/types.ts";
import { NAMES, pool, question, T0, Table } from "./helpers.ts";

const join = (clientId: string, name: string, extra: Record<string, unknown> = {}) =>
  ({ type: "join", clientId, name, icon: "cat", ...extra }) as const;

function lastResult(t: Table): RoundResult {
  return t.state.history.at(-1)!;
}

function scoreRow(t: Table, playerId: string) {
  return lastResult(t).scores.find((s) => s.playerId === playerId)!;
}

// ---------------------------------------------------------------- §2 roles and joins

describe("§2 room and roles", () => {
  it("§2 the creating client is the host and, by default, also a player", () => {
    const t = Table.withPlayers({ players: 2 });
    expect(t.host).toBe("p1");
    expect(t.state.settings.hostPlays).toBe(true);
    expect(Object.keys(t.state.players).sort()).toEqual(["p1", "p2"]);
  });

  it("§2 a host that does not play is a display: not in players, never answers or votes", () => {
    const t = Table.started({ players: 2, hostPlays: false });
    expect(t.host).toBe("host");
    expect(t.state.players["host"]).toBeUndefined();
    t.refuse({ type: "submit-answer", by: "host", answer: "Something" }, ErrorCode.NotPlayer);
    t.answerAll();
    t.refuse({ type: "submit-elimination-vote", by: "host", optionId: t.truthId }, ErrorCode.NotPlayer);
    t.skip();
    t.refuse({ type: "submit-final-vote", by: "host", optionId: t.truthId }, ErrorCode.NotPlayer);
  });

  it("§2 a display host still controls the flow", () => {
    const t = Table.started({ players: 2, hostPlays: false });
    t.skip();
    expect(t.phase).toBe("elimination");
  });

  it("§9 join option mode (create only) sets 12 rounds", () => {
    const t = Table.withPlayers({ players: 2, mode: "12-round" });
    expect(t.state.mode).toBe("12-round");
    expect(t.state.totalRounds).toBe(12);
  });

  it("§2 join after the game started is refused with game-in-progress", () => {
    const t = Table.started({ players: 2 });
    t.refuse(join("late", "Late"), ErrorCode.GameInProgress);
  });

  it("§2 join after the game started is refused even when every player has left and only audience remains", () => {
    const t = Table.started({ players: 2 });
    t.act({ type: "join", clientId: "aud", name: "Watcher", icon: "owl", audience: true });
    t.act({ type: "leave", clientId: "p1" });
    t.act({ type: "leave", clientId: "p2" });
    t.refuse(join("late", "Late"), ErrorCode.GameInProgress);
  });

  it("§2 reconnection of an existing player during a game is not a join", () => {
    const t = Table.started({ players: 3 });
    t.act({ type: "drop", clientId: "p2" });
    expect(t.state.players["p2"]!.connected).toBe(false);
    t.act({ type: "reconnect", clientId: "p2" });
    expect(t.state.players["p2"]!.connected).toBe(true);
  });

  it("§2 at most 8 players: a ninth player join is room-full", () => {
    const t = Table.withPlayers({ players: 8 });
    t.refuse(join("p9", "Ninth"), ErrorCode.RoomFull);
  });

  it("§2 the host counts as one of the 8 players when it plays, not when it is a display", () => {
    const display = Table.withPlayers({ players: 8, hostPlays: false });
    expect(Object.keys(display.state.players)).toHaveLength(8);
    display.refuse(join("p9", "Ninth"), ErrorCode.RoomFull);
  });

  it("§2 audience may join a full room and a game in progress", () => {
    const t = Table.withPlayers({ players: 8 });
    t.act(join("aud1", "Watcher", { audience: true }));
    t.act({ type: "start-game", by: t.host, pool: t.pool, gameId: "g" });
    t.act(join("aud2", "Viewer", { audience: true }));
    expect(Object.keys(t.state.audience).sort()).toEqual(["aud1", "aud2"]);
    expect(Object.keys(t.state.players)).toHaveLength(8);
  });

  it("§9 names are unique in the room, case-insensitively, across players and audience", () => {
    const t = Table.withPlayers({ players: 2 });
    t.refuse(join("x", NAMES[0]!.toUpperCase()), ErrorCode.NameTaken);
    t.refuse(join("x", `  ${NAMES[1]}  `, { audience: true }), ErrorCode.NameTaken);
    t.act(join("aud", "Watcher", { audience: true }));
    t.refuse(join("y", "watcher"), ErrorCode.NameTaken);
  });

  it("§9 an invisible NEL (U+0085, whitespace) does not make a name unique", () => {
    const t = Table.withPlayers({ players: 1 });
    t.refuse(join("x", `\u0085${NAMES[0]}`), ErrorCode.NameTaken);
  });

  it("§5 names clash by confusable skeleton: Cyrillic, zero-width and word-joiner look-alikes of Ada are name-taken", () => {
    const t = Table.withPlayers({ players: 1 });
    t.act(join("ada", "Ada"));
    for (const lookAlike of ["\u0410da", "\u0430da", "Ada\u200B", "A\u2060da", "ADA", "\uFF21\uFF44\uFF41", "A\u00ADda"]) {
      t.refuse(join("x", lookAlike), ErrorCode.NameTaken);
      t.refuse(join("x", lookAlike, { audience: true }), ErrorCode.NameTaken);
    }
  });

  it("§5 names clash by confusable skeleton in both case orders: Ian/lan, Cyrillic HANNA, 0lga/Olga", () => {
    const t = Table.withPlayers({ players: 1 });
    t.act(join("ian", "Ian"));
    t.refuse(join("x", "lan"), ErrorCode.NameTaken);
    t.act(join("hanna", "HANNA"));
    t.refuse(join("x", "\u041D\u0410NNA"), ErrorCode.NameTaken);
    t.act(join("olga", "olga"));
    t.refuse(join("x", "0LGA"), ErrorCode.NameTaken);
  });

  it("§5 different names still sit together (no over-eager skeleton)", () => {
    const t = Table.withPlayers({ players: 1 });
    for (const [i, name] of ["Ada", "Adam", "Eli", "Ella", "Zoë", "Bo", "Bob"].entries()) t.act(join(`n${i}`, name));
    for (const [i, name] of ["Zoe", "Mia", "Max", "Ian", "Li"].entries()) t.act(join(`a${i}`, name, { audience: true }));
  });

  it("§5 the stored name is the cleaned NFKC text, without invisible characters", () => {
    const t = Table.withPlayers({ players: 1 });
    t.act(join("x", " \uFF21\u200Bda\u2060 "));
    expect(t.state.players["x"]!.name).toBe("Ada");
  });

  it("§5 a name needs a visible letter or digit: zero-width, fillers or punctuation alone are bad-request", () => {
    const t = Table.withPlayers({ players: 1 });
    for (const blank of ["\u200B", "\u200B\u200C\u200D", "\u2060\uFEFF", "\u00AD", "\u3164", "\u2061\u180E", "!!", "\u{1F916}"]) {
      t.refuse(join("x", blank), ErrorCode.BadRequest);
    }
    t.act(join("x", "7"));
  });

  it("§5 a ban matches by confusable skeleton: a kicked Ada cannot come back as a look-alike", () => {
    const t = Table.started({ players: 3 });
    t.act(join("ada", "Ada", { audience: true }));
    t.act({ type: "kick-player", by: t.host, playerId: "ada" });
    for (const lookAlike of ["Ada", "ada", "Ada\u200B", "\u0410da", "A\u2060da"]) {
      t.refuse(join("x", lookAlike, { audience: true }), ErrorCode.Kicked);
    }
    t.act(join("x", "Adam", { audience: true }));
  });

  it("§9 a name is 1–16 characters after normalisation", () => {
    const t = Table.withPlayers({ players: 1 });
    t.refuse(join("x", ""), ErrorCode.BadRequest);
    t.refuse(join("x", " \u0000 "), ErrorCode.BadRequest);
    t.refuse(join("x", "A".repeat(17)), ErrorCode.BadRequest);
    t.act(join("x", `  ${"B".repeat(16)}  `));
    expect(t.state.players["x"]!.name).toBe("B".repeat(16));
  });

  it("§9 the icon must be one of the shipped icon ids", () => {
    const t = Table.withPlayers({ players: 1 });
    t.refuse({ type: "join", clientId: "x", name: "Xan", icon: "dragon" }, ErrorCode.BadRequest);
    t.refuse({ type: "join", clientId: "x", name: "Xan" }, ErrorCode.BadRequest);
    t.act({ type: "join", clientId: "x", name: "Xan", icon: "cactus" });
  });
});

describe("§2 the host is the creator (issue #7 finding 5)", () => {
  it("§2 a client that joins before the creator is an ordinary player; the creator becomes host when it joins", () => {
    const t = new Table();
    t.act(join("early", "Early"));
    expect(t.host).toBe("");
    t.refuse({ type: "update-settings", by: "early", settings: { mode: "12-round" } }, ErrorCode.NotHost);
    t.act(join("maker", "Maker", { creator: true }));
    expect(t.host).toBe("maker");
    expect(t.state.settings.hostPlays).toBe(true);
    expect(Object.keys(t.state.players).sort()).toEqual(["early", "maker"]);
    t.refuse({ type: "start-game", by: "early", pool: t.pool, gameId: "g" }, ErrorCode.NotHost);
  });

  it("§2 §9 create-only options (hostPlays, mode) of a non-creator are ignored; the creator's apply", () => {
    const t = new Table();
    t.act(join("early", "Early", { hostPlays: false, mode: "12-round" }));
    expect(t.state.displayHost).toBeNull();
    expect(t.state.mode).toBe("8-round");
    expect(t.state.players["early"]).toBeDefined();
    t.act({ type: "join", clientId: "screen", creator: true, hostPlays: false, mode: "12-round" });
    expect(t.host).toBe("screen");
    expect(t.state.displayHost?.id).toBe("screen");
    expect(t.state.players["screen"]).toBeUndefined();
    expect(t.state.mode).toBe("12-round");
  });

  it("§2 only one creation: a later join that claims to be the creator is an ordinary player", () => {
    const t = Table.withPlayers({ players: 2 });
    t.act(join("other", "Other", { creator: true, hostPlays: false }));
    expect(t.host).toBe("p1");
    expect(t.state.players["other"]).toBeDefined();
    expect(t.state.settings.hostPlays).toBe(true);
  });

  it("§2 §11 the creator's seat expires unused: the role goes to the longest-connected player, once", () => {
    const t = new Table();
    t.act(join("first", "First"));
    t.tick(10);
    t.act(join("second", "Second"));
    t.act({ type: "drop", clientId: "first" });
    t.tick(10);
    t.act({ type: "reconnect", clientId: "first" });
    t.act({ type: "creator-absent" });
    // "first" reconnected after "second" joined, so "second" has been connected the longest.
    expect(t.host).toBe("second");
    t.refuse({ type: "creator-absent" }, ErrorCode.BadRequest);
    // Too late for the creator: its join is an ordinary one.
    t.act(join("maker", "Maker", { creator: true }));
    expect(t.host).toBe("second");
  });

  it("§2 the creator's seat expires in an empty room: the next player takes the role", () => {
    const t = new Table();
    t.act({ type: "creator-absent" });
    expect(t.host).toBe("");
    t.act(join("late", "Late"));
    expect(t.host).toBe("late");
  });

  it("§2 the creator already joined: creator-absent changes nothing", () => {
    const t = Table.withPlayers({ players: 2 });
    t.refuse({ type: "creator-absent" }, ErrorCode.BadRequest);
  });
});

describe("§9 join refusal order: bad-request, kicked, game-in-progress, room-full, name-taken", () => {
  /** A full lobby (8 players) where "Kim" was kicked. */
  function fullLobbyWithKick(): Table {
    const t = Table.withPlayers({ players: 7 });
    t.act(join("kim", "Kim"));
    t.act({ type: "kick-player", by: t.host, playerId: "kim" });
    t.act(join("p8", "Hank"));
    expect(Object.keys(t.state.players)).toHaveLength(8);
    return t;
  }

  it("§9 bad-request comes before kicked", () => {
    const t = fullLobbyWithKick();
    t.refuse({ type: "join", clientId: "x", name: "Kim", icon: "nope" }, ErrorCode.BadRequest);
  });

  it("§9 kicked comes before game-in-progress", () => {
    const t = fullLobbyWithKick();
    t.act({ type: "start-game", by: t.host, pool: t.pool, gameId: "g" });
    t.refuse(join("x", "kim"), ErrorCode.Kicked);
  });

  it("§9 game-in-progress comes before room-full and name-taken", () => {
    const t = fullLobbyWithKick();
    t.act({ type: "start-game", by: t.host, pool: t.pool, gameId: "g" });
    t.refuse(join("x", NAMES[0]!), ErrorCode.GameInProgress);
  });

  it("§9 room-full comes before name-taken", () => {
    const t = fullLobbyWithKick();
    t.refuse(join("x", NAMES[0]!), ErrorCode.RoomFull);
  });

  it("§9 name-taken when nothing else is wrong", () => {
    const t = Table.withPlayers({ players: 3 });
    t.refuse(join("x", NAMES[2]!), ErrorCode.NameTaken);
  });
});

// ---------------------------------------------------------------- §3 phases

describe("§3 phases and deadlines", () => {
  it("§3 start-game with fewer than 2 connected players is not-enough-players", () => {
    const t = Table.withPlayers({ players: 1 });
    t.refuse({ type: "start-game", by: t.host, pool: t.pool, gameId: "g" }, ErrorCode.NotEnoughPlayers);
    expect(t.phase).toBe("lobby");
  });

  it("§3 a seated but disconnected player does not count toward the 2 (not-enough-players)", () => {
    const t = Table.withPlayers({ players: 2 });
    t.act({ type: "drop", clientId: "p2" });
    t.refuse({ type: "start-game", by: t.host, pool: t.pool, gameId: "g" }, ErrorCode.NotEnoughPlayers);
  });

  it("§3 a display host does not count as a player: display + 1 player is not-enough-players", () => {
    const t = Table.withPlayers({ players: 1, hostPlays: false });
    t.refuse({ type: "start-game", by: t.host, pool: t.pool, gameId: "g" }, ErrorCode.NotEnoughPlayers);
  });

  it("§3 start-game moves lobby → question, round 1, with a 60 s deadline by default", () => {
    const t = Table.started({ players: 2 });
    expect(t.phase).toBe("question");
    expect(t.state.round).toBe(1);
    expect(t.state.totalRounds).toBe(8);
    expect(t.state.deadline).toBe(t.now + 60_000);
    const started = t.lastEvent("round-started")!;
    expect(started.payload).toMatchObject({ round: 1, totalRounds: 8, multiplier: 1, deadline: t.now + 60_000 });
  });

  it("§3 the round is 0 in the lobby", () => {
    const t = Table.withPlayers({ players: 2 });
    expect(t.state.round).toBe(0);
    expect(t.state.deadline).toBe(0);
  });

  it("§3 default deadlines: elimination 30 s, voting 30 s, results 15 s", () => {
    const t = Table.started({ players: 2 });
    t.answerAll();
    expect(t.phase).toBe("elimination");
    expect(t.state.deadline).toBe(t.now + 30_000);
    t.skip();
    expect(t.phase).toBe("voting");
    expect(t.state.deadline).toBe(t.now + 30_000);
    t.skip();
    expect(t.phase).toBe("results");
    expect(t.state.deadline).toBe(t.now + 15_000);
  });

  it("§3 extended timers double every deadline", () => {
    const t = Table.withPlayers({ players: 2 });
    t.act({ type: "update-settings", by: t.host, settings: { extendedTimers: true, timers: { question: 20 } } });
    t.act({ type: "start-game", by: t.host, pool: t.pool, gameId: "g" });
    expect(t.state.deadline).toBe(t.now + 40_000);
    t.skip();
    expect(t.state.deadline).toBe(t.now + 60_000);
    t.skip();
    expect(t.state.deadline).toBe(t.now + 60_000);
    t.skip();
    expect(t.state.deadline).toBe(t.now + 30_000);
  });

  it("§3 timer settings take effect within their bounds", () => {
    const t = Table.withPlayers({ players: 2 });
    t.act({ type: "update-settings", by: t.host, settings: { timers: { question: 180, elimination: 10, voting: 90, results: 5 } } });
    t.act({ type: "start-game", by: t.host, pool: t.pool, gameId: "g" });
    expect(t.state.deadline).toBe(t.now + 180_000);
    t.skip();
    expect(t.state.deadline).toBe(t.now + 10_000);
    t.skip();
    expect(t.state.deadline).toBe(t.now + 90_000);
    t.skip();
    expect(t.state.deadline).toBe(t.now + 5_000);
  });

  it("§3 question ends when every connected player answered", () => {
    const t = Table.started({ players: 3 });
    t.answer("p1", "one");
    t.answer("p2", "two");
    expect(t.phase).toBe("question");
    t.answer("p3", "three");
    expect(t.phase).toBe("elimination");
  });

  it("§3 elimination and voting end when every connected player voted", () => {
    const t = Table.started({ players: 2 });
    t.answerAll();
    t.eliminate("p1", t.optionOf("p2"));
    expect(t.phase).toBe("elimination");
    t.eliminate("p2", t.optionOf("p1"));
    expect(t.phase).toBe("voting");
    t.vote("p1", t.truthId);
    expect(t.phase).toBe("voting");
    t.vote("p2", t.truthId);
    expect(t.phase).toBe("results");
  });

  it("§3 disconnected players never hold a phase open", () => {
    const t = Table.started({ players: 3 });
    t.act({ type: "drop", clientId: "p3" });
    t.answer("p1", "one");
    t.answer("p2", "two");
    expect(t.phase).toBe("elimination");
  });

  it("§3 a drop of the last player still to act ends the phase", () => {
    const t = Table.started({ players: 3 });
    t.answer("p1", "one");
    t.answer("p2", "two");
    t.act({ type: "drop", clientId: "p3" });
    expect(t.phase).toBe("elimination");
  });

  it("§3 the host's skip-phase ends question, elimination and voting", () => {
    const t = Table.started({ players: 3 });
    t.skip();
    expect(t.phase).toBe("elimination");
    t.skip();
    expect(t.phase).toBe("voting");
    t.skip();
    expect(t.phase).toBe("results");
  });

  it("§3 skip-phase is wrong-phase in lobby, results and final", () => {
    const t = Table.withPlayers({ players: 2 });
    t.refuse({ type: "skip-phase", by: t.host }, ErrorCode.WrongPhase);
    t.act({ type: "start-game", by: t.host, pool: t.pool, gameId: "g" });
    t.playSilentRound();
    t.refuse({ type: "skip-phase", by: t.host }, ErrorCode.WrongPhase);
    for (let r = 1; r < 8; r++) {
      t.next();
      t.playSilentRound();
    }
    t.next();
    expect(t.phase).toBe("final");
    t.refuse({ type: "skip-phase", by: t.host }, ErrorCode.WrongPhase);
  });

  it("§3 next-round in results starts the next question; it is wrong-phase elsewhere", () => {
    const t = Table.started({ players: 2 });
    t.refuse({ type: "next-round", by: t.host }, ErrorCode.WrongPhase);
    t.playSilentRound();
    t.next();
    expect(t.phase).toBe("question");
    expect(t.state.round).toBe(2);
  });

  it("§3 every round, the last included, has its results; next-round after the last leads to final", () => {
    const t = Table.started({ players: 2 });
    const phases: string[] = [];
    for (let r = 1; r <= 8; r++) {
      t.playSilentRound();
      phases.push(`${t.state.round}:${t.phase}`);
      t.next();
    }
    expect(phases).toEqual(["1:results", "2:results", "3:results", "4:results", "5:results", "6:results", "7:results", "8:results"]);
    expect(t.phase).toBe("final");
    expect(t.state.deadline).toBe(0);
    expect(t.state.history).toHaveLength(8);
    const complete = t.lastEvent("game-complete")!;
    expect(complete.payload).toMatchObject({ gameId: "game-1" });
  });

  it("§3 a 12-round game plays 12 rounds", () => {
    const t = Table.started({ players: 2, mode: "12-round" });
    for (let r = 1; r <= 12; r++) {
      expect(t.state.round).toBe(r);
      t.playSilentRound();
      t.next();
    }
    expect(t.phase).toBe("final");
    expect(t.state.history.map((h) => h.multiplier)).toEqual([1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3]);
  });
});

describe("§3 deadlines as timeout actions", () => {
  it("§3 a timeout before the deadline changes nothing", () => {
    const t = Table.started({ players: 2 });
    const before = structuredClone(t.state);
    t.tick(59_999);
    const out = t.try({ type: "timeout" });
    if (out.ok) expect(out.state).toEqual(before);
  });

  it("§3 a timeout at the deadline ends each timed phase, results included", () => {
    const t = Table.started({ players: 2 });
    const expected = ["elimination", "voting", "results", "question"];
    for (const phase of expected) {
      t.now = t.state.deadline;
      t.act({ type: "timeout" });
      expect(t.phase).toBe(phase);
    }
    expect(t.state.round).toBe(2);
  });

  it("§3 the results deadline after the last round leads to final", () => {
    const t = Table.started({ players: 2 });
    for (let r = 1; r <= 7; r++) {
      t.playSilentRound();
      t.next();
    }
    t.playSilentRound();
    t.now = t.state.deadline;
    t.act({ type: "timeout" });
    expect(t.phase).toBe("final");
  });

  it("§3 lobby and final have no deadline: a timeout leaves them as they are", () => {
    const t = Table.withPlayers({ players: 2 });
    t.tick(10 * 60_000);
    const out = t.try({ type: "timeout" });
    if (out.ok) expect(out.state.phase).toBe("lobby");
  });
});

describe("§3 pause while no player is connected", () => {
  it("§3 deadlines pause when every player is disconnected and resume with the time left", () => {
    const t = Table.started({ players: 2 });
    const deadline = t.state.deadline;
    t.tick(10_000);
    t.act({ type: "drop", clientId: "p1" });
    expect(t.state.paused).toBe(false);
    t.act({ type: "drop", clientId: "p2" });
    expect(t.state.paused).toBe(true);
    t.tick(10 * 60_000);
    t.act({ type: "timeout" });
    expect(t.phase).toBe("question");
    t.act({ type: "reconnect", clientId: "p2" });
    expect(t.state.paused).toBe(false);
    expect(t.state.deadline).toBe(t.now + (deadline - (T0 + 20 + 10_000)));
    expect(t.state.deadline - t.now).toBe(50_000);
  });

  it("§3 a connected display host does not keep deadlines running", () => {
    const t = Table.started({ players: 2, hostPlays: false });
    t.act({ type: "drop", clientId: "p1" });
    t.act({ type: "drop", clientId: "p2" });
    expect(t.state.paused).toBe(true);
    t.tick(120_000);
    t.act({ type: "timeout" });
    expect(t.phase).toBe("question");
  });

  it("§3 a paused phase still ends by the host's skip-phase, and the next phase waits too", () => {
    const t = Table.started({ players: 2, hostPlays: false });
    t.act({ type: "drop", clientId: "p1" });
    t.act({ type: "drop", clientId: "p2" });
    t.skip();
    expect(t.phase).toBe("elimination");
    expect(t.state.paused).toBe(true);
    t.tick(5_000);
    t.act({ type: "reconnect", clientId: "p1" });
    expect(t.state.deadline - t.now).toBe(30_000);
  });
});

// ---------------------------------------------------------------- §4 questions

describe("§4 questions", () => {
  it("§4 a game draws distinct questions, one per round", () => {
    const t = Table.started({ players: 2, pool: pool(12) });
    const ids = t.state.questions.map((q) => q.id);
    expect(ids).toHaveLength(8);
    expect(new Set(ids).size).toBe(8);
  });

  it("§4 a pool smaller than the mode's rounds cannot start a game", () => {
    const t = Table.withPlayers({ players: 2, pool: pool(7) });
    const out = t.try({ type: "start-game", by: t.host, pool: t.pool, gameId: "g" });
    expect(out.ok).toBe(false);
  });

  it("§4 round-started shows the question without its truth or robot answer", () => {
    const t = Table.started({ players: 2, pool: [question(99, { type: "picture", imageUrl: "/q/99.svg", roundNumber: 1 }), ...pool(10)] });
    const payload = t.lastEvent("round-started")!.payload;
    expect(payload.question).toEqual({ id: "q99", text: "Question number 99?", type: "picture", imageUrl: "/q/99.svg" });
    expect(JSON.stringify(payload)).not.toContain("True answer");
    expect(JSON.stringify(payload)).not.toContain("Robot answer");
  });

  it("§4 the next game prefers questions this room has not used", () => {
    const t = Table.started({ players: 2, pool: pool(16) });
    const first = new Set(t.state.questions.map((q) => q.id));
    for (let r = 1; r <= 8; r++) {
      t.playSilentRound();
      t.next();
    }
    t.act({ type: "play-again", by: t.host });
    t.act({ type: "start-game", by: t.host, pool: t.pool, gameId: "g2" });
    const second = t.state.questions.map((q) => q.id);
    expect(second.filter((id) => first.has(id))).toEqual([]);
  });
});

// ---------------------------------------------------------------- §5 answers

describe("§5 answers", () => {
  it("§5 the stored and displayed text is the normalised text", () => {
    const t = Table.started({ players: 2 });
    t.answer("p1", "  Big \t\u202E  Banana  ");
    t.answer("p2", "other");
    expect(t.options.find((o) => o.id === t.optionOf("p1"))!.text).toBe("Big Banana");
    const shown = t.lastEvent("all-answers-submitted")!.payload;
    expect(shown.options.map((o) => o.text)).toContain("Big Banana");
  });

  it("§5 an answer is 1–100 characters after normalisation", () => {
    const t = Table.started({ players: 3 });
    t.refuse({ type: "submit-answer", by: "p1", answer: "x".repeat(101) }, ErrorCode.BadRequest);
    t.refuse({ type: "submit-answer", by: "p1", answer: "   " }, ErrorCode.BadRequest);
    t.refuse({ type: "submit-answer", by: "p1", answer: "" }, ErrorCode.BadRequest);
    t.answer("p1", `  ${"y".repeat(100)}  `);
    t.answer("p2", `${"東".repeat(99)}🤖`);
    expect(t.state.current!.answers["p1"]!.text).toBe("y".repeat(100));
  });

  it("§5 an answer whose comparison key is empty is bad-request", () => {
    const t = Table.started({ players: 2 });
    t.refuse({ type: "submit-answer", by: "p1", answer: "?!  ..." }, ErrorCode.BadRequest);
  });

  it("§5 an answer equal to the truth by comparison key is answer-is-truth, and leaks nothing", () => {
    const t = Table.started({ players: 2 });
    const truth = t.state.current!.question.correctAnswer;
    t.refuse({ type: "submit-answer", by: "p1", answer: truth }, ErrorCode.AnswerIsTruth);
    t.refuse({ type: "submit-answer", by: "p1", answer: `  the ${truth.toUpperCase()}!!` }, ErrorCode.AnswerIsTruth);
    expect(t.state.current!.answers["p1"]).toBeUndefined();
    t.answer("p1", "a real fake");
  });

  it("§5 an answer equal to the robot's by comparison key is answer-is-robot", () => {
    const t = Table.started({ players: 2 });
    const robot = t.state.current!.question.robotAnswer;
    t.refuse({ type: "submit-answer", by: "p2", answer: `${robot.toLowerCase()}.` }, ErrorCode.AnswerIsRobot);
  });

  it("§5 with family-friendly on (the default) profanity is refused", () => {
    const t = Table.started({ players: 2 });
    expect(t.state.settings.familyFriendly).toBe(true);
    t.refuse({ type: "submit-answer", by: "p1", answer: "holy shit" }, ErrorCode.Profanity);
  });

  it("§5 with family-friendly off the same answer is accepted", () => {
    const t = Table.withPlayers({ players: 2 });
    t.act({ type: "update-settings", by: t.host, settings: { familyFriendly: false } });
    t.act({ type: "start-game", by: t.host, pool: t.pool, gameId: "g" });
    t.answer("p1", "holy shit");
    expect(t.state.current!.answers["p1"]!.text).toBe("holy shit");
  });

  it("§5 one answer per player per round: a second is already-answered", () => {
    const t = Table.started({ players: 3 });
    t.answer("p1", "first");
    t.refuse({ type: "submit-answer", by: "p1", answer: "second" }, ErrorCode.AlreadyAnswered);
  });

  it("§5 answers sharing a key merge into one option credited to both", () => {
    const t = Table.started({ players: 3 });
    t.answer("p1", "The Eiffel Tower");
    t.answer("p2", "eiffel-tower!");
    t.answer("p3", "Big Ben");
    const playerOptions = t.options.filter((o) => o.source === "player");
    expect(playerOptions).toHaveLength(2);
    const merged = playerOptions.find((o) => o.authors.length === 2)!;
    expect(merged.authors.sort()).toEqual(["p1", "p2"]);
    expect(merged.text).toBe("The Eiffel Tower");
    expect(privateView(t.state, "p2").ownOptionIds).toEqual([merged.id]);
  });

  it("§5 the pool is the player answers + the truth + the robot's answer, with ids a1…aN", () => {
    const t = Table.started({ players: 3 });
    t.answerAll();
    expect(t.options).toHaveLength(5);
    expect(t.options.map((o) => o.id).sort()).toEqual(["a1", "a2", "a3", "a4", "a5"]);
    expect(t.options.filter((o) => o.source === "truth")).toHaveLength(1);
    expect(t.options.filter((o) => o.source === "robot")).toHaveLength(1);
    const q = t.state.current!.question;
    expect(t.options.find((o) => o.source === "truth")!.text).toBe(q.correctAnswer);
    expect(t.options.find((o) => o.source === "robot")!.text).toBe(q.robotAnswer);
  });

  it("§5 submit-answer outside question is wrong-phase", () => {
    const t = Table.started({ players: 2 });
    t.answer("p1", "one");
    t.skip();
    t.refuse({ type: "submit-answer", by: "p2", answer: "late" }, ErrorCode.WrongPhase);
  });

  it("§8 all-answers-submitted shows only ids and texts, not which is the truth or who wrote what", () => {
    const t = Table.started({ players: 2 });
    t.answerAll();
    const payload = t.lastEvent("all-answers-submitted")!.payload;
    for (const o of payload.options) expect(Object.keys(o).sort()).toEqual(["id", "text"]);
  });
});

describe("§5 censor-answer", () => {
  /** A display host ("host") and players p1–p3 in elimination: only a display host censors. */
  function inElimination(): Table {
    const t = Table.started({ players: 3, hostPlays: false });
    t.answer("p1", "Alpha");
    t.answer("p2", "Bravo");
    t.answer("p3", "Charlie");
    return t;
  }

  it("§5 the host removes a player answer during elimination: it leaves options", () => {
    const t = inElimination();
    const bravo = t.optionOf("p2");
    t.act({ type: "censor-answer", by: t.host, optionId: bravo });
    expect(t.options.map((o) => o.id)).not.toContain(bravo);
    expect(t.options).toHaveLength(4);
  });

  it("§5 votes already cast for a censored answer are void and those voters may vote again", () => {
    const t = inElimination();
    const bravo = t.optionOf("p2");
    t.eliminate("p1", bravo);
    t.act({ type: "censor-answer", by: t.host, optionId: bravo });
    expect(t.state.current!.eliminationVotes["p1"]).toBeUndefined();
    t.eliminate("p1", t.robotId);
    expect(t.state.current!.eliminationVotes["p1"]).toBe(t.robotId);
  });

  it("§5 a later vote for a censored answer is invalid-vote", () => {
    const t = inElimination();
    const bravo = t.optionOf("p2");
    t.act({ type: "censor-answer", by: t.host, optionId: bravo });
    t.refuse({ type: "submit-elimination-vote", by: "p3", optionId: bravo }, ErrorCode.InvalidVote);
    t.skip();
    t.refuse({ type: "submit-final-vote", by: "p3", optionId: bravo }, ErrorCode.InvalidVote);
  });

  it("§5 censor-answer only removes player answers: the truth, the robot's answer or an unknown id is invalid-vote", () => {
    const t = inElimination();
    for (const id of [t.truthId, t.robotId, "a99", "nonsense"]) {
      t.refuse({ type: "censor-answer", by: t.host, optionId: id }, ErrorCode.InvalidVote);
    }
    expect(t.options).toHaveLength(5);
  });

  it("§5 everyone gets answer-censored with the votes still standing", () => {
    const t = inElimination();
    const bravo = t.optionOf("p2");
    t.eliminate("p1", bravo);
    t.eliminate("p3", t.robotId);
    const events = t.act({ type: "censor-answer", by: t.host, optionId: bravo });
    expect(events).toContainEqual({ type: "answer-censored", payload: { optionId: bravo, votes: 1, voters: 3 } });
  });

  it("§5 a playing host gets host-plays for any option: truth, robot, a player's answer or an unknown id (no oracle)", () => {
    const t = Table.started({ players: 3 });
    t.answer("p1", "Alpha");
    t.answer("p2", "Bravo");
    t.answer("p3", "Charlie");
    expect(t.state.settings.hostPlays).toBe(true);
    for (const id of [t.truthId, t.robotId, t.optionOf("p2"), t.optionOf("p1"), "a99", ""]) {
      t.refuse({ type: "censor-answer", by: t.host, optionId: id }, ErrorCode.HostPlays);
    }
    expect(t.options).toHaveLength(5);
  });

  it("§9 host-plays comes right after the role check: before wrong-phase, in every phase", () => {
    const t = Table.withPlayers({ players: 3 });
    t.refuse({ type: "censor-answer", by: t.host, optionId: "a1" }, ErrorCode.HostPlays); // lobby
    t.act({ type: "start-game", by: t.host, pool: t.pool, gameId: "g" });
    t.refuse({ type: "censor-answer", by: t.host, optionId: "a1" }, ErrorCode.HostPlays); // question
    t.answerAll();
    t.skip();
    t.refuse({ type: "censor-answer", by: t.host, optionId: t.truthId }, ErrorCode.HostPlays); // voting
    // a player who is not the host is still not-host first
    t.refuse({ type: "censor-answer", by: "p2", optionId: t.truthId }, ErrorCode.NotHost);
  });

  it("§5 a player who takes the host role over from a display host plays, so gets host-plays", () => {
    const t = inElimination();
    t.act({ type: "leave", clientId: "host" });
    expect(t.state.players[t.host]).toBeDefined();
    t.refuse({ type: "censor-answer", by: t.host, optionId: t.truthId }, ErrorCode.HostPlays);
  });

  it("§5 censor-answer is host-only and only during elimination", () => {
    const t = inElimination();
    t.refuse({ type: "censor-answer", by: "p2", optionId: t.optionOf("p3") }, ErrorCode.NotHost);
    t.skip();
    t.refuse({ type: "censor-answer", by: t.host, optionId: t.optionOf("p3") }, ErrorCode.WrongPhase);
  });

  it("§5 §10 a vote made void by a censor leaves the voter's private view; the recast vote alone is counted", () => {
    const t = inElimination();
    const bravo = t.optionOf("p2");
    t.eliminate("p1", bravo);
    expect(privateView(t.state, "p1").eliminationVote).toBe(bravo);
    t.act({ type: "censor-answer", by: t.host, optionId: bravo });
    expect(privateView(t.state, "p1").eliminationVote).toBeNull();
    expect(privateView(t.state, "p2").ownOptionIds).toEqual([]);
    t.eliminate("p1", t.robotId);
    t.eliminate("p2", t.robotId);
    t.eliminate("p3", t.robotId);
    const done = t.lastEvent("elimination-complete")!.payload;
    expect(done.eliminatedId).toBe(t.robotId);
    expect(done.counts).toEqual({ [t.robotId]: 3 });
  });

  it("§5 a censored answer earns its author nothing", () => {
    const t = inElimination();
    const bravo = t.optionOf("p2");
    t.act({ type: "censor-answer", by: t.host, optionId: bravo });
    t.skip();
    t.vote("p1", t.optionOf("p3"));
    t.vote("p3", t.truthId);
    t.vote("p2", t.optionOf("p3"));
    expect(t.phase).toBe("results");
    expect(scoreRow(t, "p2").votesReceivedPoints).toBe(0);
    expect(scoreRow(t, "p3").votesReceivedPoints).toBe(1000);
  });
});

// ---------------------------------------------------------------- §6 voting

describe("§6 voting", () => {
  function inElimination(players = 3): Table {
    const t = Table.started({ players });
    t.answerAll();
    expect(t.phase).toBe("elimination");
    return t;
  }

  it("§6 the pool order comes from the room's seeded RNG: same seed, same order", () => {
    const order = (seed: number) => {
      const t = Table.started({ players: 4, seed, pool: pool(8) });
      t.answerAll();
      return t.options.map((o) => `${o.source}:${o.authors.join()}`).join(" ");
    };
    expect(order(1)).toBe(order(1));
    // Shuffled: across seeds the truth, the robot and the fakes do not keep one fixed order.
    const seen = new Set(Array.from({ length: 10 }, (_, i) => order(i)));
    expect(seen.size).toBeGreaterThan(1);
  });

  it("§6 elimination: a vote for your own answer is own-answer", () => {
    const t = inElimination();
    t.refuse({ type: "submit-elimination-vote", by: "p1", optionId: t.optionOf("p1") }, ErrorCode.OwnAnswer);
  });

  it("§6 a co-author of a merged answer cannot vote for it in either vote", () => {
    const t = Table.started({ players: 3 });
    t.answer("p1", "Same thing");
    t.answer("p2", "same  THING");
    t.answer("p3", "Different");
    const merged = t.optionOf("p2");
    t.refuse({ type: "submit-elimination-vote", by: "p1", optionId: merged }, ErrorCode.OwnAnswer);
    t.refuse({ type: "submit-elimination-vote", by: "p2", optionId: merged }, ErrorCode.OwnAnswer);
    t.skip();
    t.refuse({ type: "submit-final-vote", by: "p1", optionId: merged }, ErrorCode.OwnAnswer);
  });

  it("§6 a second elimination vote is already-voted", () => {
    const t = inElimination();
    t.eliminate("p1", t.truthId);
    t.refuse({ type: "submit-elimination-vote", by: "p1", optionId: t.robotId }, ErrorCode.AlreadyVoted);
  });

  it("§6 a vote for an unknown id is invalid-vote", () => {
    const t = inElimination();
    t.refuse({ type: "submit-elimination-vote", by: "p1", optionId: "a99" }, ErrorCode.InvalidVote);
    t.refuse({ type: "submit-elimination-vote", by: "p1", optionId: t.options[0]!.text }, ErrorCode.InvalidVote);
    t.skip();
    t.refuse({ type: "submit-final-vote", by: "p1", optionId: "zzz" }, ErrorCode.InvalidVote);
  });

  it("§6 the option with strictly most elimination votes is eliminated", () => {
    const t = inElimination(3);
    t.eliminate("p1", t.robotId);
    t.eliminate("p2", t.robotId);
    t.eliminate("p3", t.truthId);
    expect(t.phase).toBe("voting");
    expect(t.options.find((o) => o.id === t.robotId)!.eliminated).toBe(true);
    expect(t.options.filter((o) => o.eliminated)).toHaveLength(1);
    const done = t.lastEvent("elimination-complete")!.payload;
    expect(done.eliminatedId).toBe(t.robotId);
    expect(done.tie).toBe(false);
    expect(done.counts[t.robotId]).toBe(2);
    expect(done.counts[t.truthId]).toBe(1);
  });

  it("§6 a tie at the top eliminates nothing (tie: true)", () => {
    const t = inElimination(4);
    t.eliminate("p1", t.robotId);
    t.eliminate("p2", t.robotId);
    t.eliminate("p3", t.truthId);
    t.eliminate("p4", t.truthId);
    expect(t.options.some((o) => o.eliminated)).toBe(false);
    expect(t.lastEvent("elimination-complete")!.payload).toMatchObject({ eliminatedId: null, tie: true });
    expect(t.state.current!.eliminatedId).toBeNull();
  });

  it("§6 after a tie nothing is eliminated: the robot's answer is still on the final ballot", () => {
    const t = inElimination(2);
    t.eliminate("p1", t.robotId);
    t.eliminate("p2", t.truthId);
    expect(t.phase).toBe("voting");
    t.vote("p1", t.robotId);
    expect(t.state.current!.finalVotes["p1"]).toBe(t.robotId);
  });

  it("§6 no elimination votes eliminates nothing (tie: false)", () => {
    const t = inElimination();
    t.skip();
    expect(t.options.some((o) => o.eliminated)).toBe(false);
    expect(t.lastEvent("elimination-complete")!.payload).toMatchObject({ eliminatedId: null, tie: false });
  });

  it("§6 a final vote for an eliminated option is invalid-vote", () => {
    const t = inElimination(2);
    t.eliminate("p1", t.robotId);
    t.eliminate("p2", t.robotId);
    t.refuse({ type: "submit-final-vote", by: "p1", optionId: t.robotId }, ErrorCode.InvalidVote);
  });

  it("§6 final vote: not for your own answer, one per player", () => {
    const t = inElimination();
    t.skip();
    t.refuse({ type: "submit-final-vote", by: "p2", optionId: t.optionOf("p2") }, ErrorCode.OwnAnswer);
    t.vote("p2", t.truthId);
    t.refuse({ type: "submit-final-vote", by: "p2", optionId: t.robotId }, ErrorCode.AlreadyVoted);
  });

  it("§6 a vote outside its phase is wrong-phase", () => {
    const t = Table.started({ players: 3 });
    t.refuse({ type: "submit-elimination-vote", by: "p1", optionId: "a1" }, ErrorCode.WrongPhase);
    t.refuse({ type: "submit-final-vote", by: "p1", optionId: "a1" }, ErrorCode.WrongPhase);
    t.answerAll();
    t.refuse({ type: "submit-final-vote", by: "p1", optionId: t.truthId }, ErrorCode.WrongPhase);
    t.skip();
    t.refuse({ type: "submit-elimination-vote", by: "p1", optionId: t.truthId }, ErrorCode.WrongPhase);
  });

  it("§10 vote-cast events carry counts only: votes and voters, never the option", () => {
    const t = inElimination();
    t.eliminate("p1", t.robotId);
    const cast = t.lastEvent("elimination-vote-cast")!;
    expect(cast.payload).toEqual({ playerId: "p1", votes: 1, voters: 3 });
    t.skip();
    t.vote("p2", t.truthId);
    expect(t.lastEvent("final-vote-cast")!.payload).toEqual({ playerId: "p2", votes: 1, voters: 3 });
  });
});

// ---------------------------------------------------------------- §7 scoring through play

describe("§7 scoring in play", () => {
  /** p1 + p3 merge "Alpha", p2 "Bravo", p4 "Delta". */
  function scoredRound(): Table {
    const t = Table.started({ players: 4 });
    t.answer("p1", "Alpha");
    t.answer("p2", "Bravo");
    t.answer("p3", "alpha!");
    t.answer("p4", "Delta");
    const alpha = t.optionOf("p1");
    const bravo = t.optionOf("p2");
    const delta = t.optionOf("p4");
    t.eliminate("p1", t.robotId);
    t.eliminate("p2", t.robotId);
    t.eliminate("p3", bravo);
    t.eliminate("p4", alpha);
    t.vote("p1", t.truthId);
    t.vote("p2", alpha);
    t.vote("p3", delta);
    t.vote("p4", bravo);
    expect(t.phase).toBe("results");
    return t;
  }

  it("§7 round scores: truth +1000, robot spotted +500, +500 per player fooled, merged co-authors both paid", () => {
    const t = scoredRound();
    const r = (id: string) => {
      const { playerId: _, ...rest } = scoreRow(t, id);
      return rest;
    };
    expect(r("p1")).toEqual({ correctAnswerPoints: 1000, robotIdentifiedPoints: 500, votesReceivedPoints: 500, fooledPenalty: 0, total: 2000 });
    expect(r("p2")).toEqual({ correctAnswerPoints: 0, robotIdentifiedPoints: 500, votesReceivedPoints: 500, fooledPenalty: 0, total: 1000 });
    expect(r("p3")).toEqual({ correctAnswerPoints: 0, robotIdentifiedPoints: 0, votesReceivedPoints: 500, fooledPenalty: 0, total: 500 });
    expect(r("p4")).toEqual({ correctAnswerPoints: 0, robotIdentifiedPoints: 0, votesReceivedPoints: 500, fooledPenalty: 0, total: 500 });
    expect(Object.fromEntries(Object.values(t.state.players).map((p) => [p.id, p.score]))).toEqual({ p1: 2000, p2: 1000, p3: 500, p4: 500 });
  });

  it("§7 counters: truths found, robots spotted, times fooled, rounds won", () => {
    const t = scoredRound();
    const p = t.state.players;
    expect([p["p1"]!.truthsFound, p["p1"]!.robotsSpotted, p["p1"]!.timesFooled, p["p1"]!.roundsWon]).toEqual([1, 1, 0, 1]);
    expect([p["p2"]!.truthsFound, p["p2"]!.robotsSpotted, p["p2"]!.roundsWon]).toEqual([0, 1, 0]);
    expect(lastResult(t).winners).toEqual(["p1"]);
  });

  it("§10 results reveal truth, robot, authors and every vote", () => {
    const t = scoredRound();
    const scores = t.lastEvent("final-round-scores")!.payload;
    expect(scores).toMatchObject({
      round: 1,
      multiplier: 1,
      truthId: t.truthId,
      robotId: t.robotId,
      eliminatedId: t.robotId,
      eliminationVotes: { p1: t.robotId, p2: t.robotId, p3: t.optionOf("p2"), p4: t.optionOf("p1") },
      finalVotes: { p1: t.truthId, p2: t.optionOf("p1"), p3: t.optionOf("p4"), p4: t.optionOf("p2") },
      audiencePick: null,
    });
    const authors = scores["authors"] as Record<string, string[]>;
    expect(authors[t.optionOf("p1")]!.slice().sort()).toEqual(["p1", "p3"]);
    expect(authors[t.optionOf("p2")]).toEqual(["p2"]);
    expect(t.lastEvent("all-votes-submitted")!.payload).toMatchObject({ truthId: t.truthId, robotId: t.robotId });
  });

  it("§7 §10 a round's standings carry the scores after that round, in final-round-scores and the record", () => {
    const t = scoredRound();
    const after = Object.fromEntries(Object.values(t.state.players).map((p) => [p.id, p.score]));
    const shown = (rows: { playerId: string; score: number }[]) => Object.fromEntries(rows.map((r) => [r.playerId, r.score]));
    expect(shown(t.lastEvent("final-round-scores")!.payload.standings)).toEqual(after);
    expect(shown(lastResult(t).standings)).toEqual(after);
  });

  it("§7 a final vote for the robot's answer is −500, and a score never drops below 0", () => {
    const t = Table.started({ players: 2 });
    t.answerAll();
    t.skip();
    t.vote("p1", t.robotId);
    t.vote("p2", t.truthId);
    expect(scoreRow(t, "p1")).toMatchObject({ fooledPenalty: -500, total: -500 });
    expect(t.state.players["p1"]!.score).toBe(0);
    expect(t.state.players["p1"]!.timesFooled).toBe(1);
    expect(t.state.players["p2"]!.score).toBe(1000);
  });

  it("§7 the fooled penalty is taken from an earlier score", () => {
    const t = Table.started({ players: 2 });
    t.answerAll();
    t.skip();
    t.vote("p1", t.truthId);
    t.vote("p2", t.truthId);
    t.next();
    t.answerAll();
    t.skip();
    t.vote("p1", t.robotId);
    t.vote("p2", t.optionOf("p1"));
    expect(t.state.players["p1"]!.score).toBe(1000);
    expect(t.state.players["p2"]!.score).toBe(1000);
  });

  it("§7 the last round of 8 is ×3 on every component", () => {
    const t = Table.started({ players: 3 });
    for (let r = 1; r <= 7; r++) {
      t.playSilentRound();
      t.next();
    }
    expect(t.lastEvent("round-started")!.payload).toMatchObject({ round: 8, multiplier: 3 });
    t.answerAll();
    t.eliminate("p1", t.robotId);
    t.eliminate("p2", t.truthId);
    t.eliminate("p3", t.optionOf("p2"));
    expect(t.state.current!.eliminationTie).toBe(true);
    t.vote("p1", t.truthId);
    t.vote("p2", t.robotId);
    t.vote("p3", t.optionOf("p1"));
    expect(lastResult(t).multiplier).toBe(3);
    expect(scoreRow(t, "p1")).toMatchObject({ correctAnswerPoints: 3000, robotIdentifiedPoints: 1500, votesReceivedPoints: 1500, total: 6000 });
    expect(scoreRow(t, "p2")).toMatchObject({ fooledPenalty: -1500, total: -1500 });
  });

  it("§7 round 5 of 8 is ×2", () => {
    const t = Table.started({ players: 2 });
    for (let r = 1; r <= 4; r++) {
      t.playSilentRound();
      t.next();
    }
    t.answerAll();
    t.skip();
    t.vote("p1", t.truthId);
    t.vote("p2", t.truthId);
    expect(lastResult(t).round).toBe(5);
    expect(scoreRow(t, "p1").correctAnswerPoints).toBe(2000);
  });

  it("§7 a round with no positive total is won by nobody", () => {
    const t = Table.started({ players: 2 });
    t.playSilentRound();
    expect(lastResult(t).winners).toEqual([]);
    expect(Object.values(t.state.players).every((p) => p.roundsWon === 0)).toBe(true);
  });

  it("§7 final standings share places and every first place is a winner", () => {
    const t = Table.started({ players: 3 });
    for (let r = 1; r <= 8; r++) {
      t.answerAll();
      t.skip();
      t.vote("p1", t.truthId);
      t.vote("p2", t.truthId);
      t.vote("p3", t.robotId);
      t.next();
    }
    expect(t.phase).toBe("final");
    expect(t.state.standings.map((s) => [s.playerId, s.place])).toEqual([["p1", 1], ["p2", 1], ["p3", 3]]);
    expect(t.state.winners.slice().sort()).toEqual(["p1", "p2"]);
    expect(t.state.standings[0]!.score).toBe(13_000);
    expect(t.lastEvent("game-complete")!.payload).toMatchObject({ winners: t.state.winners, standings: t.state.standings });
  });
});

// ---------------------------------------------------------------- §2 audience

describe("§2 audience", () => {
  function votingWithAudience(audience = ["aud1"]): Table {
    const t = Table.started({ players: 3 });
    audience.forEach((id, i) => t.act(join(id, `Fan${i}`, { audience: true })));
    t.answerAll();
    t.skip();
    return t;
  }

  it("§2 audience members never answer or vote to eliminate (not-player)", () => {
    const t = Table.started({ players: 2 });
    t.act(join("aud", "Fan", { audience: true }));
    t.refuse({ type: "submit-answer", by: "aud", answer: "hello" }, ErrorCode.NotPlayer);
    t.answerAll();
    t.refuse({ type: "submit-elimination-vote", by: "aud", optionId: t.truthId }, ErrorCode.NotPlayer);
  });

  it("§2 the audience casts one final vote; a second is already-voted", () => {
    const t = votingWithAudience();
    t.vote("aud1", t.truthId);
    expect(privateView(t.state, "aud1").finalVote).toBe(t.truthId);
    t.refuse({ type: "submit-final-vote", by: "aud1", optionId: t.robotId }, ErrorCode.AlreadyVoted);
  });

  it("§2 audience votes never change scores, counts, finalVotes or voters", () => {
    const t = votingWithAudience(["aud1", "aud2"]);
    t.vote("aud1", t.truthId);
    expect(t.events).toEqual([]); // no final-vote-cast for an audience vote
    t.vote("aud2", t.truthId);
    expect(t.phase).toBe("voting");
    for (const id of ["p1", "p2", "p3"]) expect(progressOf(t.state, id).hasVoted).toBe(false);
    t.vote("p1", t.optionOf("p2"));
    expect(t.lastEvent("final-vote-cast")!.payload).toEqual({ playerId: "p1", votes: 1, voters: 3 });
    t.vote("p2", t.optionOf("p1"));
    t.vote("p3", t.optionOf("p1"));
    const result = lastResult(t);
    expect(Object.keys(result.finalVotes).sort()).toEqual(["p1", "p2", "p3"]);
    expect(result.counts[t.truthId] ?? 0).toBe(0);
    expect(result.scores.every((s) => s.correctAnswerPoints === 0)).toBe(true);
    const done = t.lastEvent("all-votes-submitted")!.payload;
    expect(done.counts[t.truthId] ?? 0).toBe(0);
  });

  it("§2 audiencePick is the option with the most audience votes", () => {
    const t = votingWithAudience(["aud1", "aud2", "aud3"]);
    t.vote("aud1", t.robotId);
    t.vote("aud2", t.robotId);
    t.vote("aud3", t.truthId);
    t.skip();
    expect(lastResult(t).audiencePick).toBe(t.robotId);
    expect(t.lastEvent("final-round-scores")!.payload.audiencePick).toBe(t.robotId);
  });

  it("§2 audiencePick is null on a tie", () => {
    const t = votingWithAudience(["aud1", "aud2"]);
    t.vote("aud1", t.robotId);
    t.vote("aud2", t.truthId);
    t.skip();
    expect(lastResult(t).audiencePick).toBeNull();
  });

  it("§2 audiencePick is null with no audience votes", () => {
    const t = votingWithAudience(["aud1"]);
    t.skip();
    expect(lastResult(t).audiencePick).toBeNull();
  });

  it("§6 an audience vote for an eliminated option is invalid-vote", () => {
    const t = Table.started({ players: 2 });
    t.act(join("aud", "Fan", { audience: true }));
    t.answerAll();
    t.eliminate("p1", t.robotId);
    t.eliminate("p2", t.robotId);
    t.refuse({ type: "submit-final-vote", by: "aud", optionId: t.robotId }, ErrorCode.InvalidVote);
  });
});

// ---------------------------------------------------------------- §9 kick

describe("§9 kick-player", () => {
  it("§9 the host kicks a player from the lobby, and the name is banned for the game", () => {
    const t = Table.withPlayers({ players: 3 });
    t.act({ type: "kick-player", by: t.host, playerId: "p3" });
    expect(t.state.players["p3"]).toBeUndefined();
    t.refuse(join("p3b", NAMES[2]!), ErrorCode.Kicked);
    t.refuse(join("p3c", NAMES[2]!.toUpperCase(), { audience: true }), ErrorCode.Kicked);
  });

  it("§9 a kicked player's reconnection is refused with kicked: the token is banned for the game", () => {
    const t = Table.started({ players: 3 });
    t.act({ type: "drop", clientId: "p3" });
    t.act({ type: "kick-player", by: t.host, playerId: "p3" });
    t.refuse({ type: "reconnect", clientId: "p3" }, ErrorCode.Kicked);
    expect(t.state.players["p3"]).toBeUndefined();
  });

  it("§9 a kicked audience member's reconnection is refused with kicked", () => {
    const t = Table.withPlayers({ players: 2 });
    t.act(join("aud", "Fan", { audience: true }));
    t.act({ type: "drop", clientId: "aud" });
    t.act({ type: "kick-player", by: t.host, playerId: "aud" });
    t.refuse({ type: "reconnect", clientId: "aud" }, ErrorCode.Kicked);
  });

  it("§9 play-again lifts the token bans with the name bans", () => {
    const t = Table.started({ players: 3 });
    t.act({ type: "kick-player", by: t.host, playerId: "p3" });
    for (let r = 1; r <= 8; r++) {
      t.playSilentRound();
      t.next();
    }
    t.act({ type: "play-again", by: t.host });
    expect(t.state.kickedIds).toEqual([]);
    t.act(join("p3-again", NAMES[2]!));
  });

  it("§9 kick-player is host-only", () => {
    const t = Table.withPlayers({ players: 3 });
    t.refuse({ type: "kick-player", by: "p2", playerId: "p3" }, ErrorCode.NotHost);
  });

  it("§9 kick-player works in any phase; a kicked player no longer holds the phase open", () => {
    const t = Table.started({ players: 3 });
    t.answer("p1", "one");
    t.answer("p2", "two");
    t.act({ type: "kick-player", by: t.host, playerId: "p3" });
    expect(t.phase).toBe("elimination");
    t.skip();
    t.act({ type: "kick-player", by: t.host, playerId: "p2" });
    expect(Object.keys(t.state.players)).toEqual(["p1"]);
  });

  it("§9 kicking an audience member removes their audience vote", () => {
    const t = Table.started({ players: 2 });
    t.act(join("aud", "Fan", { audience: true }));
    t.answerAll();
    t.skip();
    t.vote("aud", t.truthId);
    t.act({ type: "kick-player", by: t.host, playerId: "aud" });
    t.skip();
    expect(lastResult(t).audiencePick).toBeNull();
  });

  it("§9 the host cannot kick itself, nor an unknown id", () => {
    const t = Table.withPlayers({ players: 2 });
    t.refuse({ type: "kick-player", by: t.host, playerId: t.host }, ErrorCode.BadRequest);
    t.refuse({ type: "kick-player", by: t.host, playerId: "nobody" }, ErrorCode.BadRequest);
  });
});

// ---------------------------------------------------------------- §11 host hand-over

describe("§11 host hand-over", () => {
  it("§11 the host dropping does not stop the game nor move the host role", () => {
    const t = Table.started({ players: 3 });
    t.act({ type: "drop", clientId: "p1" });
    expect(t.host).toBe("p1");
    t.answer("p2", "two");
    t.answer("p3", "three");
    expect(t.phase).toBe("elimination");
  });

  it("§11 a host gone past the window hands the role to the longest-connected player", () => {
    const t = Table.started({ players: 3 });
    t.act({ type: "leave", clientId: "p1" });
    expect(t.host).toBe("p2");
    t.skip();
    expect(t.phase).toBe("elimination");
  });

  it("§11 a reconnection restarts a player's connected time", () => {
    const t = Table.started({ players: 3 });
    t.tick(1000);
    t.act({ type: "drop", clientId: "p2" });
    t.tick(1000);
    t.act({ type: "reconnect", clientId: "p2" });
    t.act({ type: "leave", clientId: "p1" });
    expect(t.host).toBe("p3");
  });

  it("§11 a disconnected player is not preferred over a connected one", () => {
    const t = Table.started({ players: 3 });
    t.act({ type: "drop", clientId: "p2" });
    t.act({ type: "leave", clientId: "p1" });
    expect(t.host).toBe("p3");
  });

  it("§11 a display host that leaves hands the role to the longest-connected player", () => {
    const t = Table.started({ players: 3, hostPlays: false });
    t.act({ type: "leave", clientId: "host" });
    expect(t.host).toBe("p1");
  });

  it("§11 after the window a player keeps their score row but no longer counts", () => {
    const t = Table.started({ players: 3 });
    t.act({ type: "leave", clientId: "p3" });
    t.answer("p1", "one");
    t.answer("p2", "two");
    expect(t.phase).toBe("elimination");
    t.skip();
    t.skip();
    expect(lastResult(t).scores.map((s) => s.playerId)).toContain("p3");
  });
});

// ---------------------------------------------------------------- §9 play-again

describe("§9 play-again", () => {
  function finished(): Table {
    const t = Table.started({ players: 3 });
    for (let r = 1; r <= 8; r++) {
      t.answerAll();
      t.skip();
      t.vote("p1", t.truthId);
      t.skip();
      t.next();
    }
    expect(t.phase).toBe("final");
    return t;
  }

  it("§9 play-again goes from final back to the lobby with the same players and scores reset", () => {
    const t = finished();
    expect(t.state.players["p1"]!.score).toBe(13_000);
    t.act({ type: "play-again", by: t.host });
    expect(t.phase).toBe("lobby");
    expect(t.state.round).toBe(0);
    expect(Object.keys(t.state.players).sort()).toEqual(["p1", "p2", "p3"]);
    for (const p of Object.values(t.state.players)) {
      expect([p.score, p.truthsFound, p.robotsSpotted, p.timesFooled, p.roundsWon]).toEqual([0, 0, 0, 0, 0]);
    }
    t.act({ type: "start-game", by: t.host, pool: t.pool, gameId: "g2" });
    expect(t.phase).toBe("question");
    expect(t.state.round).toBe(1);
  });

  it("§9 play-again is host-only and only in final", () => {
    const t = finished();
    t.refuse({ type: "play-again", by: "p2" }, ErrorCode.NotHost);
    const live = Table.started({ players: 2 });
    live.refuse({ type: "play-again", by: live.host }, ErrorCode.WrongPhase);
  });
});

// ---------------------------------------------------------------- §9 update-settings

describe("§9 update-settings", () => {
  it("§9 the host changes mode, timers and flags in the lobby", () => {
    const t = Table.withPlayers({ players: 2 });
    t.act({ type: "update-settings", by: t.host, settings: { mode: "12-round", timers: { voting: 45 }, extendedTimers: true, familyFriendly: false } });
    expect(t.state.mode).toBe("12-round");
    expect(t.state.totalRounds).toBe(12);
    expect(t.state.settings).toMatchObject({ votingSeconds: 45, extendedTimers: true, familyFriendly: false });
  });

  it("§3 timers out of their bounds are bad-request", () => {
    const t = Table.withPlayers({ players: 2 });
    const cases = [{ question: 19 }, { question: 181 }, { elimination: 9 }, { elimination: 91 }, { voting: 9 }, { voting: 91 }, { results: 4 }, { results: 61 }, { question: 30.5 }];
    for (const timers of cases) t.refuse({ type: "update-settings", by: t.host, settings: { timers } }, ErrorCode.BadRequest);
  });

  it("§9 a refused update-settings changes no setting, not even its valid parts", () => {
    const t = Table.withPlayers({ players: 2 });
    t.refuse(
      { type: "update-settings", by: t.host, settings: { mode: "12-round", extendedTimers: true, familyFriendly: false, timers: { question: 100, voting: 500 } } },
      ErrorCode.BadRequest,
    );
    expect(t.state.mode).toBe("8-round");
    expect(t.state.settings.questionSeconds).toBe(60);
    t.refuse({ type: "update-settings", by: t.host, settings: { timers: { question: 100 }, mode: "9-round" as never } }, ErrorCode.BadRequest);
    expect(t.state.settings.questionSeconds).toBe(60);
  });

  it("§9 update-settings is host-only and only in the lobby", () => {
    const t = Table.withPlayers({ players: 2 });
    t.refuse({ type: "update-settings", by: "p2", settings: { extendedTimers: true } }, ErrorCode.NotHost);
    t.act({ type: "start-game", by: t.host, pool: t.pool, gameId: "g" });
    t.refuse({ type: "update-settings", by: t.host, settings: { extendedTimers: true } }, ErrorCode.WrongPhase);
  });
});

// ---------------------------------------------------------------- §9 check order

describe("§9 message check order: bad-request, role, wrong-phase, rule code", () => {
  it("§9 role before phase: a non-host host action in the wrong phase is not-host", () => {
    const t = Table.withPlayers({ players: 2 });
    t.refuse({ type: "skip-phase", by: "p2" }, ErrorCode.NotHost);
    t.refuse({ type: "next-round", by: "p2" }, ErrorCode.NotHost);
    t.refuse({ type: "censor-answer", by: "p2", optionId: "a1" }, ErrorCode.NotHost);
    t.refuse({ type: "play-again", by: "p2" }, ErrorCode.NotHost);
  });

  it("§9 role before phase: an audience member's player action in the wrong phase is not-player", () => {
    const t = Table.withPlayers({ players: 2 });
    t.act(join("aud", "Fan", { audience: true }));
    t.refuse({ type: "submit-answer", by: "aud", answer: "x" }, ErrorCode.NotPlayer);
    t.refuse({ type: "submit-elimination-vote", by: "aud", optionId: "a1" }, ErrorCode.NotPlayer);
  });

  it("§9 an unknown client acting as a player or host is refused by role", () => {
    const t = Table.started({ players: 2 });
    t.refuse({ type: "submit-answer", by: "stranger", answer: "x" }, ErrorCode.NotPlayer);
    t.refuse({ type: "submit-final-vote", by: "stranger", optionId: "a1" }, ErrorCode.NotPlayer);
    t.refuse({ type: "skip-phase", by: "stranger" }, ErrorCode.NotHost);
  });

  it("§9 phase before the rule's own code", () => {
    const t = Table.started({ players: 2 });
    t.answer("p1", "mine");
    t.answer("p2", "yours");
    // In elimination: a truth-matching, an already-answered, an empty answer all name the phase.
    t.refuse({ type: "submit-answer", by: "p1", answer: t.state.current!.question.correctAnswer }, ErrorCode.WrongPhase);
    t.refuse({ type: "submit-answer", by: "p1", answer: "again" }, ErrorCode.WrongPhase);
    t.refuse({ type: "submit-final-vote", by: "p1", optionId: t.optionOf("p1") }, ErrorCode.WrongPhase);
    t.refuse({ type: "submit-final-vote", by: "p1", optionId: "a99" }, ErrorCode.WrongPhase);
  });

  it("§9 bad-request (a value out of bounds) is named before the role", () => {
    const t = Table.withPlayers({ players: 2 });
    t.refuse({ type: "update-settings", by: "p2", settings: { timers: { question: 5 } } }, ErrorCode.BadRequest);
  });

  it("§9 bad-request (a value out of bounds) is named before wrong-phase", () => {
    const t = Table.started({ players: 2 });
    t.refuse({ type: "update-settings", by: t.host, settings: { timers: { question: 5 } } }, ErrorCode.BadRequest);
  });

  it("§9 a refused action leaves the state deep-equal to before and the input state untouched", () => {
    const t = Table.started({ players: 2 });
    t.answer("p1", "mine");
    const snapshot = structuredClone(t.state);
    const attempts = [
      { type: "submit-answer", by: "p1", answer: "again" },
      { type: "submit-answer", by: "p2", answer: t.state.current!.question.robotAnswer },
      { type: "submit-elimination-vote", by: "p2", optionId: "a1" },
      { type: "next-round", by: "p1" },
      { type: "kick-player", by: "p2", playerId: "p1" },
      { type: "join", clientId: "late", name: "Late", icon: "owl" },
    ] as const;
    for (const action of attempts) {
      const out = apply(t.state, action, { now: t.now });
      expect(out.ok).toBe(false);
      expect(t.state).toEqual(snapshot);
    }
  });

  it("§9 a successful action does not mutate the state it was given", () => {
    const t = Table.started({ players: 2 });
    const snapshot = structuredClone(t.state);
    const out = apply(t.state, { type: "submit-answer", by: "p1", answer: "mine" }, { now: t.now });
    expect(out.ok).toBe(true);
    expect(t.state).toEqual(snapshot);
  });
});

describe("§10 private view", () => {
  it("§10 a player learns only their own option ids and votes", () => {
    const t = Table.started({ players: 3 });
    expect(privateView(t.state, "p1")).toEqual({ playerId: "p1", ownOptionIds: [], eliminationVote: null, finalVote: null });
    t.answerAll();
    t.eliminate("p1", t.robotId);
    expect(privateView(t.state, "p1")).toEqual({ playerId: "p1", ownOptionIds: [t.optionOf("p1")], eliminationVote: t.robotId, finalVote: null });
    expect(privateView(t.state, "p2")).toEqual({ playerId: "p2", ownOptionIds: [t.optionOf("p2")], eliminationVote: null, finalVote: null });
  });
});

describe("§3 createGame", () => {
  it("§3 a new room starts in the lobby, round 0, 8-round mode, default settings", () => {
    const s = createGame({ code: "BCDF" });
    expect(s).toMatchObject({ code: "BCDF", phase: "lobby", round: 0, totalRounds: 8, mode: "8-round", deadline: 0, paused: false });
    expect(s.settings).toEqual({
      questionSeconds: 60,
      eliminationSeconds: 30,
      votingSeconds: 30,
      resultsSeconds: 15,
      extendedTimers: false,
      familyFriendly: true,
      hostPlays: true,
    });
  });
});

