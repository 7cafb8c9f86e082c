import { describe, expect, it } from 'vitest';
import { logGamma, mannWhitney, median, midranks, normalCdf, pairedT, smallestPValue, studentT, studentTUpperTail, wilcoxonSignedRank } from '../src/stats.js';

/** Every way of splitting the pooled values, counted one by one: the definition the fast version must match. */
function bruteForcePGreater(x: number[], y: number[]): number {
  const pooled = [...x, ...y];
  const uOf = (a: number[], b: number[]) => a.reduce((sum, ai) => sum + b.reduce((s, bj) => s + (ai > bj ? 1 : ai === bj ? 0.5 : 0), 0), 0);
  const observed = uOf(x, y);
  let total = 0;
  let atLeast = 0;
  const n = pooled.length;
  for (let mask = 0; mask < 1 << n; mask++) {
    let bits = 0;
    for (let k = 0; k < n; k++) if (mask & (1 << k)) bits++;
    if (bits !== x.length) continue;
    const a = pooled.filter((_, k) => mask & (1 << k));
    const b = pooled.filter((_, k) => !(mask & (1 << k)));
    total++;
    if (uOf(a, b) >= observed - 1e-9) atLeast++;
  }
  return atLeast / total;
}

describe('median', () => {
  it('takes the middle value of an odd count and the mean of the middle two of an even count', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it('has no value for no repeats', () => {
    expect(median([])).toBeNull();
  });

  it('ignores one wild repeat, which is why the rule uses it', () => {
    expect(median([100, 101, 5000])).toBe(101);
  });
});

describe('midranks', () => {
  it('gives tied values the mean of the ranks they share', () => {
    expect(midranks([10, 20, 20, 30])).toEqual([1, 2.5, 2.5, 4]);
    expect(midranks([5, 5, 5])).toEqual([2, 2, 2]);
  });
});

describe('mannWhitney', () => {
  it('gives 1/20 when all three of one side lie above all three of the other: the best 3 vs 3 can do', () => {
    const test = mannWhitney([4, 5, 6], [1, 2, 3]);
    expect(test.u).toBe(9);
    expect(test.pGreater).toBeCloseTo(0.05, 12);
    expect(test.pLess).toBe(1);
    expect(test.exact).toBe(true);
  });

  it('matches the exact p-value R documents for its wilcox.test example (W = 35, p = 0.1272)', () => {
    const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
    const y = [1.15, 0.88, 0.9, 0.74, 1.21];
    const test = mannWhitney(x, y);
    expect(test.u).toBe(35);
    expect(test.pGreater).toBeCloseTo(0.1272, 4);
  });

  it('counts ties exactly, as a permutation of the observed values', () => {
    const cases: [number[], number[]][] = [
      [
        [1, 2, 2, 3],
        [2, 3, 4],
      ],
      [
        [0, 0, 1],
        [0, 0, 0],
      ],
      [
        [5, 5, 6, 7, 7],
        [5, 6, 6, 7, 8],
      ],
    ];
    for (const [x, y] of cases) expect(mannWhitney(x, y).pGreater).toBeCloseTo(bruteForcePGreater(x, y), 12);
  });

  it('finds no difference at all between identical samples', () => {
    const test = mannWhitney([250, 250, 250], [250, 250, 250]);
    expect(test.pGreater).toBe(1);
    expect(test.pLess).toBe(1);
  });

  it('treats zeros like any other value', () => {
    expect(mannWhitney([0, 0, 0], [1, 2, 3]).pLess).toBeCloseTo(0.05, 12);
    expect(mannWhitney([0, 0, 0], [0, 0, 0]).pGreater).toBe(1);
  });

  it('falls back to a normal approximation beyond 60 values, close to the exact answer', () => {
    const x = Array.from({ length: 31 }, (_, k) => k * 1.1 + 3);
    const y = Array.from({ length: 31 }, (_, k) => k);
    const approx = mannWhitney(x, y);
    expect(approx.exact).toBe(false);
    const exact = mannWhitney(x.slice(0, 30), y.slice(0, 30));
    expect(exact.exact).toBe(true);
    expect(approx.pGreater).toBeGreaterThan(0);
    expect(Math.abs(approx.pGreater - exact.pGreater)).toBeLessThan(0.05);
  });

  it('refuses an empty side', () => {
    expect(() => mannWhitney([], [1])).toThrow(/at least one value/);
  });
});

describe('smallestPValue', () => {
  it('is 1 / C(n+m, n): 3 vs 3 can reach 0.05, 2 vs 2 never can', () => {
    expect(smallestPValue(3, 3)).toBeCloseTo(1 / 20, 12);
    expect(smallestPValue(2, 2)).toBeCloseTo(1 / 6, 12);
    expect(smallestPValue(5, 5)).toBeCloseTo(1 / 252, 12);
    expect(smallestPValue(2, 5)).toBeCloseTo(1 / 21, 12);
  });
});

describe('normalCdf', () => {
  it('is the standard normal distribution function', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 6);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 5);
    expect(normalCdf(-1.644854)).toBeCloseTo(0.05, 5);
  });
});

