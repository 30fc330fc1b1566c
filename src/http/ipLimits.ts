/**
 * Per-address limits (issue #7 finding 9), kept in this process's memory: room creations per
 * minute, failed joins (code guessing), and open WebSocket sockets. Successful joins are never
 * counted, so a whole party behind one NAT gets in.
 *
 * An IPv6 client is counted by its /64 network: one subscriber usually holds a whole /64, and
 * counting single addresses would let it dodge every limit by changing the low bits.
 */
import { isIP } from "node:net";
import { RateLimiterMemory, type RateLimiterRes } from "rate-limiter-flexible";

/** The limits, from the configuration. */
export interface IpLimitSettings {
  /** Room creations (create / joinOrCreate) per address per minute. */
  createRoomsPerMinute: number;
  /** Failed joins allowed per address within `joinMissWindowSeconds` before it is blocked. */
  joinMissLimit: number;
  joinMissWindowSeconds: number;
  /** Length of the first block; each further block while misses continue doubles it. */
  joinBlockSeconds: number;
  /** Longest block. */
  joinBlockMaxSeconds: number;
  /** Open WebSocket connections per address. */
  maxSocketsPerIp: number;
}

/** How long an address's past blocks are remembered for doubling the next one. */
const STRIKE_MEMORY_FACTOR = 4;

/** The key an address is counted under: the address itself, or its /64 for IPv6. */
export function limitKey(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  const groups = expandIpv6(ip);
  return groups ? `${groups.slice(0, 4).join(":")}::/64` : ip;
}

function expandIpv6(ip: string): string[] | null {
  const [head = "", tail, ...more] = ip.toLowerCase().split("::");
  if (more.length > 0) return null;
  const parse = (part: string) => (part === "" ? [] : part.split(":"));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  // An embedded IPv4 tail (::ffff:1.2.3.4) takes two groups; it only ever sits past the /64.
  const width = [...left, ...right].reduce((n, g) => n + (g.includes(".") ? 2 : 1), 0);
  const fill = tail === undefined ? 0 : 8 - width;
  if (fill < 0) return null;
  return [...left, ...Array<string>(fill).fill("0"), ...right].map((g) => (g.includes(".") ? g : parseInt(g, 16).toString(16)));
}

/** Seconds to announce in `Retry-After`: at least 1. */
function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/** The per-address counters of one server. */
export class IpLimits {
  readonly settings: IpLimitSettings;
  readonly #creates: RateLimiterMemory;
  readonly #misses: RateLimiterMemory;
  readonly #strikes: RateLimiterMemory;
  readonly #sockets = new Map<string, number>();

  constructor(settings: IpLimitSettings) {
    this.settings = settings;
    this.#creates = new RateLimiterMemory({ points: settings.createRoomsPerMinute, duration: 60 });
    this.#misses = new RateLimiterMemory({ points: settings.joinMissLimit, duration: settings.joinMissWindowSeconds });
    this.#strikes = new RateLimiterMemory({
      points: Number.MAX_SAFE_INTEGER,
      duration: Math.max(settings.joinBlockMaxSeconds, settings.joinMissWindowSeconds) * STRIKE_MEMORY_FACTOR,
    });
  }

  /** Takes one room creation; returns 0, or the seconds until the address may create again. */
  async takeCreate(ip: string): Promise<number> {
    try {
      await this.#creates.consume(limitKey(ip));
      return 0;
    } catch (rejection) {
      return seconds((rejection as RateLimiterRes).msBeforeNext);
    }
  }

  /** 0 when the address may try to join, else the seconds its block has left. */
  async joinBlockedFor(ip: string): Promise<number> {
    const state = await this.#misses.get(limitKey(ip));
    if (!state || state.consumedPoints <= this.settings.joinMissLimit || state.msBeforeNext <= 0) return 0;
    return seconds(state.msBeforeNext);
  }

  /**
   * Counts a failed join. The miss that reaches the limit blocks the address: the first block
   * lasts `joinBlockSeconds`, each later one (while the address keeps missing) twice the last.
   * Returns the seconds of the block it started, or 0.
   */
  async recordMiss(ip: string): Promise<number> {
    const key = limitKey(ip);
    const misses = await this.#misses.penalty(key);
    if (misses.consumedPoints < this.settings.joinMissLimit) return 0;
    const strikes = await this.#strikes.penalty(key);
    const doublings = Math.min(strikes.consumedPoints - 1, 30);
    const block = Math.min(this.settings.joinBlockSeconds * 2 ** doublings, this.settings.joinBlockMaxSeconds);
    await this.#misses.block(key, block);
    return block;
  }

  /** Counts an opening WebSocket; false (and nothing counted) when the address is at its cap. */
  openSocket(ip: string): boolean {
    const key = limitKey(ip);
    const open = this.#sockets.get(key) ?? 0;
    if (open >= this.settings.maxSocketsPerIp) return false;
    this.#sockets.set(key, open + 1);
    return true;
  }

  closeSocket(ip: string): void {
    const key = limitKey(ip);
    const open = (this.#sockets.get(key) ?? 0) - 1;
    if (open > 0) this.#sockets.set(key, open);
    else this.#sockets.delete(key);
  }
}
