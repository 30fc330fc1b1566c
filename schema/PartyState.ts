/**
 * The synchronised room state (GAME.md §10): fields only. What each field holds is decided by the
 * projection in src/rooms/projection.ts; hidden information never enters the shared tree before
 * results.
 *
 * Each `schema(…, "Name")` name equals its TypeScript constant: `schema-codegen` names a generated
 * class after the name argument but a field's type after the constant, so the two must agree for
 * the C# output to compile (`npm run codegen:csharp`, clients/unity/). The `…State` suffix keeps
 * the generated classes from clashing with common Unity names (`Player`, `Settings`, `Option`).
 */
import { schema, t, type SchemaType } from "@colyseus/schema";

/**
 * A player's private view (GAME.md §8, §10): its own option ids this round and its own votes.
 * Reaches only its owner (the `own` field below is `view()`-tagged and the room adds a row to
 * its owner's StateView alone). Unset values are `""` / `[]`: the wire has no null strings.
 */
export const OwnState = schema({
  ownOptionIds: t.array("string"),
  eliminationVote: t.string(),
  finalVote: t.string(),
}, "OwnState");
export type OwnState = SchemaType<typeof OwnState>;

export const PlayerState = schema({
  id: t.string(),
  name: t.string(),
  icon: t.string(),
  score: t.number(),
  connected: t.boolean(),
  isHost: t.boolean(),
  hasAnswered: t.boolean(),
  hasVoted: t.boolean(),
  /** Only in the owner's view: every other client decodes this row without it. */
  own: t.ref(OwnState).view(),
}, "PlayerState");
export type PlayerState = SchemaType<typeof PlayerState>;

export const SettingsState = schema({
  questionSeconds: t.uint16(),
  eliminationSeconds: t.uint16(),
  votingSeconds: t.uint16(),
  resultsSeconds: t.uint16(),
  extendedTimers: t.boolean(),
  familyFriendly: t.boolean(),
  hostPlays: t.boolean(),
}, "SettingsState");
export type SettingsState = SchemaType<typeof SettingsState>;

export const QuestionState = schema({
  id: t.string(),
  text: t.string(),
  type: t.string(),
  imageUrl: t.string(),
}, "QuestionState");
export type QuestionState = SchemaType<typeof QuestionState>;

export const OptionState = schema({
  id: t.string(),
  text: t.string(),
  eliminated: t.boolean(),
}, "OptionState");
export type OptionState = SchemaType<typeof OptionState>;

export const PartyState = schema({
  code: t.string(),
  phase: t.string(),
  round: t.uint8(),
  totalRounds: t.uint8(),
  mode: t.string(),
  hostId: t.string(),
  deadline: t.float64(),
  paused: t.boolean(),
  audienceCount: t.uint16(),
  settings: SettingsState,
  players: t.map(PlayerState),
  question: QuestionState,
  options: t.array(OptionState),
}, "PartyState");
export type PartyState = SchemaType<typeof PartyState>;
