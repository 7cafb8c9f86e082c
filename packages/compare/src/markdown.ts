import { nameOf, serverName } from './compare.js';
import { formatChange, formatSpread } from './format.js';
import { METRICS, metricSpec } from './metrics.js';
import type { Comparison, ComparisonRow, Source, Verdict } from './schema.js';

const ORDER: Record<Verdict, number> = { regression: 0, improvement: 1, 'no-change': 2, 'not-compared': 3 };
/** Plain words, no emoji: a job summary is read in many places, screen readers among them. */
const WORDS: Record<Verdict, string> = {
  regression: '**regression**',
  improvement: '**improvement**',
  'no-change': 'no change',
  'not-compared': 'not compared',
};

/**
 * GitHub-flavoured Markdown for $GITHUB_STEP_SUMMARY or a pull-request comment: a headline with the counts, the notes
 * that decide how to read it (a change of machine, a disturbed run), then the rows that moved beyond their threshold
 * with regressions first, the rest folded, and the rule last.
 */
export function renderComparisonMarkdown(comparison: Comparison): string {
  const count = (verdict: Verdict) => comparison.rows.filter((row) => row.verdict === verdict).length;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const notCompared = count('not-compared');
  const lines = [
    `## kvbench comparison: ${escape(comparison.scenario)}`,
    '',
    `**${plural(count('regression'), 'regression')}**${gateNote(comparison)}, ${plural(count('improvement'), 'improvement')}, ` +
      `${count('no-change')} no change${notCompared ? `, ${notCompared} not compared` : ''}.`,
    '',
    `Baseline: ${describeSource(comparison.baseline)} · Current: ${describeSource(comparison.current)}`,
  ];
  if (comparison.warnings.length) {
    lines.push('', 'Notes:', ...comparison.warnings.map((warning) => `- ${escape(warning)}`));
  }
  const rows = comparison.rows
    .map((row, index) => ({ row, index }))
    .sort((a, b) => ORDER[a.row.verdict] - ORDER[b.row.verdict] || a.index - b.index)
    .map(({ row }) => row);
  const moved = rows.filter(beyondThreshold);
  const rest = rows.filter((row) => !beyondThreshold(row));
  lines.push('', moved.length ? 'Beyond their threshold:' : 'Nothing moved beyond its threshold.');
  if (moved.length) lines.push('', ...table(moved));
  if (rest.length) {
    lines.push('', `<details><summary>${plural(rest.length, 'row')} within threshold or not compared</summary>`, '', ...table(rest), '', '</details>');
  }
  lines.push('', `Rule: ${escape(comparison.rule)}`);
  return `${lines.join('\n')}\n`;
}

/** " (1 failing the gate)" when some regressions are of metrics that do not gate: which ones fail the build. */
function gateNote(comparison: Comparison): string {
  const regressions = comparison.rows.filter((row) => row.verdict === 'regression');
  const gating = regressions.filter((row) => metricSpec(row.metric).gate).length;
  if (gating === regressions.length) return '';
  const gates = METRICS.filter((m) => m.gate)
    .map((m) => m.label)
    .join(', ');
  return ` (${gating} failing the gate: ${gates})`;
}

/** A row a reader must see: a verdict, or a change past the threshold that the rule held back (and says why). */
function beyondThreshold(row: ComparisonRow): boolean {
  if (row.verdict === 'regression' || row.verdict === 'improvement') return true;
  if (row.verdict === 'not-compared' || row.changePct === null) return false;
  return Math.abs(row.changePct) > row.thresholdPct;
}

function table(rows: readonly ComparisonRow[]): string[] {
  const lines = ['| server | step | metric | baseline | current | change | verdict | why |', '|---|---|---|--:|--:|--:|---|---|'];
  for (const row of rows) {
    const cells = [
      escape(serverName(row)),
      escape(row.step),
      escape(metricSpec(row.metric).label),
      escape(formatSpread(row.baseline, metricSpec(row.metric).unit)),
      escape(formatSpread(row.current, metricSpec(row.metric).unit)),
      escape(formatChange(row.changePct, row.baseline?.median ?? null)),
      WORDS[row.verdict],
      escape(row.reason),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines;
}

function describeSource(source: Source): string {
  const commit = source.gitCommit ? ` @ ${source.gitCommit.slice(0, 12)}` : '';
  return `\`${nameOf(source).replaceAll('`', "'")}\`${commit}`;
}

/** Table cells cannot hold a pipe or a newline; names and paths might. */
function escape(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('|', '\\|').replaceAll(/\r?\n/g, ' ').replaceAll('<', '&lt;');
}
