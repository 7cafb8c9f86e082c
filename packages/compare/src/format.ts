import type { MetricUnit } from './metrics.js';
import type { Spread } from './schema.js';

const thousands = (value: number, digits = 0) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** A value with its unit, at a precision a reader can compare at a glance: "312 µs", "1.24 ms", "48.2 MiB". */
export function formatValue(value: number | null, unit: MetricUnit): string {
  if (value === null) return 'n/a';
  switch (unit) {
    case 'us':
      if (value >= 1_000_000) return `${(value / 1_000_000).toFixed(2)} s`;
      if (value >= 1000) return `${(value / 1000).toFixed(2)} ms`;
      return `${value >= 100 ? thousands(value) : thousands(value, 1)} µs`;
    case 'rps':
      return `${thousands(value)} req/s`;
    case 'bytes':
      if (value >= 1024 ** 3) return `${(value / 1024 ** 3).toFixed(2)} GiB`;
      if (value >= 1024 ** 2) return `${(value / 1024 ** 2).toFixed(1)} MiB`;
      return `${thousands(value / 1024, 1)} KiB`;
    case 'requests':
      return thousands(value, Number.isInteger(value) ? 0 : 1);
  }
}

/** The change in percent as measured, signed: "+21.4%", "−3.0%", "0%"; "from 0" when the baseline was 0. */
export function formatChange(changePct: number | null, baselineMedian: number | null): string {
  if (changePct === null) return baselineMedian === 0 ? 'from 0' : 'n/a';
  if (changePct === 0) return '0%';
  const text = `${Math.abs(changePct).toFixed(1)}%`;
  return changePct > 0 ? `+${text}` : `−${text}`;
}

/** "312 µs (305–320, n=3)": the median, and the range of repeats it was judged with. */
export function formatSpread(s: Spread | null, unit: MetricUnit): string {
  if (s === null) return 'n/a';
  const median = formatValue(s.median, unit);
  if (s.n < 2) return `${median} (n=${s.n})`;
  const suffix = (text: string) => text.slice(text.lastIndexOf(' '));
  let low = formatValue(s.min, unit);
  let high = formatValue(s.max, unit);
  // The range in the median's unit needs no unit of its own: "9.00 ms (8.91–9.09, n=3)".
  if (median.includes(' ') && suffix(low) === suffix(median) && suffix(high) === suffix(median)) {
    low = low.slice(0, low.lastIndexOf(' '));
    high = high.slice(0, high.lastIndexOf(' '));
  }
  return `${median} (${low}–${high}, n=${s.n})`;
}
