import { describe, expect, it } from 'vitest';
import { RequestSource, Sfc32, type TrafficSpec } from '../src/bodies.js';

const blog: TrafficSpec = {
  keys: { prefix: 'key-', count: 100 },
  values: { kind: 'int', min: 0, max: 99 },
  ttl: { minSec: 1, maxSec: 2 },
  readFraction: 0,
};

const draw = (spec: TrafficSpec, seed: number, n: number) => {
  const source = new RequestSource(spec, seed);
  return Array.from({ length: n }, () => source.next());
};

interface Body {
  key: string;
  value: unknown;
  ttl?: number;
}
const bodies = (spec: TrafficSpec, seed: number, n: number): Body[] => draw(spec, seed, n).map((r) => JSON.parse(r.body!) as Body);

describe('RequestSource', () => {
  it('draws the same requests for the same seed, and others for another seed', () => {
    const spec = { ...blog, readFraction: 0.5 };
    expect(draw(spec, 42, 500)).toEqual(draw(spec, 42, 500));
    expect(draw(spec, 43, 500)).not.toEqual(draw(spec, 42, 500));
  });

  it('draws keys key-0 .. key-99 and values 0 .. 99, reaching both ends', () => {
    const drawn = bodies(blog, 1, 10_000);
    const keys = drawn.map((b) => Number(/^key-(\d+)$/.exec(b.key)![1]));
    const values = drawn.map((b) => b.value as number);
    expect(Math.min(...keys)).toBe(0);
    expect(Math.max(...keys)).toBe(99);
    expect(Math.min(...values)).toBe(0);
    expect(Math.max(...values)).toBe(99);
    expect(values.every(Number.isInteger)).toBe(true);
  });

  it('draws ttl in (minSec, maxSec], never 0 even when minSec is 0', () => {
    for (const ttl of [
      { minSec: 1, maxSec: 2 },
      { minSec: 0, maxSec: 1 },
      { minSec: 0, maxSec: 0.001 },
    ]) {
      const ttls = bodies({ ...blog, ttl }, 3, 10_000).map((b) => b.ttl!);
      expect(ttls.every((t) => t > ttl.minSec && t <= ttl.maxSec)).toBe(true);
    }
  });

  it('sends a fixed ttl when minSec equals maxSec, and none when ttl is null', () => {
    expect(new Set(bodies({ ...blog, ttl: { minSec: 5, maxSec: 5 } }, 1, 100).map((b) => b.ttl))).toEqual(new Set([5]));
    expect(bodies({ ...blog, ttl: null }, 1, 100).every((b) => !('ttl' in b))).toBe(true);
  });

  it('sends GET with the read fraction, within 2 points over 10 000 draws', () => {
    for (const readFraction of [0, 0.7, 1]) {
      const gets = draw({ ...blog, readFraction }, 9, 10_000).filter((r) => r.method === 'GET').length;
      expect(Math.abs(gets / 10_000 - readFraction)).toBeLessThan(0.02);
    }
  });

  it('reads a key with GET /kv/{key}, percent-encoding the prefix, and writes with a JSON POST /kv', () => {
    const [get] = draw({ ...blog, keys: { prefix: 'a/b ', count: 1 }, readFraction: 1 }, 1, 1);
    expect(get).toEqual({ method: 'GET', path: '/kv/a%2Fb%200', body: null });
    const [post] = draw({ ...blog, keys: { prefix: 'é"', count: 1 } }, 1, 1);
    expect(post!.method).toBe('POST');
    expect(post!.path).toBe('/kv');
    expect(JSON.parse(post!.body!)).toMatchObject({ key: 'é"0' });
  });

  it('writes string values of exactly the asked size, differing from one request to the next', () => {
    const drawn = bodies({ ...blog, values: { kind: 'string', bytes: 1000 } }, 5, 200);
    expect(drawn.every((b) => typeof b.value === 'string' && (b.value as string).length === 1000)).toBe(true);
    expect(new Set(drawn.map((b) => b.value)).size).toBeGreaterThan(150);
  });
});

describe('Sfc32', () => {
  it('spreads its output evenly over [0, 1)', () => {
    const random = new Sfc32(1);
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) buckets[Math.floor(random.unit() * 10)]!++;
    for (const n of buckets) expect(Math.abs(n - 10_000)).toBeLessThan(500);
  });

  it('gives different streams of one seed different sequences', () => {
    const a = new Sfc32(1, 0);
    const b = new Sfc32(1, 1);
    expect(Array.from({ length: 8 }, () => a.next())).not.toEqual(Array.from({ length: 8 }, () => b.next()));
  });

  it('refuses a seed it cannot reproduce exactly', () => {
    expect(() => new Sfc32(1.5)).toThrow(/non-negative integer/);
    expect(() => new Sfc32(-1)).toThrow(/non-negative integer/);
  });
});
