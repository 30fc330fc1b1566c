/**
 * The game's random stream (issue #7 finding 3): a ChaCha20 keystream keyed by the game's seed.
 *
 * A 32-bit PRNG whose seed was published let anyone predict every shuffle. ChaCha20 is a stream
 * cipher, so its output cannot be told from random nor run backwards or forwards without the key;
 * the key is a fresh 256-bit seed the room draws from `node:crypto` for every game and keeps
 * server-side. The core stays pure and deterministic: the whole generator state is the seed (hex)
 * and how many 32-bit words were used, plain data inside the game state, so copy-on-write
 * updates, replay and "a refused action changes nothing" all keep working.
 *
 * Each seed keys exactly one game's stream, so a fixed nonce is safe.
 */
import { chacha20 } from "@noble/ciphers/chacha.js";
import { hexToBytes } from "@noble/ciphers/utils.js";

/** Seed length in bytes (256 bits, the ChaCha20 key size). */
export const SEED_BYTES = 32;
const SEED_PATTERN = /^[0-9a-f]{64}$/;
const WORDS_PER_BLOCK = 16;
const BLOCK_BYTES = WORDS_PER_BLOCK * 4;
const NONCE = new Uint8Array(12);
const TWO_32 = 2 ** 32;

/** The generator as data: the game's seed and how many 32-bit words have been drawn from it. */
export interface RngState {
  /** 64 lower-case hex digits; secret: never sent to a client or served by the API. */
  seed: string;
  used: number;
}

/** True for a well-formed seed: 64 lower-case hex digits. */
export function isSeed(value: unknown): value is string {
  return typeof value === "string" && SEED_PATTERN.test(value);
}

/** A generator at the start of the stream of `seed`. Throws on a malformed seed (a bug in the caller). */
export function startRng(seed: string): RngState {
  if (!isSeed(seed)) throw new Error(`an rng seed is ${SEED_BYTES * 2} lower-case hex digits`);
  return { seed, used: 0 };
}

/** A mutable cursor over the stream, for code that draws several numbers in a row. */
export class Rng {
  readonly #seed: string;
  readonly #key: Uint8Array;
  #used: number;
  #blockIndex = -1;
  #block = new DataView(new ArrayBuffer(BLOCK_BYTES));

  constructor(state: RngState) {
    if (!isSeed(state.seed) || !Number.isSafeInteger(state.used) || state.used < 0) throw new Error("malformed rng state");
    this.#seed = state.seed;
    this.#key = hexToBytes(state.seed);
    this.#used = state.used;
  }

  /** The position reached, as plain data to store back in the game state. */
  get state(): RngState {
    return { seed: this.#seed, used: this.#used };
  }

  /** The next unsigned 32-bit word of the keystream (little-endian words, block by block). */
  word(): number {
    const blockIndex = Math.floor(this.#used / WORDS_PER_BLOCK);
    if (blockIndex !== this.#blockIndex) {
      // Encrypting zeros yields the raw keystream of that block; the block counter is its index.
      const bytes = chacha20(this.#key, NONCE, new Uint8Array(BLOCK_BYTES), undefined, blockIndex);
      this.#block = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      this.#blockIndex = blockIndex;
    }
    const value = this.#block.getUint32((this.#used % WORDS_PER_BLOCK) * 4, true);
    this.#used++;
    return value;
  }

  /**
   * An integer in [0, n), every value equally likely: words at or above the largest multiple of
   * n below 2^32 are thrown away and redrawn, so `% n` has no bias.
   */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_32) throw new Error(`rng.int needs a whole n from 1 to 2^32, got ${n}`);
    const limit = TWO_32 - (TWO_32 % n);
    for (;;) {
      const x = this.word();
      if (x < limit) return x % n;
    }
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
}
