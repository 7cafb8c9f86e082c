import { describe, expect, it } from 'vitest';
import { compare, confirmRegressions, exitCodeFor, flaggedForRerun } from '../src/index.js';
import { repeatsOf, resultsOf } from './support/results.js';

const typical = { rps: 3000, p50Us: 5000, p99Us: 9000, cpuUsPerRequest: 260, peakRssBytes: 60e6 };
const base = resultsOf(repeatsOf(typical));
const slower = resultsOf(repeatsOf({ ...typical, cpuUsPerRequest: 312 }));
const same = resultsOf(repeatsOf(typical));

describe('confirmation rerun', () => {
  const first = compare(base, slower);

  it('asks to measure again only the server and step with a gate regression', () => {
    expect(flaggedForRerun(first)).toEqual([{ server: 'fake', step: 'burst' }]);
    expect(flaggedForRerun(compare(base, same))).toEqual([]);
  });

  it('keeps a regression the rerun shows again, with both measurements', () => {
    const held = confirmRegressions(first, compare(base, slower));
    const cpu = held.rows.find((r) => r.metric === 'cpuPerRequest')!;
    expect(cpu.verdict).toBe('regression');
    expect(cpu.reason).toMatch(/^20% higher, worse .*; confirmed with a rerun, all repeats together: 260 µs \(257–263, n=3\) → 312 µs \(309–315, n=3\)$/);
    expect(held.verdict).toBe('regression');
    expect(exitCodeFor(held)).toBe(1);
    expect(held.warnings[0]).toBe('confirmation rerun: 1 of 1 gate regression held when measured again (fake/burst)');
  });

  it('drops a regression the rerun does not show, saying what each measurement said', () => {
    const dropped = confirmRegressions(first, compare(base, same));
    const cpu = dropped.rows.find((r) => r.metric === 'cpuPerRequest')!;
    expect(cpu.verdict).toBe('no-change');
    expect(cpu.changePct).toBeCloseTo(20, 6);
    expect(cpu.reason).toMatch(
      /^not confirmed: the first measurement was a regression \(20% higher, worse .*\); with a rerun, all repeats together said no change \(260 µs \(257–263, n=3\) → 260 µs \(257–263, n=3\): unchanged\)$/,
    );
    expect(dropped.verdict).toBe('no-change');
    expect(exitCodeFor(dropped)).toBe(0);
    expect(dropped.warnings[0]).toBe('confirmation rerun: 0 of 1 gate regression held when measured again (fake/burst)');
  });
});

describe('the gate', () => {
  it('fails on CPU per request, not on a p99 that regressed on its own', () => {
    const long = { requests: 10_000 };
    const scenario = { steps: [{ name: 'burst', requests: 10_000 }] };
    const tail = compare(
      resultsOf(repeatsOf({ ...typical, ...long }), { scenario }),
      resultsOf(repeatsOf({ ...typical, ...long, p99Us: 20_000 }), { scenario }),
    );
    expect(tail.rows.find((r) => r.metric === 'p99')!.verdict).toBe('regression');
    expect(tail.verdict).toBe('no-change');
    expect(exitCodeFor(tail)).toBe(0);
  });
});
