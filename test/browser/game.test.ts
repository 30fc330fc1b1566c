/**
 * Issue 10, deliverable 5: the web client played in a real browser. Debian's Chromium (driven by
 * playwright-core) opens the TV host screen at /host and three phones in separate browser
 * contexts, and they play a whole 8-round game by clicking and typing only, through the
 * accessible names and test ids of notes/UI-CONTRACT. Along the way:
 *
 * - a refused answer shows its GAME.md code and a sentence in words (profanity, family filter on);
 * - each phone's own option is a disabled button in both votes (PROTOCOL §6, the `own` view);
 * - a phone that reloads during voting after voting lands back in voting, and its vote counts;
 * - a phone that comes after the start is refused `game-in-progress`, joins as audience, and its
 *   vote in every round is the server's `audiencePick`;
 * - every vote the server records is the option the phone clicked;
 * - round totals and standings on the TV (and a phone) are the server's own numbers, taken from an
 *   SDK observer (an audience client) that records `final-round-scores` and `game-complete`;
 * - no page logs a console error or throws.
 *
 * Screenshots of every phase on the TV and on one phone go to test-results/ (git-ignored).
 * With ROBOTS_DOCS_SCREENSHOTS=1 (`npm run screenshots`) the README's two pictures are written to
 * docs/screenshots/ as well.
 */
import { copyFile, mkdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StandingRow } from "../../src/protocol.ts";
import { eventually, HAVE_CHROMIUM, launchChromium, screenshot, shownNumber, textOf, waitPhase, watchConsole } from "../support/browser.ts";
import { TestClient } from "../support/clients.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

const ROUNDS = 8;
const DOCS_DIR = join(import.meta.dirname, "../../docs/screenshots");
const WRITE_DOCS = process.env.ROBOTS_DOCS_SCREENSHOTS === "1";
/** README pictures stay small enough for the repository. */
const DOCS_MAX_BYTES = 300 * 1024;

interface Phone {
  name: string;
  icon: string;
  context: BrowserContext;
  page: Page;
  /** The player id the server gave this phone (from the observer's state). */
  id: string;
}

interface BoardOption {
  id: string;
  text: string;
  eliminated: boolean;
}

