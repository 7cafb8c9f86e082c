/**
 * The statistics the rule needs, by hand. simple-statistics (the well-kept JS library) has a median, but its
 * Wilcoxon rank-sum returns only the statistic, its permutation test samples at random (a verdict could change
 * between two runs of `compare` on the same files), and it has no Student t distribution. With 3–5 repeats a side
 * the rank test's exact null distribution is tiny, so it is computed, not approximated; the t distribution comes
 * from the regularized incomplete beta function (Numerical Recipes §6.4), checked against published tables.
 */

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Ranks 1..N of the pooled values; tied values share the mean of their ranks. */
export function midranks(values: readonly number[]): number[] {
  const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  const ranks = new Array<number>(values.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]!.value === order[start]!.value) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) ranks[order[k]!.index] = rank;
    start = end + 1;
  }
  return ranks;
}

export interface RankTest {
  /** Mann–Whitney U of `x`: pairs (x_i, y_j) with x_i > y_j, ties counting one half. 0 … n·m. */
  u: number;
  /** P(U ≥ observed) when both samples come from one distribution: small means x tends to be larger. */
  pGreater: number;
  /** P(U ≤ observed): small means x tends to be smaller. */
  pLess: number;
  /** Exact (every split of the pooled values enumerated) or a normal approximation for large samples. */
  exact: boolean;
}

/** Above this many pooled values the normal approximation is used (CI runs have 3–5 repeats a side). */
const EXACT_UP_TO = 60;

/**
 * Mann–Whitney U test of x against y, one-sided both ways. Exact: the p-value is the share of all C(n+m, n) ways
 * of splitting the pooled values into groups of n and m whose rank sum is at least as extreme as the observed one.
 * Splitting the observed values (not ideal continuous ones) makes it exact with ties too: identical samples give
 * p = 1, never a spurious difference.
 */
export function mannWhitney(x: readonly number[], y: readonly number[]): RankTest {
  const n = x.length;
  const m = y.length;
  if (n === 0 || m === 0) throw new Error('mannWhitney needs at least one value on each side');
  const ranks = midranks([...x, ...y]);
  // Doubled midranks are integers, so rank sums can index an array and compare exactly.
  const doubled = ranks.map((r) => Math.round(r * 2));
  const observed = doubled.slice(0, n).reduce((a, b) => a + b, 0);
  const u = observed / 2 - (n * (n + 1)) / 2;
  if (n + m > EXACT_UP_TO) return { u, ...normalApproximation(ranks, n, m, u), exact: false };

  // ways[j][s]: how many j-element subsets of the values seen so far have doubled rank sum s.
  const maxSum = doubled.reduce((a, b) => a + b, 0);
  let ways: Float64Array[] = Array.from({ length: n + 1 }, () => new Float64Array(maxSum + 1));
  ways[0]![0] = 1;
  for (const r of doubled) {
    const next = ways.map((row) => row.slice());
    for (let j = 1; j <= n; j++) {
      const from = ways[j - 1]!;
      const to = next[j]!;
      for (let s = r; s <= maxSum; s++) to[s] = to[s]! + from[s - r]!;
    }
    ways = next;
  }
  const dist = ways[n]!;
  let total = 0;
  let atLeast = 0;
  let atMost = 0;
  for (let s = 0; s <= maxSum; s++) {
    const count = dist[s]!;
    if (count === 0) continue;
    total += count;
    if (s >= observed) atLeast += count;
    if (s <= observed) atMost += count;
  }
  return { u, pGreater: atLeast / total, pLess: atMost / total, exact: true };
}

/** Normal approximation with tie correction and continuity correction, for samples too large to enumerate. */
function normalApproximation(ranks: number[], n: number, m: number, u: number): { pGreater: number; pLess: number } {
  const big = n + m;
  const tieSizes = new Map<number, number>();
  for (const r of ranks) tieSizes.set(r, (tieSizes.get(r) ?? 0) + 1);
  let tieTerm = 0;
  for (const t of tieSizes.values()) tieTerm += t ** 3 - t;
  const variance = ((n * m) / 12) * (big + 1 - tieTerm / (big * (big - 1)));
  if (variance <= 0) return { pGreater: 1, pLess: 1 };
  const sd = Math.sqrt(variance);
  const mean = (n * m) / 2;
  return { pGreater: 1 - normalCdf((u - mean - 0.5) / sd), pLess: normalCdf((u - mean + 0.5) / sd) };
}

