import { footprintSection } from './footprint.js';
import type { Results } from '@kvbench/schemas';
import { escapeHtml } from '../escape.js';
import { fmtBytes, fmtInt, fmtLatency, fmtRps, fmtUs, plural } from '../format.js';
import { latencyFromText } from '../latency-origin.js';
import { ladderLede, leadingMetricLede } from '../leading-metric.js';
import { METRICS } from '../metrics.js';
import { verdictOf } from '../verdict.js';
import { buildViews, cellOf, figure, headlineStepPhrase, type ScenarioView } from '../view.js';
import { groupWarnings } from '../warnings.js';
import { Charts } from './chart.js';
import type { Ctx, HtmlOptions } from './context.js';
import { buildSection, environmentSection, runsSection } from './details.js';
import { blogSection } from './blog.js';
import { capacitySection } from './capacity.js';
import { card } from './cards.js';
import { caveatsList, leadBlock } from './lead.js';
import { failuresSection } from './failures.js';
import { latencySection } from './latency.js';
import { resourcesSection } from './resources.js';
import { renderPage } from './page.js';
import { naTd, seriesTh, spreadTd, statusNote, swatch, table, th } from './table.js';
import { timelineSection } from './timeline.js';

export type { HtmlOptions } from './context.js';

const SECTIONS: Array<[string, string]> = [
  ['glance', 'At a glance'],
  ['capacity', 'Capacity search'],
  ['blog', "Blog's view"],
  ['latency', 'Latency'],
  ['failures', 'Failures'],
  ['resources', 'CPU & memory'],
  ['timeline', 'During the load'],
  ['footprint', 'Memory footprint'],
  ['build', 'Build & start-up'],
  ['runs', 'Runs & output'],
  ['environment', 'Environment'],
];

/**
 * One self-contained HTML report for any number of results: runs are grouped by scenario name, and each scenario
 * reads top-down from the verdict and the warnings to the raw environment.
 */
export function renderHtml(results: readonly Results[], options: HtmlOptions = {}): string {
  if (results.length === 0) throw new Error('renderHtml needs at least one results object to report on');
  const views = buildViews(results);
  const charts = new Charts('chart');
  const names = views.map((v) => v.name);
  const title = options.title ?? `kvbench · ${names.join(', ')}`;
  const articles = views.map((view, i) => {
    const prefix = views.length > 1 ? `s${i + 1}-` : '';
    const ctx: Ctx = { view, charts, anchor: (name) => `${prefix}${name}`, options };
    // In reading order; a section with nothing to show (no capacity search, no ladder) renders as ''.
    // A footprint-only scenario has no steps: no per-step sections, not empty ones.
    const perStep = view.steps.length > 0 ? [capacitySection, blogSection, latencySection, failuresSection, resourcesSection, timelineSection] : [];
    const sections = [glanceSection, ...perStep, footprintSection, buildSection, ...(view.steps.length > 0 ? [runsSection] : []), environmentSection].map(
      (render) => render(ctx),
    );
    return (
      `<article class="scenario" id="${prefix}scenario">` +
      (views.length > 1 ? `<h2 class="scenario-title">${escapeHtml(view.name)}</h2>` : '') +
      sections.join('') +
      `</article>`
    );
  });
  const present = (id: string) => articles.some((a) => a.includes(`<section id="${id}">`));
  const nav =
    views.length === 1
      ? `<nav class="toc"><div class="inner">${SECTIONS.filter(([id]) => present(id))
          .map(([id, label]) => `<a href="#${id}">${escapeHtml(label)}</a>`)
          .join('')}</div></nav>`
      : `<nav class="toc"><div class="inner">${views.map((v, i) => `<a href="#s${i + 1}-scenario">${escapeHtml(v.name)}</a>`).join('')}</div></nav>`;
  // With several scenarios on a page, a partial one must not hide below the first: say so before everything.
  const partial = views.length > 1 ? views.map((v, i) => ({ v, i })).filter(({ v }) => !v.complete) : [];
  const notice = partial.length
    ? `<div class="banner partial" role="alert"><b>Partial results</b> in ${partial
        .map(({ v, i }) => `<a href="#s${i + 1}-scenario">${escapeHtml(v.name)}</a>`)
        .join(', ')}: not every planned run is there.</div>`
    : '';
  return renderPage({ title, header: header(views, title), nav, body: notice + articles.join(''), charts: charts.specs });
}

