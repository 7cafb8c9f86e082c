import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderMarkdown, renderTerminal, writeIndexReport, writeReport } from '@kvbench/report';
import { addToHistory, emptyHistory, historyEntry } from '@kvbench/compare';
import { readResults } from '@kvbench/runner';
import type { Results } from '@kvbench/schemas';
import { parse } from '../args.js';
import { colourFor } from '../colour.js';
import { projectPaths } from '../paths.js';
import { UsageError } from '../usage-error.js';
import { readHistory } from './history.js';
import { usage } from './spec.js';

export async function reportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('report', argv);
  for (const flag of ['history', 'results-dir'] as const) {
    if (values[flag] && !values.index) throw new UsageError(`kvbench report: --${flag} is for the index page: give --index with it`);
  }
  const paths = projectPaths();
  const reportsDir = values['report-dir'] ? path.resolve(values['report-dir']) : paths.reports;
  if (values.index) {
    const files = await resultsFiles(values['results-dir'] ? path.resolve(values['results-dir']) : paths.results);
    const all: Array<{ file: string; results: Results }> = [];
    for (const file of files) all.push({ file, results: await readResults(file) });
    const kept = values.history ? await readHistory(path.resolve(values.history)) : emptyHistory();
    const history = addToHistory(
      kept,
      all.map(({ results }) => historyEntry(results)),
    );
    const page = await writeIndexReport(all, reportsDir, { history: history.entries });
    process.stdout.write(`index: ${path.relative(process.cwd(), page) || page}\n`);
    if (positionals.length === 0) return 0;
  }
  if (positionals.length === 0) throw new UsageError(`kvbench report: give at least one results file\n${usage('report')}`);
  const results: Results[] = [];
  for (const file of positionals) results.push(await readResults(file));
  if (values.terminal) for (const r of results) process.stdout.write(`${renderTerminal(r, { color: colourFor(process.stdout) })}\n`);
  if (values.markdown) await writeFile(values.markdown, `${results.map(renderMarkdown).join('\n\n')}\n`, { flag: 'a' });
  const report = await writeReport(results, reportsDir);
  process.stdout.write(`report: ${path.relative(process.cwd(), report) || report}\n`);
  return 0;
}

/** Every results file under results/ (baseline included), oldest first by file name (ids sort by time). */
async function resultsFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.json')) found.push(path.join(entry.parentPath, entry.name));
  }
  return found.sort((a, b) => path.basename(a).localeCompare(path.basename(b)));
}
