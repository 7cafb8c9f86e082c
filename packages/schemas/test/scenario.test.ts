import { describe, expect, it } from 'vitest';
import { ScenarioSchema, SchemaError, parseOrThrow, resolveSteps, stepModel } from '../src/index.js';

describe('scenario schema', () => {
  it('fills the blog defaults for everything a scenario leaves out', () => {
    const scenario = parseOrThrow(ScenarioSchema, { name: 'x', steps: [{ name: '1k', requests: 1000 }] }, 'x.json');
    expect(scenario.load).toMatchObject({
      generator: 'native',
      connections: 1000,
      timeoutMs: 10_000,
      warmupRequests: 2000,
      keys: { prefix: 'key-', count: 100 },
      values: { kind: 'int', min: 0, max: 99 },
      ttl: { minSec: 1, maxSec: 2 },
      readFraction: 0,
    });
    expect(scenario.serverFlags).toEqual({ shards: 5, flushIntervalMs: 1000, cleanupIntervalMs: 500 });
    expect(scenario.thresholds.rps).toBe(0.1);
  });

  it('lets a step override the scenario load and keeps the rest', () => {
    const scenario = ScenarioSchema.parse({
      name: 'x',
      load: { connections: 50, ttl: null },
      steps: [
        { name: 'a', requests: 10, readFraction: 0.7 },
        { name: 'b', durationSec: 2 },
      ],
    });
    const [a, b] = resolveSteps(scenario);
    expect(a).toMatchObject({ name: 'a', requests: 10, readFraction: 0.7, connections: 50, ttl: null });
    expect(b).toMatchObject({ name: 'b', durationSec: 2, readFraction: 0, connections: 50 });
    expect(b?.requests).toBeUndefined();
  });

  it('tells the three models apart and refuses a step that mixes them', () => {
    const step = (extra: object) => ScenarioSchema.safeParse({ name: 'x', steps: [{ name: 's', ...extra }] });
    expect(stepModel({ rate: 5000 })).toBe('open');
    expect(stepModel({ schedule: [{ rate: 10, durationSec: 1 }] })).toBe('open');
    expect(stepModel({ capacity: { p99Ms: 10, probeSec: 2, startRate: 1000, resolution: 0.05, budgetSec: 40 } })).toBe('capacity');
    expect(stepModel({})).toBe('closed');
    expect(step({ rate: 5000, durationSec: 3 }).success).toBe(true);
    expect(step({ rate: { capacityFraction: 0.5 }, durationSec: 3 }).success).toBe(true);
    expect(step({ capacity: { p99Ms: 10 } }).success).toBe(true);
    const noLength = step({ rate: 5000 });
    expect(noLength.success).toBe(false);
    expect(noLength.error!.issues.map((i) => i.message).join()).toMatch(/a rate step needs durationSec/);
    expect(step({ requests: 10, capacity: { p99Ms: 10 } }).success).toBe(false);
    expect(step({ rate: { capacityFraction: 1.5 }, durationSec: 3 }).success).toBe(false);
  });

  it('fills a capacity search with its defaults', () => {
    const scenario = ScenarioSchema.parse({ name: 'x', steps: [{ name: 'c', capacity: { p99Ms: 5 } }] });
    expect(resolveSteps(scenario)[0]!.capacity).toEqual({ p99Ms: 5, probeSec: 2, startRate: 1000, resolution: 0.05, budgetSec: 40 });
  });

  it('names a bad field by its path and says what was expected', () => {
    const bad = {
      name: 'x',
      steps: [
        { name: 'ok', requests: 1 },
        { name: 'bad', requests: 'many' },
      ],
    };
    expect(() => parseOrThrow(ScenarioSchema, bad, 'scenarios/x.json')).toThrow(SchemaError);
    try {
      parseOrThrow(ScenarioSchema, bad, 'scenarios/x.json');
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('scenarios/x.json');
      expect(message).toMatch(/steps\[1\]\.requests: .*number/);
    }
  });

  it('fills a footprint with 1 million small values, and takes steps: [] only when a footprint is asked for', () => {
    const scenario = parseOrThrow(ScenarioSchema, { name: 'fp', steps: [], footprint: {} }, 'fp.json');
    expect(scenario.footprint).toEqual({ keys: 1_000_000, valueBytes: 8, prefix: 'fp-', connections: 8, sampleKeys: 1000 });
    expect(() => parseOrThrow(ScenarioSchema, { name: 'x', steps: [] }, 'x.json')).toThrow(/steps: give at least one step, or a footprint/);
    expect(() => parseOrThrow(ScenarioSchema, { name: 'x', steps: [], footprint: { keys: 0 } }, 'x.json')).toThrow(/footprint\.keys/);
  });

  it('rejects unknown fields, so a typo is not silently ignored', () => {
    const result = ScenarioSchema.safeParse({ name: 'x', repeats: 3, steps: [{ name: 'a', requests: 1 }] });
    expect(result.success).toBe(false);
  });

  it('requires exactly one of requests or durationSec per step', () => {
    expect(ScenarioSchema.safeParse({ name: 'x', steps: [{ name: 'a' }] }).success).toBe(false);
    expect(ScenarioSchema.safeParse({ name: 'x', steps: [{ name: 'a', requests: 1, durationSec: 1 }] }).success).toBe(false);
  });

  it('refuses an fd limit whose soft value exceeds the hard one', () => {
    const result = ScenarioSchema.safeParse({
      name: 'x',
      fdLimit: { soft: 1024, hard: 256 },
      steps: [{ name: 'a', requests: 1 }],
    });
    expect(result.success).toBe(false);
  });
});

describe('scenario bounds: values that pass a type check but cannot work are refused', () => {
  const step = (extra: object) => ({ name: 'x', steps: [{ name: 'a', ...extra }] });
  it.each([
    ['a timeout past what a timer holds', { name: 'x', load: { timeoutMs: 3e9 }, steps: [{ name: 'a', requests: 10 }] }, /load.timeoutMs: at most 3600000 ms/],
    [
      'a flush interval of months',
      { name: 'x', serverFlags: { flushIntervalMs: 1e10 }, steps: [{ name: 'a', requests: 10 }] },
      /serverFlags.flushIntervalMs: at most 3600000 ms/,
    ],
    ['a step that never ends', step({ requests: 1e12 }), /steps\[0\].requests: at most 100,000,000 requests/],
    ['a duration of years', step({ durationSec: 1e9 }), /steps\[0\].durationSec: at most 3600 s/],
    [
      'a warm-up that never ends',
      { name: 'x', load: { warmupRequests: 1e12 }, steps: [{ name: 'a', requests: 10 }] },
      /load.warmupRequests: at most 100,000,000 requests/,
    ],
    [
      'a name that leaves results/',
      { name: '../../escaped', steps: [{ name: 'a', requests: 10 }] },
      /name: letters, digits, dot, dash, underscore \(it names files\)/,
    ],
  ])('%s', (_, input, message) => {
    expect(() => parseOrThrow(ScenarioSchema, input, 'x.json')).toThrow(message);
  });
});
