import { parseOrThrow } from '@kvbench/schemas';
import {
  ComparisonViewSchema,
  type ComparisonMetric,
  type ComparisonRow,
  type ComparisonValue,
  type ComparisonVerdict,
  type ComparisonView,
} from '@kvbench/schemas';
import { escapeHtml } from '../escape.js';
import { fmtBytes, fmtChange, fmtFixed, fmtInt, fmtLatency, fmtRange, fmtRps, fmtUs, round } from '../format.js';
import { Charts, chartPair } from './chart.js';
import { renderPage } from './page.js';
import { numTd, naTd, table, th } from './table.js';

const METRIC_TEXT: Record<ComparisonMetric, { label: string; format: (v: number) => string }> = {
  rps: { label: 'RPS', format: (v) => `${fmtRps(v)} req/s` },
  p50: { label: 'p50 latency', format: fmtLatency },
  p99: { label: 'p99 latency', format: fmtLatency },
  cpuPerRequest: { label: 'server CPU / request', format: fmtUs },
  peakRss: { label: 'peak RSS', format: fmtBytes },
  failures: { label: 'failed requests', format: fmtInt },
};

const VERDICT_TEXT: Record<ComparisonVerdict, { label: string; color: string; css: string }> = {
  regression: { label: 'regression', color: '#e03131', css: 'sev-error' },
  improvement: { label: 'improvement', color: '#2f9e44', css: 'sev-ok' },
  'no-change': { label: 'no change', color: '#adb5bd', css: 'sev-none' },
  'not-compared': { label: 'not compared', color: '#ced4da', css: 'sev-none' },
};

const ORDER: ComparisonVerdict[] = ['regression', 'improvement', 'no-change', 'not-compared'];

const CSS = `.sev-ok{background:#d3f9d8;color:#2b8a3e}.sev-none{background:#f1f3f5;color:#495057}
.banner.regression{background:#fff5f5;border-color:#ffa8a8;color:#7d1a1a}
.banner.improvement{background:#ebfbee;border-color:#b2f2bb;color:#1b4332}
.banner.no-change{background:#f8f9fa;border-color:#dee2e6;color:#343a40}
tr.regression td,tr.regression th{background:#fff8f8}`;

function valueTd(v: ComparisonValue | null, metric: ComparisonMetric): string {
  if (!v) return naTd('absent on this side');
  const f = METRIC_TEXT[metric].format;
  const range = v.n > 1 && f(v.min) !== f(v.max) ? `<span class="spread">${escapeHtml(fmtRange(f(v.min), f(v.max)))}</span>` : '';
  return numTd(f(v.median), undefined, range);
}

function side(label: string, s: ComparisonView['baseline']): string {
  const commit = s.gitCommit ? s.gitCommit.slice(0, 10) : 'unknown commit';
  return `<li><b>${escapeHtml(label)}</b> ${escapeHtml(s.label ?? s.resultsId)} · <span class="mono">${escapeHtml(commit)}</span> · ${escapeHtml(s.startedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC'))}${s.complete ? '' : ' · <b>partial</b>'}</li>`;
}

/** Baseline vs current, per metric, with the change and the verdict: regressions first, and the rule that judged them. */
export function renderComparisonHtml(comparison: ComparisonView): string {
  const view = parseOrThrow(ComparisonViewSchema, comparison, 'comparison (from @kvbench/compare)');
  const rows = [...view.rows].sort((a, b) => ORDER.indexOf(a.verdict) - ORDER.indexOf(b.verdict));
  const counts = Object.fromEntries(ORDER.map((v) => [v, rows.filter((r) => r.verdict === v).length])) as Record<ComparisonVerdict, number>;
  const name = (r: ComparisonRow) => `${r.variant ? `${r.server} (${r.variant})` : r.server} · ${r.step} · ${METRIC_TEXT[r.metric].label}`;

  const headline =
    view.verdict === 'regression'
      ? `<b>Regression.</b> ${counts.regression} of ${rows.length} figures got worse beyond their threshold: ${rows
          .filter((r) => r.verdict === 'regression')
          .map((r) => `${escapeHtml(name(r))} (${escapeHtml(r.changePct === null ? 'n/a' : fmtChange(r.changePct))})`)
          .join(', ')}.`
      : view.verdict === 'improvement'
        ? `<b>Improvement, no regression.</b> ${counts.improvement} of ${rows.length} figures got better beyond their threshold.`
        : `<b>No change.</b> None of the ${rows.length} figures moved beyond its threshold and the spread of repeats.`;

  const charts = new Charts('cmp');
  const drawn = rows.filter((r) => r.changePct !== null);
  let figure = '';
  const tableRows = rows.map((r) => [
    `<th scope="row">${escapeHtml(r.variant ? `${r.server} (${r.variant})` : r.server)}</th>`,
    `<td>${escapeHtml(r.step)}</td>`,
    `<td>${escapeHtml(METRIC_TEXT[r.metric].label)} <span class="muted" style="white-space:nowrap">${r.better === 'higher' ? '↑ better' : '↓ better'}</span></td>`,
    valueTd(r.baseline, r.metric),
    valueTd(r.current, r.metric),
    r.changePct === null ? naTd() : numTd(fmtChange(r.changePct), round(r.changePct, 2)),
    numTd(`±${fmtFixed(r.thresholdPct, r.thresholdPct % 1 ? 1 : 0)} %`),
    `<td><span class="sev ${VERDICT_TEXT[r.verdict].css}">${escapeHtml(VERDICT_TEXT[r.verdict].label)}</span></td>`,
    `<td>${escapeHtml(r.reason)}</td>`,
  ]);
  const head = [
    th('server', undefined, false),
    th('step', undefined, false),
    th('metric', undefined, false),
    th('baseline', 'median'),
    th('current', 'median'),
    th('change'),
    th('threshold'),
    th('verdict', undefined, false),
    th('why', undefined, false),
  ];
  if (drawn.length > 0) {
    const id = charts.id();
    const chart = charts.add({
      id,
      type: 'bar',
      horizontal: true,
      labels: drawn.map(name),
      x: { title: '', format: 'int' },
      y: { title: 'change of the median (%)', format: 'change' },
      series: [{ label: 'change', color: drawn.map((r) => VERDICT_TEXT[r.verdict].color), data: drawn.map((r) => round(r.changePct!, 2)) }],
      legend: false,
      height: Math.max(160, 40 + drawn.length * 22),
    });
    figure = chartPair({
      title: 'Change per figure',
      note: 'Red: worse beyond its threshold; green: better beyond it; grey: within the threshold or the spread of repeats. The sign is the raw change — for RPS up is better, for everything else down is.',
      chart,
      table: table({ charts: [id], head, rows: tableRows, className: 'comparison' }),
      layout: 'wide',
    });
  } else {
    figure = table({ head, rows: tableRows, className: 'comparison' });
  }
  const header =
    `<header class="top"><div class="inner"><p class="kicker">kvbench comparison</p>` +
    `<h1>${escapeHtml(view.scenario)}</h1><ul class="meta">${side('baseline', view.baseline)}${side('current', view.current)}</ul></div></header>`;
  const body =
    `<section><h2>Verdict</h2><div class="banner ${view.verdict}" role="status">${headline}</div>` +
    (view.warnings.length ? `<ul class="caveats">${view.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>` : '') +
    `</section>` +
    `<section><h2>Per figure</h2>${figure}<h3>The rule</h3><p class="muted">${escapeHtml(view.rule)}</p></section>`;
  return renderPage({
    title: `kvbench comparison · ${view.scenario}`,
    header,
    body,
    charts: charts.specs,
    extraCss: CSS,
  });
}
