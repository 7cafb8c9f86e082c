import type { HistoryEntry, HistoryPoint } from '@kvbench/schemas';
import { escapeHtml } from '../escape.js';
import { fmtUs, roundSig } from '../format.js';
import { SAME_LOAD_RULE } from '../leading-metric.js';
import { type Charts, chartPair } from './chart.js';
import { numTd, spreadTd, swatch, table, th } from './table.js';

/** The gate metric the history draws: the one a CI comparison fails on (failed requests are shown in its table). */
const GATE = 'cpuPerRequest';

const when = (iso: string) => iso.replace('T', ' ').slice(0, 16);
const commitOf = (e: HistoryEntry) => `${e.gitCommit?.slice(0, 7) ?? 'no commit'}${e.gitDirty ? ' (dirty)' : ''}`;

/**
 * A same-run A/B's head is the commit the entry names; its base is another commit, already drawn where it was the
 * head (or not at all), so only plain runs and heads make a point.
 */
const drawn = (p: HistoryPoint) => p.variant === undefined || p.variant === 'head';

/**
 * Per scenario and step, each server's gate metric over commits, oldest first: one point per results file (two runs
 * of one commit are two points, which shows how far a commit's own runs scatter). Points from another machine than
 * the newest entry's, and disturbed runs, are named in the table: absolute CPU per request moves between machines
 * more than any threshold, so a jump there is the machine's until a same-run A/B says otherwise.
 */
export function historySections(entries: readonly HistoryEntry[], charts: Charts, color: (server: string) => string): string[] {
  const byScenario = new Map<string, HistoryEntry[]>();
  for (const e of [...entries].sort((a, b) => a.startedAt.localeCompare(b.startedAt))) {
    byScenario.set(e.scenario, [...(byScenario.get(e.scenario) ?? []), e]);
  }
  return [...byScenario].map(([scenario, runs]) => {
    const steps = [...new Set(runs.flatMap((e) => e.points.filter(drawn).map((p) => p.step)))];
    const newestMachine = runs[runs.length - 1]!.machine;
    const machines = new Set(runs.map((e) => e.machine)).size;
    const pairs = steps.map((step) => stepChart(step, runs, newestMachine, charts, color));
    return (
      `<section><h2>${escapeHtml(scenario)}: gate metric over commits</h2>` +
      `<p class="lede">Server CPU µs per request, the metric a CI comparison fails on, for each step: the median over ` +
      `a run's repeats, one point per results file, oldest first. ${escapeHtml(SAME_LOAD_RULE)}` +
      (machines > 1
        ? ` These runs come from ${machines} machines: a change of machine moves every server at once, and the table names the runs from another machine than the newest.`
        : '') +
      `</p>${pairs.join('')}</section>`
    );
  });
}

function stepChart(step: string, runs: HistoryEntry[], newestMachine: string, charts: Charts, color: (server: string) => string): string {
  const at = (e: HistoryEntry, metric: string) => e.points.filter((p) => drawn(p) && p.step === step && p.metric === metric);
  const present = runs.filter((e) => at(e, GATE).length > 0);
  const servers = [...new Set(present.flatMap((e) => at(e, GATE).map((p) => p.server)))];
  const value = (e: HistoryEntry, server: string) => at(e, GATE).find((p) => p.server === server)?.value ?? null;
  const id = charts.id();
  const chart = charts.add({
    id,
    type: 'line',
    labels: present.map(commitOf),
    x: { title: 'commit, oldest first', format: 'int' },
    y: { title: 'CPU per request (µs)', format: 'us' },
    series: servers.map((server) => ({
      label: server,
      color: color(server),
      data: present.map((e) => {
        const v = value(e, server);
        return v ? roundSig(v.median) : null;
      }),
    })),
    height: 240,
  });
  const rows = present.map((e) => {
    const notes = [e.machine !== newestMachine ? 'another machine' : '', e.disturbed ? 'disturbed' : ''].filter(Boolean);
    const failed = at(e, 'failures').reduce((n, p) => n + p.value.max, 0);
    return [
      `<th scope="row" class="mono">${escapeHtml(commitOf(e))}</th>`,
      `<td class="mono">${escapeHtml(when(e.startedAt))}</td>`,
      ...servers.map((server) => spreadTd(value(e, server), fmtUs, roundSig)),
      numTd(String(failed)),
      `<td>${notes.length ? `<span class="status-bad">${escapeHtml(notes.join(', '))}</span>` : ''}</td>`,
    ];
  });
  const tableHtml = table({
    charts: [id],
    head: [
      th('commit', undefined, false),
      th('run started (UTC)', undefined, false),
      ...servers.map((s) => `<th scope="col" class="num">${swatch(color(s))}${escapeHtml(s)}</th>`),
      th('failed requests (worst repeat, all servers)'),
      th('note', undefined, false),
    ],
    rows,
  });
  // Chart above its table: beside the chart the table scrolled, and its last column, which says a run was disturbed
  // or from another machine, was out of sight.
  return chartPair({ title: `Step ${step}`, chart, table: tableHtml, layout: 'wide' });
}
