import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HistorySchema, type Results } from '@kvbench/schemas';
import { describe, expect, it } from 'vitest';
import { repeatsOf, resultsOf } from '../../compare/test/support/results.js';
import { kvbench, tempDir } from './support/cli.js';

/** A ci results file of one commit, go at `cpu` µs per request. */
function resultsAt(id: string, startedAt: string, commit: string, cpu: number): Results {
  const results = resultsOf(repeatsOf({ server: 'go', step: 'post-20k', rps: 20_000, p50Us: 700, p99Us: 1800, cpuUsPerRequest: cpu, peakRssBytes: 18e6 }), {
    id,
  });
  return { ...results, startedAt, environment: { ...results.environment, gitCommit: commit } };
}

describe('kvbench history and the index over commits', () => {
  it('keeps a history across runs whose results files are gone, and the index draws it over commits', async () => {
    const dir = await tempDir('kvbench-history-');
    const first = path.join(dir, 'ci-1.json');
    const second = path.join(dir, 'ci-2.json');
    await writeFile(first, JSON.stringify(resultsAt('ci-1', '2026-12-01T10:00:00.000Z', '1111111aaaa', 20)));
    await writeFile(second, JSON.stringify(resultsAt('ci-2', '2026-12-02T10:00:00.000Z', '2222222bbbb', 23)));
    const file = path.join(dir, 'kept', 'history.json');

    const created = kvbench(['history', first, '--file', file]);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('1 entry (1 new, 0 already there and replaced)');
    const again = kvbench(['history', first, second, '--file', file]);
    expect(again.stdout).toContain('2 entries (1 new, 1 already there and replaced)');
    const history = HistorySchema.parse(JSON.parse(await readFile(file, 'utf8')));
    expect(history.entries.map((e) => e.gitCommit)).toEqual(['1111111aaaa', '2222222bbbb']);

    // A CI job keeps only the history: the index draws it with no results file present.
    const empty = path.join(dir, 'results');
    const reports = path.join(dir, 'reports');
    await mkdir(empty);
    const index = kvbench(['report', '--index', '--results-dir', empty, '--history', file, '--report-dir', reports]);
    expect(index.stderr).toBe('');
    expect(index.code).toBe(0);
    const html = await readFile(path.join(reports, 'index.html'), 'utf8');
    expect(html).toContain('ci: gate metric over commits');
    const data = JSON.parse(/<script id="kvbench-data" type="application\/json">([\s\S]*?)<\/script>/.exec(html)![1]!);
    expect(data.charts[0].labels).toEqual(['1111111', '2222222']);
    expect(data.charts[0].series[0].data).toEqual([20, 23]);
  }, 60_000);

  it('refuses a file that is not a history, and changes nothing', async () => {
    const dir = await tempDir('kvbench-history-');
    const results = path.join(dir, 'ci-1.json');
    await writeFile(results, JSON.stringify(resultsAt('ci-1', '2026-12-01T10:00:00.000Z', '1111111aaaa', 20)));
    const wrong = path.join(dir, 'not-history.json');
    await writeFile(wrong, '{"kind": "kvbench.results"}');
    const out = kvbench(['history', results, '--file', wrong]);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('not-history.json is not a kvbench history file');
    expect(await readFile(wrong, 'utf8')).toBe('{"kind": "kvbench.results"}');
    const noFile = kvbench(['history', results]);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain('--file FILE is required');
  }, 60_000);
});
