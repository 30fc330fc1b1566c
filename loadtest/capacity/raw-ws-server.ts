/**
 * The capacity benchmark's baseline: the least a WebSocket game server can do per action. A raw
 * `ws` server where each client names its room in the URL (`/?room=17`) and every inbound
 * message is sent unchanged to every socket of that room, the sender included. No parsing, no
 * state, no heartbeat: the CPU it spends per inbound message is the floor Robots is compared to.
 *
 *   node loadtest/capacity/raw-ws-server.ts [--port 0]
 *
 * Listens on 127.0.0.1 and prints `listening <port>` once ready. GET /stats answers the event
 * loop delay since the previous /stats (the same 10 ms-resolution histogram prom-client uses for
 * the Robots server) and the process memory. Stops on SIGTERM/SIGINT, or when stdin ends.
 */
import { createServer } from "node:http";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { WebSocketServer, type WebSocket } from "ws";

const { values } = parseArgs({ options: { port: { type: "string", default: "0" } } });

const rooms = new Map<string, Set<WebSocket>>();
let inbound = 0;
const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();

const http = createServer((req, res) => {
  if (req.url === "/stats") {
    const body = {
      inbound,
      sockets: [...rooms.values()].reduce((n, s) => n + s.size, 0),
      rooms: rooms.size,
      eventLoopP99Seconds: lag.percentile(99) / 1e9,
      eventLoopMaxSeconds: lag.max / 1e9,
      ...process.memoryUsage(),
    };
    lag.reset();
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    return;
  }
  res.writeHead(404).end();
});

const wss = new WebSocketServer({ server: http, maxPayload: 4096 });
wss.on("connection", (socket, req) => {
  const room = new URL(req.url ?? "/", "http://x").searchParams.get("room") ?? "";
  let members = rooms.get(room);
  if (!members) rooms.set(room, (members = new Set()));
  members.add(socket);
  socket.on("message", (data, isBinary) => {
    inbound++;
    for (const peer of members) peer.send(data, { binary: isBinary });
  });
  socket.on("close", () => {
    members.delete(socket);
    if (members.size === 0) rooms.delete(room);
  });
  socket.on("error", () => socket.terminate());
});

http.listen(Number(values.port), "127.0.0.1", () => {
  const address = http.address();
  process.stdout.write(`listening ${typeof address === "object" && address ? address.port : 0}\n`);
});

const stop = () => {
  for (const client of wss.clients) client.terminate();
  wss.close();
  http.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
// Started by the bench with a pipe on stdin: its end means the bench is gone.
if (!process.stdin.isTTY) {
  process.stdin.on("end", stop);
  process.stdin.resume();
}
