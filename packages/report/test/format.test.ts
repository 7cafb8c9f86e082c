import { describe, expect, it } from 'vitest';
import { fmtBytes, fmtChange, fmtCores, fmtDuration, fmtInt, fmtLatency, fmtPct, fmtRange, fmtRps, fmtSig, fmtUs, roundSig } from '../src/format.js';

describe('formatting', () => {
  it('prints latency to the 3 significant digits the HDR histogram holds, in the unit that fits', () => {
    expect(fmtLatency(75_649)).toBe('75.6 ms');
    expect(fmtLatency(257_400)).toBe('257 ms');
    expect(fmtLatency(1_234_567)).toBe('1.23 s');
    expect(fmtLatency(980)).toBe('980 µs');
    expect(fmtLatency(42_028)).toBe('42.0 ms');
    expect(fmtLatency(1_273_062)).toBe('1.27 s');
  });

  it('chooses the unit after rounding, so a value just under a boundary does not print four digits', () => {
    expect(fmtLatency(999.6)).toBe('1.00 ms');
    expect(fmtLatency(999_700)).toBe('1.00 s');
    expect(fmtDuration(4.312)).toBe('4.31 ms');
    expect(fmtDuration(61_040)).toBe('61.0 s');
    expect(fmtDuration(123_000)).toBe('2.05 min');
  });

  it('keeps the trailing zeros of 3 significant digits and groups thousands', () => {
    expect(fmtSig(0.97)).toBe('0.970');
    expect(fmtSig(1234)).toBe('1,230');
    expect(fmtSig(0)).toBe('0');
    expect(fmtSig(-28.94)).toBe('-28.9');
    expect(roundSig(158_921)).toBe(159_000);
  });

  it('prints RPS, CPU per request, cores and memory to 3 significant digits too', () => {
    expect(fmtRps(112_527.73)).toBe('113,000');
    expect(fmtRps(19_570.4)).toBe('19,600');
    expect(fmtRps(99.91)).toBe('99.9');
    expect(fmtUs(28.94)).toBe('28.9 µs');
    expect(fmtUs(1234.5)).toBe('1,230 µs');
    expect(fmtCores(1.9449)).toBe('1.94');
    expect(fmtBytes(18 * 1024 * 1024)).toBe('18.0 MiB');
    expect(fmtBytes(2_412_544)).toBe('2.30 MiB');
  });

  it('keeps counts exact: requests, failures and bytes under a KiB are not measurements to round', () => {
    expect(fmtInt(1_000_000)).toBe('1,000,000');
    expect(fmtInt(999_863)).toBe('999,863');
    expect(fmtBytes(512)).toBe('512 B');
  });

  it('prints a perfect success rate as 100 % and anything less with two decimals, never rounding up to 100 %', () => {
    expect(fmtPct(1)).toBe('100 %');
    expect(fmtPct(0.9999)).toBe('99.99 %');
  });

  it('signs a change with a real minus sign', () => {
    expect(fmtChange(20.49)).toBe('+20.5 %');
    expect(fmtChange(-4)).toBe('−4.0 %');
  });

  it('writes a range with its unit once', () => {
    expect(fmtRange('41.3 ms', '42.8 ms')).toBe('41.3 – 42.8 ms');
    expect(fmtRange('900 KiB', '1.10 MiB')).toBe('900 KiB – 1.10 MiB');
  });
});
