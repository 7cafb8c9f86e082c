export {
  compare,
  compareVariants,
  exitCodeFor,
  gateRegressions,
  overallVerdict,
  ruleSummary,
  type CompareOptions,
  type VariantOptions,
} from './compare.js';
export { confirmRegressions, flaggedForRerun } from './confirm.js';
export * from './errors.js';
export { addToHistory, emptyHistory, historyEntry, machineOf, parseHistory } from './history.js';
export { formatChange, formatSpread, formatValue } from './format.js';
export { compareFiles, loadForCompare, loadResultsFile, type LoadedPair } from './load.js';
export { renderComparisonMarkdown } from './markdown.js';
export { METRICS, metricSpec, type MetricSpec, type MetricUnit } from './metrics.js';
export {
  DEFAULT_ALPHA,
  DEFAULT_T_ALPHA,
  decide,
  relativeChange,
  type Decision,
  type RuleInput,
  type Tests,
} from './rule.js';
export * from './schema.js';
export {
  mannWhitney,
  median,
  midranks,
  smallestPValue,
  studentT,
  studentTUpperTail,
  type RankTest,
  type TTest,
} from './stats.js';
