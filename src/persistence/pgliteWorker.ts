/**
 * The embedded database's own thread. PGlite runs Postgres compiled to WebAssembly on the thread
 * that calls it: on the game loop every query stalls every room (issue 9/12: an API flood of 334
 * requests/s raised a room's message round trip from p99 2.7 ms to 116 ms). This worker owns the
 * one PGlite instance; the main thread sends it `{ id, sql, params }` and gets back
 * `{ id, rows, affectedRows }` or `{ id, error }`. Requests are answered one at a time, in order.
 *
 * Started by ./pgliteWorkerDialect.ts, never imported by the main thread.
 */
import { parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";

/** What the main thread sends. */
export type WorkerRequest = { id: number; sql: string; params: readonly unknown[] } | { id: number; close: true };

/** A query error with the fields callers look at (SQLSTATE `code`, `constraint`, ...). */
export interface WorkerError {
  name: string;
  message: string;
  fields: Record<string, string | number | boolean>;
}

/** What the worker answers; `id: 0` is the start-up report. */
export type WorkerReply =
  | { id: number; rows: unknown[]; affectedRows: number | undefined }
  | { id: number; error: WorkerError }
  | { id: number; closed: true };

const port = parentPort;
if (!port) throw new Error("pgliteWorker.ts runs only as a worker thread");
const { dataDir } = workerData as { dataDir: string | null };

/** Keeps the primitive own fields of a PGlite DatabaseError; the query text and params stay here. */
function toWorkerError(error: unknown): WorkerError {
  if (!(error instanceof Error)) return { name: "Error", message: String(error), fields: {} };
  const fields: WorkerError["fields"] = {};
  for (const [key, value] of Object.entries(error)) {
    if (key === "query" || key === "params") continue;
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") fields[key] = value;
  }
  return { name: error.name, message: error.message, fields };
}

/**
 * Postgres's buffer cache lives in PGlite's WebAssembly memory and is all resident once started:
 * the default 128 MB was a third of an idle server's RSS (issue 9: idle RSS). The games database
 * is small and its files stay in the OS page cache, so 16 MB is plenty.
 */
const SHARED_BUFFERS = "16MB";

let pglite: PGlite;
try {
  pglite = new PGlite(dataDir ?? undefined, { startParams: [...PGlite.defaultStartParams, "-c", `shared_buffers=${SHARED_BUFFERS}`] });
  await pglite.waitReady;
  port.postMessage({ id: 0, rows: [], affectedRows: undefined } satisfies WorkerReply);
} catch (error) {
  port.postMessage({ id: 0, error: toWorkerError(error) } satisfies WorkerReply);
  process.exit(1);
}

// One request at a time: a transaction's statements arrive in order on this single connection.
let queue: Promise<void> = Promise.resolve();
port.on("message", (request: WorkerRequest) => {
  queue = queue.then(() => handle(request));
});

async function handle(request: WorkerRequest): Promise<void> {
  if ("close" in request) {
    try {
      await pglite.close();
      port!.postMessage({ id: request.id, closed: true } satisfies WorkerReply);
    } catch (error) {
      port!.postMessage({ id: request.id, error: toWorkerError(error) } satisfies WorkerReply);
    }
    port!.close();
    return;
  }
  let reply: WorkerReply;
  try {
    const result = await pglite.query(request.sql, request.params as unknown[], { rowMode: "object" });
    reply = { id: request.id, rows: result.rows, affectedRows: result.affectedRows };
  } catch (error) {
    reply = { id: request.id, error: toWorkerError(error) };
  }
  try {
    port!.postMessage(reply);
  } catch (error) {
    // A value the structured clone cannot carry: the caller gets an error, not silence.
    port!.postMessage({ id: request.id, error: toWorkerError(error) } satisfies WorkerReply);
  }
}
