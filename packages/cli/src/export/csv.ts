import type { Spread } from '@kvbench/report';
import { EXPORT_METRICS, statusText, type ExportRow } from './figures.js';

/**
 * RFC 4180: CRLF line ends, a header row, and a field in double quotes (inner quotes doubled) when it holds a comma,
 * a quote or a line break. Server and step names are the user's own text, so any of those can occur.
 */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

const csvLine = (fields: readonly string[]): string => `${fields.map(csvField).join(',')}\r\n`;

/** A figure's three columns: the median, then the spread over the repeats. Empty when no repeat had the figure. */
const spreadFields = (s: Spread | null): string[] => (s ? [String(s.median), String(s.min), String(s.max)] : ['', '', '']);

export const CSV_HEADER: readonly string[] = [
  'scenario',
  'results_id',
  'server',
  'variant',
  'step',
  'repeats',
  'statuses',
  ...EXPORT_METRICS.flatMap((m) => {
    const column = m.id.replaceAll('-', '_');
    return [column, `${column}_min`, `${column}_max`];
  }),
];

/** One row per (server, step); numbers in full precision, as JavaScript prints them (no locale, no rounding). */
export function toCsv(rows: readonly ExportRow[]): string {
  const body = rows.map((row) =>
    csvLine([
      row.scenario,
      row.resultsId,
      row.server,
      row.variant ?? '',
      row.step,
      String(row.repeats),
      statusText(row),
      ...EXPORT_METRICS.flatMap((m) => spreadFields(row.figures[m.key])),
    ]),
  );
  return csvLine(CSV_HEADER) + body.join('');
}
