import { gateRegressions, overallVerdict, serverName } from './compare.js';
import { formatSpread } from './format.js';
import { metricSpec } from './metrics.js';
import type { Comparison, ComparisonRow } from './schema.js';

/** Where a rerun must measure again: each (server, step) with a gate regression, once. */
export function flaggedForRerun(comparison: Comparison): Array<{ server: string; step: string }> {
  const seen = new Map<string, { server: string; step: string }>();
  for (const row of gateRegressions(comparison)) seen.set(`${row.server}\u0000${row.step}`, { server: row.server, step: row.step });
  return [...seen.values()];
}

/**
 * A gate regression stands only if it holds again when the server and step are measured again — interleaved, after
 * the first comparison flagged it — and judged by the same rule on the first repeats and the rerun's together
 * (`confirmation`). One unlucky set of repeats (a neighbour, a drift the checks missed) then cannot fail a build
 * alone, while a real change gains evidence. The row keeps the first figures and says what the confirmation
 * measured; an unconfirmed one becomes "no change" with both measurements in its reason.
 */
export function confirmRegressions(first: Comparison, confirmation: Comparison): Comparison {
  const sameRow = (a: ComparisonRow, b: ComparisonRow) => a.server === b.server && a.step === b.step && a.metric === b.metric && a.variant === b.variant;
  let confirmed = 0;
  let asked = 0;
  const rows = first.rows.map((row): ComparisonRow => {
    if (row.verdict !== 'regression' || !metricSpec(row.metric).gate) return row;
    asked++;
    const again = confirmation.rows.find((r) => sameRow(r, row));
    if (again?.verdict === 'regression') {
      confirmed++;
      return { ...row, reason: `${row.reason}; confirmed with a rerun, all repeats together: ${measured(again)}` };
    }
    const said = again
      ? `${again.verdict === 'no-change' ? 'no change' : again.verdict} (${measured(again)}: ${again.reason})`
      : 'nothing (not measured again)';
    return {
      ...row,
      verdict: 'no-change',
      reason: `not confirmed: the first measurement was a regression (${row.reason}); with a rerun, all repeats together said ${said}`,
    };
  });
  const note =
    asked === 0
      ? []
      : [
          `confirmation rerun: ${confirmed} of ${asked} gate regression${asked === 1 ? '' : 's'} held when measured again (${[...new Set(rows.filter((r, i) => r !== first.rows[i]).map((r) => `${serverName(r)}/${r.step}`))].join(', ')})`,
        ];
  return { ...first, rows, verdict: overallVerdict(rows), warnings: [...note, ...first.warnings] };
}

/** "260 µs (257–263, n=3) → 312 µs (309–315, n=3)": baseline → current. */
function measured(row: ComparisonRow): string {
  const unit = metricSpec(row.metric).unit;
  return `${formatSpread(row.baseline, unit)} → ${formatSpread(row.current, unit)}`;
}
