import { escapeHtml } from '../escape.js';
import { MIB, fmtBytes, fmtDuration, fmtInt, roundSig } from '../format.js';
import { FOOTPRINT_NOTE, footprintsOf } from '../tables.js';
import type { Ctx } from './context.js';
import { naTd, numTd, seriesTh, table, th } from './table.js';

/** The scenario's memory footprint per server (RSS per million keys, reload time); '' when it measured none. */
export function footprintSection(ctx: Ctx): string {
  const rows = footprintsOf(ctx.view);
  if (rows.length === 0) return '';
  const color = new Map(ctx.view.series.map((s) => [s.key, s.color]));
  const bytesTd = (v: number | null) => (v === null ? naTd() : numTd(fmtBytes(v), roundSig(v / MIB)));
  const msTd = (v: number | null) => (v === null ? naTd() : numTd(fmtDuration(v), roundSig(v)));
  const html = table({
    head: [
      th('server', undefined, false),
      th('keys'),
      th('value', 'bytes'),
      th('RSS at start'),
      th('RSS filled'),
      th('RSS per million keys'),
      th('fill'),
      th('stop', 'SIGTERM to exit'),
      th('reload', 'to healthz + sample'),
      th('sample', 'answered'),
      th('error', undefined, false),
    ],
    rows: rows.map((f) => {
      const label = f.variant ? `${f.server} (${f.variant})` : f.server;
      return [
        seriesTh(label, color.get(label) ?? '#888'),
        numTd(fmtInt(f.keys), f.keys),
        numTd(String(f.valueBytes), f.valueBytes),
        bytesTd(f.rssStartBytes),
        bytesTd(f.rssFilledBytes),
        bytesTd(f.rssPerMillionKeysBytes),
        msTd(f.fillMs),
        msTd(f.stopMs),
        msTd(f.reloadMs),
        f.sampled ? numTd(`${f.sampled - f.sampleMissing}/${f.sampled}`) : naTd(),
        `<td>${escapeHtml(f.error ?? '')}</td>`,
      ];
    }),
  });
  return (
    `<section id="${ctx.anchor('footprint')}"><h2>Memory footprint</h2>` +
    `<p class="lede">${escapeHtml(FOOTPRINT_NOTE)} Each server is measured alone, after the load steps.</p>` +
    `<div class="table-wrap">${html}</div>` +
    `</section>`
  );
}
