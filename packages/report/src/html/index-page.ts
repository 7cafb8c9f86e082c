import type { Results } from '@kvbench/schemas';
import { escapeHtml } from '../escape.js';
import { fmtRps, fmtUs, roundSig } from '../format.js';
import { buildViews, figure, headlineStep } from '../view.js';
import { assignColors } from '../colors.js';
import { SAME_LOAD_RULE } from '../leading-metric.js';
import { Charts, chartPair } from './chart.js';
import { renderPage } from './page.js';
import { naTd, numTd, swatch, table, th } from './table.js';

export interface IndexEntry {
  /** Link to the report or results file, relative to the index page (e.g. "blog-20261122T031500Z.html"). */
  href: string;
  results: Results;
  /** The results JSON, relative to the index page: shown beside the report link. */
  source?: string;
}

/** Only relative links: an index lives beside its reports and must never point a reader somewhere else. */
function safeHref(href: string): string | null {
  return /^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('//') ? null : href;
}

const when = (iso: string) => iso.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC');

/**
 * Every results file given, newest first, with links; and per scenario the trend of each server's headline figures
 * (median RPS and server CPU µs per request at the largest step) from run to run.
 */
export function renderIndexHtml(entries: readonly IndexEntry[], options: { title?: string } = {}): string {
  const sorted = [...entries].sort((a, b) => b.results.startedAt.localeCompare(a.results.startedAt));
  const allServers = [...new Set(entries.flatMap((e) => e.results.servers.map((s) => s.name)))];
  const colors = assignColors(allServers);
  const color = (server: string) => colors.get(server) ?? '#868e96';

  const listRows = sorted.map(({ href, results: r, source }) => {
    const link = safeHref(href);
    const json = source ? safeHref(source) : null;
    const warnings = r.warnings.length + r.runs.reduce((n, run) => n + run.warnings.length, 0);
    return [
      `<td class="mono">${escapeHtml(when(r.startedAt))}</td>`,
      `<th scope="row">${escapeHtml(r.scenario.name)}</th>`,
      `<td>${r.servers.map((s) => `${swatch(color(s.name))}${escapeHtml(s.name)}`).join(' &nbsp;')}</td>`,
      `<td>${r.complete ? '<span class="status-ok">complete</span>' : `<span class="status-bad">partial</span>${r.interruption ? ` <span class="muted">${escapeHtml(r.interruption)}</span>` : ''}`}</td>`,
      `<td class="mono">${escapeHtml(r.environment.gitCommit?.slice(0, 10) ?? 'unknown')}${r.environment.gitDirty ? ' <span class="muted">dirty</span>' : ''}</td>`,
      numTd(String(warnings)),
      `<td>${link ? `<a href="${escapeHtml(link)}">${escapeHtml(r.id)}</a>` : escapeHtml(r.id)}` +
        `${json ? ` <a class="muted" href="${escapeHtml(json)}">json</a>` : ''}</td>`,
    ];
  });
  const list = table({
    head: [
      th('started', undefined, false),
      th('scenario', undefined, false),
      th('servers', undefined, false),
      th('complete?', undefined, false),
      th('commit', undefined, false),
      th('warnings'),
      th('report', undefined, false),
    ],
    rows: listRows,
  });

  const charts = new Charts('idx');
  const byScenario = new Map<string, IndexEntry[]>();
  for (const e of [...entries].sort((a, b) => a.results.startedAt.localeCompare(b.results.startedAt))) {
    byScenario.set(e.results.scenario.name, [...(byScenario.get(e.results.scenario.name) ?? []), e]);
  }
  const trends = [...byScenario].map(([scenario, runs]) => {
    const points = runs.map((e) => {
      const view = buildViews([e.results])[0]!;
      const step = headlineStep(view);
      return { e, view, step };
    });
    const servers = [...new Set(points.flatMap((p) => p.view.series.map((s) => s.key)))];
    const labels = points.map((p) => `${when(p.e.results.startedAt).slice(0, 16)} · ${p.e.results.environment.gitCommit?.slice(0, 7) ?? '?'}`);
    // On the axis only month-day and time: the table beside carries the year and the commit.
    const axisLabels = points.map((p) => when(p.e.results.startedAt).slice(5, 16));
    const pair = (title: string, metric: 'rps' | 'cpuUsPerRequest', unit: 'rps' | 'us', format: (v: number) => string) => {
      const id = charts.id();
      const value = (p: (typeof points)[number], key: string) => {
        const f = p.step ? figure(p.view, key, p.step, metric) : null;
        return f ? roundSig(f.median) : null;
      };
      const chart = charts.add({
        id,
        type: 'line',
        labels: axisLabels,
        x: { title: 'run', format: 'int' },
        y: { title: unit === 'rps' ? 'requests per second' : 'µs per request', format: unit },
        series: servers.map((key) => ({ label: key, color: color(key.split(' (')[0]!), data: points.map((p) => value(p, key)) })),
        height: 240,
      });
      const tableHtml = table({
        charts: [id],
        head: [th('run', undefined, false), th('step', undefined, false), ...servers.map((key) => `<th scope="col" class="num">${swatch(color(key.split(' (')[0]!))}${escapeHtml(key)}</th>`)],
        rows: points.map((p, i) => [
          `<th scope="row" class="mono">${escapeHtml(labels[i]!)}</th>`,
          `<td>${escapeHtml(p.step ?? '—')}</td>`,
          ...servers.map((key) => {
            const v = value(p, key);
            return v === null ? naTd() : numTd(format(v), v);
          }),
        ]),
      });
      return chartPair({ title, chart, table: tableHtml });
    };
    return (
      `<section><h2>${escapeHtml(scenario)}: trend</h2>` +
      `<p class="lede">Median over repeats at each run's largest step, oldest run first. ${escapeHtml(SAME_LOAD_RULE)}</p>` +
      pair('Server CPU per request', 'cpuUsPerRequest', 'us', fmtUs) +
      pair('Requests per second', 'rps', 'rps', fmtRps) +
      `</section>`
    );
  });

  const title = options.title ?? 'kvbench results';
  const header =
    `<header class="top"><div class="inner"><p class="kicker">kvbench</p><h1>${escapeHtml(title)}</h1>` +
    `<ul class="meta"><li><b>${entries.length}</b> results file${entries.length === 1 ? '' : 's'}</li><li>${byScenario.size} scenario${byScenario.size === 1 ? '' : 's'}</li></ul></div></header>`;
  const body =
    `<section><h2>Runs</h2><p class="lede">Newest first. Each link opens that run's report.</p><div class="table-wrap">${list}</div></section>` +
    trends.join('');
  return renderPage({ title, header, body, charts: charts.specs });
}
