import { FAILURE_COLORS } from '../colors.js';
import { escapeHtml } from '../escape.js';
import { fmtFixed, fmtInt, fmtPct } from '../format.js';
import { cellOf, offersRates, type Cell } from '../view.js';
import { chartPair } from './chart.js';
import type { Ctx } from './context.js';
import { naTd, numTd, seriesTh, spreadTd, table, th } from './table.js';

interface FailureKind {
  label: string;
  /** Table header: a short name and, beneath it, what it counts. */
  head: [string, string?];
  value: (cell: Cell) => number | null;
  server?: boolean;
}

/** Failed requests by kind, only for the (server, step) pairs that had any, with the server's own open-file errors. */
export function failuresSection(ctx: Ctx): string {
  const { view } = ctx;
  const codes = [...new Set([...view.cells.values()].flatMap((row) => [...row.values()].flatMap((c) => Object.keys(c.byStatus))))].sort();
  const med = (metric: 'timeouts' | 'connectionErrors' | 'clientOpenFileErrors' | 'incomplete' | 'dropped' | 'serverOpenFileErrors') => (cell: Cell) =>
    cell.figures[metric]?.median ?? null;
  const kinds: FailureKind[] = [
    ...codes.map((code) => ({
      label: `HTTP ${code}`,
      head: [`HTTP ${code}`] as [string],
      value: (cell: Cell) => cell.byStatus[code]?.median ?? (cell.figures.sent ? 0 : null),
    })),
    { label: 'timeouts', head: ['timeouts'], value: med('timeouts') },
    { label: 'connection errors', head: ['connection', 'errors'], value: med('connectionErrors') },
    { label: 'client open-file errors', head: ['open-file errors', 'client'], value: med('clientOpenFileErrors') },
    { label: 'incomplete', head: ['incomplete'], value: med('incomplete') },
    // Open model: offered but never sent, every connection still busy. Not a failed request, but the rate not held.
    ...(offersRates(view) ? [{ label: 'never sent', head: ['never sent', 'open model'] as [string, string], value: med('dropped') }] : []),
    {
      label: 'server open-file errors (stderr lines)',
      head: ['open-file errors', 'server stderr lines'],
      value: med('serverOpenFileErrors'),
      server: true,
    },
  ];
  const all = view.series.flatMap((s) =>
    view.steps.flatMap((step) => {
      const cell = cellOf(view, s.key, step.name);
      return cell ? [{ s, step: step.name, cell }] : [];
    }),
  );
  const failing = (cell: Cell) => (cell.figures.failed?.max ?? 0) > 0 || kinds.some((k) => (k.value(cell) ?? 0) > 0);
  // Only the (server, step) pairs that failed at all: a wall of zeros would hide them.
  const cells = all.filter(({ cell }) => failing(cell));
  const clean = all.filter(({ cell }) => !failing(cell));
  const present = kinds.filter((k) => cells.some(({ cell }) => (k.value(cell) ?? 0) > 0));
  const lede =
    `<p class="lede">Requests that did not get the expected answer, by kind (medians over repeats), and the open-file errors ` +
    `the server wrote to stderr — the blog's Rust failure. Server stderr lines are not requests: they stand in their own bar.</p>`;
  if (cells.length === 0) {
    return (
      `<section id="${ctx.anchor('failures')}"><h2>Failures</h2>${lede}` +
      `<p class="banner ok"><b>No failures.</b> Every request in every run was answered with the expected status, and no server reported running out of file descriptors.</p></section>`
    );
  }
  const labels = cells.map(({ s, step }) => `${s.label} · ${step}`);
  const id = ctx.charts.id();
  const chart = ctx.charts.add({
    id,
    type: 'bar',
    labels,
    x: { title: 'server · step', format: 'int' },
    y: { title: 'count (median over repeats)', format: 'int' },
    stacked: true,
    series: present.map((k, i) => ({
      label: k.label,
      color: k.server ? '#343a40' : FAILURE_COLORS[i % FAILURE_COLORS.length]!,
      stack: k.server ? 'server' : 'requests',
      data: cells.map(({ cell }) => k.value(cell) ?? null),
    })),
    height: 320,
  });
  const rows = cells.map(({ s, step, cell }) => [
    seriesTh(`${s.label} · ${step}`, s.color),
    spreadTd(cell.figures.sent, fmtInt),
    spreadTd(cell.figures.failed, fmtInt),
    spreadTd(cell.figures.successRate, fmtPct),
    // Every kind, zeros included: "no timeouts" is a finding too. The chart draws only the kinds that occurred.
    ...kinds.map((k) => {
      const v = k.value(cell);
      return v === null ? naTd() : numTd(fmtInt(v), v);
    }),
  ]);
  const tableHtml = table({
    charts: [id],
    head: [th('server · step', undefined, false), th('requests'), th('failed'), th('success'), ...kinds.map((k) => th(k.head[0], k.head[1]))],
    rows,
  });
  const worst = cells
    .filter(({ cell }) => (cell.figures.successRate?.median ?? 1) < 1)
    .sort((a, b) => a.cell.figures.successRate!.median - b.cell.figures.successRate!.median)[0];
  const note = worst
    ? `Lowest success rate: ${escapeHtml(worst.s.label)} at ${escapeHtml(worst.step)}, ${escapeHtml(fmtPct(worst.cell.figures.successRate!.median))} (${escapeHtml(fmtFixed(worst.cell.figures.failed?.median ?? 0, 0))} failed).`
    : 'Every request succeeded; the bars are server-side open-file errors only.';
  const cleanNote = clean.length
    ? `<p class="muted">No failures at all: ${escapeHtml(
        summarizePairs(
          clean.map(({ s, step }) => [s.label, step]),
          view.steps.length,
        ),
      )}.</p>`
    : '';
  return (
    `<section id="${ctx.anchor('failures')}"><h2>Failures</h2>${lede}` +
    chartPair({ title: 'Failures by kind', note, chart, table: tableHtml, layout: 'wide' }) +
    cleanNote +
    `</section>`
  );
}

/** "go at every step; rust at 100k, 1M" */
function summarizePairs(pairs: Array<[string, string]>, stepCount: number): string {
  const bySeries = new Map<string, string[]>();
  for (const [series, step] of pairs) bySeries.set(series, [...(bySeries.get(series) ?? []), step]);
  return [...bySeries].map(([series, steps]) => `${series} at ${steps.length === stepCount ? 'every step' : steps.join(', ')}`).join('; ');
}
