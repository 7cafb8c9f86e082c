import type { Results } from '@kvbench/schemas';
import { BLOG_LABEL, blogPublished } from './blog-published.js';
import { escapeMarkdown } from './escape.js';
import { fmtBytes, fmtInt, plural } from './format.js';
import { nofileText, pinningText } from './environment.js';
import { LATENCY_FROM, connectNote, latencyFromText, latencyOrigins } from './latency-origin.js';
import { capacityLede, ladderLede, leadingMetricLede } from './leading-metric.js';
import {
  buildTable,
  capacityTable,
  equalRateTable,
  footprintTable,
  gridTable,
  headlineTable,
  ladderTable,
  spreadText,
  type GridColumn,
  type TextTable,
} from './tables.js';
import { verdictOf } from './verdict.js';
import { allRuns, buildViews, cellOf, ladderSteps, offersRates, type ScenarioView } from './view.js';
import { groupWarnings } from './warnings.js';

function mdTable(t: TextTable, heading = '###'): string {
  const row = (cells: string[]) => `| ${cells.map(escapeMarkdown).join(' | ')} |`;
  const align = `|${t.numeric.map((n) => (n ? ' ---: ' : ' --- ')).join('|')}|`;
  const note = t.note ? [`_${escapeMarkdown(t.note)}_`, ''] : [];
  return [`${heading} ${escapeMarkdown(t.title)}`, '', ...note, row(t.head), align, ...t.rows.map(row), ''].join('\n');
}

/**
 * The report's tables in GitHub-flavoured Markdown, for $GITHUB_STEP_SUMMARY or a pull-request comment: warnings
 * first, then the verdict, then the same figures as the HTML report (medians, with min–max over repeats).
 */
export function renderMarkdown(results: Results | readonly Results[]): string {
  const list = Array.isArray(results) ? (results as readonly Results[]) : [results as Results];
  if (list.length === 0) throw new Error('renderMarkdown needs at least one results object');
  return buildViews(list).map(scenarioMarkdown).join('\n---\n\n');
}

