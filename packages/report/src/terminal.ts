import type { Results } from '@kvbench/schemas';
import { fmtInt, fmtSig, plural } from './format.js';
import { METRICS, type MetricKey } from './metrics.js';
import { latencyFromText } from './latency-origin.js';
import { AT_LEAST, capacityLeads, equalRateLeads } from './lead.js';
import { buildTable, capacityTable, equalRateTable, footprintTable, type TextTable } from './tables.js';
import { verdictOf } from './verdict.js';
import { buildViews, capacitySteps, cellOf, equalRateSteps, figure, type ScenarioView } from './view.js';
import { groupWarnings, type Severity } from './warnings.js';

export interface TerminalOptions {
  /** ANSI colours: pass process.stdout.isTTY. Off by default so logs and CI stay plain. */
  color?: boolean;
  /** Only these steps (e.g. the one that just finished, while a run is going). */
  steps?: string[];
}

const ANSI = { bold: '1', dim: '2', red: '31', yellow: '33', cyan: '36', green: '32' } as const;

type Paint = (text: string, ...styles: Array<keyof typeof ANSI>) => string;

/** Visible width: ANSI codes take no room, and neither should they count when padding. */
const width = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').length;

function align(rows: string[][], numeric: boolean[]): string[] {
  const widths = numeric.map((_, i) => Math.max(...rows.map((r) => width(r[i] ?? ''))));
  return rows.map((r) =>
    r
      .map((cell, i) => {
        const pad = ' '.repeat(Math.max(0, widths[i]! - width(cell)));
        return numeric[i] ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd(),
  );
}

const COLUMNS: Array<{ head: string; metric: MetricKey; format?: (v: number) => string }> = [
  { head: 'success', metric: 'successRate' },
  { head: 'RPS', metric: 'rps' },
  // Latencies carry their own unit (µs, ms or s): one header unit would force digits the histogram does not hold.
  { head: 'p50', metric: 'p50Us' },
  { head: 'p99', metric: 'p99Us' },
  { head: 'CPU µs/req', metric: 'cpuUsPerRequest', format: (v) => fmtSig(v) },
  { head: 'peak RSS', metric: 'peakRssBytes' },
  { head: 'open-file errs', metric: 'serverOpenFileErrors' },
];

/**
 * A compact table per scenario step (medians over repeats), then the verdict and the warnings: what a user reads in
 * the terminal after `kvbench run`, or while it runs, step by step.
 */
export function renderTerminal(results: Results | readonly Results[], options: TerminalOptions = {}): string {
  const list = Array.isArray(results) ? (results as readonly Results[]) : [results as Results];
  if (list.length === 0) throw new Error('renderTerminal needs at least one results object');
  const paint: Paint = options.color ? (text, ...styles) => `\x1b[${styles.map((s) => ANSI[s]).join(';')}m${text}\x1b[0m` : (text) => text;
  return `${buildViews(list)
    .map((view) => scenarioText(view, paint, options))
    .join('\n\n')}\n`;
}

function scenarioText(view: ScenarioView, paint: Paint, options: TerminalOptions): string {
  const env = view.sources[0]!.environment;
  const out: string[] = [];
  out.push(
    `${paint(view.name, 'bold')}  ${paint(
      `${plural(view.steps.length, 'step')} × ${plural(view.scenario.repeat, 'repeat')} · ${env.cpuModel}, ${env.cores} cores · commit ${env.gitCommit?.slice(0, 10) ?? 'unknown'}`,
      'dim',
    )}`,
  );
  if (!view.complete) {
    out.push(
      paint(`PARTIAL RESULTS${view.interruptions.length ? ` (${view.interruptions.join('; ')})` : ''}: not every planned run is here.`, 'yellow', 'bold'),
    );
  }
  const wanted = (step: string) => !options.steps || options.steps.includes(step);
  // (a) capacity, (b) the equal rate, each a table of its own; then the ladder's step tables.
  const lead = [
    ...capacityLeads(view)
      .filter((l) => wanted(l.step))
      .map(capacityTable),
    ...equalRateLeads(view)
      .filter((l) => wanted(l.step))
      .map((l) => equalRateTable(view, l)),
  ];
  const pushTable = (t: TextTable) => {
    out.push('', paint(t.title, 'bold'));
    if (t.note) out.push(`  ${paint(t.note, 'dim')}`);
    out.push(
      ...align([t.head.map((h) => paint(h, 'dim')), ...t.rows.map((r) => r.map((c) => (c === AT_LEAST ? paint(c, 'yellow') : c)))], t.numeric).map(
        (line) => `  ${line}`,
      ),
    );
  };
  lead.forEach(pushTable);
  const inLead = new Set([...capacitySteps(view), ...equalRateSteps(view)].map((s) => s.name));
  const steps = view.steps.filter((s) => wanted(s.name) && !inLead.has(s.name));
  for (const step of steps) {
    const present = view.series.filter((s) => cellOf(view, s.key, step.name));
    if (present.length === 0) continue;
    const size = step.requests !== undefined ? `${fmtInt(step.requests)} requests` : step.durationSec !== undefined ? `${step.durationSec} s` : '';
    const repeats = Math.max(...present.map((s) => cellOf(view, s.key, step.name)!.runs.length));
    const from = latencyFromText(present.flatMap((s) => cellOf(view, s.key, step.name)!.runs));
    out.push(
      '',
      `${paint(`step ${step.name}`, 'bold')}${size ? ` (${size}${repeats > 1 ? `, median of ${repeats} repeats` : ''})` : ''}` +
        (from ? paint(` · latency ${from}`, 'dim') : ''),
    );
    const head = ['server', ...COLUMNS.map((c) => c.head)].map((h) => paint(h, 'dim'));
    const rows = present.map((s) => {
      const cell = cellOf(view, s.key, step.name)!;
      const bad = cell.runs.some((r) => r.status !== 'ok');
      return [
        bad ? `${s.label} ${paint(`(${cell.runs.find((r) => r.status !== 'ok')!.status})`, 'red')}` : s.label,
        ...COLUMNS.map((c) => {
          const f = figure(view, s.key, step.name, c.metric);
          if (!f) return '—';
          const text = (c.format ?? METRICS[c.metric].format)(f.median);
          if (c.metric === 'successRate' && f.median < 1) return paint(text, 'yellow');
          if (c.metric === 'serverOpenFileErrors' && f.median > 0) return paint(text, 'yellow');
          return text;
        }),
      ];
    });
    out.push(...align([head, ...rows], [false, ...COLUMNS.map(() => true)]).map((line) => `  ${line}`));
  }
  // Once the run is over: what each entry cost before its first request (its runtime apart from its artifact).
  const footprint = options.steps ? null : footprintTable(view);
  if (footprint) pushTable(footprint);
  if (!options.steps) pushTable(buildTable(view));
  const verdict = options.steps ? null : verdictOf(view);
  if (verdict) {
    // Caveats first (verdict.sentences keeps that order), each marked so it is not read as a ranking.
    const caveats = new Set(verdict.caveats);
    out.push('', paint('verdict', 'bold'), ...verdict.sentences.map((s) => (caveats.has(s) ? `  ${paint(`! ${s}`, 'yellow')}` : `  ${s}`)));
  }
  const groups = groupWarnings(
    view.warnings,
    view.steps.map((s) => s.name),
  );
  if (groups.length > 0) {
    const color: Record<Severity, keyof typeof ANSI> = { error: 'red', warning: 'yellow', caution: 'cyan' };
    out.push('', paint(`warnings (${view.warnings.length})`, 'bold'));
    for (const g of groups) {
      out.push(
        `  ${paint(g.explanation.severity.toUpperCase().padEnd(7), color[g.explanation.severity], 'bold')} ${g.explanation.title} [${g.code}] — ${g.where}`,
        `          ${g.explanation.meaning}`,
      );
      const first = g.entries[0];
      if (first) out.push(`          ${paint(`${first.at}: ${first.message}${g.entries.length > 1 ? ` (+${g.entries.length - 1} more)` : ''}`, 'dim')}`);
    }
  } else {
    out.push('', paint('no warnings', 'green'));
  }
  return out.join('\n');
}
