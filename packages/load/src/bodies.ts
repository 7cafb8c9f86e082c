import type { ResolvedStep } from '@kvbench/schemas';

/** What shapes the requests of a step; the rest of a step (connections, timeout, length) is the driver's. */
export type TrafficSpec = Pick<ResolvedStep, 'keys' | 'values' | 'ttl' | 'readFraction'>;

export interface DrawnRequest {
  method: 'GET' | 'POST';
  /** `/kv` for a POST, `/kv/<percent-encoded key>` for a GET. */
  path: string;
  /** The POST's JSON text; null for a GET. */
  body: string | null;
}

const TWO_32 = 4294967296;

/**
 * SFC32, Chris Doty-Humphrey's "small fast counting" generator from PractRand (passes PractRand and BigCrush).
 * Chosen over a library such as pure-rand because the wrk driver must draw the very same sequence inside wrk's
 * LuaJIT (src/wrk/script.ts): SFC32 needs only 32-bit add, xor, shift and rotate, which LuaJIT's `bit` library and
 * exact double arithmetic reproduce bit for bit. Keep the two in step: test/wrk.test.ts compares them.
 *
 * Seeding: state (0, seed low 32 bits, seed high bits + stream * 0x9E3779B9, 1), then 12 outputs discarded, so
 * nearby seeds and streams (wrk runs one stream per thread) start far apart.
 */
export class Sfc32 {
  private a = 0;
  private b: number;
  private c: number;
  private d = 1;

  constructor(seed: number, stream = 0) {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`seed must be a non-negative integer, got ${seed}`);
    this.b = seed >>> 0;
    this.c = (Math.floor(seed / TWO_32) + Math.imul(stream, 0x9e3779b9)) >>> 0;
    for (let i = 0; i < 12; i++) this.next();
  }

  /** The next output, an unsigned 32-bit integer. */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1), 32 bits of resolution. */
  unit(): number {
    return this.next() / TWO_32;
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.unit() * n);
  }
}

/** Letters and digits: a string value needs no JSON escaping, so its length in the body is exactly `bytes`. */
export const VALUE_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** The stream that draws the base of string values, apart from the per-request streams. */
export const VALUE_BASE_STREAM = 65535;

/** A string of `bytes` characters drawn once per run; each request sends it rotated by a random offset. */
export function valueBase(seed: number, bytes: number): string {
  const random = new Sfc32(seed, VALUE_BASE_STREAM);
  const chars = new Array<string>(bytes);
  for (let i = 0; i < bytes; i++) chars[i] = VALUE_ALPHABET[random.below(VALUE_ALPHABET.length)]!;
  return chars.join('');
}

/** A key's JSON text up to its number, e.g. `"key-`: escaped once here, for every generator. */
export function keyJsonPrefix(prefix: string): string {
  return JSON.stringify(prefix).slice(0, -1);
}

/** A GET's path up to the key's number, e.g. `/kv/key-`. */
export function keyPathPrefix(prefix: string): string {
  return `/kv/${encodeURIComponent(prefix)}`;
}

/**
 * The random requests of a step. Per request, in this order (the Lua twin draws in the same order):
 * 1. GET with probability `readFraction`, else POST;
 * 2. key `${prefix}${i}`, i uniform in [0, count);
 * 3. POST only: the value, an integer uniform in [min, max] or the base string rotated by a uniform offset;
 * 4. POST only, when ttl is not null: ttl uniform in (minSec, maxSec] — never 0, which kv-spec answers with 400.
 */
export class RequestSource {
  private readonly random: Sfc32;
  private readonly base: string | null;
  /** `"key-` — the key's JSON text up to the number. */
  private readonly keyJsonPrefix: string;
  private readonly keyPathPrefix: string;

  constructor(
    readonly spec: TrafficSpec,
    seed: number,
    stream = 0,
  ) {
    this.random = new Sfc32(seed, stream);
    this.base = spec.values.kind === 'string' ? valueBase(seed, spec.values.bytes) : null;
    this.keyJsonPrefix = keyJsonPrefix(spec.keys.prefix);
    this.keyPathPrefix = keyPathPrefix(spec.keys.prefix);
  }

  next(): DrawnRequest {
    const { spec, random } = this;
    const isGet = random.unit() < spec.readFraction;
    const index = random.below(spec.keys.count);
    if (isGet) return { method: 'GET', path: `${this.keyPathPrefix}${index}`, body: null };
    let value: string;
    if (spec.values.kind === 'int') {
      value = String(spec.values.min + random.below(spec.values.max - spec.values.min + 1));
    } else {
      const offset = random.below(spec.values.bytes);
      value = `"${this.base!.slice(offset)}${this.base!.slice(0, offset)}"`;
    }
    let body = `{"key":${this.keyJsonPrefix}${index}","value":${value}`;
    if (spec.ttl) body += `,"ttl":${spec.ttl.maxSec - random.unit() * (spec.ttl.maxSec - spec.ttl.minSec)}`;
    return { method: 'POST', path: '/kv', body: `${body}}` };
  }
}

/** Headers of a POST; a GET sends none beyond the generator's own. */
export const JSON_CONTENT_TYPE = 'application/json';
