import type { Run } from '@kvbench/schemas';
import { escapeHtml } from '../escape.js';
import { fmtCores, fmtOffered, fmtRps, roundSig } from '../format.js';
import { LATENCY_FROM, latencyOrigins } from '../latency-origin.js';
import { capacityHeading, capacityLeads, capacityText, fmtTarget, probeP99Text, probeResult, type CapacityLead } from '../lead.js';
import { chartPair, type SeriesSpec } from './chart.js';
import type { Ctx } from './context.js';
import { naTd, numTd, table, th } from './table.js';

/**
 * Below the lead: every probe of every capacity search, per server — the rate offered, whether it held, and the
 * p99 it measured — and p99 against offered rate, where the knee shows.
 */
export function capacitySection(ctx: Ctx): string {
  const leads = capacityLeads(ctx.view);
  if (leads.length === 0) return '';
  const runs = leads.flatMap((l) => l.rows.flatMap((r) => r.runs));
  const origins = latencyOrigins(runs).map((o) => LATENCY_FROM[o]);
  const probeSec = [...new Set(leads.flatMap((l) => ctx.view.scenario.steps.find((s) => s.name === l.step)?.capacity?.probeSec ?? []))];
  return (
    `<section id="${ctx.anchor('capacity')}"><h2>Capacity search</h2>` +
    `<p class="lede">${escapeHtml(
      `Each probe offered one rate (open model${probeSec.length === 1 ? `, ${probeSec[0]} s` : ''}) and held when every request was answered, none was left unsent and p99 stayed within the target. ` +
        `The search doubles the rate until a probe misses, then bisects between the last that held and the first that missed. ` +
        `p99 ${origins.join(' or ') || 'as measured'}.`,
    )}</p>` +
    leads.map((lead) => probesPair(ctx, lead)).join('') +
    `</section>`
  );
}

/** "go", or "go #1" when a search ran in several repeats. */
const runLabel = (label: string, run: Run, repeats: number) => (repeats > 1 ? `${label} #${run.repeat}` : label);

function probesPair(ctx: Ctx, lead: CapacityLead): string {
  const id = ctx.charts.id();
  const series: SeriesSpec[] = lead.rows.flatMap((row) =>
    row.runs.map((run) => ({
      label: runLabel(row.series.label, run, row.runs.length),
      color: row.series.color,
      // In rate order, not search order: the line is the server's p99 as the offered rate rises.
      data: [...run.capacity!.probes]
        .filter((p) => p.p99Us !== null && p.p99Us > 0)
        .sort((a, b) => a.rate - b.rate)
        .map((p) => ({ x: p.rate, y: roundSig(p.p99Us! / 1000) })),
    })),
  );
  const chart = ctx.charts.add({
    id,
    type: 'line',
    x: { title: 'offered rate (req/s)', format: 'rps', log: true },
    y: { title: 'p99 (ms)', format: 'ms', log: true },
    series,
    height: 260,
  });
  const tables = lead.rows.flatMap((row) =>
    row.runs.map((run) => {
      const c = run.capacity!;
      const rows = c.probes.map((p, i) => [
        numTd(String(i + 1)),
        numTd(fmtOffered(p.rate)),
        p.p99Us === null ? naTd('no answers') : numTd(probeP99Text(p), roundSig(p.p99Us / 1000)),
        p.serverCoresBusy === null ? naTd() : numTd(fmtCores(p.serverCoresBusy)),
        p.clientCoresBusy === null ? naTd() : numTd(fmtCores(p.clientCoresBusy)),
        `<td class="${p.ok ? 'status-ok' : 'status-bad'}">${escapeHtml(probeResult(p))}</td>`,
      ]);
      const summary = `${runLabel(row.series.label, run, row.runs.length)}: ${c.rate === null ? 'no rate held' : `${c.nearClientCeiling ? '≥ ' : ''}${fmtRps(c.rate)} req/s`}`;
      return table({
        charts: [id],
        className: 'probes',
        caption: escapeHtml(summary),
        head: [th('#'), th('offered', 'req/s'), th('p99'), th('server', 'cores'), th('client', 'cores'), th('result', undefined, false)],
        rows,
      });
    }),
  );
  const best = lead.rows.map((r) => `${r.series.label} ${capacityText(r)}`).join(', ');
  return chartPair({
    title: `${capacityHeading(lead)} · step ${lead.step}`,
    note: escapeHtml(
      `Probes in the order the search ran them; the chart draws them by rate. Target ${fmtTarget(lead.targetP99Us)}. Capacity: ${best} req/s. Log scales.`,
    ),
    chart,
    table: `<div class="probe-grid">${tables.join('')}</div>`,
    layout: 'wide',
  });
}
