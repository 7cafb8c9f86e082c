import { z } from 'zod';
import { ComparisonMetric, ComparisonValueSchema } from './comparison.js';

/**
 * The gate metrics of many runs over commits, small enough to keep between CI runs (on a branch or as an artifact,
 * as github-action-benchmark keeps its data file), so `kvbench report --index` can draw a trend across pull
 * requests without every results file. `kvbench history` appends to it; `@kvbench/compare` makes its entries from
 * results files, with the same metric definitions the regression rule judges.
 */
export const HistoryPointSchema = z.strictObject({
  server: z.string(),
  /** `base` / `head` of a same-run A/B; absent for a plain run. */
  variant: z.string().optional(),
  step: z.string(),
  metric: ComparisonMetric,
  /** Median over the repeats that count (finished runs), with min–max and how many. */
  value: ComparisonValueSchema,
});
export type HistoryPoint = z.infer<typeof HistoryPointSchema>;

export const HistoryEntrySchema = z.strictObject({
  /** The results file's id: one entry per results file, so appending the same file twice changes nothing. */
  resultsId: z.string(),
  scenario: z.string(),
  startedAt: z.iso.datetime(),
  gitCommit: z.string().nullable(),
  gitDirty: z.boolean().nullable(),
  /**
   * CPU model, cores and host: absolute CPU per request moves from machine to machine more than any threshold, so
   * the index marks points that come from another machine than the newest one.
   */
  machine: z.string(),
  /** Runs flagged machine-busy or machine-drift (DISTURBED_WARNINGS): the point is drawn, and named as disturbed. */
  disturbed: z.boolean(),
  points: z.array(HistoryPointSchema),
});
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

export const HistorySchema = z.strictObject({
  $schema: z.string().optional(),
  kind: z.literal('kvbench.history'),
  schemaVersion: z.literal(1),
  /** Oldest first by startedAt. */
  entries: z.array(HistoryEntrySchema),
});
export type History = z.infer<typeof HistorySchema>;
