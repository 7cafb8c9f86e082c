// The power file's first measurements judged again under other settings of the rule: which test holds a verdict back.
// Usage: node --import tsx scripts/reanalyze-power.ts results/power/power-….json
import { readFileSync } from 'node:fs';
import { decide } from '../packages/compare/src/rule.ts';
import { DISTURBED_WARNINGS } from '../packages/schemas/src/results.ts';

interface Repeat {
  variant: string;
  step: string;
  repeat: number;
  us: number | null;
  warnings: string[];
}
const file = process.argv[2];
if (!file) throw new Error('usage: reanalyze-power.ts <power.json>');
const power = JSON.parse(readFileSync(file, 'utf8')) as { rows: { sizePct: number; outcomes: { repeats: Repeat[][] }[] }[] };
const settings = [
  { name: 'as shipped (rank p ≤ 0.05 and t p ≤ 0.005)', paired: false, tAlpha: 0.005 },
  { name: 'rank p ≤ 0.05 and t p ≤ 0.05', paired: false, tAlpha: 0.05 },
  { name: 'rank p ≤ 0.05 alone', paired: false, tAlpha: 1 },
  { name: 'paired by repeat (signed-rank p ≤ 0.05, t p ≤ 0.005)', paired: true, tAlpha: 0.005 },
];
for (const s of settings) {
  const cells = power.rows.map((row) => {
    let flagged = 0;
    for (const outcome of row.outcomes) {
      const first = outcome.repeats[0]!;
      const disturbed = first.some((r) => r.warnings.some((w) => (DISTURBED_WARNINGS as readonly string[]).includes(w)));
      const steps = [...new Set(first.map((r) => r.step))];
      const hit = steps.some((step) => {
        const side = (base: boolean) =>
          first
            .filter((r) => r.step === step && (r.variant === 'base') === base && r.us !== null)
            .sort((a, b) => a.repeat - b.repeat)
            .map((r) => r.us!);
        const d = decide({
          baseline: side(true),
          current: side(false),
          paired: s.paired,
          better: 'lower',
          threshold: 0.05,
          alpha: 0.05,
          tAlpha: s.tAlpha,
          notJudged: disturbed ? 'disturbed' : null,
        });
        return d.verdict === 'regression';
      });
      if (hit) flagged++;
    }
    return `${row.sizePct === 0 ? 'A/A' : `+${row.sizePct} %`} ${flagged}/${row.outcomes.length}`;
  });
  console.log(`${s.name.padEnd(56)} ${cells.join('   ')}`);
}
