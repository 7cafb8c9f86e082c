import { describe, expect, it } from 'vitest';
import { fmtBytes, fmtChange, fmtMs, fmtPct, fmtRange, fmtRps, fmtUs } from '../src/format.js';

describe('formatting', () => {
  it('prints latency in milliseconds with microsecond precision', () => {
    expect(fmtMs(42_028)).toBe('42.028 ms');
    expect(fmtMs(1_273_062)).toBe('1,273.062 ms');
  });

  it("prints RPS as whole numbers when large and with the blog's two decimals when small", () => {
    expect(fmtRps(112_527.73)).toBe('112,528');
    expect(fmtRps(99.91)).toBe('99.91');
  });

  it('prints a perfect success rate as 100 % and anything less with two decimals', () => {
    expect(fmtPct(1)).toBe('100 %');
    expect(fmtPct(0.9999)).toBe('99.99 %');
  });

  it('scales bytes to binary units and CPU per request to µs', () => {
    expect(fmtBytes(18 * 1024 * 1024)).toBe('18.0 MiB');
    expect(fmtBytes(512)).toBe('512 B');
    expect(fmtUs(28.94)).toBe('28.9 µs');
  });

  it('signs a change with a real minus sign', () => {
    expect(fmtChange(20.49)).toBe('+20.5 %');
    expect(fmtChange(-4)).toBe('−4.0 %');
  });

  it('writes a range with its unit once', () => {
    expect(fmtRange('41.277 ms', '42.778 ms')).toBe('41.277 – 42.778 ms');
    expect(fmtRange('900 KiB', '1.1 MiB')).toBe('900 KiB – 1.1 MiB');
  });
});
