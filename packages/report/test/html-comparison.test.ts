import { describe, expect, it } from 'vitest';
import { ComparisonViewSchema } from '@kvbench/schemas';
import { renderComparisonHtml } from '../src/html/comparison.js';
import { comparisonFixture } from './fixtures/comparison.js';
import { chartSpecs, chartTables, drawnValues } from './helpers/html.js';

describe('renderComparisonHtml', () => {
  const html = renderComparisonHtml(comparisonFixture());

  it('states the overall verdict first and names each regression with its change', () => {
    expect(html).toContain('<b>Regression.</b> 1 of 8 figures got worse beyond their threshold: rust · 10k · server CPU / request (+20.5 %)');
    expect(html).toContain('The baseline ran on another machine');
  });

  it('lists regressions before improvements before unchanged figures', () => {
    const order = [...html.matchAll(/<span class="sev sev-[a-z]+">([a-z ]+)<\/span>/g)].map((m) => m[1]);
    expect(order).toEqual(['regression', 'improvement', 'no change', 'no change', 'no change', 'no change', 'no change', 'not compared']);
  });

  it('puts every drawn change into the table beside the chart', () => {
    const [spec] = chartSpecs(html);
    const values = new Set(chartTables(html).flatMap((t) => [...t.values]));
    expect(drawnValues(spec!)).toHaveLength(7);
    for (const v of drawnValues(spec!)) expect(values.has(v)).toBe(true);
  });

  it('refuses a comparison that is not the agreed shape, saying which field is wrong', () => {
    const bad = { ...comparisonFixture(), rows: [{ ...comparisonFixture().rows[0]!, verdict: 'worse' }] };
    expect(() => renderComparisonHtml(bad as never)).toThrow(/rows\[0\]\.verdict/);
    expect(ComparisonViewSchema.safeParse(comparisonFixture()).success).toBe(true);
  });
});
