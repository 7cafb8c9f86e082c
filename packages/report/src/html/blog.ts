import { BLOG_LABEL, blogPublished, fmtBlogRps } from '../blog-published.js';
import { escapeHtml } from '../escape.js';
import { shade } from '../colors.js';
import { fmtDuration, fmtInt, fmtLatency, fmtPct } from '../format.js';
import { connectNote } from '../latency-origin.js';
import { METRICS, type MetricKey } from '../metrics.js';
import { cellOf, figure, ladderSteps, type StepInfo } from '../view.js';
import { chartPair } from './chart.js';
import type { Ctx } from './context.js';
import { blogSeries, ladderPair } from './ladder.js';
import { numTd, seriesTh, spreadTd, table, th } from './table.js';
import { CHART_UNITS } from './units.js';

/** The blog's published figures in full, with where they come from: the reference every chart above labels. */
export function blogTable(): string {
  const blog = blogPublished();
  const rows = blog.servers.flatMap((server) =>
    server.steps.map((s) => [
      `<th scope="row">${escapeHtml(server.label)}</th>`,
      numTd(fmtInt(s.requests)),
      numTd(fmtInt(s.successful)),
      numTd(fmtInt(s.failed)),
      numTd(fmtPct(s.successRatePercent / 100)),
      numTd(`${s.avgResponseTimeMs.toFixed(2)} ms`),
      numTd(fmtDuration(s.durationMs)),
      numTd(fmtBlogRps(s.rps)),
    ]),
  );
  return (
    `<details><summary>The blog's published figures (${escapeHtml(BLOG_LABEL)})</summary>` +
    `<p class="muted">From “${escapeHtml(blog.source.title)}” by ${escapeHtml(blog.source.author)} — ` +
    `${escapeHtml(blog.source.section)}. ${escapeHtml(blog.source.machine)}. ${escapeHtml(blog.source.note)}</p>` +
    table({
      head: [
        th('server', undefined, false),
        th('requests'),
        th('successful'),
        th('failed'),
        th('success rate'),
        th('avg response'),
        th('duration'),
        th('RPS', 'req/s'),
      ],
      rows,
    }) +
    `</details>`
  );
}

/** The blog's own view: RPS and success rate across the ladder (the closed-model steps), its published figures beside ours. */
export function blogSection(ctx: Ctx): string {
  const steps = ladderSteps(ctx.view);
  if (steps.length === 0) return '';
  const hasBlog = blogSeries(ctx.view).length > 0;
  const blogNote = hasBlog
    ? `Dashed lines with hollow diamonds are the blog's published Go and Rust figures — ${escapeHtml(BLOG_LABEL)}, another client: shape is comparable, absolute numbers are not.`
    : "This scenario's steps do not match the blog's request counts (1k … 1M), so its published figures are not drawn.";
  return (
    // Named for the blog only where its figures are drawn: another scenario's closed steps are just a ladder.
    `<section id="${ctx.anchor('blog')}"><h2>${hasBlog ? "The blog's view" : 'The closed-model ladder'}</h2>` +
    `<p class="lede">N POSTs with at most ${fmtInt(ctx.view.scenario.load.connections)} in flight, per step of the ladder. ` +
    `RPS here is requests ÷ duration, the blog's own figure. ${blogNote}</p>` +
    // Log scale only with the blog's figures drawn: its Rust RPS spans three orders of magnitude.
    ladderPair(ctx, {
      title: 'Requests per second',
      metric: 'rps',
      log: hasBlog,
      blog: 'rps',
      steps,
      ...(hasBlog ? { note: 'Log scale: the blog’s Rust figures span three orders of magnitude.' } : {}),
    }) +
    ladderPair(ctx, {
      title: 'Success rate',
      metric: 'successRate',
      blog: 'successRate',
      yMax: 100,
      noZero: true,
      steps,
      note: 'Axis starts near the lowest rate, not at zero: a few failed requests in a thousand must stay visible.',
    }) +
    connectPair(ctx, steps) +
    connectionUseTable(ctx, steps) +
    (hasBlog ? blogTable() : '') +
    `</section>`
  );
}

