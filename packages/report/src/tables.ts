import { BLOG_LABEL, blogPublished, fmtBlogRps } from './blog-published.js';
import { buildFigures, buildTimeText, runtimeText } from './build-figures.js';
import { fmtBytes, fmtDuration, fmtFixed, fmtInt, fmtRange, fmtRps } from './format.js';
import { latencyFromText } from './latency-origin.js';
import { AT_LEAST, capacityHeading, capacityText, equalRateHeading, noneHeldText, type CapacityLead, type EqualRateLead } from './lead.js';
import { METRICS, type MetricKey } from './metrics.js';
import type { Spread } from './stats.js';
import { cellOf, figure, ladderSteps, type ScenarioView } from './view.js';
import type { FootprintResult } from '@kvbench/schemas';

/**
 * Plain tables (header + rows of text) shared by the Markdown and terminal renderers, so both print the same figures
 * the HTML report shows, formatted the same way.
 */
export interface TextTable {
  title: string;
  /** A line under the title: what the columns measure from, when it is not in the header. */
  note?: string;
  head: string[];
  /** Which columns hold numbers (right-aligned). */
  numeric: boolean[];
  rows: string[][];
}

/** "19,500 (18,900–20,100)": the median, and the spread when repeats differ at the precision printed. */
export function spreadText(s: Spread | null, format: (v: number) => string, withRange = true): string {
  if (!s) return '—';
  if (!withRange || s.n < 2 || format(s.min) === format(s.max)) return format(s.median);
  return `${format(s.median)} (${fmtRange(format(s.min), format(s.max), '–')})`;
}

/** One metric across the blog ladder (the closed-model steps), with the blog's published figures as reference rows. */
export function ladderTable(view: ScenarioView, metric: MetricKey, title: string, blog?: 'rps' | 'successRate'): TextTable {
  const ladder = ladderSteps(view);
  const steps = ladder.map((s) => s.name);
  const def = METRICS[metric];
  const rows = view.series.map((s) => [s.label, ...steps.map((step) => spreadText(figure(view, s.key, step, metric), def.format))]);
  if (blog) {
    for (const server of blogPublished().servers) {
      const values = ladder.map((step) => {
        const match = server.steps.find((b) => b.requests === step.requests);
        if (!match) return '—';
        return blog === 'rps' ? fmtBlogRps(match.rps) : `${fmtFixed(match.successRatePercent, 2)} %`;
      });
      if (values.some((v) => v !== '—')) rows.push([`${server.label} (${BLOG_LABEL})`, ...values]);
    }
  }
  return { title, head: ['server', ...steps], numeric: [false, ...steps.map(() => true)], rows };
}

export function headlineTable(view: ScenarioView, step: string): TextTable {
  const cols: Array<[MetricKey, string]> = [
    ['successRate', 'success'],
    ['rps', 'RPS'],
    ['p50Us', 'p50'],
    ['p99Us', 'p99'],
    ['cpuUsPerRequest', 'CPU µs/req'],
    ['peakRssBytes', 'peak RSS'],
    ['serverOpenFileErrors', 'open-file errors'],
  ];
  return {
    title: `Headline figures at ${step}`,
    head: ['server', ...cols.map(([, label]) => label)],
    numeric: [false, ...cols.map(() => true)],
    rows: view.series.map((s) => [s.label, ...cols.map(([m]) => spreadText(figure(view, s.key, step, m), METRICS[m].format, false))]),
  };
}

/** A column: a metric (median and spread), or text computed from the cell. */
export type GridColumn = [MetricKey, string] | [(key: string, step: string) => string, string, 'text'];

/** One row per (server, step): the grid the Markdown report uses for latency, failures and resources. */
export function gridTable(view: ScenarioView, title: string, cols: GridColumn[], only?: (key: string, step: string) => boolean): TextTable {
  const rows: string[][] = [];
  for (const s of view.series) {
    for (const step of view.steps) {
      if (!cellOf(view, s.key, step.name)) continue;
      if (only && !only(s.key, step.name)) continue;
      rows.push([
        s.label,
        step.name,
        ...cols.map((col) =>
          typeof col[0] === 'function' ? col[0](s.key, step.name) : spreadText(figure(view, s.key, step.name, col[0]), METRICS[col[0]].format),
        ),
      ]);
    }
  }
  return {
    title,
    head: ['server', 'step', ...cols.map((col) => col[1])],
    numeric: [false, false, ...cols.map((col) => col.length === 2)],
    rows,
  };
}

