/**
 * Issue 10, deliverable 4: the web client "works in Chromium and Firefox". The whole game is
 * played in Chromium by game.test.ts; here a real Firefox (Debian's firefox-esr over WebDriver
 * BiDi, see test/support/firefox.ts) goes through the phone controller's every kind of input
 * and the host screen's room creation, by the accessible names of notes/UI-CONTRACT:
 *
 * - the phone page /join/<CODE> fills the code, joins with a name and an icon ("You're in!");
 * - it writes a fake answer ("Answer sent"), and in elimination its own answer is a disabled
 *   button marked `data-own` (PROTOCOL §6, the `own` view) while another option can be voted
 *   for ("Vote sent"), a vote the server records;
 * - /host shows "Create room", and creating a room shows a four-letter code the server knows;
 * - no page logs a console error or throws.
 *
 * The rest of the table is SDK clients (the display host and two players), so the server's view
 * is read directly. Screenshots: test-results/firefox-phone.png and firefox-host.png.
 */
import type { Browser, BrowserContext, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestClient } from "../support/clients.ts";
import { aria, eventually, HAVE_FIREFOX, launchFirefox, screenshot, testId, textOf, visible, waitPhase, waitText, watchConsole } from "../support/firefox.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

describe.runIf(HAVE_FIREFOX)("issue 10: the web client in Firefox", () => {
  let server: TestServer;
  let browser: Browser;
  let origin: string;
  const errors: string[] = [];
  const contexts: BrowserContext[] = [];
  const clients: TestClient[] = [];
  /** Every page opened, so a failure can photograph them all. */
  const opened: { label: string; page: Page }[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    origin = `http://127.0.0.1:${server.port}`;
    browser = await launchFirefox();
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.leave()));
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.close();
  }, 30_000);

  async function openPage(label: string, viewport: { width: number; height: number }, mobile: boolean): Promise<Page> {
    const context = await browser.createBrowserContext();
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.setViewport({ ...viewport, deviceScaleFactor: mobile ? 2 : 1, isMobile: mobile, hasTouch: mobile });
    watchConsole(page, label, errors);
    opened.push({ label, page });
    return page;
  }

  /** Runs `body`; on failure photographs every page opened so far, then fails. */
  async function photographOnFailure(body: () => Promise<void>) {
    try {
      await body();
    } catch (error) {
      for (const { label, page } of opened) await screenshot(page, `firefox-failure-${label.replace(/\W+/g, "-")}`).catch(() => {});
      throw error;
    }
  }

  it("a Firefox phone joins, writes a fake answer and votes, its own answer disabled", async () => {
    await photographOnFailure(async () => {
      // A display host over the SDK; every timer at its longest so no deadline ends a phase on a
      // slow machine: the phases here end because the host skips or everybody acted.
      const host = await TestClient.create(server.endpoint, { hostPlays: false });
      clients.push(host);
      const code = host.room.roomId;
      host.send("update-settings", { timers: { question: 180, elimination: 90, voting: 90, results: 60 } });
      await host.waitState((s) => s.settings.questionSeconds === 180 && s.settings.eliminationSeconds === 90, "the long timers");

      // ---- the phone in Firefox
      const phone = await openPage("firefox phone", { width: 360, height: 640 }, true);
      await phone.goto(`${origin}/join/${code}`, { waitUntil: "load" });
      const codeBox = await visible(phone, aria("textbox", "Room code"), "the room code box");
      expect(await codeBox.evaluate((e) => (e as unknown as { value: string }).value), "/join/<CODE> fills in the code").toBe(code);
      const nameBox = await visible(phone, aria("textbox", "Name"), "the name box");
      await nameBox.click({ count: 3 });
      await nameBox.type("Fern");
      const iconGroup = await visible(phone, aria("radiogroup", "Icon"), "the icon picker");
      const fox = await visible(iconGroup, aria("radio", "fox"), "the fox icon");
      await fox.click();
      expect(await fox.evaluate((e) => (e as unknown as { checked: boolean }).checked), "the fox icon is chosen").toBe(true);
      await (await visible(phone, aria("button", "Join"), "the Join button")).click();
      await waitText(phone, /You['’]re in!/, "the phone after joining");
      await waitPhase(phone, "lobby", "the phone");
      const fern = await host.until(() => [...host.state.players.values()].find((p: any) => p.name === "Fern"), "Fern seated");
      expect(fern.icon, "the icon picked in Firefox is the one seated").toBe("fox");
      const fernId: string = fern.id;

      // ---- two more players over the SDK, then the host starts
      for (const [name, icon] of [["Gus", "cat"], ["Hal", "panda"]] as const) {
        clients.push(await TestClient.join(server.endpoint, code, { name, icon }));
      }
      await host.waitState((s) => s.players.size === 3, "three players seated");
      const [gus, hal] = clients.slice(1) as [TestClient, TestClient];
      host.send("start-game");
      await host.waitPhase("question");
      await waitPhase(phone, "question", "the phone");

      // ---- question: Firefox types and submits a fake answer; Gus answers; the host skips.
      const fake = "A velvet umbrella";
      const answerBox = await visible(phone, aria("textbox", "Your fake answer"), "the fake answer box");
      await answerBox.type(fake);
      await (await visible(phone, aria("button", "Submit answer"), "the Submit answer button")).click();
      await waitText(phone, /Answer sent/, "the phone after answering");
      await host.waitState((s) => s.players.get(fernId).hasAnswered, "Fern's answer recorded");
      gus.send("submit-answer", { answer: "Seven quiet otters" });
      await host.waitState((s) => s.players.get(gus.id).hasAnswered, "Gus's answer recorded");
      host.send("skip-phase");
      await host.waitPhase("elimination");

      // ---- elimination: own answer disabled and marked; another option takes the vote.
      await waitPhase(phone, "elimination", "the phone");
      const list = await visible(phone, testId("elimination-options"), "the elimination options");
      const own = await visible(list, aria("button", fake), "Fern's own option");
      expect(await own.evaluate((e) => (e as unknown as { disabled: boolean }).disabled), "the own option is disabled").toBe(true);
      expect(await own.evaluate((e) => e.getAttribute("data-own")), "the own option is marked data-own").toBe("true");
      const buttons = await list.$$eval("button", (all) =>
        all.map((b) => ({ name: b.getAttribute("aria-label") ?? (b.textContent ?? "").trim(), disabled: (b as unknown as { disabled: boolean }).disabled, own: b.getAttribute("data-own") })),
      );
      expect(buttons.filter((b) => b.own === "true").map((b) => b.name), "only Fern's answer is hers").toEqual([fake]);
      expect(buttons.filter((b) => b.disabled).map((b) => b.name), "every other option can be voted for").toEqual([fake]);
      const board = [...host.state.options].map((o: any) => ({ id: o.id as string, text: o.text as string }));
      expect(buttons.map((b) => b.name).sort(), "the phone lists the server's board").toEqual(board.map((o) => o.text).sort());
      const pick = board.find((o) => o.text !== fake)!;
      await (await visible(list, aria("button", pick.text), `the option "${pick.text}"`)).click();
      await waitText(phone, /Vote sent/, "the phone after voting");
      await host.waitState((s) => s.players.get(fernId).hasVoted, "Fern's elimination vote recorded");
      await screenshot(phone, "firefox-phone");

      // The server counted the option clicked: the others vote, the host skips the final vote,
      // and the reveal names Fern's elimination vote.
      const other = board.find((o) => o.text !== "Seven quiet otters")!;
      gus.send("submit-elimination-vote", { optionId: other.id });
      await host.waitState((s) => s.players.get(gus.id).hasVoted, "Gus's elimination vote recorded");
      // The last vote ends the phase at once (GAME.md §3), so Hal's shows as the move to voting.
      hal.send("submit-elimination-vote", { optionId: other.id });
      await host.waitPhase("voting");
      host.send("skip-phase");
      const reveal = await host.next("final-round-scores", (e) => e.round === 1);
      expect(reveal.eliminationVotes[fernId], "Fern's elimination vote is the option clicked in Firefox").toBe(pick.id);
      await waitPhase(phone, "results", "the phone");
    });
    expect(errors, "console errors and page errors in Firefox").toEqual([]);
  }, 120_000);

  it("/host in Firefox shows Create room, and creating a room shows its code", async () => {
    await photographOnFailure(async () => {
      const tv = await openPage("firefox host", { width: 1920, height: 1080 }, false);
      await tv.goto(`${origin}/host`, { waitUntil: "load" });
      const playToo = await visible(tv, aria("checkbox", "I play too"), "the I play too checkbox");
      expect(await playToo.evaluate((e) => (e as unknown as { checked: boolean }).checked), "display host by default").toBe(false);
      const create = await visible(tv, aria("button", "Create room"), "the Create room button");
      const box = await create.boundingBox();
      expect(box && box.width > 0 && box.height > 0, "the Create room button has a size").toBe(true);
      await create.click();
      const code = await eventually("the room code on the host screen", async () => {
        const shown = await textOf(tv, testId("room-code"));
        return /^[A-Z]{4}$/.test(shown) ? shown : undefined;
      });
      await waitPhase(tv, "lobby", "the host screen");
      await visible(tv, testId("qr"), "the QR code");
      expect(new URL(await textOf(tv, testId("join-url"))).pathname, "the join URL opens the phone page").toBe(`/join/${code}`);
      await screenshot(tv, "firefox-host");

      // The code is a room the server knows, hosted by the Firefox page.
      const watcher = await TestClient.join(server.endpoint, code, { name: "Watcher", icon: "owl", audience: true });
      clients.push(watcher);
      expect(watcher.state.hostId, "the Firefox page is the room's host").not.toBe("");
      expect(watcher.state.settings.hostPlays, "a display host").toBe(false);
    });
    expect(errors, "console errors and page errors in Firefox").toEqual([]);
  }, 60_000);
});