/**
 * Connection set-up, p50 and p99 per ladder step: the closed model opens every connection at the start, so a slow
 * accept loop is a cost of its own, apart from request latency. Absent when the generator did not time connects.
 */
function connectPair(ctx: Ctx, steps: readonly StepInfo[]): string {
  const { view } = ctx;
  const names = steps.map((s) => s.name);
  const measured = view.series.filter((s) => names.some((step) => figure(view, s.key, step, 'connectP99Us')));
  if (measured.length === 0) return '';
  const unit = CHART_UNITS.connectP99Us;
  const kinds: Array<['connectP50Us' | 'connectP99Us', string, number]> = [
    ['connectP50Us', 'p50', -1],
    ['connectP99Us', 'p99', 0],
  ];
  const id = ctx.charts.id();
  const chart = ctx.charts.add({
    id,
    type: 'bar',
    labels: names,
    x: { title: 'step', format: 'int' },
    y: { title: 'connect time (ms)', format: 'ms' },
    series: measured.flatMap((s) =>
      kinds.map(([metric, label, tone]) => ({
        label: `${s.label} ${label}`,
        color: shade(s.color, tone),
        data: names.map((step) => {
          const f = figure(view, s.key, step, metric);
          return f ? unit.toChart(f.median) : null;
        }),
      })),
    ),
    height: 220,
  });
  const rows = measured.flatMap((s) =>
    kinds.map(([metric, label, tone]) => [
      seriesTh(`${s.label} ${label}`, shade(s.color, tone)),
      ...names.map((step) => spreadTd(figure(view, s.key, step, metric), fmtLatency, unit.toChart)),
    ]),
  );
  return chartPair({
    title: 'Connection set-up',
    note: escapeHtml(connectNote(steps.flatMap((st) => measured.flatMap((s) => cellOf(view, s.key, st.name)?.runs ?? [])))),
    chart,
    table: table({ charts: [id], head: [th('connect', undefined, false), ...names.map((n) => th(n))], rows }),
  });
}

/** What the client did with its connections on each ladder step, each failure by where it struck. */
const CONNECTION_USE: ReadonlyArray<MetricKey> = [
  'dials',
  'reuses',
  'peakIdle',
  'idleAtEnd',
  'dialErrors',
  'dialTimeouts',
  'waitingTimeouts',
  'answeringTimeouts',
];

/**
 * The client's connection accounting per server and ladder step: where the blog's failures come from (a server
 * that cannot accept more connections than its descriptors leaves requests waiting on the rest until the timeout).
 */
function connectionUseTable(ctx: Ctx, steps: readonly StepInfo[]): string {
  const { view } = ctx;
  const names = steps.map((s) => s.name);
  const counted = view.series.filter((s) => names.some((step) => figure(view, s.key, step, 'dials')));
  if (counted.length === 0) return '';
  const rows = counted.flatMap((s) =>
    CONNECTION_USE.map((metric) => [
      seriesTh(`${s.label} · ${METRICS[metric].label.toLowerCase()}`, s.color),
      ...names.map((step) => spreadTd(figure(view, s.key, step, metric), fmtInt)),
    ]),
  );
  const models = [
    ...new Set(steps.flatMap((st) => view.series.flatMap((s) => cellOf(view, s.key, st.name)?.runs ?? [])).map((r) => r.load.connectionModel ?? 'fixed')),
  ];
  const model = models.length === 1 && models[0] === 'pool' ? POOL_NOTE : FIXED_NOTE;
  return (
    `<h3>How the client used its connections</h3><p class="muted">${escapeHtml(model)}</p>` +
    table({ head: [th('connections', undefined, false), ...names.map((n) => th(n))], rows })
  );
}

const POOL_NOTE =
  "The blog client's model: each request takes an idle connection or dials one, and gives it back to a pool that stays open until the step ends. Timed out waiting: connected, and not one byte of an answer within the timeout (the server had not accepted it, or never answered); dialling: the connect itself did not finish (the accept queue was full).";
const FIXED_NOTE = 'Fixed connections: each opened before the clock and kept for the step; a dial after that replaces one the server closed or that failed.';
