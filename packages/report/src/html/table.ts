import { escapeHtml } from '../escape.js';
import { fmtRange } from '../format.js';
import type { Spread } from '../stats.js';

/** A numeric cell. `v` is the number the chart beside it draws (same units, same rounding), kept for checking. */
export function numTd(text: string, v?: number | null, extraHtml = ''): string {
  const data = v === undefined || v === null ? '' : ` data-v="${v}"`;
  return `<td class="num"${data}>${escapeHtml(text)}${extraHtml}</td>`;
}

export const naTd = (title = 'not measured'): string => `<td class="num na" title="${escapeHtml(title)}">—</td>`;

/** Median in the cell; the min–max over repeats beneath it when the repeats differ at the precision printed. */
export function spreadTd(s: Spread | null | undefined, format: (v: number) => string, toChart?: (v: number) => number, note = ''): string {
  if (!s) return naTd();
  const range =
    s.n > 1 && format(s.min) !== format(s.max)
      ? `<span class="spread" title="min–max over ${s.n} repeats">${escapeHtml(fmtRange(format(s.min), format(s.max)))}</span>`
      : '';
  return numTd(format(s.median), toChart ? toChart(s.median) : undefined, range + note);
}

export function swatch(color: string, dashed = false): string {
  return `<span class="dot${dashed ? ' ref' : ''}" style="--c:${escapeHtml(color)}"></span>`;
}

export function seriesTh(label: string, color: string, dashed = false): string {
  return `<th scope="row">${swatch(color, dashed)}${escapeHtml(label)}</th>`;
}

/** A reference row (the blog's figures): its name, and beneath it where the figures come from. */
export function referenceTh(label: string, origin: string, color: string): string {
  return `<th scope="row" class="ref">${swatch(color, true)}${escapeHtml(label)}<span class="spread">${escapeHtml(origin)}</span></th>`;
}

export function table(opts: { charts?: string[]; head: string[]; rows: string[][]; caption?: string; className?: string }): string {
  const attrs = [
    opts.charts?.length ? ` data-chart="${escapeHtml(opts.charts.join(' '))}"` : '',
    opts.className ? ` class="${escapeHtml(opts.className)}"` : '',
  ].join('');
  const caption = opts.caption ? `<caption>${opts.caption}</caption>` : '';
  const head = `<thead><tr>${opts.head.join('')}</tr></thead>`;
  const body = `<tbody>${opts.rows.map((cells) => `<tr>${cells.join('')}</tr>`).join('')}</tbody>`;
  return `<table${attrs}>${caption}${head}${body}</table>`;
}

/** Header cell text; numeric columns right-aligned like their numbers, with the unit on a second line. */
export function th(label: string, unit?: string, numeric = true): string {
  const u = unit ? `<span class="unit">${escapeHtml(unit)}</span>` : '';
  return `<th scope="col"${numeric ? ' class="num"' : ''}>${escapeHtml(label)}${u}</th>`;
}

/** Under a figure from a run that did not end well: how it ended, so nobody ranks a crash. */
export function statusNote(runs: ReadonlyArray<{ status: string }> | undefined): string {
  const bad = [...new Set((runs ?? []).filter((r) => r.status !== 'ok').map((r) => r.status))];
  return bad.length ? `<span class="spread status-bad">${escapeHtml(bad.join(', '))}</span>` : '';
}
