import { nameOf, serverName } from './compare.js';
import { formatChange, formatValue } from './format.js';
import { metricSpec } from './metrics.js';
import type { Comparison, ComparisonRow, Source, Spread, Verdict } from './schema.js';

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
    `**${plural(count('regression'), 'regression')}**, ${plural(count('improvement'), 'improvement')}, ` +
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
      escape(side(row.baseline, row)),
      escape(side(row.current, row)),
      escape(formatChange(row.changePct, row.baseline?.median ?? null)),
      WORDS[row.verdict],
      escape(row.reason),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines;
}

/** "312 µs (305–320, n=3)": the median, and the range of repeats it was judged with. */
function side(s: Spread | null, row: ComparisonRow): string {
  if (s === null) return 'n/a';
  const unit = metricSpec(row.metric).unit;
  const median = formatValue(s.median, unit);
  if (s.n < 2) return `${median} (n=${s.n})`;
  const suffix = (text: string) => text.slice(text.lastIndexOf(' '));
  let low = formatValue(s.min, unit);
  let high = formatValue(s.max, unit);
  // The range in the median's unit needs no unit of its own: "9.00 ms (8.91–9.09, n=3)".
  if (median.includes(' ') && suffix(low) === suffix(median) && suffix(high) === suffix(median)) {
    low = low.slice(0, low.lastIndexOf(' '));
    high = high.slice(0, high.lastIndexOf(' '));
  }
  return `${median} (${low}–${high}, n=${s.n})`;
}

function describeSource(source: Source): string {
  const commit = source.gitCommit ? ` @ ${source.gitCommit.slice(0, 12)}` : '';
  return `\`${nameOf(source).replaceAll('`', "'")}\`${commit}`;
}

/** Table cells cannot hold a pipe or a newline; names and paths might. */
function escape(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('|', '\\|').replaceAll(/\r?\n/g, ' ').replaceAll('<', '&lt;');
}
