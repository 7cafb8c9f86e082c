import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  CompareInputError,
  ComparisonSchema,
  EXIT_BAD_INPUT,
  compare,
  exitCodeFor,
  loadForCompare,
  renderComparisonMarkdown,
  type Comparison,
} from '@kvbench/compare';
import { writeComparisonReport } from '@kvbench/report';
import { parse } from '../args.js';
import { projectPaths } from '../paths.js';
import { UsageError } from '../usage-error.js';
import { usage } from './spec.js';

export async function compareCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('compare', argv);
  if (positionals.length !== 2) throw new UsageError(`kvbench compare: expected two results files, got ${positionals.length}\n${usage('compare')}`);
  let comparison: Comparison;
  try {
    const pair = await loadForCompare(positionals[0]!, positionals[1]!);
    comparison = compare(pair.baseline, pair.current, { baselineFile: pair.baselineFile, currentFile: pair.currentFile });
  } catch (error) {
    if (error instanceof CompareInputError) {
      process.stderr.write(`kvbench compare: ${error.message}\n`);
      return EXIT_BAD_INPUT;
    }
    throw error;
  }
  return publishComparison(comparison, { markdown: values.markdown, json: values.json, reportOnly: Boolean(values['report-only']) });
}

/** Markdown to stdout (and a file), the HTML page under reports/, then the exit status the verdict calls for. */
export async function publishComparison(
  comparison: Comparison,
  options: { markdown?: string | undefined; json?: string | undefined; reportOnly: boolean },
): Promise<number> {
  const markdown = renderComparisonMarkdown(comparison);
  process.stdout.write(`${markdown}\n`);
  if (options.markdown) await writeFile(options.markdown, `${markdown}\n`, { flag: 'a' });
  if (options.json) await writeFile(options.json, `${JSON.stringify(ComparisonSchema.parse(comparison), null, 2)}\n`);
  const page = await writeComparisonReport(comparison, projectPaths().reports);
  process.stdout.write(`comparison report: ${path.relative(process.cwd(), page) || page}\n`);
  const code = exitCodeFor(comparison);
  if (code !== 0 && options.reportOnly) {
    process.stdout.write('regressions reported above; --report-only: not failing on them\n');
    return 0;
  }
  return code;
}
