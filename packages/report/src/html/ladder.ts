import { BLOG_LABEL, blogPublished, fmtBlogRps, type BlogStep } from '../blog-published.js';
import { shade } from '../colors.js';
import { fmtPct, round } from '../format.js';
import { METRICS, type MetricKey } from '../metrics.js';
import { cellOf, figure, type ScenarioView, type StepInfo } from '../view.js';
import { chartPair, type SeriesSpec } from './chart.js';
import type { Ctx } from './context.js';
import { naTd, numTd, referenceTh, seriesTh, spreadTd, statusNote, table, th } from './table.js';
import { CHART_UNITS } from './units.js';

export interface LadderOptions {
  title: string;
  /** HTML, already escaped. */
  note?: string;
  metric: MetricKey;
  type?: 'line' | 'bar';
  log?: boolean;
  yMax?: number;
  /** Let a linear axis start near the data instead of at zero. */
  noZero?: boolean;
  /** Add the blog's published figures of this kind as reference series. */
  blog?: 'rps' | 'successRate';
  /** The steps along the x axis; default every step of the scenario. */
  steps?: readonly StepInfo[];
}

interface BlogSeries {
  label: string;
  /** For table rows, where the origin goes on its own line. */
  short: string;
  color: string;
  byStep: Map<string, BlogStep>;
}

/** The blog's Go and Rust figures, matched to this scenario's steps by their request count (1k … 1M). */
export function blogSeries(view: ScenarioView): BlogSeries[] {
  const blog = blogPublished();
  return blog.servers.flatMap((server) => {
    const byStep = new Map<string, BlogStep>();
    for (const step of view.steps) {
      const match = server.steps.find((b) => b.requests === step.requests);
      if (match) byStep.set(step.name, match);
    }
    if (byStep.size === 0) return [];
    const own = view.series.find((s) => s.server.toLowerCase() === server.language)?.color;
    return [{ label: `${server.label} (${BLOG_LABEL})`, short: `${server.label} · blog`, color: own ? shade(own, -1) : '#868e96', byStep }];
  });
}

// Drawn as published: the blog's figures are quoted, not measured here, so no significant-digit rounding.
const blogValue = (b: BlogStep, kind: 'rps' | 'successRate') => (kind === 'rps' ? round(b.rps, 2) : round(b.successRatePercent, 3));

/** One metric across the step ladder: a series per server, and the table of medians (min–max) beside it. */
export function ladderPair(ctx: Ctx, opts: LadderOptions): string {
  const { view } = ctx;
  const unit = CHART_UNITS[opts.metric];
  const def = METRICS[opts.metric];
  const steps = (opts.steps ?? view.steps).map((s) => s.name);
  const drawable = (v: number) => (opts.log && v <= 0 ? null : v);
  const series: SeriesSpec[] = view.series.map((s) => ({
    label: s.label,
    color: s.color,
    data: steps.map((step) => {
      const f = figure(view, s.key, step, opts.metric);
      return f ? drawable(unit.toChart(f.median)) : null;
    }),
  }));
  const blog = opts.blog ? blogSeries(view) : [];
  for (const b of blog) {
    series.push({
      label: b.label,
      color: b.color,
      data: steps.map((step) => {
        const match = b.byStep.get(step);
        return match ? drawable(blogValue(match, opts.blog!)) : null;
      }),
      dashed: true,
      reference: true,
    });
  }
  const id = ctx.charts.id();
  const chart = ctx.charts.add({
    id,
    type: opts.type ?? 'line',
    labels: steps,
    x: { title: 'step', format: 'int' },
    y: {
      title: unit.axis,
      format: unit.format,
      log: opts.log,
      ...(opts.yMax !== undefined ? { max: opts.yMax } : {}),
      ...(opts.noZero ? { zero: false } : {}),
    },
    series,
  });
  const rows = view.series.map((s) => [
    seriesTh(s.label, s.color),
    ...steps.map((step) => spreadTd(figure(view, s.key, step, opts.metric), def.format, unit.toChart, statusNote(cellOf(view, s.key, step)?.runs))),
  ]);
  for (const b of blog) {
    rows.push([
      referenceTh(b.short, BLOG_LABEL, b.color),
      ...steps.map((step) => {
        const match = b.byStep.get(step);
        if (!match) return naTd('the blog has no figure for this step');
        const v = blogValue(match, opts.blog!);
        return numTd(opts.blog === 'rps' ? fmtBlogRps(match.rps) : fmtPct(match.successRatePercent / 100), v);
      }),
    ]);
  }
  const tableHtml = table({
    charts: [id],
    head: [th('server', undefined, false), ...steps.map((step) => th(step, def.unit || undefined))],
    rows,
  });
  return chartPair({ title: opts.title, ...(opts.note ? { note: opts.note } : {}), chart, table: tableHtml });
}
