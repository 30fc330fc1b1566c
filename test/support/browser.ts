/**
 * Real-browser helpers for test/browser/: Debian's Chromium driven by playwright-core (which
 * never downloads a browser of its own), a console watcher, polling waits (playwright-core has no
 * auto-retrying `expect`) and screenshots under test-results/ for a person to look at.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { eventually } from "./within.ts";
export { eventually };

/** Where Debian's `chromium` package puts the browser; .ci/run installs it. */
export const CHROMIUM_PATH = "/usr/bin/chromium";
export const HAVE_CHROMIUM = existsSync(CHROMIUM_PATH);
// Same rule as nginx and mcs: CI must run the browser test, a developer's machine may lack Chromium.
if (!HAVE_CHROMIUM && process.env.CI === "true") {
  throw new Error(`CI=true but ${CHROMIUM_PATH} is missing (.ci/run installs Debian's chromium)`);
}

/** Test output a person may open; git-ignored. */
export const RESULTS_DIR = join(import.meta.dirname, "../../test-results");

export function launchChromium(): Promise<Browser> {
  // Containers run as root without user namespaces, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ["--no-sandbox"] });
}

/**
 * Collects every console error and uncaught page error of `page` under `label`, across reloads
 * (the listeners belong to the Page, not to one document).
 */
export function watchConsole(page: Page, label: string, errors: string[]) {
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`${label} console: ${message.text()} (${message.location().url})`);
  });
  page.on("pageerror", (error) => errors.push(`${label} pageerror: ${error.message}`));
}


/** Trimmed text content, or "" when the element is not there (never waits for it). */
export async function textOf(locator: Locator): Promise<string> {
  if ((await locator.count()) === 0) return "";
  return ((await locator.first().textContent()) ?? "").replace(/\s+/g, " ").trim();
}

/** Waits until the page's `data-testid="phase"` element names `phase`. */
export function waitPhase(page: Page, phase: string, label: string, timeoutMs = 15_000): Promise<true> {
  return eventually(`${label} in phase ${phase}`, async () => (await textOf(page.getByTestId("phase"))) === phase, timeoutMs);
}

/**
 * A number shown on screen as the digits of an integer, allowing a sign (ASCII or the
 * typographic minus), thousands separators and surrounding words: "+1,500" is 1500, "−500" is -500.
 */
export function shownNumber(text: string): number {
  const match = /([+\-\u2212]?)\s*(\d[\d,.\u202f\u00a0 ]*)/.exec(text);
  if (!match) return Number.NaN;
  const digits = match[2]!.replace(/[^\d]/g, "");
  return (match[1] === "-" || match[1] === "\u2212" ? -1 : 1) * Number(digits);
}

/** Saves a full-viewport PNG under test-results/ and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.png`);
  await page.screenshot({ path, animations: "disabled" });
  return path;
}
