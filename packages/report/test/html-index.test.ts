import { describe, expect, it } from 'vitest';
import { renderIndexHtml } from '../src/html/index-page.js';
import { blogResults, makeResults, partialResults } from './fixtures/make-results.js';
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

  it("charts each server's CPU per request and RPS at the largest step, run by run, with the same numbers in tables", () => {
    const specs = chartSpecs(html);
    expect(specs).toHaveLength(4);
    const tables = chartTables(html);
    for (const spec of specs) {
      const values = new Set(tables.filter((t) => t.charts.includes(spec.id)).flatMap((t) => [...t.values]));
      for (const v of drawnValues(spec)) expect(values.has(v)).toBe(true);
    }
    const cpu = specs[0]!.series.find((s) => s.label === 'go')!.data as number[];
    expect(cpu).toHaveLength(2);
    expect(cpu[0]!).toBeGreaterThan(cpu[1]!);
  });

  it('never links outside the folder it sits in', () => {
    const page = renderIndexHtml([{ href: 'javascript:alert(1)', results: blogResults() }]);
    expect(page).not.toContain('href="javascript:');
  });
});
