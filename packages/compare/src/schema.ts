import {
  ComparisonViewSchema,
  type ComparisonMetric,
  type ComparisonRow as ViewRow,
  type ComparisonSide,
  type ComparisonValue,
  type ComparisonVerdict,
  type ComparisonView,
} from '@kvbench/schemas';

/**
 * A comparison is exactly what the report's comparison page draws: one contract, defined once, in
 * @kvbench/schemas (comparison.ts), which the report's comparison page draws. `compare` produces it and the tests validate it against this schema.
 */
export const ComparisonSchema = ComparisonViewSchema;
export type Comparison = ComparisonView;
export type ComparisonRow = ViewRow;
export type Verdict = ComparisonVerdict;
export type MetricKey = ComparisonMetric;
/** Median and min–max of one side's repeats. */
export type Spread = ComparisonValue;
export type Source = ComparisonSide;
