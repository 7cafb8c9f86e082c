import type { Spread, Verdict } from './schema.js';
import { mannWhitney, median, pairedT, smallestPValue, smallestSignedRankP, studentT, wilcoxonSignedRank } from './stats.js';

/**
 * Rank test level, one-sided in each direction. 3 vs 3 repeats can reach exactly this and no lower: it then means
 * "no overlap at all". See README for why these two numbers.
 */
export const DEFAULT_ALPHA = 0.05;
/**
 * t-test level, one-sided in each direction: 1 % two-sided. Where a metric scatters more than its threshold, this
 * level alone keeps it quiet, so it sets the false-alarm rate of the noisy metrics (about 1 % each); the README
 * shows what a stricter level would cost in missed regressions.
 */
export const DEFAULT_T_ALPHA = 0.005;

export interface RuleInput {
  baseline: readonly number[];
  current: readonly number[];
  better: 'higher' | 'lower';
  /** Allowed relative change, e.g. 0.1 = 10 %. */
  threshold: number;
  alpha?: number;
  tAlpha?: number;
  /**
   * Why this figure gets no verdict at all, however far it moved (it is still shown, with its change): a p99 from
   * a short step. Null or absent: judged.
   */
  notJudged?: string | null;
  /**
   * baseline[i] and current[i] were measured back to back (a same-run A/B's repeat i): the tests then judge the
   * pairs' differences, so a drift of the machine over the run, which moves both members of a pair, cancels.
   */
  paired?: boolean;
}

/** The two tests behind a verdict, one-sided in the direction the medians moved. */
export interface Tests {
  direction: 'higher' | 'lower';
  /** Paired: Wilcoxon signed-rank and a one-sample t on the pairs' log differences. Unpaired: as below. */
  paired: boolean;
  /**
   * Exact Mann–Whitney: u counts (current, baseline) pairs with the current value beyond, ties one half. Paired:
   * exact Wilcoxon signed-rank, u is W+ (the rank sum of the positive differences) and `of` its largest value.
   */
  rank: { u: number; of: number; p: number; alpha: number };
  /** Student's t on the logarithms of the repeats, pooled variance. */
  t: { t: number; df: number; p: number; alpha: number };
}

export interface Decision {
  verdict: Verdict;
  reason: string;
  /** median(current) / median(baseline) − 1; null without data or from a baseline of 0. */
  change: number | null;
  tests: Tests | null;
  baseline: Spread | null;
  current: Spread | null;
}

/**
 * The rule, for one metric of one (server, step). A regression (or improvement) needs all three:
 * 1. big enough: median(current) / median(baseline) − 1 is worse (better) than the threshold;
 * 2. consistent: a one-sided exact Mann–Whitney test at `alpha` — with 3 vs 3, every current repeat beyond every
 *    baseline repeat, the only arrangement of the 20 that reaches p = 0.05;
 * 3. large against the noise: a one-sided Student t-test on the logarithms at `tAlpha`, which weighs the distance
 *    between the sides against the scatter within them (what the rank test, seeing only order, cannot).
 * Anything else is "no change", with the reason.
 */
export function decide(input: RuleInput): Decision {
  const alpha = input.alpha ?? DEFAULT_ALPHA;
  const tAlpha = input.tAlpha ?? DEFAULT_T_ALPHA;
  const base = [...input.baseline];
  const cur = [...input.current];
  const sides = { baseline: spread(base), current: spread(cur) };
  const noChange = (reason: string, change: number | null, tests: Tests | null = null): Decision => ({
    verdict: 'no-change',
    reason,
    change,
    tests,
    ...sides,
  });

  if (sides.baseline === null || sides.current === null) {
    const missing = !sides.baseline && !sides.current ? 'either run' : !sides.baseline ? 'the baseline' : 'the current run';
    return { verdict: 'not-compared', reason: `not measured in ${missing}`, change: null, tests: null, ...sides };
  }
  const b = sides.baseline.median;
  const c = sides.current.median;
  const change = relativeChange(b, c);
  const paired = Boolean(input.paired);
  if (paired && base.length !== cur.length) throw new Error(`paired repeats need equal counts (baseline ${base.length}, current ${cur.length})`);
  if (base.length < 2 || cur.length < 2) {
    return noChange(
      `only one repeat (baseline ${base.length}, current ${cur.length}): one run shows no spread to judge a change ` + 'against; run with --repeat 3 or more',
      change,
    );
  }

  const up = c > b || (c === b && mean(cur) >= mean(base));
  const tests = paired ? runPairedTests(base, cur, up, alpha, tAlpha) : runTests(base, cur, up, alpha, tAlpha);
  // How much worse, in the metric's own sense of better; ±Infinity for a change from 0.
  const signed = change ?? (up ? Infinity : -Infinity);
  const worse = input.better === 'lower' ? signed : -signed;
  const size = describeChange(change, worse, up);
  if (Math.abs(worse) <= input.threshold) {
    const reason = worse === 0 ? 'unchanged' : `within threshold: ${size}, threshold ${pct(input.threshold)}`;
    return noChange(reason, change, tests);
  }

  if (input.notJudged) return noChange(`not judged: ${size}, but ${input.notJudged}`, change, tests);
  const best = paired ? smallestSignedRankP(cur.length) : smallestPValue(cur.length, base.length);
  if (best > alpha) {
    const what = paired ? `${cur.length} pairs` : `${cur.length} vs ${base.length} repeats`;
    return noChange(
      `too few repeats to tell: ${size}, but ${what} can never reach p ≤ ${alpha} ` +
        `(best possible ${fmtP(best)}); run with --repeat ${paired ? 5 : 3} or more`,
      change,
      tests,
    );
  }
  const beyond = `${size}, beyond the ${pct(input.threshold)} threshold`;
  if (!passes(tests.rank)) {
    const overlap = paired ? 'the pairs disagree in direction (signed-rank test' : 'the repeats overlap (rank test';
    return noChange(`spread too wide to tell: ${beyond}, but ${overlap} p = ${fmtP(tests.rank.p)} > ${alpha})`, change, tests);
  }
  if (!passes(tests.t)) {
    // The rank test passed, so the repeats rank apart; "spread too wide" would misname what held the verdict back.
    return noChange(
      `not clear of the noise: ${beyond}, and the repeats rank apart (rank test p = ${fmtP(tests.rank.p)}), but ` +
        `the shift is small against their scatter (t-test p = ${fmtP(tests.t.p)} > ${tAlpha})`,
      change,
      tests,
    );
  }

  const word = worse > 0 ? 'worse' : 'better';
  const unanimous = tests.rank.u === 0 || tests.rank.u === tests.rank.of;
  const apart = paired
    ? unanimous
      ? `the current repeat ${word} in all ${cur.length} pairs`
      : 'the pairs clearly one way'
    : unanimous
      ? `all ${cur.length} current repeats ${word} than all ${base.length} baseline repeats`
      : 'the repeats clearly apart';
  return {
    verdict: worse > 0 ? 'regression' : 'improvement',
    reason:
      `${size} (threshold ${pct(input.threshold)}); ${apart} (rank test p = ${fmtP(tests.rank.p)}) and far apart ` +
      `against their scatter (t-test p = ${fmtP(tests.t.p)})`,
    change,
    tests,
    ...sides,
  };
}

