import type { HistoryEntry, Results } from '@kvbench/schemas';
import { assignColors } from '../colors.js';
import { escapeHtml } from '../escape.js';
import { Charts } from './chart.js';
import { historySections } from './history.js';
import { renderPage } from './page.js';
import { numTd, swatch, table, th } from './table.js';

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

export interface IndexOptions {
  title?: string;
  /**
   * The gate metric over commits, drawn per scenario and step: the entries `@kvbench/compare` makes of these results
   * files and of a kept history file (`kvbench history`), merged by results id.
   */
  history?: readonly HistoryEntry[];
}

/** Every results file given, newest first, with links; and per scenario and step the gate metric over commits. */
export function renderIndexHtml(entries: readonly IndexEntry[], options: IndexOptions = {}): string {
  const sorted = [...entries].sort((a, b) => b.results.startedAt.localeCompare(a.results.startedAt));
  const allServers = [
    ...new Set([...entries.flatMap((e) => e.results.servers.map((s) => s.name)), ...(options.history ?? []).flatMap((e) => e.points.map((p) => p.server))]),
  ];
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
  const trends = historySections(options.history ?? [], charts, color);

  const scenarios = new Set([...entries.map((e) => e.results.scenario.name), ...(options.history ?? []).map((e) => e.scenario)]).size;
  const title = options.title ?? 'kvbench results';
  const header =
    `<header class="top"><div class="inner"><p class="kicker">kvbench</p><h1>${escapeHtml(title)}</h1>` +
    `<ul class="meta"><li><b>${entries.length}</b> results file${entries.length === 1 ? '' : 's'}</li><li>${scenarios} scenario${scenarios === 1 ? '' : 's'}</li></ul></div></header>`;
  const body =
    `<section><h2>Runs</h2><p class="lede">Newest first. Each link opens that run's report.</p><div class="table-wrap">${list}</div></section>` +
    trends.join('');
  return renderPage({ title, header, body, charts: charts.specs });
}
