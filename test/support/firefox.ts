/**
 * Real-Firefox helpers for test/browser/firefox.test.ts: Debian's `firefox-esr` driven over
 * WebDriver BiDi by puppeteer-core (which never downloads a browser). playwright-core cannot be
 * used here: its Firefox needs Playwright's patched build, and its BiDi mode ("moz-firefox")
 * sends `emulation.setMediaFeaturesOverride` for every new context, which Firefox ESR 153 does
 * not know, so the context cannot even open.
 *
 * Elements are found as the Chromium test finds them, by role and accessible name
 * (`::-p-aria(...)`, Firefox's own accessibility tree) or by the test ids of notes/UI-CONTRACT.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import puppeteer, { type Browser, type ElementHandle, type Page } from "puppeteer-core";
import { eventually } from "./within.ts";
export { eventually };

/** Where Debian's `firefox-esr` package puts the browser; .ci/run installs it. */
export const FIREFOX_PATH = "/usr/bin/firefox-esr";
export const HAVE_FIREFOX = existsSync(FIREFOX_PATH);
// Same rule as Chromium, nginx and mcs: CI must run the Firefox test, a developer's machine may lack Firefox.
if (!HAVE_FIREFOX && process.env.CI === "true") {
  throw new Error(`CI=true but ${FIREFOX_PATH} is missing (.ci/run installs Debian's firefox-esr)`);
}

/** Test output a person may open; git-ignored. */
export const RESULTS_DIR = join(import.meta.dirname, "../../test-results");

export function launchFirefox(): Promise<Browser> {
  return puppeteer.launch({
    browser: "firefox",
    executablePath: FIREFOX_PATH,
    headless: true,
    // A stuck BiDi command fails the test instead of hanging it.
    protocolTimeout: 30_000,
    timeout: 30_000,
  });
}

/** Collects every console error and uncaught page error of `page` under `label`. */
export function watchConsole(page: Page, label: string, errors: string[]) {
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`${label} console: ${message.text()} (${message.location().url ?? ""})`);
  });
  page.on("pageerror", (error) => errors.push(`${label} pageerror: ${error instanceof Error ? error.message : String(error)}`));
}

/** A `::-p-aria` selector for the element with this role and exact accessible name. */
export function aria(role: string, name: string): string {
  return `::-p-aria([name=${JSON.stringify(name)}][role="${role}"])`;
}

/** A CSS selector for a `data-testid`. */
export function testId(id: string): string {
  return `[data-testid="${id}"]`;
}

/** Waits for the element `selector` (under `root`, or the page) to be there and visible. */
export async function visible(root: Page | ElementHandle, selector: string, label: string, timeoutMs = 15_000): Promise<ElementHandle> {
  const handle = await root.waitForSelector(selector, { visible: true, timeout: timeoutMs }).catch((error: Error) => {
    throw new Error(`${label} never became visible (${selector}): ${error.message}`);
  });
  if (!handle) throw new Error(`${label} is missing (${selector})`);
  return handle as ElementHandle;
}

/** Trimmed text content of the first `selector`, or "" when it is not there (never waits). */
export async function textOf(page: Page, selector: string): Promise<string> {
  const handle = await page.$(selector);
  if (!handle) return "";
  return ((await handle.evaluate((e) => e.textContent)) ?? "").replace(/\s+/g, " ").trim();
}


/** Waits until the page's `data-testid="phase"` element names `phase`. */
export function waitPhase(page: Page, phase: string, label: string, timeoutMs = 15_000): Promise<true> {
  return eventually(`${label} in phase ${phase}`, async () => (await textOf(page, testId("phase"))) === phase, timeoutMs);
}

/** Waits until text matching `pattern` is rendered visibly on the page (innerText skips hidden text). */
export function waitText(page: Page, pattern: RegExp, label: string, timeoutMs = 15_000): Promise<true> {
  return eventually(`${label}: text ${pattern}`, async () => pattern.test(await page.$eval("body", (body) => (body as unknown as { innerText: string }).innerText)), timeoutMs);
}

/** Saves a viewport PNG under test-results/ and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.png`) as `${string}.png`;
  await page.screenshot({ path });
  return path;
}
