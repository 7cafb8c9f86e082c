import path from 'node:path';
import { readResults, writeFileAtomic } from '@kvbench/runner';
import { parse } from '../args.js';
import { toBencher } from '../export/bencher.js';
import { toCsv } from '../export/csv.js';
import { exportRows, type ExportRow } from '../export/figures.js';
import { toActionBenchmark } from '../export/github-action-benchmark.js';
import { UsageError } from '../usage-error.js';

const FORMATS: Record<string, (rows: readonly ExportRow[]) => string> = {
  csv: toCsv,
  'github-action-benchmark': (rows) => toActionBenchmark(rows, 'smaller'),
  'github-action-benchmark-bigger': (rows) => toActionBenchmark(rows, 'bigger'),
  bencher: toBencher,
};

export const exportUsage = `kvbench export <results.json> --format FORMAT [--out FILE]
  One entry per server and step: RPS, p50 and p99 latency (µs), server CPU per request (µs), success rate (0–1),
  failed requests and peak RSS (bytes), each the median over the repeats with their min and max, as the report shows.
  --format csv                             a header row, then one row per server and step (RFC 4180)
  --format github-action-benchmark         JSON for github-action-benchmark with tool: customSmallerIsBetter
                                           (latency, CPU per request, failed requests, peak RSS)
  --format github-action-benchmark-bigger  the same with tool: customBiggerIsBetter (RPS, success rate): the action
                                           takes one direction per file, so chart both with two steps
  --format bencher                         Bencher Metric Format JSON, for bencher run --adapter json --file FILE
  --out FILE                               write there instead of to stdout (folders are created; an existing file
                                           is never replaced: exit 2)`;

export async function exportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('export', argv, { format: { type: 'string' }, out: { type: 'string' } });
  if (positionals.length !== 1) throw new UsageError(`kvbench export: expected one results file, got ${positionals.length}\n${exportUsage}`);
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
