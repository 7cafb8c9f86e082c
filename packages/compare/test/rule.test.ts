import { describe, expect, it } from 'vitest';
import { decide, relativeChange } from '../src/rule.js';

const cpu = { better: 'lower' as const, threshold: 0.1 };
const rps = { better: 'higher' as const, threshold: 0.1 };

describe('decide', () => {
  it('calls a change beyond the threshold, with every repeat worse and little scatter, a regression', () => {
    const d = decide({ ...cpu, baseline: [250, 255, 260], current: [300, 310, 305] });
    expect(d.verdict).toBe('regression');
    expect(d.change).toBeCloseTo(305 / 255 - 1, 12);
    expect(d.tests?.rank.p).toBeCloseTo(0.05, 12);
    expect(d.tests?.t.p).toBeLessThan(0.005);
    expect(d.reason).toMatch(
      /^19\.6% higher, worse \(threshold 10%\); all 3 current repeats worse than all 3 baseline repeats \(rank test p = 0\.05\) and far apart against their scatter \(t-test p = /,
    );
  });

  it('judges by the metric’s own direction: fewer requests per second is worse', () => {
    expect(decide({ ...rps, baseline: [1000, 1010, 990], current: [800, 810, 790] }).verdict).toBe('regression');
    expect(decide({ ...rps, baseline: [800, 810, 790], current: [1000, 1010, 990] }).verdict).toBe('improvement');
    expect(decide({ ...cpu, baseline: [300, 310, 305], current: [250, 255, 260] }).verdict).toBe('improvement');
  });

  it('lets a change within the threshold pass however clear it is, and still reports the tests', () => {
    const d = decide({ ...cpu, baseline: [100, 100.1, 100.2], current: [108, 108.1, 108.2] });
    expect(d.verdict).toBe('no-change');
    expect(d.reason).toBe('within threshold: 8% higher, worse, threshold 10%');
    expect(d.tests?.direction).toBe('higher');
  });

  it('says "less than 0.1%" rather than "0%" for a change too small to print', () => {
    expect(decide({ ...cpu, baseline: [10000, 10001, 10002], current: [10003, 10004, 10005] }).reason).toBe(
      'within threshold: less than 0.1% higher, worse, threshold 10%',
    );
  });

  it('does not flag a large change of the median when the repeats overlap', () => {
    const d = decide({ ...cpu, baseline: [200, 250, 330], current: [240, 300, 360] });
    expect(d.change).toBeCloseTo(0.2, 12);
    expect(d.verdict).toBe('no-change');
    expect(d.reason).toMatch(/^spread too wide to tell: 20% higher, worse, beyond the 10% threshold, but the repeats overlap \(rank test p = 0\.35 > 0\.05\)$/);
  });

  it('does not flag repeats that are apart but scatter as widely as they moved', () => {
    const d = decide({ ...cpu, baseline: [100, 130, 140], current: [145, 150, 200] });
    expect(d.tests?.rank.p).toBeCloseTo(0.05, 12);
    expect(d.verdict).toBe('no-change');
    expect(d.reason).toMatch(
      /^not clear of the noise: 15\.4% higher, worse, beyond the 10% threshold, and the repeats rank apart \(rank test p = 0\.05\), but the shift is small against their scatter \(t-test p = 0\.0\d+ > 0\.005\)$/,
    );
  });

  it('refuses to judge one repeat, however large the change', () => {
    const d = decide({ ...cpu, baseline: [100], current: [300, 301, 302] });
    expect(d.verdict).toBe('no-change');
    expect(d.reason).toMatch(/^only one repeat \(baseline 1, current 3\)/);
    expect(d.change).toBeCloseTo(2.01, 12);
    expect(d.tests).toBeNull();
  });

  it('says plainly that 2 vs 2 repeats can never be told apart', () => {
    const d = decide({ ...cpu, baseline: [100, 101], current: [200, 201] });
    expect(d.verdict).toBe('no-change');
    expect(d.reason).toMatch(/too few repeats to tell: .*2 vs 2 repeats can never reach p ≤ 0.05 \(best possible 0.17\)/);
  });

  it('finds nothing between identical values', () => {
    const d = decide({ ...cpu, baseline: [250, 250, 250], current: [250, 250, 250] });
    expect(d).toMatchObject({ verdict: 'no-change', change: 0, reason: 'unchanged' });
    expect(d.tests).toMatchObject({ rank: { p: 1 }, t: { p: 1 } });
  });

  it('with 5 repeats a side, flags a clear shift even when one pair of repeats overlaps', () => {
    const d = decide({ ...cpu, baseline: [100, 101, 102, 103, 121], current: [120, 122, 124, 126, 128] });
    expect(d.verdict).toBe('regression');
    expect(d.tests?.rank.p).toBeCloseTo(2 / 252, 12);
    expect(d.reason).toMatch(/; the repeats clearly apart \(rank test p = 0\.0079\)/);
  });

  it('treats failures up from none as beyond any threshold, when every repeat shows them', () => {
    const failures = { better: 'lower' as const, threshold: 0 };
    const d = decide({ ...failures, baseline: [0, 0, 0], current: [3, 7, 5] });
    expect(d).toMatchObject({ verdict: 'regression', change: null });
    expect(d.reason).toMatch(/^up from 0, worse/);
    expect(decide({ ...failures, baseline: [0, 0, 0], current: [1, 1, 2] }).verdict).toBe('regression');
    expect(decide({ ...failures, baseline: [0, 0, 0], current: [0, 0, 4] }).verdict).toBe('no-change');
    expect(decide({ ...failures, baseline: [0, 0, 0], current: [0, 0, 0] }).reason).toBe('unchanged');
  });

  it('does not compare a metric one side did not measure, and says which side', () => {
    expect(decide({ ...cpu, baseline: [], current: [1, 2, 3] })).toMatchObject({
      verdict: 'not-compared',
      reason: 'not measured in the baseline',
      baseline: null,
      current: { median: 2, min: 1, max: 3, n: 3 },
    });
    expect(decide({ ...cpu, baseline: [1, 2, 3], current: [] }).reason).toBe('not measured in the current run');
  });

  it('gives no verdict to a figure it is told not to judge, however far it moved, and says why', () => {
    const notJudged = 'a p99 resting on the slowest 6 requests of a run flips with a single pause';
    const five = [250, 252, 255, 258, 260];
    const d = decide({ ...cpu, notJudged, baseline: five, current: five.map((v) => v * 1.6) });
    expect(d.verdict).toBe('no-change');
    expect(d.reason).toBe(`not judged: 60% higher, worse, but ${notJudged}`);
    expect(d.change).toBeCloseTo(0.6);
    expect(decide({ ...cpu, notJudged: null, baseline: five, current: five.map((v) => v * 1.6) }).verdict).toBe('regression');
  });

  it('honours a stricter rank-test level: 3 vs 3 can then never flag', () => {
    const d = decide({ ...cpu, alpha: 0.01, baseline: [250, 255, 260], current: [400, 410, 405] });
    expect(d.verdict).toBe('no-change');
    expect(d.reason).toMatch(/too few repeats/);
  });
});

describe('decide, paired (a same-run A/B: repeat i of each side ran back to back)', () => {
  // The machine slows down over the run by 50 %; head costs 10 % more than base in every pair.
  const drifting = [20, 22, 24, 26, 28, 30];
  const slower = drifting.map((v) => v * 1.1);

  it('sees a change that drift hides from the two-sample tests', () => {
    const unpaired = decide({ baseline: drifting, current: slower, better: 'lower', threshold: 0.05 });
    expect(unpaired.verdict).toBe('no-change');
    expect(unpaired.reason).toMatch(/^spread too wide to tell/);
    const paired = decide({ baseline: drifting, current: slower, better: 'lower', threshold: 0.05, paired: true });
    expect(paired.verdict).toBe('regression');
    expect(paired.reason).toContain('the current repeat worse in all 6 pairs');
    expect(paired.tests).toMatchObject({ paired: true, rank: { u: 21, of: 21 } });
  });

  it('does not flag pairs that disagree in direction, and says so', () => {
    const mixed = drifting.map((v, i) => v * (i % 3 === 0 ? 0.9 : 1.2));
    const decision = decide({ baseline: drifting, current: mixed, better: 'lower', threshold: 0.05, paired: true });
    expect(decision.verdict).toBe('no-change');
    expect(decision.reason).toMatch(/the pairs disagree in direction \(signed-rank test p = /);
  });

  it('says that 4 pairs can never reach the level (best 1/16)', () => {
    const decision = decide({ baseline: [10, 11, 12, 13], current: [12, 13, 14, 15], better: 'lower', threshold: 0.05, paired: true });
    expect(decision.reason).toMatch(/too few repeats to tell: .* but 4 pairs can never reach p ≤ 0.05 \(best possible 0.063\)/);
  });

  it('finds nothing between identical pairs, and refuses unequal counts', () => {
    expect(decide({ baseline: drifting, current: drifting, better: 'lower', threshold: 0.05, paired: true }).verdict).toBe('no-change');
    expect(() => decide({ baseline: [1, 2], current: [1, 2, 3], better: 'lower', threshold: 0.05, paired: true })).toThrow(/equal counts/);
  });
});

describe('relativeChange', () => {
  it('is current / baseline − 1, 0 between zeros, and has no value from zero', () => {
    expect(relativeChange(200, 250)).toBeCloseTo(0.25, 12);
    expect(relativeChange(0, 0)).toBe(0);
    expect(relativeChange(0, 5)).toBeNull();
  });
});