describe.runIf(HAVE_CHROMIUM)("issue 10: a whole game in Chromium, a TV and three phones", () => {
  let server: TestServer;
  let browser: Browser;
  let origin: string;
  const errors: string[] = [];
  const contexts: BrowserContext[] = [];
  let observer: TestClient | undefined;

  beforeAll(async () => {
    server = await startTestServer();
    origin = `http://127.0.0.1:${server.port}`;
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await observer?.leave();
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await server?.close();
  });

  /** Every page opened, so a failure can photograph them all. */
  const opened: { label: string; page: Page }[] = [];

  async function openPage(label: string, viewport: { width: number; height: number }, mobile: boolean): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({
      viewport,
      deviceScaleFactor: mobile ? 2 : 1,
      isMobile: mobile,
      hasTouch: mobile,
    });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    watchConsole(page, label, errors);
    opened.push({ label, page });
    return { context, page };
  }

  /** The board as the server has it (ids, texts, eliminated), read from the observer's state. */
  function board(): BoardOption[] {
    return [...observer!.state.options].map((o: any) => ({ id: o.id, text: o.text, eliminated: o.eliminated }));
  }

  const fake = (phone: Phone, round: number) => `Fake ${phone.name} ${round}`;

  /** Asserts the phone shows its own option disabled and marked, when that option is listed at all. */
  async function expectOwnDisabled(list: Locator, own: string, label: string, mayBeAbsent: boolean) {
    const button = list.getByRole("button", { name: own, exact: true });
    if (mayBeAbsent && (await button.count()) === 0) return;
    expect(await button.isDisabled(), `${label}: own option "${own}" is disabled`).toBe(true);
    expect(await button.getAttribute("data-own"), `${label}: own option "${own}" is marked data-own`).toBe("true");
  }

  it("plays 8 rounds by clicking and typing; the screens show the server's scores", async () => {
    try {
      await playWholeGame();
    } catch (error) {
      // What every screen showed when it went wrong, for the report.
      for (const { label, page } of opened) await screenshot(page, `failure-${label.replace(/\W+/g, "-")}`).catch(() => {});
      throw error;
    }
  }, 300_000);

  async function playWholeGame() {
    const started = Date.now();
    // ---- TV: create a room as a display host
    const { page: tv } = await openPage("tv", { width: 1920, height: 1080 }, false);
    await tv.goto(`${origin}/host`);
    await screenshot(tv, "tv-start");
    const playToo = tv.getByLabel("I play too");
    expect(await playToo.isChecked(), "display host by default").toBe(false);
    await tv.getByRole("button", { name: "Create room" }).click();
    const code = await eventually("the room code on the TV", async () => {
      const shown = await textOf(tv.getByTestId("room-code"));
      return /^[A-Z]{4}$/.test(shown) ? shown : undefined;
    });
    await waitPhase(tv, "lobby", "tv");

    // The server's truth, as any client may read it: an audience observer records every event.
    observer = await TestClient.join(server.endpoint, code, { name: "Watcher", icon: "owl", audience: true });
    expect(observer.state.hostId, "the TV is the host").not.toBe("");
    expect(observer.state.settings.hostPlays, "the TV does not play").toBe(false);

    const joinUrl = await textOf(tv.getByTestId("join-url"));
    const parsedJoinUrl = new URL(joinUrl);
    expect(parsedJoinUrl.pathname, "the join URL opens the phone page with the code").toBe(`/join/${code}`);
    expect(Number(parsedJoinUrl.port || 80), "the join URL names the server's port").toBe(server.port);
    await tv.getByTestId("qr").waitFor({ state: "visible" });

    // ---- Three phones join through the join URL (its LAN host is replaced by the test server's
    // loopback address: the test server listens on 127.0.0.1 only).
    const specs = [
      { name: "Ada", icon: "cat" },
      { name: "Bo", icon: "fox" },
      { name: "Cy", icon: "panda" },
    ];
    const phones: Phone[] = [];
    for (const [i, spec] of specs.entries()) {
      const { context, page } = await openPage(`phone ${spec.name}`, { width: 360, height: 640 }, true);
      await page.goto(`${origin}${parsedJoinUrl.pathname}`);
      if (i === 0) await screenshot(page, "phone-join");
      expect(await page.getByLabel("Room code").inputValue(), "the join URL fills in the code").toBe(code);
      await page.getByLabel("Name", { exact: true }).fill(spec.name);
      await page.getByRole("radiogroup", { name: "Icon" }).getByRole("radio", { name: spec.icon, exact: true }).check();
      await page.getByRole("button", { name: "Join", exact: true }).click();
      await page.getByText(/You['’]re in!/).filter({ visible: true }).first().waitFor();
      const id = await eventually(`${spec.name}'s seat on the server`, () => {
        const row = [...observer!.state.players.values()].find((p: any) => p.name === spec.name);
        return row?.id as string | undefined;
      });
      phones.push({ ...spec, context, page, id });
    }
    const ada = phones[0]!;

    // The TV lists each player with name and icon.
    const players = tv.getByTestId("players");
    await eventually("three players listed on the TV", async () => (await players.locator("li[data-player-id]").count()) === 3);
    for (const phone of phones) {
      const row = players.locator(`li[data-player-id="${phone.id}"]`);
      expect(await textOf(row), `${phone.name}'s row on the TV`).toContain(phone.name);
      expect(await row.getByRole("img", { name: phone.icon, exact: true }).count(), `${phone.name}'s icon on the TV`).toBeGreaterThan(0);
    }

    // ---- Settings on the TV (family filter on by default).
    expect(await tv.getByLabel("Family friendly").isChecked(), "family friendly is on by default").toBe(true);
    expect(await tv.getByRole("combobox", { name: "Mode", exact: true }).inputValue()).toBe("8-round");
    // Every timer at its longest: the phases here end because everybody acted (or the host moved
    // on), never because a slow CI machine let a deadline pass.
    const longest = { "Question seconds": 180, "Elimination seconds": 90, "Voting seconds": 90, "Results seconds": 60 };
    for (const [label, seconds] of Object.entries(longest)) {
      const input = tv.getByRole("spinbutton", { name: label, exact: true });
      await input.fill(String(seconds));
      await input.press("Tab");
    }
    await observer.waitState(
      (s) => s.settings.questionSeconds === 180 && s.settings.eliminationSeconds === 90 && s.settings.votingSeconds === 90 && s.settings.resultsSeconds === 60,
      "the timers set from the TV",
    );
    await screenshot(tv, "tv-lobby");
    await screenshot(ada.page, "phone-lobby");

    await tv.getByRole("button", { name: "Start game" }).click();

    let audience: Page | undefined;
    let audienceVotes = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const first = round === 1;
      // ---- question
      const roundStart = await observer.next("round-started", (e) => e.round === round);
      for (const phone of phones) await waitPhase(phone.page, "question", phone.name);
      await waitPhase(tv, "question", "tv");
      expect(await textOf(tv.getByTestId("question")), `round ${round}: the TV shows the question`).toContain(roundStart.question.text);
      if (roundStart.question.type === "picture") {
        const src = await tv.getByTestId("question-image").getAttribute("src");
        expect(src, "a picture question shows its image").toContain(roundStart.question.imageUrl);
      }
      const roundText = await textOf(tv.getByTestId("round"));
      expect(roundText).toContain(`Round ${round} of ${ROUNDS}`);
      if (roundStart.multiplier > 1) expect(roundText, "the multiplier is shown").toContain(`×${roundStart.multiplier}`);
      await eventually("a countdown on the TV", async () => /\d/.test(await textOf(tv.getByTestId("countdown"))));
      if (first) {
        for (const page of [tv, ada.page]) expect(await page.getByTestId("countdown").getAttribute("aria-live"), "the countdown is a polite live region").toBe("polite");
      }

      if (first) {
        // A phone that arrives after the start: a plain join is refused in words, the audience
        // join is offered and works.
        const late = await openPage("audience Dee", { width: 360, height: 640 }, true);
        audience = late.page;
        await audience.goto(`${origin}/join/${code}`);
        await audience.getByLabel("Name", { exact: true }).fill("Dee");
        await audience.getByRole("radiogroup", { name: "Icon" }).getByRole("radio", { name: "owl", exact: true }).check();
        await audience.getByRole("button", { name: "Join", exact: true }).click();
        await eventually("the late join refused game-in-progress", async () => (await audience!.getByTestId("error").getAttribute("data-code")) === "game-in-progress");
        await audience.getByRole("button", { name: "Join as audience" }).click();
        await waitPhase(audience, "question", "audience");
        await observer.waitState((s) => s.audienceCount === 2, "the audience phone counted");

        await screenshot(tv, "tv-question");
        await screenshot(ada.page, "phone-question");

        // A refused answer is shown in words and changes nothing.
        await ada.page.getByLabel("Your fake answer").fill("shit");
        await ada.page.getByRole("button", { name: "Submit answer" }).click();
        const error = ada.page.getByTestId("error");
        await eventually("the profanity refusal on Ada's phone", async () => (await error.getAttribute("data-code")) === "profanity");
        const sentence = await textOf(error);
        expect(sentence, "the refusal is a sentence, not the code").toMatch(/[a-z]+ [a-z]+/i);
        expect(sentence).not.toBe("profanity");
        expect(await error.getAttribute("role")).toBe("alert");
        await screenshot(ada.page, "phone-refused");
        expect(observer.state.players.get(ada.id).hasAnswered, "a refused answer is not an answer").toBe(false);
      }

      for (const [i, phone] of phones.entries()) {
        await phone.page.getByLabel("Your fake answer").fill(fake(phone, round));
        await phone.page.getByRole("button", { name: "Submit answer" }).click();
        if (i < phones.length - 1) await phone.page.getByText("Answer sent").filter({ visible: true }).first().waitFor();
        if (i === 0) {
          await eventually("1 of 3 answered on the TV", async () => (await textOf(tv.getByTestId("progress"))).includes("1 of 3"));
        }
        if (first && i === 1) {
          // The README's TV picture: a question with some answers in.
          await eventually("2 of 3 answered on the TV", async () => (await textOf(tv.getByTestId("progress"))).includes("2 of 3"));
          const tvQuestion = await screenshot(tv, "tv-question-answering");
          if (WRITE_DOCS) await copyDocs(tvQuestion, "tv.png");
        }
      }

      // ---- elimination
      await observer.waitPhase("elimination");
      await waitPhase(tv, "elimination", "tv");
      const elimBoard = board();
      expect(await tv.getByTestId("options").locator("li[data-option-id]").count(), "the TV lists the board").toBe(elimBoard.length);
      if (first) {
        await waitPhase(ada.page, "elimination", "Ada");
        await screenshot(tv, "tv-elimination");
        await screenshot(ada.page, "phone-elimination");
      }
      const clickedElimination = new Map<string, string>();
      for (const [i, phone] of phones.entries()) {
        await waitPhase(phone.page, "elimination", phone.name);
        const list = phone.page.getByTestId("elimination-options");
        await expectOwnDisabled(list, fake(phone, round), `${phone.name} round ${round} elimination`, false);
        const candidates = elimBoard.filter((o) => o.text !== fake(phone, round));
        const pick = candidates[(i + round) % candidates.length]!;
        await list.getByRole("button", { name: pick.text, exact: true }).click();
        clickedElimination.set(phone.id, pick.id);
        if (i < phones.length - 1) await phone.page.getByText("Vote sent").filter({ visible: true }).first().waitFor();
      }

      // ---- voting
      await observer.waitPhase("voting");
      await waitPhase(tv, "voting", "tv");
      const voteBoard = board();
      const eliminated = voteBoard.find((o) => o.eliminated);
      if (eliminated) {
        expect(await tv.getByTestId("options").locator(`li[data-option-id="${eliminated.id}"]`).getAttribute("data-eliminated"), "the TV marks the eliminated option").toBe("true");
      }
      const open = voteBoard.filter((o) => !o.eliminated);

      // The audience votes first: the phase ends as soon as every player has voted.
      const audienceList = audience!.getByTestId("final-options");
      await waitPhase(audience!, "voting", "audience");
      const audiencePick = open[round % open.length]!;
      await audienceList.getByRole("button", { name: audiencePick.text, exact: true }).click();
      await audience!.getByText("Vote sent").filter({ visible: true }).first().waitFor();
      audienceVotes++;
      if (first) await screenshot(audience!, "audience-voting");

      if (first) {
        await waitPhase(ada.page, "voting", "Ada");
        await screenshot(tv, "tv-voting");
        const phoneVoting = await screenshot(ada.page, "phone-voting");
        if (WRITE_DOCS) await copyDocs(phoneVoting, "phone.png");
      }
      const clickedFinal = new Map<string, string>();
      for (const [i, phone] of phones.entries()) {
        await waitPhase(phone.page, "voting", phone.name);
        const list = phone.page.getByTestId("final-options");
        await expectOwnDisabled(list, fake(phone, round), `${phone.name} round ${round} voting`, eliminated?.text === fake(phone, round));
        if (eliminated) {
          const gone = list.getByRole("button", { name: eliminated.text, exact: true });
          if ((await gone.count()) > 0) expect(await gone.isDisabled(), "an eliminated option cannot be voted for").toBe(true);
        }
        const candidates = open.filter((o) => o.text !== fake(phone, round));
        const pick = candidates[(i * 2 + round) % candidates.length]!;
        await list.getByRole("button", { name: pick.text, exact: true }).click();
        clickedFinal.set(phone.id, pick.id);
        if (i < phones.length - 1) await phone.page.getByText("Vote sent").filter({ visible: true }).first().waitFor();

        if (round === 2 && phone === ada) {
          // Ada voted, then her phone reloads: it lands back in voting with the vote still hers.
          await observer.waitState((s) => s.players.get(ada.id).hasVoted, "Ada's vote recorded before the reload");
          await ada.page.reload();
          await waitPhase(ada.page, "voting", "Ada after the reload", 20_000);
          await ada.page.getByText("Vote sent").filter({ visible: true }).first().waitFor();
          await expectOwnDisabled(ada.page.getByTestId("final-options"), fake(ada, round), "Ada after the reload", true);
          await observer.waitState((s) => s.players.get(ada.id).connected && s.players.get(ada.id).hasVoted, "Ada back, still voted");
          expect(observer.state.phase, "the reload did not end the phase").toBe("voting");
          await screenshot(ada.page, "phone-voting-after-reload");
        }
      }

      // ---- results: the server's reveal, and the screens agree with it
      const reveal = await observer.next("final-round-scores", (e) => e.round === round);
      for (const phone of phones) {
        expect(reveal.eliminationVotes[phone.id], `round ${round}: ${phone.name}'s elimination vote is the option clicked`).toBe(clickedElimination.get(phone.id));
        expect(reveal.finalVotes[phone.id], `round ${round}: ${phone.name}'s final vote is the option clicked${round === 2 && phone === ada ? " (cast before the reload)" : ""}`).toBe(clickedFinal.get(phone.id));
      }
      expect(reveal.audiencePick, `round ${round}: the audience phone's vote is the audience pick`).toBe(audiencePick.id);

      await waitPhase(tv, "results", "tv");
      const results = tv.getByTestId("results");
      const truthText = voteBoard.find((o) => o.id === reveal.truthId)!.text;
      const robotText = voteBoard.find((o) => o.id === reveal.robotId)!.text;
      expect(await textOf(results.getByTestId("truth")), "the TV reveals the truth").toContain(truthText);
      expect(await textOf(results.getByTestId("robot")), "the TV reveals the robot").toContain(robotText);
      const roundScores = tv.getByTestId("round-scores");
      for (const row of reveal.scores) {
        const shown = await textOf(roundScores.locator(`tr[data-player-id="${row.playerId}"]`).getByTestId("round-total"));
        expect(shownNumber(shown), `round ${round}: TV round total of ${row.playerId} ("${shown}")`).toBe(row.total);
      }
      // The reveal's standings include this round: each row is the score the state now holds.
      await observer.waitState((st) => st.phase === "results", "results in the observer's state");
      for (const row of reveal.standings) {
        expect(row.score, `round ${round}: ${row.name}'s standing is the state's score after the round`).toBe(observer.state.players.get(row.playerId).score);
      }
      await expectStandings(tv, reveal.standings, `round ${round} TV`);
      for (const phone of phones) {
        await waitPhase(phone.page, "results", phone.name);
        const own = reveal.scores.find((s) => s.playerId === phone.id)!;
        const shown = await textOf(phone.page.getByTestId("results").getByTestId("round-total"));
        expect(shownNumber(shown), `round ${round}: ${phone.name}'s phone shows its round total ("${shown}")`).toBe(own.total);
      }
      if (first) {
        await screenshot(tv, "tv-results");
        await screenshot(ada.page, "phone-results");
      }
      await tv.getByRole("button", { name: "Next round" }).click();
    }

    // ---- final: the TV's standings and winners are the server's
    const complete = await observer.next("game-complete");
    await waitPhase(tv, "final", "tv");
    for (const row of complete.standings) {
      expect(row.score, `final: ${row.name}'s standing is the state's score`).toBe(observer.state.players.get(row.playerId).score);
    }
    await expectStandings(tv, complete.standings, "final TV");
    const winners = await textOf(tv.getByTestId("winners"));
    for (const winnerId of complete.winners) {
      const name = complete.standings.find((r) => r.playerId === winnerId)!.name;
      expect(winners, "the TV names every winner").toContain(name);
    }
    for (const phone of phones) await waitPhase(phone.page, "final", phone.name);
    await expectStandings(ada.page, complete.standings, "final on Ada's phone");
    await screenshot(tv, "tv-final");
    await screenshot(ada.page, "phone-final");
    expect(audienceVotes).toBe(ROUNDS);

    // The scores the screens showed are the ones the server recorded for the game.
    const recorded = await eventually("the game in /api/games", async () => {
      const res = await fetch(`${origin}/api/games/${complete.gameId}`);
      return res.status === 200 ? ((await res.json()) as any) : undefined;
    });
    expect(JSON.stringify(recorded)).toContain(complete.gameId);

    // Nothing is left showing a connection problem, and no page logged an error.
    for (const page of [tv, ...phones.map((p) => p.page), audience!]) {
      const banner = page.getByTestId("connection");
      if ((await banner.count()) > 0) expect(await banner.isVisible(), "no connection banner at the end").toBe(false);
    }
    expect(errors, "console errors and page errors").toEqual([]);
    console.log(`browser game: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  /** Every standings row on `page` shows the server's score and place for that player. */
  async function expectStandings(page: Page, standings: StandingRow[], label: string) {
    const table = page.getByTestId("standings");
    await eventually(`${label}: ${standings.length} standings rows`, async () => (await table.locator("tr[data-player-id]").count()) === standings.length);
    for (const row of standings) {
      const tr = table.locator(`tr[data-player-id="${row.playerId}"]`);
      await eventually(`${label}: ${row.name}'s score ${row.score}`, async () => shownNumber(await textOf(tr.getByTestId("score"))) === row.score);
      expect(shownNumber(await textOf(tr.getByTestId("place"))), `${label}: ${row.name}'s place`).toBe(row.place);
    }
  }
});

/** Copies a screenshot to docs/screenshots/ for the README, refusing one that is too large. */
async function copyDocs(from: string, name: string) {
  await mkdir(DOCS_DIR, { recursive: true });
  const to = join(DOCS_DIR, name);
  await copyFile(from, to);
  const { size } = await stat(to);
  if (size > DOCS_MAX_BYTES) throw new Error(`${to} is ${size} bytes, over the ${DOCS_MAX_BYTES}-byte budget for README pictures`);
}
