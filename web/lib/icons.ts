/**
 * How each shipped icon id (protocol `ICONS`) is drawn: an emoji. Pages give the emoji the id
 * as its accessible name (`role="img"`, `aria-label`), so a screen reader says "fox", not the
 * emoji's own long description.
 */
import { ICONS, type Icon } from "../../src/protocol.ts";

/** Emoji per icon id; a `Record` over the id union, so a new icon without an emoji fails the type check. */
export const ICON_EMOJI: Readonly<Record<Icon, string>> = {
  robot: "🤖",
  cat: "🐱",
  dog: "🐶",
  fox: "🦊",
  owl: "🦉",
  frog: "🐸",
  bear: "🐻",
  panda: "🐼",
  tiger: "🐯",
  lion: "🦁",
  penguin: "🐧",
  octopus: "🐙",
  unicorn: "🦄",
  alien: "👽",
  ghost: "👻",
  cactus: "🌵",
};

export { ICONS, type Icon };

/** The emoji for an icon id; an id this client does not know is shown as a neutral face. */
export function iconEmoji(id: string): string {
  return (ICON_EMOJI as Record<string, string>)[id] ?? "🙂";
}

/**
 * A `<span>` showing the icon, named by its id for assistive technology. For pages written
 * without a framework; the host screen has its own component doing the same.
 */
export function iconElement(id: string, doc: Document = document): HTMLSpanElement {
  const span = doc.createElement("span");
  span.className = "icon";
  span.setAttribute("role", "img");
  span.setAttribute("aria-label", id);
  span.textContent = iconEmoji(id);
  return span;
}