function header(views: ScenarioView[], title: string): string {
  const sources = views.flatMap((v) => v.sources);
  const first = sources[0]!;
  const env = first.environment;
  const started = sources.map((r) => r.startedAt).sort()[0]!;
  const servers = views.flatMap((v) => v.series).filter((s, i, all) => all.findIndex((o) => o.key === s.key) === i);
  const meta = [
    `<li><b>${escapeHtml(started.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC'))}</b></li>`,
    `<li>${servers.map((s) => `${swatch(s.color)}${escapeHtml(s.label)}`).join(' &nbsp;')}</li>`,
    ...views.map(
      (v) => `<li>${escapeHtml(`${views.length > 1 ? `${v.name}: ` : ''}${plural(v.steps.length, 'step')} × ${plural(v.scenario.repeat, 'repeat')}`)}</li>`,
    ),
    `<li>${escapeHtml(`${env.cpuModel} · ${env.cores} cores · ${fmtBytes(env.memoryBytes)}`)}</li>`,
    `<li>commit <b class="mono">${escapeHtml(env.gitCommit ? env.gitCommit.slice(0, 10) : 'unknown')}</b>${env.gitDirty ? ' (dirty)' : ''}</li>`,
    `<li>${escapeHtml(sources.map((r) => r.id).join(', '))}</li>`,
  ];
  const description = views.length === 1 && views[0]!.description ? `<p class="desc">${escapeHtml(views[0]!.description)}</p>` : '';
  return (
    `<header class="top"><div class="inner">` +
    `<p class="kicker">kvbench report</p><h1>${escapeHtml(views.length === 1 ? views[0]!.name : title)}</h1>` +
    description +
    `<ul class="meta">${meta.join('')}</ul>` +
    `</div></header>`
  );
}

function partialBanner(view: ScenarioView): string {
  if (view.complete) return '';
  const planned = view.series.length * view.steps.length * view.scenario.repeat;
  const ran = [...view.cells.values()].reduce((n, row) => n + [...row.values()].reduce((m, c) => m + c.runs.length, 0), 0);
  const why = view.interruptions.length ? ` (${view.interruptions.map(escapeHtml).join('; ')})` : '';
  return (
    `<div class="banner partial" role="alert"><b>Partial results.</b> This run did not finish${why}: ` +
    `${fmtInt(ran)} of ${fmtInt(planned)} planned runs are here. Every figure shown is real, but missing runs can change the verdict.</div>`
  );
}

/**
 * The top of a scenario: what qualifies the figures, then (a) capacity and (b) the equal rate when the results have
 * them, then (c) the blog ladder at its largest step, then the warnings.
 */
function glanceSection(ctx: Ctx): string {
  const { view } = ctx;
  const verdict = verdictOf(view);
  let body = partialBanner(view);
  const lead = !!verdict && (verdict.capacity.length > 0 || verdict.equal.length > 0);
  if (verdict && lead) body += leadBlock(ctx, verdict);
  const ladder = verdict?.ladder;
  if (ladder) {
    // RPS and p99 are in their cards; the CPU sentence (with ratios) and every caveat stay as words.
    const notes = ladder.sentences.filter((s) => !s.startsWith('Highest RPS') && !s.startsWith('Lowest p99'));
    const lede = `Ranked at ${headlineStepPhrase(view, ladder.step)}, <b>${escapeHtml(ladder.step)}</b> (medians over repeats). ${escapeHtml(lead ? ladderLede(view) : leadingMetricLede(view))}`;
    body +=
      (lead ? `<h3 id="${ctx.anchor('ladder')}" class="lead-ladder">The blog ladder</h3><p class="muted">${lede}</p>` : `<p class="lede">${lede}</p>`) +
      // Said once, above the first ranking: with a lead, its caveats are already there.
      (lead ? '' : caveatsList(verdict.caveats)) +
      `<div class="cards">` +
      card(`Least server CPU per request${lead ? ` at ${ladder.step}` : ' — leading metric'}`, ladder.cpu, fmtUs, !lead) +
      card(
        'Highest RPS',
        ladder.rps,
        fmtRps,
        false,
        ladder.rps[0] && ladder.boundAtStep.includes(ladder.rps[0].series.key) ? 'paced by the load generator: a floor, not a ranking' : '',
      ) +
      card('Lowest p99 latency', ladder.p99, fmtLatency) +
      `</div>` +
      `<ul class="caveats">${notes.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ul>` +
      headlineTable(view, ladder.step);
  } else if (view.steps.length === 0) {
    body += `<p class="lede">No load steps: this scenario measures the memory footprint below.</p>`;
  } else if (!verdict) {
    body += `<p class="lede">No run produced figures: see the warnings and the runs below.</p>`;
  }
  return `<section id="${ctx.anchor('glance')}"><h2>At a glance</h2>` + body + warningsBlock(ctx) + `</section>`;
}

