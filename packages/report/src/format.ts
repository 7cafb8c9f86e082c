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

/** Requests per second: whole numbers once they are large, two decimals for the blog's 99.91. */
export const fmtRps = (value: number): string => (Math.abs(value) >= 1000 ? fmtInt(value) : fmtFixed(value, 2));

/** Latency in milliseconds with microsecond precision, the unit the blog used. */
export const fmtMs = (us: number): string => `${fmtFixed(us / 1000, 3)} ms`;

export const fmtUs = (us: number): string => `${fmtFixed(us, us >= 100 ? 0 : 1)} µs`;

/** A fraction 0..1 as a percentage; exactly 1 stays "100 %" so a perfect run looks perfect. */
export const fmtPct = (fraction: number): string => (fraction === 1 ? '100 %' : `${fmtFixed(fraction * 100, 2)} %`);

export const fmtCores = (cores: number): string => fmtFixed(cores, 2);

export function fmtBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${fmtInt(value)} B` : `${fmtFixed(value, value >= 100 ? 0 : 1)} ${units[unit]}`;
}

export function fmtDuration(ms: number): string {
  if (Math.abs(ms) < 1000) return `${fmtFixed(ms, ms >= 100 ? 0 : 1)} ms`;
  if (Math.abs(ms) < 120_000) return `${fmtFixed(ms / 1000, 2)} s`;
  return `${fmtFixed(ms / 60_000, 1)} min`;
}

/** Signed change in percent, e.g. "+12.3 %" / "−4.0 %" (a real minus sign: it does not wrap away from its number). */
export function fmtChange(pct: number): string {
  if (pct === 0) return '0 %';
  return `${pct > 0 ? '+' : '−'}${fmtFixed(Math.abs(pct), 1)} %`;
}

/** Rounds for charts and tables alike, so the number drawn is the number printed. */
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
