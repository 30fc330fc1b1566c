/**
 * Read-only JSON API over finished games (GAME.md §12). Bad parameters get 400 with a message,
 * unknown games and players 404, a database that does not answer 503 (see ./errors.ts; a
 * parameter that cannot even be decoded reaches that handler as a 400 from Express's router).
 */
import { Router, type Request, type Response } from "express";
import type { Kysely } from "kysely";
import { z } from "zod";
import { gamesInRoom, getGame, leaderboard, playerStats } from "../persistence/gamesRepo.ts";
import { ReadCache, writesOf } from "../persistence/readCache.ts";
import type { Database } from "../persistence/schema.ts";
import { canonicalCode, isRoomCode } from "../protocol.ts";
import { DatabaseUnavailable } from "./errors.ts";

const limit = (fallback: number) => z.coerce.number().int().min(1).max(100).default(fallback);
const LeaderboardQuery = z.object({ limit: limit(20) });
const GamesQuery = z.object({
  room: z.string({ error: "room is required" }).transform(canonicalCode).refine(isRoomCode, "room must be a 4-letter room code"),
  limit: limit(20),
});
const GameId = z.uuid("game id must be a UUID");
// Control characters are never part of a name, and PostgreSQL refuses a NUL in text outright:
// such a name is the client's error (400), not a database failure.
const PlayerName = z.string().trim().min(1).max(16).refine((name) => !/\p{Cc}/u.test(name), "name must not contain control characters");

function badRequest(res: Response, error: z.ZodError) {
  res.status(400).json({ error: error.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ") });
}

/** A body already serialised (and cached as such): a cache hit costs no JSON.stringify. */
function sendJson(res: Response, body: string) {
  res.type("json").send(body);
}

/** How long an API answer is reused, and how many are kept (issue 12: a flood costs one query per key). */
export const API_CACHE_TTL_MS = 2_000;
export const API_CACHE_ENTRIES = 1_000;

export function apiRouter(db: Kysely<Database>): Router {
  const router = Router();
  // Answers are reused for API_CACHE_TTL_MS at most, and never past a write through `db` (a
  // finished game, the leaderboard refresh after it): see ../persistence/readCache.ts.
  const writes = writesOf(db);
  const cache = new ReadCache({ ttlMs: API_CACHE_TTL_MS, max: API_CACHE_ENTRIES, version: () => writes?.count ?? 0 });
  // Parameters are validated before any query runs, so a handler that still fails means the
  // database did not answer.
  const route = (handler: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: (e?: unknown) => void) =>
    handler(req, res).catch((err: unknown) => next(new DatabaseUnavailable(err)));

  router.get("/leaderboard", route(async (req, res) => {
    const q = LeaderboardQuery.safeParse(req.query);
    if (!q.success) return badRequest(res, q.error);
    sendJson(res, await cache.get(`leaderboard ${q.data.limit}`, async () => JSON.stringify({ players: await leaderboard(db, q.data.limit) })));
  }));

  router.get("/games", route(async (req, res) => {
    const q = GamesQuery.safeParse(req.query);
    if (!q.success) return badRequest(res, q.error);
    const { room, limit } = q.data;
    sendJson(res, await cache.get(`room ${room} ${limit}`, async () => JSON.stringify({ room, games: await gamesInRoom(db, room, limit) })));
  }));

  router.get("/games/:id", route(async (req, res) => {
    const id = GameId.safeParse(req.params.id);
    if (!id.success) return badRequest(res, id.error);
    const game = await cache.get(`game ${id.data.toLowerCase()}`, async () => JSON.stringify(await getGame(db, id.data)));
    if (game === undefined) {
      res.status(404).json({ error: `no game ${id.data}` });
      return;
    }
    sendJson(res, game);
  }));

  router.get("/players/:name/stats", route(async (req, res) => {
    const name = PlayerName.safeParse(req.params.name);
    if (!name.success) return badRequest(res, name.error);
    const stats = await cache.get(`player ${name.data.toLowerCase()}`, async () => JSON.stringify(await playerStats(db, name.data)));
    if (stats === undefined) {
      res.status(404).json({ error: `no finished game for player ${name.data}` });
      return;
    }
    sendJson(res, stats);
  }));

  router.use((_req: Request, res: Response) => {
    res.status(404).json({ error: "no such API route" });
  });
  return router;
}
