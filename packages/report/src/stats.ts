import { roundSig } from './format.js';

/** A figure over the repeats of one (server, step): the median is what reports show, min–max its spread. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  /** Repeats that had this figure. */
  n: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Null when no repeat had the figure (a crashed run has no latency; an external server no CPU). */
export function spread(values: ReadonlyArray<number | null | undefined>): Spread | null {
  const present = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (present.length === 0) return null;
  return { median: median(present), min: Math.min(...present), max: Math.max(...present), n: present.length };
}

/** True when the two ranges overlap: the repeats cannot tell the two apart. */
export function overlaps(a: Spread, b: Spread): boolean {
  return a.min <= b.max && b.min <= a.max;
}

/**
 * True when two latencies fall in the same HDR bucket: the histogram records with numberOfSignificantValueDigits
 * SIG_DIGITS, so values equal at that many significant digits cannot be told apart and must not be ranked.
 */
export function sameHdrBucket(a: number, b: number): boolean {
  return roundSig(a) === roundSig(b);
}
