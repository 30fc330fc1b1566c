/**
 * Kysely over a PGlite that lives in a worker thread (./pgliteWorker.ts), so no query of the
 * embedded database ever runs on the game loop. The worker holds one Postgres connection; this
 * driver hands it to one Kysely caller at a time (a FIFO mutex), so a transaction's BEGIN ...
 * COMMIT is never interleaved with another caller's statements.
 *
 * A worker that dies (a crash, or `terminate()`) fails every pending query with a clear error and
 * logs one line; the main thread carries on. On disk, the next query starts a fresh worker over
 * the same data directory; in memory there is nothing to reopen, so queries keep failing.
 */
import { Worker } from "node:worker_threads";
import {
  CompiledQuery,
  PGliteAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from "kysely";
import { logger } from "../logger.ts";
import type { WorkerReply, WorkerRequest } from "./pgliteWorker.ts";

const WORKER_URL = new URL("./pgliteWorker.ts", import.meta.url);
/** A crashing worker is started again at most this often. */
const RESTART_MIN_INTERVAL_MS = 1_000;
/** How long a worker gets to close PGlite (flush to disk) before it is terminated. */
const CLOSE_TIMEOUT_MS = 10_000;

interface Pending {
  resolve(reply: { rows: unknown[]; affectedRows: number | undefined }): void;
  reject(error: Error): void;
}

/** The main thread's end of the worker: requests by id, answers in order. */
export class PGliteWorkerClient {
  readonly #dataDir: string | null;
  #worker: Worker | undefined;
  #starting: Promise<void> | undefined;
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #generation = 0;
  #lastStart = 0;
  #closing = false;
  #closed: Promise<void> | undefined;
  #lost: string | undefined;

  constructor(dataDir: string | null) {
    this.#dataDir = dataDir;
  }

  /** The worker's thread id while one runs (never the main thread's 0); for tests and diagnostics. */
  get threadId(): number | undefined {
    return this.#worker?.threadId;
  }

  /** The live worker, for tests that need to kill it. */
  get worker(): Worker | undefined {
    return this.#worker;
  }

  /** Counts started workers; a transaction begun under one generation cannot continue under the next. */
  get generation(): number {
    return this.#generation;
  }

  /** Starts the worker (once) and waits until its PGlite is ready. */
  start(): Promise<void> {
    if (this.#closing) return Promise.reject(new Error("the database is closed"));
    if (this.#worker) return this.#starting ?? Promise.resolve();
    if (this.#lost) return Promise.reject(new Error(this.#lost));
    if (this.#generation > 0 && Date.now() - this.#lastStart < RESTART_MIN_INTERVAL_MS) {
      return Promise.reject(new Error("the database worker stopped and is restarting; try again shortly"));
    }
    this.#lastStart = Date.now();
    this.#generation++;
    // The worker inherits the process's Node flags, less one a worker cannot take (a process
    // run as `node --input-type=module -e ...`).
    const execArgv = process.execArgv.filter((flag) => !flag.startsWith("--input-type"));
    const worker = new Worker(WORKER_URL, { workerData: { dataDir: this.#dataDir }, name: "pglite", execArgv });
    this.#worker = worker;
    // An idle worker does not keep the process alive; a waiting query does (see #track).
    worker.unref();
    let crash: Error | undefined;
    worker.on("message", (reply: WorkerReply) => this.#answer(reply));
    worker.on("error", (error) => (crash = error));
    worker.on("exit", (code) => {
      if (this.#worker === worker) this.#worker = undefined;
      this.#starting = undefined;
      if (this.#closing) return this.#failAll(new Error("the database is closed"));
      const why = `the database worker stopped (exit code ${code}${crash ? `: ${crash.message}` : ""})`;
      if (this.#dataDir === null) this.#lost = `${why}; the in-memory database is gone`;
      logger.error({ err: crash, exitCode: code, pending: this.#pending.size }, why);
      this.#failAll(new Error(why, { cause: crash }));
    });
    const ready = this.#track(0);
    this.#starting = ready.then(
      () => {
        this.#starting = undefined;
      },
      (error: Error) => {
        this.#starting = undefined;
        void worker.terminate();
        throw new Error(`the embedded database did not start: ${error.message}`, { cause: error });
      },
    );
    return this.#starting;
  }

  /** Runs one statement; rejects with the database's error (its SQLSTATE in `code`). */
  async query(sql: string, params: readonly unknown[], generation?: number): Promise<{ rows: unknown[]; affectedRows: number | undefined }> {
    if (generation !== undefined && (generation !== this.#generation || !this.#worker)) {
      throw new Error("the database worker stopped during this transaction; nothing of it was committed");
    }
    await this.start();
    const id = this.#nextId++;
    const answer = this.#track(id);
    try {
      this.#worker!.postMessage({ id, sql, params } satisfies WorkerRequest);
    } catch (error) {
      // A parameter the structured clone cannot carry (a function, a class instance's method).
      this.#settled(id)?.reject(error as Error);
    }
    return answer;
  }

  /** Closes PGlite in the worker and waits for the thread to end; safe to call twice. */
  close(): Promise<void> {
    this.#closed ??= this.#shutDown();
    return this.#closed;
  }

  async #shutDown(): Promise<void> {
    const starting = this.#starting;
    this.#closing = true;
    await starting?.catch(() => {});
    const worker = this.#worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    worker.ref();
    const id = this.#nextId++;
    const closed = this.#track(id).catch(() => {});
    worker.postMessage({ id, close: true } satisfies WorkerRequest);
    const timer = setTimeout(() => void worker.terminate(), CLOSE_TIMEOUT_MS);
    await closed;
    await exited;
    clearTimeout(timer);
  }

  #track(id: number): Promise<{ rows: unknown[]; affectedRows: number | undefined }> {
    return new Promise((resolve, reject) => {
      if (this.#pending.size === 0) this.#worker?.ref();
      this.#pending.set(id, { resolve, reject });
    });
  }

  #settled(id: number): Pending | undefined {
    const pending = this.#pending.get(id);
    this.#pending.delete(id);
    if (this.#pending.size === 0 && !this.#closing) this.#worker?.unref();
    return pending;
  }

  #answer(reply: WorkerReply) {
    const pending = this.#settled(reply.id);
    if (!pending) return;
    if ("error" in reply) {
      const error = Object.assign(new Error(reply.error.message), reply.error.fields);
      error.name = reply.error.name;
      pending.reject(error);
    } else if ("closed" in reply) {
      pending.resolve({ rows: [], affectedRows: undefined });
    } else {
      pending.resolve(reply);
    }
  }

  #failAll(error: Error) {
    const waiting = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of waiting) p.reject(error);
  }
}

/** FIFO lock over the single connection. */
class ConnectionMutex {
  #held = false;
  #waiters: (() => void)[] = [];
  async lock(): Promise<void> {
    if (!this.#held) {
      this.#held = true;
      return;
    }
    await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }
  unlock() {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#held = false;
  }
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

class WorkerConnection implements DatabaseConnection {
  readonly #client: PGliteWorkerClient;
  /** The worker generation a transaction began on, while one is open. */
  #transaction: number | undefined;

  constructor(client: PGliteWorkerClient) {
    this.#client = client;
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const { rows, affectedRows } = await this.#client.query(compiled.sql, compiled.parameters, this.#transaction);
    return { rows: rows as R[], numAffectedRows: affectedRows == null ? undefined : BigInt(affectedRows) };
  }

  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("streaming is not supported by the embedded database");
  }

  async begin(settings: TransactionSettings) {
    const modes = [settings.isolationLevel && `isolation level ${settings.isolationLevel}`, settings.accessMode].filter(Boolean);
    await this.executeQuery(CompiledQuery.raw(`begin${modes.length ? ` ${modes.join(", ")}` : ""}`));
    this.#transaction = this.#client.generation;
  }

  async commit() {
    try {
      await this.executeQuery(CompiledQuery.raw("commit"));
    } finally {
      this.#transaction = undefined;
    }
  }

  async rollback() {
    const began = this.#transaction;
    this.#transaction = undefined;
    // A transaction that died with its worker has nothing left to roll back.
    if (began !== undefined && began !== this.#client.generation) return;
    await this.executeQuery(CompiledQuery.raw("rollback"));
  }
}

class WorkerDriver implements Driver {
  readonly #client: PGliteWorkerClient;
  readonly #connection: WorkerConnection;
  readonly #mutex = new ConnectionMutex();

  constructor(client: PGliteWorkerClient) {
    this.#client = client;
    this.#connection = new WorkerConnection(client);
  }
  async init() {
    await this.#client.start();
  }
  async acquireConnection() {
    await this.#mutex.lock();
    return this.#connection;
  }
  async releaseConnection() {
    this.#mutex.unlock();
  }
  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings) {
    await (connection as WorkerConnection).begin(settings);
  }
  async commitTransaction(connection: DatabaseConnection) {
    await (connection as WorkerConnection).commit();
  }
  async rollbackTransaction(connection: DatabaseConnection) {
    await (connection as WorkerConnection).rollback();
  }
  async savepoint(connection: DatabaseConnection, name: string) {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${quoteIdent(name)}`));
  }
  async rollbackToSavepoint(connection: DatabaseConnection, name: string) {
    await connection.executeQuery(CompiledQuery.raw(`rollback to savepoint ${quoteIdent(name)}`));
  }
  async releaseSavepoint(connection: DatabaseConnection, name: string) {
    await connection.executeQuery(CompiledQuery.raw(`release savepoint ${quoteIdent(name)}`));
  }
  async destroy() {
    await this.#client.close();
  }
}

/** The PostgreSQL dialect's SQL and migrations (PGlite's adapter) over the worker's connection. */
export class PGliteWorkerDialect implements Dialect {
  readonly client: PGliteWorkerClient;
  constructor(client: PGliteWorkerClient) {
    this.client = client;
  }
  createAdapter(): DialectAdapter {
    return new PGliteAdapter();
  }
  createDriver(): Driver {
    return new WorkerDriver(this.client);
  }
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }
}
