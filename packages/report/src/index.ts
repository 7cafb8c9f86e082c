export { renderHtml, type HtmlOptions } from './html/report.js';
export { renderComparisonHtml } from './html/comparison.js';
export { renderIndexHtml, type IndexEntry, type IndexOptions } from './html/index-page.js';
export { renderMarkdown } from './markdown.js';
export { renderTerminal, type TerminalOptions } from './terminal.js';
export { writeReport, writeComparisonReport, writeIndexReport, reportFileName, comparisonFileName } from './write.js';
export { blogPublished, BLOG_LABEL, BlogPublishedSchema, type BlogPublished } from './blog-published.js';
export { escapeHtml, jsonForScript } from './escape.js';
export { WARNING_EXPLANATIONS, groupWarnings, type WarningExplanation, type WarningGroup } from './warnings.js';
export { buildViews, cellOf, type Cell, type ScenarioView } from './view.js';
// Every figure a report shows, with its median/min/max over the repeats: what `kvbench export` writes out.
export { METRICS, type MetricDef, type MetricKey } from './metrics.js';
export type { Spread } from './stats.js';
export { verdictOf, type Verdict } from './verdict.js';
// The figure formats, for the CLI's live lines: a run prints its p99 and RPS exactly as the report will.
export { buildTimeText } from './build-figures.js';
export { SIG_DIGITS, fmtBytes, fmtDuration, fmtLatency, fmtPct, fmtRange, fmtRps, fmtUs } from './format.js';
