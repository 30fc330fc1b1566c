/**
 * A room's timers: Node timers rather than the Colyseus clock (which only runs while a patch
 * loop ticks it, and the room has none), unreferenced so a room never keeps a process alive,
 * all cleared together when the room goes, and each callback guarded so that a throw is
 * reported like one in any other room callback instead of ending the process.
 */
export class RoomTimers {
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #report: (error: Error, methodName: string) => void;
  #deadlineTimer: NodeJS.Timeout | undefined;
  #deadline = 0;

  /** `report` receives whatever a callback throws (the room's onUncaughtException). */
  constructor(report: (error: Error, methodName: string) => void) {
    this.#report = report;
  }

  /** Runs `run` once after `ms`. */
  after(ms: number, run: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#guarded(run, "setTimeout");
    }, ms).unref();
    this.#timers.add(timer);
    return timer;
  }

  /** Runs `run` every `ms`. */
  every(ms: number, run: () => void): NodeJS.Timeout {
    const timer = setInterval(() => this.#guarded(run, "setInterval"), ms).unref();
    this.#timers.add(timer);
    return timer;
  }

  cancel(timer: NodeJS.Timeout | undefined): void {
    if (!timer) return;
    clearTimeout(timer);
    this.#timers.delete(timer);
  }

  /**
   * One timer follows the rules' deadline (epoch ms, 0 for none): `fire` runs once it has passed.
   * Setting the same deadline again changes nothing. A Node timer runs on the monotonic clock
   * and can fire a little before the wall-clock deadline; then it waits out the rest, so no
   * phase ends before its deadline.
   */
  followDeadline(deadline: number, fire: () => void): void {
    if (deadline === this.#deadline) return;
    this.cancel(this.#deadlineTimer);
    this.#deadlineTimer = undefined;
    this.#deadline = deadline;
    if (deadline === 0) return;
    const check = () => {
      const remaining = deadline - Date.now();
      if (remaining > 0) {
        this.#deadlineTimer = this.after(remaining, check);
        return;
      }
      this.#deadline = 0;
      this.#deadlineTimer = undefined;
      fire();
    };
    this.#deadlineTimer = this.after(Math.max(0, deadline - Date.now()), check);
  }

  clearAll(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#deadlineTimer = undefined;
    this.#deadline = 0;
  }

  #guarded(run: () => void, methodName: string): void {
    try {
      run();
    } catch (error) {
      this.#report(error as Error, methodName);
    }
  }
}
