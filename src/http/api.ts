/**
 * Read-only JSON API over finished games (GAME.md §12). Bad parameters get 400 with a message,
 * unknown games and players 404, a database that does not answer 503 (see ./errors.ts; a
 * parameter that cannot even be decoded reaches that handler as a 400 from Express's router).
 */
import { Router, type Request, type Response } from "express";
import type { Kysely } from "kysely";
import { z } from "zod";
import { gamesInRoom, getGame, leaderboard, playerStats } from "../persistence/gamesRepo.ts";
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

export function apiRouter(db: Kysely<Database>): Router {
  const router = Router();
  // Parameters are validated before any query runs, so a handler that still fails means the
  // database did not answer.
  const route = (handler: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: (e?: unknown) => void) =>
    handler(req, res).catch((err: unknown) => next(new DatabaseUnavailable(err)));

  router.get("/leaderboard", route(async (req, res) => {
    const q = LeaderboardQuery.safeParse(req.query);
    if (!q.success) return badRequest(res, q.error);
    res.json({ players: await leaderboard(db, q.data.limit) });
  }));

  router.get("/games", route(async (req, res) => {
    const q = GamesQuery.safeParse(req.query);
    if (!q.success) return badRequest(res, q.error);
    res.json({ room: q.data.room, games: await gamesInRoom(db, q.data.room, q.data.limit) });
  }));

  router.get("/games/:id", route(async (req, res) => {
    const id = GameId.safeParse(req.params.id);
    if (!id.success) return badRequest(res, id.error);
    const game = await getGame(db, id.data);
    if (!game) {
      res.status(404).json({ error: `no game ${id.data}` });
      return;
    }
    res.json(game);
  }));

  router.get("/players/:name/stats", route(async (req, res) => {
    const name = PlayerName.safeParse(req.params.name);
    if (!name.success) return badRequest(res, name.error);
    const stats = await playerStats(db, name.data);
    if (!stats) {
      res.status(404).json({ error: `no finished game for player ${name.data}` });
      return;
    }
    res.json(stats);
  }));

  router.use((_req: Request, res: Response) => {
    res.status(404).json({ error: "no such API route" });
  });
  return router;
}
