import { describe, expect, it } from 'vitest';
import { stopGraceMs } from '../src/index.js';

describe('stop grace', () => {
  it('is 10 s for a server under a GiB, and 10 s more per GiB it holds, so a big final flush is not called a hang', () => {
    expect(stopGraceMs(null)).toBe(10_000);
    expect(stopGraceMs(300 * 2 ** 20)).toBe(10_000);
    // A review measured 23 s to stop a Rust store of a few GiB: 3.5 GiB gets 40 s.
    expect(stopGraceMs(3.5 * 2 ** 30)).toBe(40_000);
  });
});
