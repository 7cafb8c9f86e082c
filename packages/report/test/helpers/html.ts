import type { ChartSpec } from '../../src/html/chart.js';

/** The chart specs a page carries, read back the way its script reads them. */
export function chartSpecs(html: string): ChartSpec[] {
  const match = /<script id="kvbench-data" type="application\/json">([\s\S]*?)<\/script>/.exec(html);
  if (!match) throw new Error('no kvbench-data block in the page');
  return (JSON.parse(match[1]!) as { charts: ChartSpec[] }).charts;
}

/** Every table linked to a chart (data-chart lists chart ids), with the raw numbers its cells carry. */
export function chartTables(html: string): Array<{ charts: string[]; values: Set<number>; html: string }> {
  const tables = [...html.matchAll(/<table data-chart="([^"]*)"[^>]*>([\s\S]*?)<\/table>/g)];
  return tables.map((m) => ({
    charts: m[1]!.split(' '),
    values: new Set([...m[2]!.matchAll(/data-v="([^"]+)"/g)].map((v) => Number(v[1]))),
    html: m[2]!,
  }));
}

/** The numbers a chart draws: category values, or the y of each point. */
export function drawnValues(spec: ChartSpec): number[] {
  return spec.series.flatMap((s) =>
    (s.data as Array<number | null | { x: number; y: number }>).flatMap((d) => (d === null ? [] : typeof d === 'number' ? [d] : [d.y])),
  );
}

/** The page without the inlined chart.js bundle and data block: what our own markup says. */
export function markupOnly(html: string): string {
  return html.replace(/<script[\s\S]*?<\/script>/g, '<script></script>');
}