function headlineTable(view: ScenarioView, step: string): string {
  const cols = ['successRate', 'rps', 'p50Us', 'p99Us', 'cpuUsPerRequest', 'serverCores', 'peakRssBytes', 'serverOpenFileErrors'] as const;
  // Where these latencies count from, in words: the same p99 is another figure from the scheduled send time.
  const from = latencyFromText(view.series.flatMap((s) => cellOf(view, s.key, step)?.runs ?? [])) || undefined;
  const head = [
    th('server', undefined, false),
    th('success'),
    th('RPS', 'req/s'),
    th('p50', from),
    th('p99', from),
    th('CPU / request', 'µs'),
    th('server cores'),
    th('peak RSS'),
    th('open-file errors', 'server stderr'),
  ];
  const rows = view.series.map((s) => {
    const cell = cellOf(view, s.key, step);
    if (!cell)
      return [
        seriesTh(s.label, s.color),
        `<td colspan="${cols.length}" class="muted">no run at ${escapeHtml(step)}${view.complete ? '' : ' (the run was interrupted before it)'}</td>`,
      ];
    const note = statusNote(cell.runs);
    return [
      seriesTh(s.label, s.color),
      ...cols.map((metric, i) => {
        const f = figure(view, s.key, step, metric);
        return f ? spreadTd(f, METRICS[metric].format, undefined, i === 0 ? note : '') : naTd();
      }),
    ];
  });
  return table({ head, rows, caption: escapeHtml(`Headline figures at ${step}`) });
}

function warningsBlock(ctx: Ctx): string {
  const { view } = ctx;
  const groups = groupWarnings(
    view.warnings,
    view.steps.map((s) => s.name),
  );
  if (groups.length === 0) {
    return `<h3>Warnings</h3><p class="banner ok"><b>No warnings.</b> The run's checks on itself (load generator CPU, Little's law, failures, exits) found nothing that qualifies these numbers.</p>`;
  }
  const rows = groups.map((g) => {
    const item = (e: { at: string; message: string }) => `<li><span class="at">${escapeHtml(e.at)}:</span> ${escapeHtml(e.message)}</li>`;
    const [first, ...more] = g.entries;
    const moreHtml = more.length ? `<details><summary>${more.length} more</summary><ul>${more.map(item).join('')}</ul></details>` : '';
    return [
      `<th scope="row"><span class="sev sev-${g.explanation.severity}">${escapeHtml(g.explanation.severity)}</span><br>${escapeHtml(g.explanation.title)}<br><code class="muted">${escapeHtml(g.code)}</code></th>`,
      `<td class="where">${escapeHtml(g.where)}</td>`,
      `<td>${escapeHtml(g.explanation.meaning)}</td>`,
      `<td class="msg"><ul>${first ? item(first) : ''}</ul>${moreHtml}</td>`,
    ];
  });
  const count = view.warnings.length;
  return (
    `<h3 id="${ctx.anchor('warnings')}">Warnings <span class="muted">(${count})</span></h3>` +
    `<div class="table-wrap">` +
    table({
      className: 'warnings',
      head: [
        th('warning', undefined, false),
        th('where', undefined, false),
        th('what it means for the numbers', undefined, false),
        th('what the run said', undefined, false),
      ],
      rows,
    }) +
    `</div>`
  );
}
