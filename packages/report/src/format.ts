/**
 * Number formatting shared by every renderer, so a figure reads the same in the terminal, Markdown and HTML.
 * No locale: reports must not change with the machine that renders them.
 */

function group(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function fmtFixed(value: number, decimals: number): string {
  if (!Number.isFinite(value)) return String(value);
  const [whole, frac] = Math.abs(value).toFixed(decimals).split('.');
  const sign = value < 0 && Number(`${whole}.${frac ?? 0}`) !== 0 ? '-' : '';
  return `${sign}${group(whole!)}${frac ? `.${frac}` : ''}`;
}

export const fmtInt = (value: number): string => fmtFixed(Math.round(value), 0);

/**
 * Significant digits of every measured figure we print or draw. The latency histogram keeps
 * numberOfSignificantValueDigits 3, so a fourth digit would be noise that reads like measurement; the other measured
 * figures (RPS, CPU, memory, durations) are not more precise than the latencies beside them. Counts stay exact.
 */
export const SIG_DIGITS = 3;

/** The value at SIG_DIGITS significant digits: the one number we print, draw, and compare for ties. */
export function roundSig(value: number, digits = SIG_DIGITS): number {
  if (!Number.isFinite(value) || value === 0) return value;
  return Number(value.toPrecision(digits));
}

/** "75.6", "257", "1,230", "0.980": trailing zeros stay, they are digits the histogram holds. */
export function fmtSig(value: number, digits = SIG_DIGITS): string {
  if (!Number.isFinite(value)) return String(value);
  const rounded = roundSig(value, digits);
  if (rounded === 0) return '0';
  // The exponent from the rounded value's own notation: Math.log10 is off by one just below powers of ten.
  const exponent = Number(rounded.toExponential().split('e')[1]);
  return fmtFixed(rounded, Math.max(0, digits - 1 - exponent));
}

/** Requests per second (measured): significant digits like every other figure, "19,600", "988", "99.9". */
export const fmtRps = (value: number): string => fmtSig(value);

/**
 * An offered rate, req/s: a setting the load generator was given (a probe's rate, an equal-rate step's), not a
 * measurement, so exact like a request count — "12,345" reads the same here as in the probe table and the results.
 */
export const fmtOffered = (value: number): string => fmtInt(value);

/**
 * A time from microseconds, in the unit that keeps it to SIG_DIGITS digits: "980 µs", "75.6 ms", "1.23 s", "2.05 min".
 * The unit is chosen after rounding, so 999.6 µs reads "1.00 ms", never "1,000 µs".
 */
export function fmtTimeUs(us: number): string {
  if (!Number.isFinite(us)) return String(us);
  const size = Math.abs(roundSig(us));
  if (size < 1000) return `${fmtSig(us)} µs`;
  if (size < 1e6) return `${fmtSig(us / 1000)} ms`;
  if (size < 120e6) return `${fmtSig(us / 1e6)} s`;
  return `${fmtSig(us / 60e6)} min`;
}

/** Latency, recorded in µs. */
export const fmtLatency = (us: number): string => fmtTimeUs(us);

/** A duration recorded in ms (a step, a build, a cold start). */
export const fmtDuration = (ms: number): string => fmtTimeUs(ms * 1000);

/** Server CPU per request: always in µs, the unit of its column and chart. */
export const fmtUs = (us: number): string => `${fmtSig(us)} µs`;

/**
 * A fraction 0..1 as a percentage; exactly 1 stays "100 %" so a perfect run looks perfect. Two decimals, not
 * significant digits: a success rate is a ratio of exact counts, and 99.99 % must not round up to 100 %.
 */
export const fmtPct = (fraction: number): string => (fraction === 1 ? '100 %' : `${fmtFixed(fraction * 100, 2)} %`);

export const fmtCores = (cores: number): string => fmtSig(cores);

export function fmtBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${fmtInt(value)} B` : `${fmtSig(value)} ${units[unit]}`;
}

/** Signed change in percent, e.g. "+12.3 %" / "−4.0 %" (a real minus sign: it does not wrap away from its number). */
export function fmtChange(pct: number): string {
  if (pct === 0) return '0 %';
  return `${pct > 0 ? '+' : '−'}${fmtFixed(Math.abs(pct), 1)} %`;
}

/** Fixed decimals, for what is not a measured figure (percent changes, percentiles, positions on a time axis). */
export function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

export const MIB = 1024 * 1024;

/** "41.3 – 42.8 ms": the unit once, when both ends share it. */
export function fmtRange(lo: string, hi: string, separator = ' – '): string {
  const unit = /\s(\S+)$/;
  const a = unit.exec(lo)?.[1];
  const b = unit.exec(hi)?.[1];
  return a && a === b && !/\d/.test(a) ? `${lo.slice(0, -a.length - 1)}${separator}${hi}` : `${lo}${separator}${hi}`;
}

/** "1 step", "4 steps". */
export const plural = (n: number, word: string): string => `${fmtInt(n)} ${word}${n === 1 ? '' : 's'}`;
