import path from 'node:path';
import { readResults, writeFileAtomic } from '@kvbench/runner';
import { parse } from '../args.js';
import { toBencher } from '../export/bencher.js';
import { toCsv } from '../export/csv.js';
import { exportRows, type ExportRow } from '../export/figures.js';
import { toActionBenchmark } from '../export/github-action-benchmark.js';
import { UsageError } from '../usage-error.js';
import { usage } from './spec.js';

const FORMATS: Record<string, (rows: readonly ExportRow[]) => string> = {
  csv: toCsv,
  'github-action-benchmark': (rows) => toActionBenchmark(rows, 'smaller'),
  'github-action-benchmark-bigger': (rows) => toActionBenchmark(rows, 'bigger'),
  bencher: toBencher,
};

export async function exportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('export', argv);
  if (positionals.length !== 1) throw new UsageError(`kvbench export: expected one results file, got ${positionals.length}\n${usage('export')}`);
  const render = values.format ? FORMATS[values.format] : undefined;
  if (!render) {
    const given = values.format ? `--format ${values.format} is not one of` : '--format is required, one of';
    throw new UsageError(`kvbench export: ${given} ${Object.keys(FORMATS).join(', ')}`);
  }
  const text = render(exportRows(await readResults(positionals[0]!)));
  if (values.out) await writeFileAtomic(path.resolve(values.out), text, { replace: false });
  else process.stdout.write(text);
  return 0;
}
