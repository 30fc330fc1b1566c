/**
 * The synchronised room state (GAME.md §10): fields only. What each field holds is decided by the
 * projection in src/rooms/projection.ts; hidden information never enters this tree before results.
 */
import { schema, t, type SchemaType } from "@colyseus/schema";

export const PlayerState = schema({
  id: t.string(),
  name: t.string(),
  icon: t.string(),
  score: t.number(),
  connected: t.boolean(),
  isHost: t.boolean(),
  hasAnswered: t.boolean(),
  hasVoted: t.boolean(),
}, "Player");
export type PlayerState = SchemaType<typeof PlayerState>;

export const SettingsState = schema({
  questionSeconds: t.uint16(),
  eliminationSeconds: t.uint16(),
  votingSeconds: t.uint16(),
  resultsSeconds: t.uint16(),
  extendedTimers: t.boolean(),
  familyFriendly: t.boolean(),
  hostPlays: t.boolean(),
}, "Settings");
export type SettingsState = SchemaType<typeof SettingsState>;

export const QuestionState = schema({
  id: t.string(),
  text: t.string(),
  type: t.string(),
  imageUrl: t.string(),
}, "Question");
export type QuestionState = SchemaType<typeof QuestionState>;

export const OptionState = schema({
  id: t.string(),
  text: t.string(),
  eliminated: t.boolean(),
}, "Option");
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
