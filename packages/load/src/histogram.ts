import * as hdr from 'hdr-histogram-js';

export type Histogram = hdr.Histogram;

/**
 * Latencies in microseconds, 3 significant digits (0.1 %), growing as needed. The plain-JS implementation, not
 * WebAssembly: nothing to free, and the cost per record is far below a request's.
 */
export function latencyHistogram(): Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3, autoResize: true });
}

export function encodeHistogram(histogram: Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

export function decodeHistogram(encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded);
}

/** p99 of what the histogram holds, or null when it holds nothing. */
export function p99OrNull(histogram: Histogram): number | null {
  return histogram.totalCount > 0 ? histogram.getValueAtPercentile(99) : null;
}