/**
 * Both tests, one-sided in the direction the medians moved. The t-test runs on logarithms (a relative shift, as the
 * threshold is), or on log(1 + v) when a value is 0 — failure counts — which reads the same for large counts.
 */
function runTests(base: number[], cur: number[], up: boolean, alpha: number, tAlpha: number): Tests {
  const rank = mannWhitney(cur, base);
  const log = [...base, ...cur].every((v) => v > 0) ? Math.log : Math.log1p;
  const t = studentT(cur.map(log), base.map(log));
  return {
    direction: up ? 'higher' : 'lower',
    paired: false,
    rank: { u: rank.u, of: cur.length * base.length, p: up ? rank.pGreater : rank.pLess, alpha },
    t: { t: finite(t.t), df: t.df, p: up ? t.pGreater : t.pLess, alpha: tAlpha },
  };
}

/** The same two questions asked of the pairs: are their (log) differences one way, and far from 0 against their scatter? */
function runPairedTests(base: number[], cur: number[], up: boolean, alpha: number, tAlpha: number): Tests {
  const log = [...base, ...cur].every((v) => v > 0) ? Math.log : Math.log1p;
  const d = cur.map((v, i) => log(v) - log(base[i]!));
  const rank = wilcoxonSignedRank(d);
  const t = pairedT(d);
  return {
    direction: up ? 'higher' : 'lower',
    paired: true,
    rank: { u: rank.w, of: (rank.n * (rank.n + 1)) / 2, p: up ? rank.pGreater : rank.pLess, alpha },
    t: { t: finite(t.t), df: t.df, p: up ? t.pGreater : t.pLess, alpha: tAlpha },
  };
}

// 1/20 and 0.05 are the same double, but a p-value summed from counts may be an ulp off.
const passes = (test: { p: number; alpha: number }) => test.p <= test.alpha * (1 + 1e-9);

/** JSON has no Infinity: a t of "no scatter at all" is stored as ±Number.MAX_VALUE. */
const finite = (v: number) => (Number.isFinite(v) ? v : Math.sign(v) * Number.MAX_VALUE);

const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;

function spread(values: number[]): Spread | null {
  const mid = median(values);
  if (mid === null) return null;
  return { median: mid, min: Math.min(...values), max: Math.max(...values), n: values.length };
}

/** median(current) / median(baseline) − 1; 0 when both are 0; null (no finite value) from 0 to anything else. */
export function relativeChange(baseline: number, current: number): number | null {
  if (baseline === 0) return current === 0 ? 0 : null;
  return current / baseline - 1;
}

function describeChange(change: number | null, worse: number, up: boolean): string {
  const sense = worse > 0 ? 'worse' : 'better';
  if (change === null) return `${up ? 'up' : 'down'} from 0, ${sense}`;
  const size = Math.abs(change) < 0.0005 ? 'less than 0.1%' : pct(Math.abs(change));
  return `${size} ${up ? 'higher' : 'lower'}, ${sense}`;
}

export function pct(fraction: number): string {
  return `${Number((fraction * 100).toFixed(1))}%`;
}

function fmtP(p: number): string {
  return p >= 0.001 ? String(Number(p.toPrecision(2))) : p === 0 ? '0' : p.toExponential(1);
}
