import { describe, expect, it } from 'vitest';
import { renderIndexHtml } from '../src/html/index-page.js';
import { blogResults, makeResults, partialResults } from './fixtures/make-results.js';
import { HISTORY } from './fixtures/history.js';
import { chartSpecs, chartTables, drawnValues } from './helpers/html.js';

const older = makeResults({ id: 'blog-20261120T031500Z', seed: 11, startedAt: '2026-11-20T03:15:00.000Z', cpuScale: 1.1 });

describe('renderIndexHtml', () => {
  const html = renderIndexHtml([
    { href: 'blog-20261120T031500Z.html', results: older },
    { href: 'blog-20261122T031500Z.html', results: blogResults() },
    { href: 'blog-quick-20261123T091000Z.html', results: partialResults() },
  ]);

  it('lists every results file newest first, with a relative link, its servers, completeness and commit', () => {
    const links = [...html.matchAll(/<a href="([^"]+)">/g)].map((m) => m[1]);
    expect(links).toEqual(['blog-quick-20261123T091000Z.html', 'blog-20261122T031500Z.html', 'blog-20261120T031500Z.html']);
    expect(html).toContain('<span class="status-bad">partial</span>');
    expect(html).toContain('3f9c2a7d1e');
  });

  it('lists, with no history given, no trend at all (the CLI hands it one)', () => {
    expect(chartSpecs(html)).toHaveLength(0);
  });

  it("charts each server's gate metric per step over commits, the same numbers in its table, base runs left out", () => {
    const page = renderIndexHtml([], { history: HISTORY });
    const specs = chartSpecs(page);
    expect(specs.map((s) => s.labels)).toEqual([
      ['aaaaaaa', 'bbbbbbb (dirty)', 'ccccccc'],
      ['aaaaaaa', 'bbbbbbb (dirty)', 'ccccccc'],
    ]);
    const post = specs[0]!;
    expect(post.series.map((s) => [s.label, s.data])).toEqual([
      ['go', [20, 22, 30]],
      ['rust', [8, 8.1, null]],
    ]);
    const tables = chartTables(page);
    for (const spec of specs) {
      const values = new Set(tables.filter((t) => t.charts.includes(spec.id)).flatMap((t) => [...t.values]));
      for (const v of drawnValues(spec)) expect(values.has(v)).toBe(true);
    }
    expect(page).toContain('ci: gate metric over commits');
    expect(page).toContain('Step post-20k');
    expect(page).toContain('Step mix-70-30-20k');
    // The A/B's base (19 µs) is another commit's figure: never drawn at this one.
    expect(drawnValues(post)).not.toContain(19);
  });

  it('names the runs from another machine than the newest, and the disturbed ones', () => {
    const page = renderIndexHtml([], { history: HISTORY });
    expect(page).toContain('These runs come from 2 machines');
    const rows = chartTables(page)[0]!.html.split('<tr>');
    expect(rows.find((r) => r.includes('aaaaaaa'))).toContain('another machine');
    expect(rows.find((r) => r.includes('bbbbbbb'))).toContain('disturbed');
    expect(rows.find((r) => r.includes('ccccccc'))).not.toMatch(/another machine|disturbed/);
  });

  it('never links outside the folder it sits in', () => {
    const page = renderIndexHtml([{ href: 'javascript:alert(1)', results: blogResults() }]);
    expect(page).not.toContain('href="javascript:');
  });
});
