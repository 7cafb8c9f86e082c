import { describe, expect, it } from 'vitest';
import { compare, compareVariants, formatChange, formatValue, renderComparisonMarkdown } from '../src/index.js';
import { repeatsOf, resultsOf } from './support/results.js';

const typical = { rps: 3000, p50Us: 5000, p99Us: 9000, cpuUsPerRequest: 260, peakRssBytes: 60 * 1024 ** 2 };

describe('renderComparisonMarkdown', () => {
  const baseline = resultsOf([...repeatsOf(typical), ...repeatsOf({ ...typical, server: 'go' })]);
  const current = resultsOf([...repeatsOf({ ...typical, rps: 3600 }), ...repeatsOf({ ...typical, server: 'go', cpuUsPerRequest: 330 })]);
  const markdown = renderComparisonMarkdown(compare(baseline, current, { baselineLabel: 'results/baseline/ci.json', currentLabel: 'results/ci-head.json' }));
  const tableRows = markdown.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| server'));

  it('starts with the counts so a job summary answers "did it regress?" at once', () => {
    expect(markdown.split('\n').slice(0, 5)).toEqual([
      '## kvbench comparison: ci',
      '',
      '**1 regression**, 1 improvement, 10 no change.',
      '',
      'Baseline: `results/baseline/ci.json` @ 0123456789ab · Current: `results/ci-head.json` @ 0123456789ab',
    ]);
  });

  it('has one row per server, step and metric with the given columns, regressions first', () => {
    expect(markdown).toContain('| server | step | metric | baseline | current | change | verdict | why |');
    expect(tableRows).toHaveLength(12);
    expect(tableRows[0]).toMatch(
      /^\| go \| burst \| server CPU per request \| 260 µs \(257–263, n=3\) \| 330 µs \(327–333, n=3\) \| \+26\.9% \| \*\*regression\*\* \| 26\.9% higher, worse \(threshold 10%\)/,
    );
    expect(tableRows[1]).toMatch(/^\| fake \| burst \| requests per second \| 3,000 req\/s \(2,970–3,030, n=3\) \| .* \| \+20\.0% \| \*\*improvement\*\* \|/);
    expect(tableRows.slice(2).every((row) => row.includes('| no change |'))).toBe(true);
  });

  it('shows the rows beyond their threshold and folds the rest', () => {
    const [shown, folded] = markdown.split('<details>');
    expect(shown).toMatch(/\nBeyond their threshold:\n/);
    expect(shown!.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| server'))).toHaveLength(2);
    expect(folded).toMatch(/^<summary>10 rows within threshold or not compared<\/summary>/);
    expect(folded).toContain('</details>');
  });

  it('puts the notes that decide how to read it before any row', () => {
    const acrossMachines = renderComparisonMarkdown(compare(resultsOf(repeatsOf(typical), { hostname: 'laptop' }), resultsOf(repeatsOf(typical))));
    expect(acrossMachines.indexOf('Notes:\n- the baseline and the current run come from different machines')).toBeGreaterThan(0);
    expect(acrossMachines.indexOf('Notes:')).toBeLessThan(acrossMachines.indexOf('| server |'));
  });

  it('uses plain words, no emoji, for verdicts', () => {
    expect(markdown).not.toMatch(/\p{Extended_Pictographic}/u);
  });

  it('ends with the rule, so a reader can check the verdicts', () => {
    expect(markdown).toMatch(/\nRule: A metric is a regression .* Mann–Whitney p ≤ 0\.05.* t-test .* p ≤ 0\.005\).*\n$/);
  });

  it('escapes pipes in names so the table keeps its columns, and lists the notes', () => {
    const results = resultsOf([...repeatsOf({ ...typical, variant: 'base', server: 'a|b' }), ...repeatsOf({ ...typical, variant: 'head', server: 'a|b' })], {
      complete: false,
    });
    const text = renderComparisonMarkdown(compareVariants(results));
    expect(text).toContain('| a\\|b | burst |');
    expect(text).toMatch(/\nNotes:\n- the run was not complete \(interrupted\)/);
  });
});

describe('formatValue', () => {
  it('shows each unit at a readable scale', () => {
    expect(formatValue(312.4, 'us')).toBe('312 µs');
    expect(formatValue(42.25, 'us')).toBe('42.3 µs');
    expect(formatValue(1234, 'us')).toBe('1.23 ms');
    expect(formatValue(2_500_000, 'us')).toBe('2.50 s');
    expect(formatValue(12345.6, 'rps')).toBe('12,346 req/s');
    expect(formatValue(48.2 * 1024 ** 2, 'bytes')).toBe('48.2 MiB');
    expect(formatValue(7, 'requests')).toBe('7');
    expect(formatValue(null, 'us')).toBe('n/a');
  });
});

describe('formatChange', () => {
  it('signs the change as measured and says "from 0" when there was nothing before', () => {
    expect(formatChange(21.4, 100)).toBe('+21.4%');
    expect(formatChange(-3, 100)).toBe('−3.0%');
    expect(formatChange(0, 100)).toBe('0%');
    expect(formatChange(null, 0)).toBe('from 0');
  });
});
