import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderMarkdown, renderTerminal, writeIndexReport, writeReport } from '@kvbench/report';
import { readResults } from '@kvbench/runner';
import type { Results } from '@kvbench/schemas';
import { parse } from '../args.js';
import { colourFor } from '../colour.js';
import { projectPaths } from '../paths.js';
import { UsageError } from '../usage-error.js';
import { usage } from './spec.js';

export async function reportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('report', argv);
  const paths = projectPaths();
  if (values.index) {
    const files = await resultsFiles(paths.results);
    const all: Array<{ file: string; results: Results }> = [];
    for (const file of files) all.push({ file, results: await readResults(file) });
    const page = await writeIndexReport(all, paths.reports);
    process.stdout.write(`index: ${path.relative(process.cwd(), page) || page}\n`);
    if (positionals.length === 0) return 0;
  }
  if (positionals.length === 0) throw new UsageError(`kvbench report: give at least one results file\n${usage('report')}`);
  const results: Results[] = [];
  for (const file of positionals) results.push(await readResults(file));
  if (values.terminal) for (const r of results) process.stdout.write(`${renderTerminal(r, { color: colourFor(process.stdout) })}\n`);
  if (values.markdown) await writeFile(values.markdown, `${results.map(renderMarkdown).join('\n\n')}\n`, { flag: 'a' });
  const report = await writeReport(results, paths.reports);
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
