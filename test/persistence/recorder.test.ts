/**
 * Issue #7 finding 10 (GAME.md §12: no finished game is lost): the recorder keeps a record
 * pending in memory, tries the database whatever the outbox does, bounds every outbox call, and
 * at stop reports each record that neither the database nor the outbox holds. Fake stores and
 * writers here; test/security/lost-record.test.ts runs the same over a real server.
 */
import { describe, expect, it } from "vitest";
import type { GameRecord } from "../../src/game/record.ts";
import type { OutboxStore } from "../../src/persistence/outbox.ts";
import { GameRecorder } from "../../src/persistence/recorder.ts";
import { within } from "../support/within.ts";

// The recorder only reads a record's id; what a real record holds is tested with real games.
const record = { id: "6f1c2a4e-0b7d-4c38-9d51-3e2f8a7b9c10", roomCode: "BCDF" } as GameRecord;


/** An outbox in memory whose calls behave as each test says. */
class FakeOutbox implements OutboxStore {
  readonly held = new Map<string, GameRecord>();
  putCalls = 0;
  put: (record: GameRecord) => Promise<void> = async (r) => {
    this.putCalls += 1;
    this.held.set(r.id, r);
  };
  remove = async (id: string) => {
    this.held.delete(id);
  };
  list = async () => [...this.held.values()];
}

const never = () => new Promise<never>(() => {});

describe("#10 game recorder with a broken outbox", () => {
  it("#10 an outbox put that never answers is given up after the timeout and the database still gets the record", async () => {
    const store = new FakeOutbox();
    store.put = () => {
      store.putCalls += 1;
      return never();
    };
    const written: string[] = [];
    const recorder = new GameRecorder({ store, write: async (r) => void written.push(r.id), outboxTimeoutMs: 150 });
    await recorder.start();
    const durable = await within(recorder.submit(record), 3_000, "submit with a hung outbox");
    expect(durable).toBe(false);
    expect(await recorder.flush(3_000)).toBe(true);
    expect(written).toEqual([record.id]);
    expect(recorder.outboxFailures).toBe(1);
    expect(recorder.delivered).toBe(1);
    await within(recorder.stop(), 3_000, "stop");
    expect(recorder.lost).toBe(0);
  });

  it("#10 a failing outbox put is retried alongside the database retries, and the record is kept once it lands", async () => {
    const store = new FakeOutbox();
    let putFailures = 2;
    store.put = async (r) => {
      store.putCalls += 1;
      if (putFailures-- > 0) throw Object.assign(new Error("no space left on device"), { code: "ENOSPC" });
      store.held.set(r.id, r);
    };
    const lost: string[] = [];
    const recorder = new GameRecorder({
      store,
      write: async () => {
        throw new Error("database down");
      },
      onLost: (r) => lost.push(r.id),
      minDelayMs: 20,
      maxDelayMs: 40,
      outboxTimeoutMs: 500,
    });
    await recorder.start();
    expect(await recorder.submit(record)).toBe(false);
    await recorder.flush(600); // the database stays down: not everything is delivered
    expect(store.putCalls).toBe(3);
    expect([...store.held.keys()]).toEqual([record.id]);
    expect(recorder.outboxFailures).toBe(2);
    await recorder.stop(1_000);
    // In the outbox, it is not lost: the next start delivers it.
    expect(recorder.lost).toBe(0);
    expect(lost).toEqual([]);
  });

  it("#10 a record delivered while its outbox put is still in flight leaves no copy behind when the put lands", async () => {
    const store = new FakeOutbox();
    let land!: () => void;
    store.put = (r) =>
      new Promise<void>((resolve) => {
        land = () => {
          store.held.set(r.id, r);
          resolve();
        };
      });
    const recorder = new GameRecorder({ store, write: async () => {}, outboxTimeoutMs: 100 });
    await recorder.start();
    expect(await within(recorder.submit(record), 2_000, "submit with a slow outbox")).toBe(false); // timed out: not landed yet
    expect(recorder.delivered).toBe(1);
    land(); // the slow put lands after all, after the database took the record
    await new Promise((r) => setTimeout(r, 50));
    await recorder.flush(1_000);
    expect(store.held.size).toBe(0);
    await recorder.stop();
  });

  it("#10 with both the outbox and the database failing, stop reports the record as lost, once", async () => {
    const store = new FakeOutbox();
    store.put = async () => {
      throw Object.assign(new Error("not a directory"), { code: "ENOTDIR" });
    };
    const lost: GameRecord[] = [];
    const recorder = new GameRecorder({
      store,
      write: async () => {
        throw new Error("database down");
      },
      onLost: (r) => lost.push(r),
      minDelayMs: 20,
      maxDelayMs: 40,
      outboxTimeoutMs: 200,
    });
    await recorder.start();
    expect(await recorder.submit(record)).toBe(false);
    expect(await recorder.flush(300)).toBe(false);
    expect(recorder.lost).toBe(0);
    await within(recorder.stop(), 3_000, "stop");
    expect(recorder.lost).toBe(1);
    expect(lost.map((r) => r.id)).toEqual([record.id]);
    expect(recorder.pendingCount).toBe(0);
    await recorder.stop();
    expect(recorder.lost).toBe(1);
  });

  it("#10 an outbox that cannot be listed at start does not stop the recorder", async () => {
    const store = new FakeOutbox();
    store.list = never;
    const written: string[] = [];
    const recorder = new GameRecorder({ store, write: async (r) => void written.push(r.id), outboxTimeoutMs: 100 });
    await within(recorder.start(), 2_000, "start with a hung outbox");
    expect(recorder.outboxFailures).toBe(1);
    await recorder.submit(record);
    expect(await recorder.flush(2_000)).toBe(true);
    expect(written).toEqual([record.id]);
    await recorder.stop();
  });
});
