import type { Run, TimelinePoint } from '@kvbench/schemas';
import { shade } from '../colors.js';
import { escapeHtml } from '../escape.js';
import { MIB, fmtBytes, fmtCores, fmtFixed, fmtInt, fmtLatency, fmtRps, round, roundSig } from '../format.js';
import { cellOf, headlineStep, type SeriesInfo } from '../view.js';
import type { SeriesSpec, ValueFormat } from './chart.js';
import type { Ctx } from './context.js';
import { naTd, numTd, table, th } from './table.js';

interface TimelineMetric {
  title: string;
  axis: string;
  format: ValueFormat;
  pick: (p: TimelinePoint) => number | null;
  text: (v: number) => string;
  toChart: (v: number) => number;
}

const METRICS: TimelineMetric[] = [
  { title: 'Requests per second', axis: 'req/s', format: 'rps', pick: (p) => p.rps, text: fmtRps, toChart: (v) => roundSig(v) },
  { title: 'p99 latency', axis: 'p99 (ms)', format: 'ms', pick: (p) => p.p99Us, text: fmtLatency, toChart: (v) => roundSig(v / 1000) },
  { title: 'Server CPU', axis: 'cores busy', format: 'cores', pick: (p) => p.serverCpuCores, text: fmtCores, toChart: (v) => roundSig(v) },
  { title: 'Server RSS', axis: 'RSS (MiB)', format: 'mib', pick: (p) => p.serverRssBytes, text: fmtBytes, toChart: (v) => roundSig(v / MIB) },
  { title: 'Server open file descriptors', axis: 'open fds', format: 'int', pick: (p) => p.serverFds, text: fmtInt, toChart: (v) => v },
];

const CLIENT_CPU: TimelineMetric = {
  title: 'Load generator CPU',
  axis: 'cores busy',
  format: 'cores',
  pick: (p) => p.clientCpuCores,
  text: fmtCores,
  toChart: (v) => roundSig(v),
};

const seconds = (tMs: number) => round(tMs / 1000, 3);

/** The run the timelines show: the requested (or largest) step and repeat, else that step's first repeat. */
function pickRuns(ctx: Ctx): { step: string; repeat: number; picks: { s: SeriesInfo; run: Run }[] } | null {
  // Default: the largest ladder step; without a ladder, the last step that ran.
  const step =
    ctx.options.timeline?.step ?? headlineStep(ctx.view) ?? ctx.view.steps.findLast((s) => ctx.view.series.some((x) => cellOf(ctx.view, x.key, s.name)))?.name;
  if (!step) return null;
  const repeat = ctx.options.timeline?.repeat ?? 0;
  const picks = ctx.view.series.flatMap((s) => {
    const runs = cellOf(ctx.view, s.key, step)?.runs ?? [];
    const run = runs.find((r) => r.repeat === repeat) ?? runs[0];
    return run && run.timeline.length > 0 ? [{ s, run }] : [];
  });
  return { step, repeat, picks };
}

export function timelineSection(ctx: Ctx): string {
  const chosen = pickRuns(ctx);
  const head = `<section id="${ctx.anchor('timeline')}"><h2>During the load</h2>`;
  if (!chosen || chosen.picks.length === 0) {
    return `${head}<p class="lede">No timeline was recorded for ${escapeHtml(chosen?.step ?? 'any step')}.</p></section>`;
  }
  const { step, repeat, picks } = chosen;
  const ids: string[] = [];
  const charts = METRICS.map((m, index) => {
    const id = ctx.charts.id();
    ids.push(id);
    const series: SeriesSpec[] = picks.map(({ s, run }) => ({
      label: s.label,
      color: s.color,
      points: false,
      data: points(run, m),
    }));
    if (index === 2) {
      // Server CPU beside the load generator's: when the client's line is flat at 1.0, it set the pace.
      for (const { s, run } of picks) {
        const data = points(run, CLIENT_CPU);
        if (data.length) series.push({ label: `${s.label} — load generator`, color: shade(s.color, -1), dashed: true, points: false, data });
      }
    }
    const chart = ctx.charts.add({
      id,
      type: 'line',
      x: { title: 'seconds into the load', format: 'elapsed' },
      y: { title: m.axis, format: m.format },
      series,
      height: 220,
    });
    return `<figure class="pair"><figcaption><h4>${escapeHtml(m.title)}</h4></figcaption>${chart}</figure>`;
  });
  const repeats = [...new Set(picks.map(({ run }) => run.repeat))];
  const shown =
    repeats.length === 1 && repeats[0] === repeat ? `repeat ${repeat}` : `repeats ${picks.map(({ s, run }) => `${s.label} #${run.repeat}`).join(', ')}`;
  return (
    head +
    `<p class="lede">Sampled several times a second while step <b>${escapeHtml(step)}</b> ran (${escapeHtml(shown)}). ` +
    `A dip in RPS with a jump in p99 or fds usually marks a flush to disk, a GC pause or descriptors running out.</p>` +
    `<div class="grid2">${charts.join('')}</div>` +
    timelineTables(picks, ids) +
    `</section>`
  );
}

function points(run: Run, m: TimelineMetric): { x: number; y: number }[] {
  return run.timeline.flatMap((p) => {
    const v = m.pick(p);
    return v === null ? [] : [{ x: seconds(p.tMs), y: m.toChart(v) }];
  });
}

function timelineTables(picks: { s: SeriesInfo; run: Run }[], ids: string[]): string {
  const all = [...METRICS, CLIENT_CPU];
  return picks
    .map(({ s, run }) => {
      const rows = run.timeline.map((p) => [
        numTd(`${fmtFixed(p.tMs / 1000, 2)} s`, seconds(p.tMs)),
        numTd(fmtInt(p.completed)),
        ...all.map((m) => {
          const v = m.pick(p);
          return v === null ? naTd() : numTd(m.text(v), m.toChart(v));
        }),
      ]);
      return (
        `<details><summary>${escapeHtml(s.label)}: ${run.timeline.length} samples</summary>` +
        table({
          charts: ids,
          head: [th('time'), th('completed'), ...all.map((m) => th(m.title))],
          rows,
        }) +
        `</details>`
      );
    })
    .join('');
}