function scenarioMarkdown(view: ScenarioView): string {
  const out: string[] = [];
  const env = view.sources[0]!.environment;
  out.push(`## kvbench · ${escapeMarkdown(view.name)}`, '');
  if (view.description) out.push(escapeMarkdown(view.description), '');
  out.push(
    `_${escapeMarkdown(
      [
        view.sources.map((r) => r.startedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')).join(', '),
        `${plural(view.steps.length, 'step')} × ${plural(view.scenario.repeat, 'repeat')}`,
        `${env.cpuModel}, ${env.cores} cores`,
        `commit ${env.gitCommit ? env.gitCommit.slice(0, 10) : 'unknown'}${env.gitDirty ? ' (dirty)' : ''}`,
        view.sources.map((r) => r.id).join(', '),
      ].join(' · '),
    )}_`,
    '',
  );
  if (!view.complete) {
    const why = view.interruptions.length ? ` (${view.interruptions.join('; ')})` : '';
    out.push(
      `> [!WARNING]`,
      `> **Partial results**${escapeMarkdown(why)}: the run did not finish. Every figure below is real, but missing runs can change the verdict.`,
      '',
    );
  }

  const verdict = verdictOf(view);
  const bullets = (sentences: readonly string[]) => sentences.map((sentence) => `- ${escapeMarkdown(sentence)}`);
  // Caveats first, before any ranking; then capacity, then the equal rate; the blog ladder after them.
  const lead = verdict && (verdict.capacity.length > 0 || verdict.equal.length > 0);
  if (verdict && lead) {
    out.push('### Verdict', '', escapeMarkdown(capacityLede(view, verdict.capacity.length > 0)), '');
    out.push(
      ...bullets([...verdict.caveats, ...verdict.capacity.flatMap((c) => c.sentences), ...verdict.equal.flatMap((e) => e.sentences)]),
      ...(verdict.overall ? [`- **${escapeMarkdown(verdict.overall)}**`] : []),
      '',
    );
    for (const c of verdict.capacity) out.push(mdTable(capacityTable(c.lead), '####'));
    for (const e of verdict.equal) out.push(mdTable(equalRateTable(view, e.lead), '####'));
  }
  if (verdict?.ladder) {
    const { ladder } = verdict;
    out.push(lead ? `### The blog ladder at ${escapeMarkdown(ladder.step)}` : `### Verdict at ${escapeMarkdown(ladder.step)}`, '');
    out.push(escapeMarkdown(lead ? ladderLede(view) : leadingMetricLede(view)), '');
    out.push(...bullets(lead ? ladder.sentences : [...verdict.caveats, ...ladder.sentences]));
    out.push('', mdTable(headlineTable(view, ladder.step), '####'));
  }

  // After the verdict, so a reader meets the answer first, and before every table the warnings qualify.
  out.push(...warningsMarkdown(view));

  if (ladderSteps(view).length > 0) {
    out.push(
      "### The blog's view",
      '',
      `Medians over repeats (min–max). Blog rows are the published figures: ${escapeMarkdown(BLOG_LABEL)}, another client.`,
      '',
    );
    out.push(mdTable(ladderTable(view, 'rps', 'Requests per second', 'rps'), '####'));
    out.push(mdTable(ladderTable(view, 'successRate', 'Success rate', 'successRate'), '####'));
    const connect = ladderTable(view, 'connectP99Us', 'Connection set-up p99');
    if (connect.rows.some((r) => r.slice(1).some((c) => c !== '—'))) {
      const ladderRuns = ladderSteps(view).flatMap((st) => view.series.flatMap((s) => cellOf(view, s.key, st.name)?.runs ?? []));
      out.push(mdTable({ ...ladderTable(view, 'connectP50Us', 'Connection set-up p50'), note: connectNote(ladderRuns) }, '####'));
      out.push(mdTable(connect, '####'));
    }
  }
  // A footprint-only scenario has no steps: no per-step tables, not empty ones.
  if (view.steps.length > 0) out.push(...stepTablesMarkdown(view));
  const footprint = footprintTable(view);
  if (footprint) out.push(mdTable(footprint));
  out.push(mdTable(buildTable(view)));
  out.push(environmentMarkdown(view));
  return out.join('\n');
}

/** Latency, failures, CPU and memory per step and server. */
function stepTablesMarkdown(view: ScenarioView): string[] {
  const out: string[] = [];
  // Where each step's latency counts from: the same p99 means another thing from the scheduled send time. Said in
  // the title when every run counts from the same point, in a column when they differ.
  const origins = latencyOrigins(allRuns(view));
  const from = (key: string, step: string) => latencyFromText(cellOf(view, key, step)?.runs ?? []) || '—';
  const latencyCols: GridColumn[] = [
    ['meanUs', 'mean'],
    ['p50Us', 'p50'],
    ['p90Us', 'p90'],
    ['p99Us', 'p99'],
    ['p999Us', 'p99.9'],
    ['maxUs', 'max'],
  ];
  out.push(
    mdTable(
      origins.length === 1
        ? gridTable(view, `Latency, measured ${LATENCY_FROM[origins[0]!]}`, latencyCols)
        : gridTable(view, 'Latency', [[from, 'measured', 'text'], ...latencyCols]),
    ),
  );
  const failing = (key: string, step: string) => {
    const c = cellOf(view, key, step);
    return !!c && ((c.figures.failed?.max ?? 0) > 0 || (c.figures.dropped?.max ?? 0) > 0 || (c.figures.serverOpenFileErrors?.max ?? 0) > 0);
  };
  // Status codes vary per run: one text column lists them rather than a column per code.
  const byStatus = (key: string, step: string) =>
    Object.entries(cellOf(view, key, step)?.byStatus ?? {})
      .map(([code, sp]) => `${code}: ${spreadText(sp, fmtInt, false)}`)
      .join(', ') || '—';
  const failures = gridTable(
    view,
    'Failures',
    [
      ['sent', 'requests'],
      ['failed', 'failed'],
      ['successRate', 'success'],
      ['timeouts', 'timeouts'],
      ['connectionErrors', 'connection errors'],
      ['clientOpenFileErrors', 'client open-file errors'],
      ['incomplete', 'incomplete'],
      // Only an offered rate can leave requests unsent: a closed-only file keeps the columns it always had.
      ...(offersRates(view) ? [['dropped', 'never sent'] as GridColumn] : []),
      ['serverOpenFileErrors', 'server open-file errors'],
      [byStatus, 'by status', 'text'],
    ],
    failing,
  );
  if (failures.rows.length === 0) out.push('### Failures', '', 'None: every request in every run got the expected answer.', '');
  else out.push(mdTable(failures));
  out.push(
    mdTable(
      gridTable(view, 'CPU and memory', [
        ['cpuUsPerRequest', 'CPU µs/req'],
        ['serverCores', 'server cores'],
        ['clientCores', 'load generator cores'],
        ['peakRssBytes', 'peak RSS'],
        ['peakFds', 'peak fds'],
      ]),
    ),
  );
  return out;
}

