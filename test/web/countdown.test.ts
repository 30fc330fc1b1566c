/**
 * The pages' countdown (issue 10, good manners): the number shown every second, and the live
 * region that speaks only when a mark is crossed, so a screen reader is not drowned.
 */
import { describe, expect, it } from "vitest";
import { countdownText, spokenCountdown } from "../../web/lib/countdown.ts";

const NOW = 1_800_000_000_000;
const left = (seconds: number) => NOW + seconds * 1000;

describe("issue #10: the countdown", () => {
  it("shows whole seconds left, rounded up, and nothing without a deadline", () => {
    expect(countdownText(left(12.2), false, NOW)).toBe("13");
    expect(countdownText(left(-3), false, NOW)).toBe("0");
    expect(countdownText(0, false, NOW)).toBe("");
    expect(countdownText(left(12), true, NOW)).toBe("paused");
  });

  it("speaks only at 60, 30, 10 and 5 seconds left, and when paused", () => {
    const spoken = Array.from({ length: 90 }, (_, i) => spokenCountdown(left(90 - i), false, NOW));
    expect([...new Set(spoken)]).toEqual(["", "60 seconds left", "30 seconds left", "10 seconds left", "5 seconds left"]);
    expect(spokenCountdown(left(61), false, NOW)).toBe("");
    expect(spokenCountdown(left(60), false, NOW)).toBe("60 seconds left");
    expect(spokenCountdown(left(29), false, NOW)).toBe("30 seconds left");
    expect(spokenCountdown(left(4), false, NOW)).toBe("5 seconds left");
    expect(spokenCountdown(left(20), true, NOW)).toBe("paused");
    expect(spokenCountdown(0, false, NOW)).toBe("");
  });
});
