import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { reportFileName, writeComparisonReport, writeIndexReport, writeReport } from '../src/write.js';
import { comparisonFixture } from './fixtures/comparison.js';
import { blogResults, makeResults, partialResults } from './fixtures/make-results.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kvbench-report-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('writeReport', () => {
  it('writes reports/<scenario>-<results id>.html and returns its path', async () => {
    const dir = await tempDir();
    const file = await writeReport([blogResults()], path.join(dir, 'reports'));
    expect(file).toBe(path.join(dir, 'reports', 'blog-20261122T031500Z.html'));
    expect((await readFile(file, 'utf8')).startsWith('<!doctype html>')).toBe(true);
    expect(await readdir(path.join(dir, 'reports'))).toEqual(['blog-20261122T031500Z.html']);
  });

  it('names the file after scenario and id without repeating the scenario, and never outside the folder', () => {
    expect(reportFileName([makeResults({ id: 'run-7' })])).toBe('blog-run-7.html');
    expect(reportFileName([makeResults({ id: '../../etc/passwd' })])).toBe('blog-_etc_passwd.html');
  });
});

describe('writeComparisonReport', () => {
  it('writes the comparison page named after both results ids', async () => {
    const dir = await tempDir();
    const file = await writeComparisonReport(comparisonFixture(), dir);
    expect(path.basename(file)).toBe('comparison-ci-20261122T031500Z-vs-ci-20261120T080000Z.html');
    expect(await readFile(file, 'utf8')).toContain('<b>Regression.</b>');
  });
});

describe('writeIndexReport', () => {
  it('writes index.html linking each results file to its report, writing reports that are missing', async () => {
    const dir = await tempDir();
    const reports = path.join(dir, 'reports');
    const existing = await writeReport([blogResults()], reports);
    await writeFile(existing, 'kept as it was');
    const file = await writeIndexReport(
      [
        { file: path.join(dir, 'results', 'blog-20261122T031500Z.json'), results: blogResults() },
        { file: path.join(dir, 'results', 'blog-quick-20261123T091000Z.json'), results: partialResults() },
      ],
      reports,
    );
    expect(file).toBe(path.join(reports, 'index.html'));
    expect((await readdir(reports)).sort()).toEqual(['blog-20261122T031500Z.html', 'blog-quick-20261123T091000Z.html', 'index.html']);
    expect(await readFile(existing, 'utf8')).toBe('kept as it was');
    const html = await readFile(file, 'utf8');
    expect(html).toContain('<a href="blog-quick-20261123T091000Z.html">');
    expect(html).toContain('href="../results/blog-quick-20261123T091000Z.json">json</a>');
  });
});
