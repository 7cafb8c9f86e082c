import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { METRICS } from '@kvbench/report';
import type { Results } from '@kvbench/schemas';
// The compare package's fixture: runs with exactly the figures given, three repeats ±1 % around them.
import { repeatsOf, resultsOf } from '../../compare/test/support/results.js';
import { toBencher } from '../src/export/bencher.js';
import { CSV_HEADER, toCsv } from '../src/export/csv.js';
import { EXPORT_METRICS, exportRows } from '../src/export/figures.js';
import { toActionBenchmark } from '../src/export/github-action-benchmark.js';
import { ROOT, kvbench, tempDir } from './support/cli.js';

/**
 * github-action-benchmark's custom tools, as its README documents them
 * (https://github.com/benchmark-action/github-action-benchmark#examples, "customBiggerIsBetter and
 * customSmallerIsBetter"): an array of entries with name, unit and value, optional range and extra, both text
 * (the action's src/extract.ts parses the same five fields). Strict here: nothing the action does not read.
 */
const ActionBenchmarkFile = z
  .array(
    z.strictObject({
      name: z.string().min(1),
      unit: z.string(),
      value: z.number().finite(),
      range: z.string().optional(),
      extra: z.string().optional(),
    }),
  )
  .min(1);

/**
 * Bencher Metric Format, from its JSON Schema at https://bencher.dev/docs/reference/bencher-metric-format/: benchmark
 * name → measure → { value, lower_value?, upper_value? }, numbers; names at most 1024 characters, measure slugs 64.
 */
const BencherMetricFormat = z.record(
  z.string().min(1).max(1024),
  z.record(z.string().min(1).max(64), z.strictObject({ value: z.number(), lower_value: z.number().optional(), upper_value: z.number().optional() })),
);

/** A name with everything CSV must quote: comma, quote, and a line break. */
const AWKWARD = 'we,ird "one"\nsecond line';

function fixture(): Results {
  return resultsOf([
    ...repeatsOf({ server: 'go', rps: 20_000, p50Us: 700, p99Us: 1800, cpuUsPerRequest: 16, peakRssBytes: 18_000_000 }),
    ...repeatsOf({ server: AWKWARD, rps: 12_000, p50Us: 900, p99Us: 4000, cpuUsPerRequest: null, peakRssBytes: 70_000_000, failed: 10 }),
  ]);
}

