import type { Run } from '@kvbench/schemas';
import { escapeHtml } from '../escape.js';
import { SIG_DIGITS, fmtLatency, round, roundSig } from '../format.js';
import { LATENCY_FROM, LATENCY_FROM_MEANING, latencyFromText, latencyOrigins } from '../latency-origin.js';
import { METRICS, type MetricKey } from '../metrics.js';
import { allRuns, cellOf, figure, type Cell } from '../view.js';
import { chartPair } from './chart.js';
import type { Ctx } from './context.js';
import { naTd, numTd, spreadTd, swatch, table, th } from './table.js';
import { CHART_UNITS } from './units.js';

/** Latency percentiles per step: one line of points per server across the percentiles (log axis); then the spectrum. */
export function latencySection(ctx: Ctx): string {
  const { view } = ctx;
  const pcts: MetricKey[] = ['p50Us', 'p90Us', 'p99Us', 'p999Us', 'maxUs'];
  const unit = CHART_UNITS.p50Us;
  const pairs = view.steps.map((step) => {
    const present = view.series.filter((s) => figure(view, s.key, step.name, 'p50Us'));
    if (present.length === 0) return '';
    const id = ctx.charts.id();
    // Points joined by lines, not bars: the axis is logarithmic (p50 to max spans orders of magnitude), and a bar's
    // length on a log axis starts wherever the axis does, so it would not be proportional to anything.
    const chart = ctx.charts.add({
      id,
      type: 'line',
      labels: pcts.map((p) => METRICS[p].label),
      x: { title: 'percentile', format: 'int' },
      y: { title: unit.axis, format: 'ms', log: true },
      series: present.map((s) => ({
        label: s.label,
        color: s.color,
        data: pcts.map((p) => {
          const f = figure(view, s.key, step.name, p);
          return f && f.median > 0 ? unit.toChart(f.median) : null;
        }),
      })),
      height: 260,
    });
    // Percentiles down, servers across: the table reads in the chart's own order.
    const tableHtml = table({
      charts: [id],
      head: [th('percentile', undefined, false), ...present.map((s) => `<th scope="col" class="num">${swatch(s.color)}${escapeHtml(s.label)}</th>`)],
      rows: (['meanUs', ...pcts] as MetricKey[]).map((p) => [
        `<th scope="row">${escapeHtml(METRICS[p].label)}</th>`,
        ...present.map((s) => spreadTd(figure(view, s.key, step.name, p), fmtLatency, unit.toChart)),
      ]),
    });
    const from = latencyFromText(present.flatMap((s) => cellOf(view, s.key, step.name)?.runs ?? []));
    return chartPair({ title: `Latency at ${step.name}`, ...(from ? { note: escapeHtml(`Measured ${from}.`) } : {}), chart, table: tableHtml });
  });
  // Each origin the page's latencies use, explained once: which one a step used is beside its chart.
  const meanings = latencyOrigins(allRuns(view)).map((o) => `Measured ${LATENCY_FROM[o]}: latency ${LATENCY_FROM_MEANING[o]}.`);
  return (
    `<section id="${ctx.anchor('latency')}"><h2>Latency</h2>` +
    `<p class="lede">Time to the answer, recorded to the microsecond and shown to the histogram's ${SIG_DIGITS} significant digits. ${escapeHtml(meanings.join(' '))} Medians over repeats; the smaller line under a figure is its min–max across repeats. Log scale.</p>` +
    pairs.join('') +
    spectrumPairs(ctx) +
    `</section>`
  );
}

export function representativeRun(cell: Cell | undefined): Run | undefined {
  const runs = (cell?.runs ?? []).filter((r) => r.client && r.client.latency.spectrum.length > 0);
  if (runs.length === 0) return undefined;
  const sorted = [...runs].sort((a, b) => a.client!.latency.p99Us - b.client!.latency.p99Us);
  return sorted[(sorted.length - 1) >> 1];
}

/** Percentile p (0–100) as the HDR plot's x: 1/(1−p), so 90, 99, 99.9 % sit one decade apart. */
export const ninesX = (percentile: number): number => round(1 / (1 - percentile / 100), 6);

/** One HDR percentile plot per step, a line per server. */
export function spectrumPairs(ctx: Ctx): string {
  const { view } = ctx;
  const pairs = view.steps.map((step) => {
    const picks = view.series.flatMap((s) => {
      const run = representativeRun(cellOf(view, s.key, step.name));
      return run ? [{ s, run }] : [];
    });
    if (picks.length === 0) return '';
    const id = ctx.charts.id();
    const chart = ctx.charts.add({
      id,
      type: 'line',
      x: { title: 'percentile', format: 'nines', log: true },
      y: { title: 'latency (ms)', format: 'ms', log: true },
      series: picks.map(({ s, run }) => ({
        label: s.label,
        color: s.color,
        points: false,
        data: run
          .client!.latency.spectrum.filter((p) => p.percentile < 100 && p.valueUs > 0)
          .map((p) => ({ x: ninesX(p.percentile), y: roundSig(p.valueUs / 1000) })),
      })),
      height: 260,
    });
    const percentiles = [...new Set(picks.flatMap(({ run }) => run.client!.latency.spectrum.map((p) => p.percentile)))].sort((a, b) => a - b);
    const rows = percentiles.map((pct) => [
      `<th scope="row" class="num">${escapeHtml(`${Number(pct.toPrecision(8))} %`)}</th>`,
      ...picks.map(({ run }) => {
        const point = run.client!.latency.spectrum.find((p) => p.percentile === pct);
        return point ? numTd(fmtLatency(point.valueUs), roundSig(point.valueUs / 1000)) : naTd();
      }),
    ]);
    const tableHtml =
      `<details><summary>${percentiles.length} percentiles × ${picks.length} servers</summary>` +
      table({
        charts: [id],
        caption: escapeHtml(`Repeat with the median p99 of each server: ${picks.map(({ s, run }) => `${s.label} #${run.repeat}`).join(', ')}`),
        head: [th('percentile'), ...picks.map(({ s }) => th(s.label))],
        rows,
      }) +
      `</details>`;
    return chartPair({ title: `Percentile spectrum at ${step.name}`, chart, table: tableHtml });
  });
  const body = pairs.join('');
  if (!body) return '';
  return (
    `<h3>Percentile spectrum</h3>` +
    `<p class="muted">The HDR view: x is the percentile on a “nines” scale (90 %, 99 %, 99.9 % … one decade apart), so the tail gets as much room as the median. Each line is the repeat with the median p99.</p>` +
    `<div class="grid2">${body}</div>`
  );
}
