import * as hdr from 'hdr-histogram-js';
import type { Latency } from '@kvbench/schemas';

/** 1 µs to 10 min at 3 significant digits: every latency a 10 s-timeout load can produce, to 0.1 %. */
export const HISTOGRAM_OPTIONS = {
  lowestDiscernibleValue: 1,
  highestTrackableValue: 600_000_000,
  numberOfSignificantValueDigits: 3,
} as const;

export function newHistogram(): hdr.Histogram {
  return hdr.build(HISTOGRAM_OPTIONS);
}

/**
 * Percentiles for the spectrum plot: the classic HDR ladder, each step halving the distance to 100 %
 * (50, 75, 87.5, … 99.999), plus a few round ones a reader looks for.
 */
export const SPECTRUM_PERCENTILES: readonly number[] = (() => {
  const points = new Set<number>([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.9, 99.99, 99.999, 100]);
  for (let k = 1; k <= 17; k++) points.add(Number((100 * (1 - 2 ** -k)).toFixed(5)));
  return [...points].filter((p) => p <= 100).sort((a, b) => a - b);
})();

/** Summarizes an HDR histogram of microseconds (base64-compressed, as the load generators hand it over). */
export function summarizeLatency(encoded: string): Latency {
  const histogram = hdr.decodeFromCompressedBase64(encoded);
  return summarizeHistogram(histogram, encoded);
}

export function summarizeHistogram(histogram: hdr.Histogram, encoded?: string): Latency {
  const count = histogram.totalCount;
  const at = (p: number) => (count ? histogram.getValueAtPercentile(p) : 0);
  return {
    count,
    minUs: count ? histogram.minNonZeroValue : 0,
    meanUs: count ? histogram.mean : 0,
    stddevUs: count ? histogram.stdDeviation : 0,
    p50Us: at(50),
    p90Us: at(90),
    p99Us: at(99),
    p999Us: at(99.9),
    maxUs: count ? histogram.maxValue : 0,
    spectrum: count ? SPECTRUM_PERCENTILES.map((percentile) => ({ percentile, valueUs: at(percentile) })) : [],
    ...(encoded ? { hdr: encoded } : {}),
  };
}

/** Merges several encoded histograms exactly (HDR histograms add bucket by bucket). */
export function mergeHistograms(encoded: readonly string[]): string {
  const total = newHistogram();
  for (const e of encoded) total.add(hdr.decodeFromCompressedBase64(e));
  return hdr.encodeIntoCompressedBase64(total);
}