/** (a) Each server's capacity at the target, with the client's ceiling beside it and where the search missed. */
export function capacityTable(lead: CapacityLead): TextTable {
  return {
    title: `${capacityHeading(lead)} · step ${lead.step}`,
    head: ['server', 'capacity req/s', "client's ceiling req/s", 'missed at req/s', 'note'],
    numeric: [false, true, true, true, false],
    rows: lead.rows.map((row) => [
      row.series.label,
      capacityText(row, true),
      spreadText(row.ceiling, fmtRps),
      spreadText(row.missedAt, fmtRps),
      row.noneHeld ? noneHeldText(row) : row.nearCeiling ? AT_LEAST : '',
    ]),
  };
}

/** The columns of the equal-rate view: what each server spent and how it answered at the one offered rate. */
export const EQUAL_RATE_COLUMNS: Array<[MetricKey, string]> = [
  ['cpuUsPerRequest', 'CPU µs/req'],
  ['p99Us', 'p99'],
  ['serviceP99Us', 'service p99'],
  ['serverCores', 'server cores'],
  ['successRate', 'success'],
  ['dropped', 'never sent'],
];

/** Where the p99 and the service p99 of an equal-rate step count from, in words. */
export function equalRateNote(view: ScenarioView, lead: EqualRateLead): string {
  const runs = lead.series.flatMap((s) => cellOf(view, s.key, lead.step)?.runs ?? []);
  const from = latencyFromText(runs);
  return `p99 ${from || 'as measured'}; service p99 from the write (the server's own time, without the wait for a connection).`;
}

/** (b) Every server at one offered rate: CPU per request, latency with and without the queue, cores busy. */
export function equalRateTable(view: ScenarioView, lead: EqualRateLead): TextTable {
  return {
    title: `${equalRateHeading(lead)} · step ${lead.step}`,
    note: equalRateNote(view, lead),
    head: ['server', ...EQUAL_RATE_COLUMNS.map(([, label]) => label)],
    numeric: [false, ...EQUAL_RATE_COLUMNS.map(() => true)],
    rows: lead.series.map((s) => [s.label, ...EQUAL_RATE_COLUMNS.map(([m]) => spreadText(figure(view, s.key, lead.step, m), METRICS[m].format))]),
  };
}

/** Build and start-up per entry: the artifact and the runtime it needs sized apart, then together. */
export function buildTable(view: ScenarioView): TextTable {
  return {
    title: 'Build and start-up',
    note: 'artifact: what the build makes; runtime: the binary it runs on (none for a program of its own); to run: both.',
    head: ['server', 'version', 'build time', 'artifact', 'runtime', 'to run', 'cold start'],
    numeric: [false, false, true, true, true, true, true],
    rows: buildFigures(view).map((f) => [
      f.series.label,
      f.series.info?.version ?? '—',
      buildTimeText(f.build),
      f.build?.artifactBytes != null ? fmtBytes(f.build.artifactBytes) : '—',
      runtimeText(f.runtime),
      f.toRunBytes !== null ? fmtBytes(f.toRunBytes) : '—',
      spreadText(f.coldStartMs, fmtDuration),
    ]),
  };
}

/** Every footprint the view's results hold, in the order recorded (one per server and results file). */
export function footprintsOf(view: ScenarioView): FootprintResult[] {
  return view.sources.flatMap((r) => r.footprints ?? []);
}

/** What "RSS per million keys" is, for the table's note in every renderer. */
export const FOOTPRINT_NOTE =
  'RSS per million keys: RSS after every key was acknowledged minus RSS at start, scaled to 1 million keys. Reload: spawn with --load until /healthz and the sampled keys answer.';

/** The scenario's memory footprint per server; null when it measured none. */
export function footprintTable(view: ScenarioView): TextTable | null {
  const rows = footprintsOf(view);
  if (rows.length === 0) return null;
  const bytes = (v: number | null) => (v === null ? '—' : fmtBytes(v));
  const ms = (v: number | null) => (v === null ? '—' : fmtDuration(v));
  return {
    title: 'Memory footprint',
    note: FOOTPRINT_NOTE,
    head: ['server', 'keys', 'value', 'RSS at start', 'RSS filled', 'RSS per million keys', 'fill', 'stop', 'reload', 'sample', 'error'],
    numeric: [false, true, true, true, true, true, true, true, true, true, false],
    rows: rows.map((f) => [
      f.variant ? `${f.server} (${f.variant})` : f.server,
      fmtInt(f.keys),
      `${f.valueBytes} B`,
      bytes(f.rssStartBytes),
      bytes(f.rssFilledBytes),
      bytes(f.rssPerMillionKeysBytes),
      ms(f.fillMs),
      ms(f.stopMs),
      ms(f.reloadMs),
      f.sampled ? `${f.sampled - f.sampleMissing}/${f.sampled}` : '—',
      f.error ?? '',
    ]),
  };
}
