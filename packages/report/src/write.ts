import { access, mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Results } from '@kvbench/schemas';
import type { ComparisonView } from '@kvbench/schemas';
import { renderComparisonHtml } from './html/comparison.js';
import { renderIndexHtml, type IndexEntry, type IndexOptions } from './html/index-page.js';
import { renderHtml, type HtmlOptions } from './html/report.js';

/** File names keep to letters, digits, dot, dash and underscore, whatever a scenario or results id contains. */
const safe = (s: string) =>
  s
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/\.{2,}/g, '_')
    .replace(/_{2,}/g, '_')
    .replace(/^[._]+/, '') || 'report';

/**
 * `<scenario>-<results id>.html`. Results ids already start with their scenario's name
 * (`blog-quick-20261122T031500Z`), and then the id alone is the name — never `blog-quick-blog-quick-…`.
 */
export function reportFileName(results: readonly Results[]): string {
  const first = results[0]!;
  const scenario = [...new Set(results.map((r) => r.scenario.name))].join('+');
  const id = results.length > 1 ? `${first.id}+${results.length - 1}` : first.id;
  const name = id.startsWith(`${scenario}-`) ? id : `${scenario}-${id}`;
  return `${safe(name)}.html`;
}

/** `comparison-<current id>-vs-<baseline id>.html` */
export function comparisonFileName(comparison: ComparisonView): string {
  return `${safe(`comparison-${comparison.current.resultsId}-vs-${comparison.baseline.resultsId}`)}.html`;
}

/** Written whole or not at all (temp file + rename): a reader never opens half a report. */
async function writeAtomically(file: string, text: string): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, text);
  await rename(temp, file);
  return file;
}

/** Renders the HTML report and writes it into reportsDir; returns the path written. */
export async function writeReport(results: readonly Results[], reportsDir: string, options: HtmlOptions = {}): Promise<string> {
  if (results.length === 0) throw new Error('writeReport needs at least one results object');
  return writeAtomically(path.join(reportsDir, reportFileName(results)), renderHtml(results, options));
}

/** Writes the comparison page into reportsDir; returns its path. */
export async function writeComparisonReport(comparison: ComparisonView, reportsDir: string): Promise<string> {
  return writeAtomically(path.join(reportsDir, comparisonFileName(comparison)), renderComparisonHtml(comparison));
}

/**
 * Writes reportsDir/index.html for the given results files. Each entry links to its own report beside the index;
 * a report that is not there yet is written first, so every link opens. Returns the index's path.
 */
export async function writeIndexReport(
  entries: ReadonlyArray<{ file: string; results: Results }>,
  reportsDir: string,
  options: IndexOptions = {},
): Promise<string> {
  const index: IndexEntry[] = [];
  for (const { file, results } of entries) {
    const name = reportFileName([results]);
    const report = path.join(reportsDir, name);
    const exists = await access(report).then(
      () => true,
      () => false,
    );
    if (!exists) await writeReport([results], reportsDir);
    index.push({ href: name, results, source: path.relative(reportsDir, file).split(path.sep).join('/') });
  }
  return writeAtomically(path.join(reportsDir, 'index.html'), renderIndexHtml(index, options));
}