/** Φ(z) via the Abramowitz–Stegun 7.1.26 erf approximation (error < 1.5e-7: plenty for a p-value). */
export function normalCdf(z: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(z)) / Math.SQRT2);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(z * z) / 2);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/**
 * The smallest one-sided p-value n against m repeats can ever give: 1 / C(n+m, n), reached only when every value
 * of one side lies beyond every value of the other. 3 vs 3: 1/20 = 0.05; 2 vs 2: 1/6; 5 vs 5: 1/252.
 */
export function smallestPValue(n: number, m: number): number {
  let ways = 1;
  for (let k = 1; k <= n; k++) ways = (ways * (m + k)) / k;
  return 1 / ways;
}

export interface TTest {
  t: number;
  df: number;
  /** P(T ≥ t): small means x tends to be larger. */
  pGreater: number;
  pLess: number;
}

/**
 * Student's two-sample t-test with pooled variance, on the values as given (the rule passes logarithms, so that a
 * shift is relative and the noise of a metric is roughly the same on both sides). Where the rank test sees only
 * order, this weighs how far apart the two sides are against how much the repeats scatter within each side.
 * No scatter at all: equal means are no evidence (p = 1), different ones conclusive (p = 0).
 */
export function studentT(x: readonly number[], y: readonly number[]): TTest {
  const n = x.length;
  const m = y.length;
  const df = n + m - 2;
  if (n < 1 || m < 1 || df < 1) throw new Error('studentT needs at least three values, one or more on each side');
  const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const mx = mean(x);
  const my = mean(y);
  const squares = (v: readonly number[], mv: number) => v.reduce((acc, value) => acc + (value - mv) ** 2, 0);
  const pooledVariance = (squares(x, mx) + squares(y, my)) / df;
  const diff = mx - my;
  // Below float noise relative to the values: treat as no scatter, not as a division by ~0.
  const scale = Math.max(Math.abs(mx), Math.abs(my), 1);
  if (pooledVariance <= (scale * 1e-12) ** 2) {
    if (Math.abs(diff) <= scale * 1e-12) return { t: 0, df, pGreater: 1, pLess: 1 };
    return diff > 0 ? { t: Infinity, df, pGreater: 0, pLess: 1 } : { t: -Infinity, df, pGreater: 1, pLess: 0 };
  }
  const t = diff / Math.sqrt(pooledVariance * (1 / n + 1 / m));
  const upper = studentTUpperTail(t, df);
  return { t, df, pGreater: upper, pLess: 1 - upper };
}

/** P(T > t) for Student's t with `df` degrees of freedom, through the regularized incomplete beta function. */
export function studentTUpperTail(t: number, df: number): number {
  const tail = 0.5 * regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? tail : 1 - tail;
}

/** I_x(a, b), by the continued fraction (modified Lentz), as in Numerical Recipes §6.4. */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The fraction converges fast only below the mean; past it, use the symmetry I_x(a,b) = 1 − I_{1−x}(b,a).
  if (x < (a + 1) / (a + b + 2)) return (front * betaFraction(x, a, b)) / a;
  return 1 - (front * betaFraction(1 - x, b, a)) / b;
}

function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  const guard = (v: number) => (Math.abs(v) < tiny ? tiny : v);
  let c = 1;
  let d = 1 / guard(1 - ((a + b) * x) / (a + 1));
  let h = d;
  for (let m = 1; m <= 500; m++) {
    const m2 = 2 * m;
    const even = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 / guard(1 + even * d);
    c = guard(1 + even / c);
    h *= d * c;
    const odd = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 / guard(1 + odd * d);
    c = guard(1 + odd / c);
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-14) break;
  }
  return h;
}

/** ln Γ(x), Lanczos approximation (g = 7, 9 terms): about 15 significant digits for x > 0. */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
  9.9843695780195716e-6, 1.5056327351493116e-7,
];

