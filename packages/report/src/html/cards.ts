import { escapeHtml } from '../escape.js';
import { rankGroups, type Ranked } from '../verdict.js';
import { swatch } from './table.js';

/**
 * One ranking as a card: the leader big, the rest beneath. `format` gets the tied group too, so a figure that is
 * only a floor (a capacity at the client's ceiling) can say so.
 */
export function card(kind: string, ranked: readonly Ranked[], format: (v: number, group: readonly Ranked[]) => string, lead = false, caveat = ''): string {
  if (ranked.length === 0) return `<div class="card"><p class="label">${escapeHtml(kind)}</p><p class="big muted">—</p></div>`;
  // Every server tied for first is named as the leader: a card must not crown one of two equal figures.
  const [best, ...rest] = rankGroups(ranked);
  const first = best![0]!;
  const who = best!.map((r) => `<span class="who" style="color:${escapeHtml(r.series.color)}">${escapeHtml(r.series.label)}</span>`).join('= ');
  const tie = best!.length > 1 ? '<span class="tie">(tie)</span>' : '';
  const others = rest.map(
    (g) =>
      `<span>${g.map((r) => `${swatch(r.series.color)}${escapeHtml(r.series.label)}`).join(' = ')} ${escapeHtml(format(g[0]!.value.median, g))}${g.length > 1 ? ' (tie)' : ''}</span>`,
  );
  return (
    `<div class="card${lead ? ' lead' : ''}" style="--c:${escapeHtml(first.series.color)}">` +
    `<p class="label">${escapeHtml(kind)}</p>` +
    `<p class="big">${who}${escapeHtml(format(first.value.median, best!))}${tie}</p>` +
    (others.length ? `<p class="rest">${others.join(' &nbsp;·&nbsp; ')}</p>` : '') +
    (caveat ? `<p class="rest caveat">${escapeHtml(caveat)}</p>` : '') +
    `</div>`
  );
}
