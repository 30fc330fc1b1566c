/**
 * The SDK warns on the console about every message that reaches a room before the app registers a
 * handler for its type. A benchmark's clients read none (or only some) of the game's events, so
 * those warnings would bury its output; every other warning still gets through.
 */
export function silenceUnhandledMessageWarnings(): void {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === "string" && args[0].includes("onMessage() not registered")) return;
    warn(...args);
  };
}
