import { escapeHtml } from '../escape.js';
import { fmtLatency, fmtRps, fmtUs } from '../format.js';
import { latencyFromText } from '../latency-origin.js';
import { AT_LEAST, capacityHeading, capacityText, equalRateHeading, noneHeldText, offeredText, type CapacityLead, type EqualRateLead } from '../lead.js';
import { capacityLede } from '../leading-metric.js';
import { METRICS } from '../metrics.js';
import { EQUAL_RATE_COLUMNS } from '../tables.js';
import { decisiveEqual, type Ranked, type Verdict } from '../verdict.js';
import { cellOf, figure } from '../view.js';
import { card } from './cards.js';
import type { Ctx } from './context.js';
import { naTd, numTd, seriesTh, spreadTd, statusNote, table, th } from './table.js';
import { CHART_UNITS } from './units.js';

/** What qualifies the rankings, in a list of its own above them: nobody reads a ranking first and the caveat later. */
export function caveatsList(caveats: readonly string[]): string {
  return caveats.length ? `<ul class="caveats before" role="note">${caveats.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ul>` : '';
}

/**
 * (a) capacity at the target and (b) every server at the same offered rate: the top of the report when the results
 * have them. Caveats first, then the cards and sentences, then a table per capacity and per equal-rate step.
 */
export function leadBlock(ctx: Ctx, verdict: Verdict): string {
  const { view } = ctx;
  const capacity = verdict.capacity[0];
  const equal = decisiveEqual(verdict.equal);
  const floors = new Set(verdict.capacity.flatMap((c) => c.atLeast));
  const floorText = (v: number, g: readonly Ranked[]) => `${g.some((r) => floors.has(r.series.key)) ? '≥ ' : ''}${fmtRps(v)} req/s`;
  const cards = [
    ...(capacity
      ? [
          card(
            `Highest ${capacityHeading(capacity.lead).replace(/^Capacity/, 'capacity')} — leading metric`,
            capacity.ranked,
            floorText,
            true,
            capacity.ranked.some((r) => floors.has(r.series.key)) ? "≥ marks a floor: that capacity came near the client's ceiling" : '',
          ),
        ]
      : []),
    ...(equal
      ? [
          card(`Least server CPU per request at ${offeredText(equal.lead)} offered`, equal.cpu, fmtUs, !capacity),
          card(
            `Lowest p99 at that rate, ${latencyFromText(equal.lead.series.flatMap((s) => cellOf(view, s.key, equal.lead.step)?.runs ?? []))}`,
            equal.p99,
            fmtLatency,
          ),
        ]
      : []),
  ];
  const sentences = [...verdict.capacity.flatMap((c) => c.sentences), ...verdict.equal.flatMap((e) => e.sentences)];
  return (
    `<p class="lede">${escapeHtml(capacityLede(view, verdict.capacity.length > 0))}</p>` +
    caveatsList(verdict.caveats) +
    `<div class="cards">${cards.join('')}</div>` +
    `<ul class="caveats">${sentences.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}` +
    (verdict.overall ? `<li><b>${escapeHtml(verdict.overall)}</b></li>` : '') +
    `</ul>` +
    verdict.capacity.map((c) => capacityTable(ctx, c.lead)).join('') +
    verdict.equal.map((e) => equalRateTable(ctx, e.lead)).join('')
  );
}

const stepTag = (step: string) => ` <span class="muted step-tag">step ${escapeHtml(step)}</span>`;

function capacityTable(ctx: Ctx, lead: CapacityLead): string {
  const rows = lead.rows.map((row) => {
    const flag = row.noneHeld
      ? `<span class="spread status-bad">${escapeHtml(noneHeldText(row))}</span>`
      : row.nearCeiling
        ? `<span class="flag at-least">${escapeHtml(AT_LEAST)}</span>`
        : '';
    return [
      seriesTh(row.series.label, row.series.color),
      row.rate || row.noneHeld
        ? numTd(capacityText(row), row.rate ? CHART_UNITS.capacityRps.toChart(row.rate.median) : null, spreadNote(row.rate) + flag + statusNote(row.runs))
        : naTd(),
      spreadTd(row.ceiling, fmtRps),
      row.missedAt ? spreadTd(row.missedAt, fmtRps) : naTd(row.nearCeiling ? "stopped at the client's ceiling" : 'the search ended before a probe missed'),
      spreadTd(figure(ctx.view, row.series.key, lead.step, 'serverCores'), METRICS.serverCores.format),
      numTd(String(row.runs.reduce((n, r) => n + r.capacity!.probes.length, 0))),
    ];
  });
  return (
    `<h3 id="${ctx.anchor(`lead-${lead.step}`)}" class="lead-capacity">${escapeHtml(capacityHeading(lead))}${stepTag(lead.step)}</h3>` +
    `<div class="table-wrap">` +
    table({
      className: 'lead',
      head: [
        th('server', undefined, false),
        th('capacity', 'req/s held'),
        th("client's ceiling", 'req/s it can offer'),
        th('missed at', 'req/s'),
        th('server cores', 'at capacity'),
        th('probes', 'see Capacity search'),
      ],
      rows,
    }) +
    `</div>`
  );
}

/** The min–max beneath a capacity, as spreadTd would print it, when repeats differ. */
function spreadNote(s: { min: number; max: number; n: number } | null): string {
  if (!s || s.n < 2 || fmtRps(s.min) === fmtRps(s.max)) return '';
  return `<span class="spread" title="min–max over ${s.n} repeats">${escapeHtml(`${fmtRps(s.min)} – ${fmtRps(s.max)}`)}</span>`;
}

function equalRateTable(ctx: Ctx, lead: EqualRateLead): string {
  const { view } = ctx;
  const runs = lead.series.flatMap((s) => cellOf(view, s.key, lead.step)?.runs ?? []);
  const from = latencyFromText(runs);
  const units: Record<string, string | undefined> = {
    cpuUsPerRequest: 'µs, server',
    p99Us: from || undefined,
    serviceP99Us: 'from the write',
    serverCores: 'cores',
  };
  const rows = lead.series.map((s) => [
    seriesTh(s.label, s.color),
    ...EQUAL_RATE_COLUMNS.map(([m], i) =>
      spreadTd(figure(view, s.key, lead.step, m), METRICS[m].format, undefined, i === 0 ? statusNote(cellOf(view, s.key, lead.step)?.runs) : ''),
    ),
  ]);
  return (
    `<h3 id="${ctx.anchor(`lead-${lead.step}`)}" class="lead-equal">${escapeHtml(equalRateHeading(lead))}${stepTag(lead.step)}</h3>` +
    `<div class="table-wrap">` +
    table({
      className: 'lead',
      head: [th('server', undefined, false), ...EQUAL_RATE_COLUMNS.map(([m, label]) => th(label, units[m]))],
      rows,
    }) +
    `</div>`
  );
}
