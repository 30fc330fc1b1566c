/**
 * Wiring: the party room, transport, HTTP routes. No game logic lives here.
 */
import type { AddressInfo } from "node:net";
import { defineRoom, defineServer, matchMaker, type Server } from "@colyseus/core";
import { RedisDriver } from "@colyseus/redis-driver";
import { monitor } from "@colyseus/monitor";
import express from "express";
import { join } from "node:path";
import { ConfigError, type Config } from "./config.ts";
import { metricsGuard, monitorGuard } from "./http/adminAuth.ts";
import { loadPm2IoOnlyUnderPm2 } from "./pm2Io.ts";
import { logUnhandledRejections } from "./unhandledRejections.ts";
import { apiRouter } from "./http/api.ts";
import { ClientIpResolver, clientIpOf } from "./http/clientIp.ts";
import { IpLimits } from "./http/ipLimits.ts";
import { guardHttpServer } from "./http/requestGuard.ts";
import { hideInternalMatchmakeErrors, httpErrorHandler } from "./http/errors.ts";
import { answerScreenedRequests, MONITOR_PATH, screenRawRequest } from "./http/rawRequest.ts";
import { webRouter } from "./http/web.ts";
import { Readiness, setDraining } from "./http/readiness.ts";
import { colyseusLogger, logger } from "./logger.ts";
import { redisCallFailed, WatchedRedisPresence } from "./outages.ts";
import { registry, watchRecorder, watchServices } from "./metrics.ts";
import { openPersistence, type Persistence } from "./persistence/index.ts";
import { MESSAGE_MAX_BYTES, ROOM_NAME } from "./protocol.ts";
import { SpreadHeartbeatTransport } from "./rooms/heartbeat.ts";
import { PartyRoom } from "./rooms/PartyRoom.ts";
import { onGameComplete, setQuestionSource } from "./rooms/roomServices.ts";
import { selectProcessForNewRoom } from "./rooms/placement.ts";
import { Drain, LocalRooms, partyRoomMover } from "./rooms/drain.ts";
import { listenOrRefuse, watchedRedis } from "./startup.ts";
import { FileCheckpointStore, RedisCheckpointStore } from "./rooms/checkpoint.ts";
import { restoreFromFiles, startRestorer, useCheckpointStore } from "./rooms/restore.ts";

const PUBLIC_DIR = new URL("../public/", import.meta.url).pathname;

export interface RunningServer {
  server: Server;
  port: number;
  persistence: Persistence;
  /** Closes at once: every room ends (4001). For tests and tools; a deploy uses `drain`. */
  close(): Promise<void>;
  /**
   * SIGTERM/SIGINT: takes no new room, hands its rooms to peers or lets their games finish
   * (src/rooms/drain.ts), then closes. A second call waits for the same drain.
   */
  drain(signal: string): Promise<void>;
}

/** How often a process looks for dead peers and drops their rooms from the shared listing. */
export const REAPER_INTERVAL_MS = 5_000;

/** `readiness` serves GET /ready; without it (a hand-built server) there is no such route. */
export function createServer(config: Config, persistence: Persistence, readiness?: Readiness): Server {
  // With Redis every process shares the room listing and presence; a room's code is claimed
  // there, and a client is sent to the process that holds its room through publicAddress.
  const shared = config.redisUrl
    ? {
        // Its two connections report outages once (src/outages.ts), not a warning per retry.
        presence: new WatchedRedisPresence(config.redisUrl),
        // The driver's own client has no `error` listener; this one logs an outage once.
        driver: new RedisDriver(watchedRedis(config.redisUrl, "room listing")),
      }
    : {};
  return defineServer({
    greet: false,
    gracefullyShutdown: false,
    // Colyseus's messages become JSON lines like ours instead of console output.
    logger: colyseusLogger,
    ...shared,
    // Also on one process: it is what refuses new rooms while the process drains.
    selectProcessIdToCreateRoom: selectProcessForNewRoom,
    ...(config.publicAddress ? { publicAddress: config.publicAddress } : {}),
    // GAME.md §11: any one larger message closes the sender's socket (1009, "message too big").
    // Dead sockets are found by pings spread over time, not all at once (src/rooms/heartbeat.ts).
    transport: new SpreadHeartbeatTransport({ maxPayload: MESSAGE_MAX_BYTES }),
    rooms: {
      [ROOM_NAME]: defineRoom(PartyRoom, {
        secondMillis: config.secondMillis,
        reconnectSeconds: config.reconnectSeconds,
        messagesPerSecond: config.messagesPerSecond,
        maxAudiencePerIp: config.maxAudiencePerIp,
      }),
    },
    express: (app) => {
      // Colyseus creates this app; nothing it answers names the framework (issue #7 #11).
      app.disable("x-powered-by");
      hideInternalMatchmakeErrors();
      app.use(answerScreenedRequests);
      app.get("/health", (_req, res) => {
        res.json({ ok: true });
      });
      // Liveness above stays trivial; readiness (database, Redis, outbox, draining) is here.
      if (readiness) {
        app.get("/ready", (_req, res, next) => {
          readiness.report().then((report) => res.status(report.ready ? 200 : 503).set("Cache-Control", "no-store").json(report), next);
        });
      }
      app.get("/metrics", metricsGuard({ token: config.metricsToken, allow: config.metricsAllow }, (req) => clientIpOf(req) ?? req.socket.remoteAddress), async (_req, res) => {
        res.type(registry.contentType).send(await registry.metrics());
      });
      app.use("/api", apiRouter(persistence.database.db));
      // The browser client: /host, /, /join/:code and its bundles (issue #10).
      app.use(webRouter({ listenHost: config.host }));
      app.use(express.static(PUBLIC_DIR, { maxAge: "1h" }));
      if (config.monitor) {
        // loadConfig refuses MONITOR=true without credentials; a hand-built Config must not slip past.
        if (!config.monitorCredentials) throw new ConfigError("invalid configuration: the monitor needs MONITOR_USER and MONITOR_PASSWORD");
        app.use(MONITOR_PATH, ...monitorGuard(config.monitorCredentials), monitor());
      }
      app.use(httpErrorHandler);
    },
  });
}

