import { z } from 'zod';

const num = z.number().finite();
const count = z.number().int().min(0);

/**
 * A comparison: baseline vs current, per server, step and metric, with the change, the verdict and a short reason.
 * `@kvbench/compare` produces it, `@kvbench/report` draws it; defined here so neither depends on the other.
 */
export const ComparisonVerdict = z.enum(['regression', 'improvement', 'no-change', 'not-compared']);
export type ComparisonVerdict = z.infer<typeof ComparisonVerdict>;

/** The metrics a scenario's `thresholds` name: one threshold each. */
export const ComparisonMetric = z.enum(['rps', 'p50', 'p99', 'cpuPerRequest', 'peakRss', 'failures']);
export type ComparisonMetric = z.infer<typeof ComparisonMetric>;

/** Median over repeats and its min–max spread, in the metric's unit (req/s, µs, bytes, failed requests). */
export const ComparisonValueSchema = z.strictObject({ median: num, min: num, max: num, n: count });
export type ComparisonValue = z.infer<typeof ComparisonValueSchema>;

export const ComparisonSideSchema = z.strictObject({
  /** Results id of the file this side came from. */
  resultsId: z.string(),
  /** Where it was read from, as the user named it (shown, never fetched). */
  file: z.string().optional(),
  /** A human label, e.g. "main @ 3f9c2a7" or "base". */
  label: z.string().optional(),
  startedAt: z.iso.datetime(),
  gitCommit: z.string().nullable(),
  complete: z.boolean(),
});
export type ComparisonSide = z.infer<typeof ComparisonSideSchema>;

export const ComparisonRowSchema = z.strictObject({
  server: z.string(),
  variant: z.string().optional(),
  step: z.string(),
  metric: ComparisonMetric,
  /** Which way is better: RPS up, everything else down. */
  better: z.enum(['higher', 'lower']),
  baseline: ComparisonValueSchema.nullable(),
  current: ComparisonValueSchema.nullable(),
  /** (current − baseline) / baseline × 100, on the medians; null when either side is missing or baseline is 0. */
  changePct: num.nullable(),
  /** The allowed change before it counts, in percent (the scenario's threshold × 100). */
  thresholdPct: num,
  verdict: ComparisonVerdict,
  /** One short sentence, e.g. "+14.2 % > 10 % and outside the baseline's spread". */
  reason: z.string(),
});
export type ComparisonRow = z.infer<typeof ComparisonRowSchema>;

export const ComparisonViewSchema = z.strictObject({
  kind: z.literal('kvbench.comparison'),
  schemaVersion: z.literal(1),
  scenario: z.string(),
  baseline: ComparisonSideSchema,
  current: ComparisonSideSchema,
  /** Overall: "regression" when any row regressed. */
  verdict: z.enum(['regression', 'improvement', 'no-change']),
  /** The rule in plain words (medians of repeats, thresholds, spread), shown under the table. */
  rule: z.string(),
  rows: z.array(ComparisonRowSchema),
  /** What makes the comparison weaker, e.g. "baseline ran on another machine" or "current is partial". */
  warnings: z.array(z.string()),
});
export type ComparisonView = z.infer<typeof ComparisonViewSchema>;