export interface SignedRankTest {
  /** W+: the sum of the ranks of |d| over the positive differences, ties at their midrank. */
  w: number;
  /** Pairs with a difference other than 0 (zeros say nothing about the direction and are left out). */
  n: number;
  /** P(W+ ≥ observed) when each difference is as likely positive as negative: small means x tends to be larger. */
  pGreater: number;
  pLess: number;
  exact: boolean;
}

/** Above this many pairs the normal approximation is used (an A/B with its rerun has 6–12). */
const EXACT_PAIRS_UP_TO = 40;

/**
 * Wilcoxon signed-rank test of paired differences, one-sided both ways, exact: the p-value is the share of the 2^n
 * ways of giving each |d| a sign whose positive rank sum is at least as extreme as the observed one (with the
 * observed ties, as for mannWhitney). Same-run A/B repeats come in pairs measured back to back, so a drift of the
 * machine over the run moves both members of a pair and cancels in their difference.
 */
export function wilcoxonSignedRank(differences: readonly number[]): SignedRankTest {
  const d = differences.filter((v) => v !== 0);
  const n = d.length;
  if (n === 0) return { w: 0, n: 0, pGreater: 1, pLess: 1, exact: true };
  const ranks = midranks(d.map(Math.abs));
  const doubled = ranks.map((r) => Math.round(r * 2));
  const observed = doubled.reduce((sum, r, i) => (d[i]! > 0 ? sum + r : sum), 0);
  const w = observed / 2;
  if (n > EXACT_PAIRS_UP_TO) {
    let tieTerm = 0;
    const sizes = new Map<number, number>();
    for (const r of ranks) sizes.set(r, (sizes.get(r) ?? 0) + 1);
    for (const t of sizes.values()) tieTerm += t ** 3 - t;
    const mean = (n * (n + 1)) / 4;
    const sd = Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48);
    return { w, n, pGreater: 1 - normalCdf((w - mean - 0.5) / sd), pLess: normalCdf((w - mean + 0.5) / sd), exact: false };
  }
  // ways[s]: how many sign assignments give doubled positive rank sum s.
  const maxSum = doubled.reduce((a, b) => a + b, 0);
  let ways = new Float64Array(maxSum + 1);
  ways[0] = 1;
  for (const r of doubled) {
    const next = ways.slice();
    for (let s = r; s <= maxSum; s++) next[s] = next[s]! + ways[s - r]!;
    ways = next;
  }
  let atLeast = 0;
  let atMost = 0;
  const total = 2 ** n;
  for (let s = 0; s <= maxSum; s++) {
    if (s >= observed) atLeast += ways[s]!;
    if (s <= observed) atMost += ways[s]!;
  }
  return { w, n, pGreater: atLeast / total, pLess: atMost / total, exact: true };
}

/** The smallest one-sided p-value n pairs can ever give: 1 / 2^n, every difference of one sign. 5 pairs: 1/32. */
export function smallestSignedRankP(pairs: number): number {
  return 1 / 2 ** pairs;
}

/**
 * One-sample t-test of paired differences against 0 (the rule passes differences of logarithms: a relative shift).
 * No scatter at all: a mean of 0 is no evidence (p = 1), another one conclusive (p = 0).
 */
export function pairedT(differences: readonly number[]): TTest {
  const n = differences.length;
  const df = n - 1;
  if (df < 1) throw new Error('pairedT needs at least two pairs');
  const mean = differences.reduce((a, b) => a + b, 0) / n;
  const variance = differences.reduce((acc, v) => acc + (v - mean) ** 2, 0) / df;
  const scale = Math.max(Math.abs(mean), 1e-300);
  if (variance <= (scale * 1e-12) ** 2) {
    if (Math.abs(mean) <= 1e-12) return { t: 0, df, pGreater: 1, pLess: 1 };
    return mean > 0 ? { t: Infinity, df, pGreater: 0, pLess: 1 } : { t: -Infinity, df, pGreater: 1, pLess: 0 };
  }
  const t = mean / Math.sqrt(variance / n);
  const upper = studentTUpperTail(t, df);
  return { t, df, pGreater: upper, pLess: 1 - upper };
}