/** Starts listening and resolves once the port accepts connections. */
export async function startServer(config: Config): Promise<RunningServer> {
  logUnhandledRejections();
  loadPm2IoOnlyUnderPm2();
  const persistence = await openPersistence({
    database: config.database,
    outboxDir: join(config.dataDir, "outbox"),
    redisUrl: config.redisUrl,
    retryMaxDelayMs: config.recordRetryMaxMs,
  });
  setQuestionSource(() => persistence.questions());
  watchRecorder(persistence.recorder);
  const stopRecording = onGameComplete((record) => {
    persistence.recorder.submit(record).catch((err) => logger.error({ err, gameId: record.id }, "could not queue a finished game"));
  });
  const readiness = new Readiness({ database: persistence.database.db, redisUrl: config.redisUrl, outbox: persistence.recorder });
  watchServices(readiness);
  const server = createServer(config, persistence, readiness);
  // Checkpoints (issue 11): in Redis shared by every process, or in files under DATA_DIR.
  const checkpoints = config.redisUrl
    ? new RedisCheckpointStore(config.redisUrl, () => matchMaker.processId)
    : new FileCheckpointStore(join(config.dataDir, "checkpoints"));
  useCheckpointStore(checkpoints);
  await listenOrRefuse(server, config.port, config.host);
  const http = server.transport.server!;
  // Client address, body cap and per-address limits in front of Colyseus's request and upgrade
  // handlers (issue #7 #8, #9); see requestGuard.ts for why it wraps rather than precedes them.
  guardHttpServer(http, {
    resolver: new ClientIpResolver(config.trustedProxies),
    maxBodyBytes: config.maxBodyBytes,
    limits: new IpLimits({
      createRoomsPerMinute: config.createRoomsPerMinute,
      joinMissLimit: config.failedJoinLimit,
      joinMissWindowSeconds: config.failedJoinWindowSeconds,
      joinBlockSeconds: config.failedJoinBlockSeconds,
      joinBlockMaxSeconds: config.failedJoinBlockMaxSeconds,
      maxSocketsPerIp: config.maxSocketsPerIp,
    }),
  });
  // Runs before Colyseus's own request handler (whose room lookup is case-sensitive); it never
  // throws, since a throw here would end the process.
  http.prependListener("request", (req) => screenRawRequest(req));
  const port = (http.address() as AddressInfo).port;
  // A process killed without a word leaves its rooms listed; every live process sweeps for
  // such peers (Colyseus's health check) so the listing and their codes clear within seconds.
  // A live process that a peer wrongly dropped from the placement stats (a health check that
  // timed out under load) puts itself back on the same beat, instead of after Colyseus's minute.
  const reaper = config.redisUrl
    ? setInterval(() => {
        Promise.resolve(matchMaker.stats.persist(true)).catch((err) => redisCallFailed(err, "could not publish room count"));
        matchMaker.healthCheckAllProcesses().catch((err) => redisCallFailed(err, "sweep for dead processes failed"));
      }, REAPER_INTERVAL_MS)
    : undefined;
  reaper?.unref();
  const rooms = new LocalRooms();
  rooms.follow(ROOM_NAME);
  // Rooms lost with a dead process (Redis) or with this process's last run (files) come back;
  // after `follow`, so that a drain knows the restored rooms too.
  const stopRestorer = checkpoints instanceof RedisCheckpointStore ? startRestorer(checkpoints) : undefined;
  if (checkpoints instanceof FileCheckpointStore) await restoreFromFiles(checkpoints);
  const drain = new Drain({ rooms, mover: partyRoomMover, drainSeconds: config.drainSeconds, shared: !!config.redisUrl, onStart: () => setDraining() });
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      clearInterval(reaper);
      stopRestorer?.();
      await server.gracefullyShutdown(false);
      stopRecording();
      await persistence.recorder.flush(5_000);
      await persistence.close();
      await checkpoints.close();
      readiness.close();
    })();
    return closing;
  };
  let draining: Promise<void> | undefined;
  return {
    server,
    port,
    persistence,
    close,
    drain(signal) {
      if (draining) void drain.run(signal);
      draining ??= drain.run(signal).then(close);
      return draining;
    },
  };
}
