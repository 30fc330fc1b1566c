/**
 * Names and icons for batches of bots: short robot names that fit GAME.md §9's 16 characters and
 * vary between batches started separately, so two batches in one room rarely collide.
 */
import { ICONS, NAME_MAX_LENGTH, type Icon } from "../src/protocol.ts";

const BOT_NAMES = [
  "Beep", "Bolt", "Cog", "Gizmo", "Sprocket", "Widget", "Rivet", "Servo",
  "Pixel", "Dynamo", "Tinker", "Circuit", "Gadget", "Piston", "Volt", "Gear",
];

/**
 * The name of bot `index` of a batch. `salt` shifts the list between batches; a name the room
 * refused (`name-taken`) is retried with `attempt` > 0, which adds a number.
 */
export function botName(index: number, salt = 0, attempt = 0): string {
  const base = BOT_NAMES[(index + salt) % BOT_NAMES.length]!;
  const lap = Math.floor(index / BOT_NAMES.length);
  const suffix = attempt > 0 ? ` ${10 + ((salt * 7 + attempt * 13 + index) % 90)}` : lap > 0 ? ` ${lap + 1}` : "";
  return `${base}${suffix}`.slice(0, NAME_MAX_LENGTH);
}

/** An audience bot's name: "Fan " and a bot name. */
export function fanName(index: number, salt = 0, attempt = 0): string {
  return `Fan ${botName(index, salt, attempt)}`.slice(0, NAME_MAX_LENGTH);
}

export function botIcon(index: number, salt = 0): Icon {
  return ICONS[(index + salt) % ICONS.length]!;
}