describe('studentTUpperTail', () => {
  it('matches the one-sided critical values of published t tables', () => {
    const table: [t: number, df: number, p: number][] = [
      [6.314, 1, 0.05],
      [2.92, 2, 0.05],
      [6.965, 2, 0.01],
      [2.132, 4, 0.05],
      [3.747, 4, 0.01],
      [5.598, 4, 0.0025],
      [2.896, 8, 0.01],
      [1.645, 100_000, 0.05],
    ];
    for (const [t, df, p] of table) expect(studentTUpperTail(t, df)).toBeCloseTo(p, 4);
  });

  it('is exact where the distribution has a closed form, and symmetric', () => {
    expect(studentTUpperTail(1, 1)).toBeCloseTo(0.25, 12); // Cauchy: 1/2 − atan(1)/π
    expect(studentTUpperTail(0, 4)).toBeCloseTo(0.5, 12);
    expect(studentTUpperTail(-3.747, 4)).toBeCloseTo(0.99, 4);
  });
});

describe('studentT', () => {
  it('pools the variance of both sides: 1,2,3 against 4,5,6 is t = −3.674 with 4 degrees of freedom', () => {
    const test = studentT([1, 2, 3], [4, 5, 6]);
    expect(test.t).toBeCloseTo(-3.674, 3);
    expect(test.df).toBe(4);
    expect(test.pLess).toBeCloseTo(0.0107, 4);
    expect(test.pGreater).toBeCloseTo(1 - test.pLess, 12);
  });

  it('finds nothing between identical values and certainty between two different constants', () => {
    expect(studentT([5, 5, 5], [5, 5, 5])).toMatchObject({ pGreater: 1, pLess: 1 });
    expect(studentT([6, 6, 6], [5, 5, 5])).toMatchObject({ pGreater: 0, pLess: 1, t: Infinity });
  });
});

describe('logGamma', () => {
  it('is ln Γ: Γ(5) = 24, Γ(1/2) = √π', () => {
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
  });
});

describe('wilcoxonSignedRank', () => {
  it('is exact: 6 pairs all one way reach 1/64, one pair against at the largest rank 14/64', () => {
    expect(wilcoxonSignedRank([1, 2, 3, 4, 5, 6]).pGreater).toBeCloseTo(1 / 64, 12);
    // W+ = 15 of 21; P(W+ ≥ 15) = P(W− ≤ 6): the 14 subsets of {1..6} summing to 6 or less.
    const one = wilcoxonSignedRank([1, 2, 3, 4, 5, -6]);
    expect(one.w).toBe(15);
    expect(one.pGreater).toBeCloseTo(14 / 64, 12);
    // P(W+ ≤ 15) = 1 − P(W− ≤ 5): 10 subsets sum to 5 or less.
    expect(one.pLess).toBeCloseTo(1 - 10 / 64, 12);
  });

  it('ranks ties at their midrank, and leaves zeros out', () => {
    const tied = wilcoxonSignedRank([0.1, 0.1, 0.2, 0]);
    expect(tied).toMatchObject({ w: 6, n: 3 });
    expect(tied.pGreater).toBeCloseTo(1 / 8, 12);
    expect(wilcoxonSignedRank([0, 0, 0])).toMatchObject({ n: 0, pGreater: 1, pLess: 1 });
  });

  it('agrees with its normal approximation for many pairs', () => {
    const d = Array.from({ length: 41 }, (_, i) => (i % 3 === 0 ? -1 : 1) * (i + 1));
    const approx = wilcoxonSignedRank(d);
    expect(approx.exact).toBe(false);
    const exact = wilcoxonSignedRank(d.slice(0, 40));
    expect(exact.exact).toBe(true);
    expect(approx.pGreater).toBeGreaterThan(0);
    expect(approx.pGreater).toBeLessThan(0.05);
  });
});

describe('pairedT', () => {
  it('tests the mean difference against 0 with n − 1 degrees of freedom', () => {
    const t = pairedT([0.1, 0.12, 0.08, 0.11, 0.09]);
    expect(t.df).toBe(4);
    expect(t.t).toBeCloseTo(0.1 / (Math.sqrt(0.001 / 4) / Math.sqrt(5)), 9);
    expect(t.pGreater).toBeLessThan(1e-4);
    expect(pairedT([0.05, 0.05, 0.05])).toMatchObject({ pGreater: 0, pLess: 1 });
    expect(pairedT([0, 0, 0])).toMatchObject({ pGreater: 1, pLess: 1 });
  });
});
