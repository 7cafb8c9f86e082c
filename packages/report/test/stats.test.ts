import { describe, expect, it } from 'vitest';
import { median, overlaps, sameHdrBucket, spread } from '../src/stats.js';

describe('median and spread over repeats', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('ignores repeats without the figure and is null when none has it', () => {
    expect(spread([10, null, 30])).toEqual({ median: 20, min: 10, max: 30, n: 2 });
    expect(spread([null, undefined])).toBeNull();
  });

  it('tells whether two spreads overlap', () => {
    expect(overlaps({ median: 2, min: 1, max: 3, n: 2 }, { median: 3.5, min: 3, max: 4, n: 2 })).toBe(true);
    expect(overlaps({ median: 2, min: 1, max: 2, n: 2 }, { median: 3.5, min: 3, max: 4, n: 2 })).toBe(false);
  });
});

describe('sameHdrBucket', () => {
  it("holds for latencies equal at the histogram's 3 significant digits", () => {
    expect(sameHdrBucket(42_010, 42_040)).toBe(true);
    expect(sameHdrBucket(999.6, 1000.4)).toBe(true);
    expect(sameHdrBucket(158_600, 159_400)).toBe(true);
  });

  it('does not hold for latencies 1 % apart at 3 significant digits', () => {
    expect(sameHdrBucket(42_000, 42_420)).toBe(false);
    expect(sameHdrBucket(100, 101)).toBe(false);
    expect(sameHdrBucket(980, 984)).toBe(false);
  });
});