function environmentMarkdown(view: ScenarioView): string {
  const lines: string[] = ['<details><summary>Environment</summary>', ''];
  for (const env of view.environments) {
    const items: Array<[string, string]> = [
      ['CPU', `${env.cpuModel} · ${env.cores} cores`],
      ['memory', fmtBytes(env.memoryBytes)],
      ['OS / kernel', `${env.os} / ${env.kernel}`],
      ['Node.js', env.node],
      ...Object.entries(env.toolchains).map(([k, v]): [string, string] => [`toolchain ${k}`, v]),
      ['git commit', `${env.gitCommit ?? 'unknown'}${env.gitDirty ? ' (dirty)' : ''}`],
      ['fd limit', `runner ${nofileText(env.runnerNofile)}; server ${env.serverNofile ? nofileText(env.serverNofile) : 'inherited'}`],
      ['pinning', pinningText(env.pinning)],
      ['seed', String(env.seed)],
      ...Object.entries(env.loadGenerators).map(([k, v]): [string, string] => [`load generator ${k}`, v]),
    ];
    lines.push('| | |', '| --- | --- |', ...items.map(([k, v]) => `| ${escapeMarkdown(k)} | ${escapeMarkdown(v)} |`), '');
  }
  const source = blogPublished().source;
  lines.push(`Blog figures: “${escapeMarkdown(source.title)}”, ${escapeMarkdown(source.author)}.`, '', '</details>', '');
  return lines.join('\n');
}

/** The run's warnings, grouped by code, one table row each with the first message and how many more. */
function warningsMarkdown(view: ScenarioView): string[] {
  const out: string[] = [];
  const groups = groupWarnings(
    view.warnings,
    view.steps.map((s) => s.name),
  );
  out.push(`### Warnings (${view.warnings.length})`, '');
  if (groups.length === 0) {
    out.push('None: the run’s checks on itself found nothing that qualifies these numbers.', '');
  } else {
    out.push('| severity | warning | where | what it means for the numbers | what the run said |', '| --- | --- | --- | --- | --- |');
    for (const g of groups) {
      const first = g.entries[0];
      const said = first ? `${first.at}: ${first.message}${g.entries.length > 1 ? ` (+${g.entries.length - 1} more)` : ''}` : '';
      out.push(
        `| **${g.explanation.severity}** | ${escapeMarkdown(g.explanation.title)} (\`${g.code}\`) | ${escapeMarkdown(g.where)} | ${escapeMarkdown(g.explanation.meaning)} | ${escapeMarkdown(said)} |`,
      );
    }
    out.push('');
  }
  return out;
}