/** RFC 4180, read back by hand: quoted fields may hold commas, doubled quotes and line breaks; records end in CRLF. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (text[i] === '"' && text[i + 1] === '"') (field += '"'), (i += 2);
        else if (text[i] === '"') break;
        else if (i >= text.length) throw new Error('unterminated quoted field');
        else field += text[i++];
      }
      i++;
    } else if (text[i] === ',') {
      record.push(field);
      field = '';
      i++;
    } else if (text.startsWith('\r\n', i)) {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 2;
    } else if (text[i] === '\n' || text[i] === '\r') {
      throw new Error(`bare line break outside quotes at ${i}`);
    } else {
      field += text[i++];
    }
  }
  if (field || record.length) throw new Error('last record does not end in CRLF');
  return records;
}

describe('export rows', () => {
  it('has one row per server and step, each figure the median of the repeats with their min and max', () => {
    const rows = exportRows(fixture());
    expect(rows.map((r) => `${r.server}/${r.step}`)).toEqual(['go/burst', `${AWKWARD}/burst`]);
    const go = rows[0]!;
    expect(go.repeats).toBe(3);
    expect(go.statuses).toEqual({ ok: 3 });
    expect(go.figures.p50Us).toEqual({ median: 700, min: 693, max: 707, n: 3 });
    expect(go.figures.rps?.median).toBe(20_000);
    expect(go.figures.cpuUsPerRequest?.median).toBe(16);
    expect(go.figures.successRate).toEqual({ median: 1, min: 1, max: 1, n: 3 });
    expect(rows[1]!.figures.cpuUsPerRequest).toBeNull();
    expect(rows[1]!.figures.failed?.median).toBe(10);
  });
});

describe('csv', () => {
  it('parses back to the header and one row per server and step, awkward names intact', () => {
    const results = fixture();
    const text = toCsv(exportRows(results));
    const [header, ...rows] = parseCsv(text);
    expect(header).toEqual(CSV_HEADER);
    expect(rows).toHaveLength(2);
    const record = (row: string[]) => Object.fromEntries(header!.map((name, i) => [name, row[i]]));
    const go = record(rows[0]!);
    expect(go).toMatchObject({ scenario: 'ci', results_id: results.id, server: 'go', variant: '', step: 'burst', repeats: '3', statuses: 'ok:3' });
    expect(Number(go.p99_latency_us)).toBe(1800);
    expect(Number(go.p99_latency_us_min)).toBeCloseTo(1782);
    expect(Number(go.p99_latency_us_max)).toBeCloseTo(1818);
    expect(Number(go.server_cpu_us_per_request)).toBe(16);
    expect(Number(go.peak_rss_bytes)).toBe(18_000_000);
    const awkward = record(rows[1]!);
    expect(awkward.server).toBe(AWKWARD);
    // No figure is an empty field, not a zero.
    expect(awkward.server_cpu_us_per_request).toBe('');
    expect(Number(awkward.failed_requests)).toBe(10);
    expect(Number(awkward.success_rate)).toBeCloseTo(0.99);
  });
});

describe('github-action-benchmark', () => {
  it('customSmallerIsBetter gets only the figures where smaller is better, in the documented shape', () => {
    const entries = ActionBenchmarkFile.parse(JSON.parse(toActionBenchmark(exportRows(fixture()), 'smaller')));
    const names = entries.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    const smaller = EXPORT_METRICS.filter((m) => METRICS[m.key].better === 'lower');
    expect(smaller.map((m) => m.key)).toEqual(['p50Us', 'p99Us', 'cpuUsPerRequest', 'failed', 'peakRssBytes']);
    // go has all five; the awkward server has no CPU figure, so four.
    expect(entries).toHaveLength(9);
    expect(entries.find((e) => e.name === 'ci/burst/go: p99')).toMatchObject({ unit: 'µs', value: 1800, range: '1.78–1.82 ms' });
    expect(names.some((n) => /RPS|Success/.test(n))).toBe(false);
  });

  it('customBiggerIsBetter gets RPS and success rate', () => {
    const entries = ActionBenchmarkFile.parse(JSON.parse(toActionBenchmark(exportRows(fixture()), 'bigger')));
    expect(entries.map((e) => e.name)).toEqual([
      'ci/burst/go: RPS',
      'ci/burst/go: Success rate',
      `ci/burst/${AWKWARD}: RPS`,
      `ci/burst/${AWKWARD}: Success rate`,
    ]);
    expect(entries[0]).toMatchObject({ unit: 'req/s', value: 20_000 });
    // Every repeat at 100 %: no range to show.
    expect(entries[1]).not.toHaveProperty('range');
  });
});

describe('bencher', () => {
  it('writes Bencher Metric Format: a benchmark per server and step, the median within its bounds', () => {
    const bmf = BencherMetricFormat.parse(JSON.parse(toBencher(exportRows(fixture()))));
    expect(Object.keys(bmf)).toEqual(['ci/burst/go', `ci/burst/${AWKWARD}`]);
    const go = bmf['ci/burst/go']!;
    expect(Object.keys(go)).toEqual(EXPORT_METRICS.map((m) => m.id));
    expect(go['p50-latency-us']).toEqual({ value: 700, lower_value: 693, upper_value: 707 });
    for (const measure of Object.values(bmf).flatMap((b) => Object.values(b))) {
      expect(measure.lower_value!).toBeLessThanOrEqual(measure.value);
      expect(measure.upper_value!).toBeGreaterThanOrEqual(measure.value);
    }
    expect(bmf[`ci/burst/${AWKWARD}`]).not.toHaveProperty('server-cpu-us-per-request');
  });
});

describe('kvbench export', () => {
  it('writes to stdout by default, exactly what the format renders', async () => {
    const dir = await tempDir('kvbench-export-');
    const file = path.join(dir, 'results.json');
    await writeFile(file, JSON.stringify(fixture()));
    const { code, stdout, stderr } = kvbench(['export', file, '--format', 'csv']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe(toCsv(exportRows(fixture())));
  });

  it('exports a results file kvbench wrote (the committed baseline) in the documented format', () => {
    const { code, stdout } = kvbench(['export', path.join(ROOT, 'results/baseline/ci.json'), '--format', 'bencher']);
    expect(code).toBe(0);
    const bmf = BencherMetricFormat.parse(JSON.parse(stdout));
    expect(Object.keys(bmf).length).toBeGreaterThan(0);
    for (const measures of Object.values(bmf)) expect(measures).toHaveProperty('server-cpu-us-per-request');
  });

  it('--out creates the folders, and refuses to replace the file the next time, exit 2', async () => {
    const dir = await tempDir('kvbench-export-');
    const results = path.join(dir, 'results.json');
    await writeFile(results, JSON.stringify(fixture()));
    const out = path.join(dir, 'a', 'b', 'bmf.json');
    expect(kvbench(['export', results, '--format', 'bencher', '--out', out]).code).toBe(0);
    const first = await readFile(out, 'utf8');
    BencherMetricFormat.parse(JSON.parse(first));
    const again = kvbench(['export', results, '--format', 'csv', '--out', out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`${out} already exists`);
    expect(await readFile(out, 'utf8')).toBe(first);
  });

  it('names the formats when --format is missing or unknown, exit 2', async () => {
    const missing = kvbench(['export', 'results.json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--format is required, one of csv, github-action-benchmark, github-action-benchmark-bigger, bencher/);
    const unknown = kvbench(['export', 'results.json', '--format', 'xml']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--format xml is not one of csv/);
  });
});
