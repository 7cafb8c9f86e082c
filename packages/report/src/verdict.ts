import { fmtFixed, fmtLatency, fmtPct, fmtRps, fmtUs } from './format.js';
import type { MetricKey } from './metrics.js';
import { overlaps, sameHdrBucket, type Spread } from './stats.js';
import { figure, headlineStep, type ScenarioView, type SeriesInfo } from './view.js';

export interface Ranked {
  series: SeriesInfo;
  value: Spread;
  /** 1 = best. Tied figures share a rank ("1, 1, 3"), and the list keeps them in series order, claiming no order. */
  rank: number;
}

export interface Verdict {
  step: string;
  /** Least server CPU per request first: the leading metric, since the load generator can cap RPS. */
  cpu: Ranked[];
  /** Highest RPS first. */
  rps: Ranked[];
  /** Lowest p99 first; p99s in the same HDR bucket tie. */
  p99: Ranked[];
  /** The two best by CPU per request have overlapping min–max ranges across repeats. */
  cpuTooClose: boolean;
  /** Series whose runs at this step were paced by the load generator. */
  boundAtStep: string[];
  /** Plain sentences, leading metric first, then the caveats a reader must not miss. */
  sentences: string[];
}

/** When two medians cannot be ranked. Must be an equivalence that keeps order (equality after rounding), so ties sit together. */
type Tied = (a: number, b: number) => boolean;

const exactly: Tied = (a, b) => a === b;

function rank(view: ScenarioView, step: string, metric: MetricKey, order: 'asc' | 'desc', tied: Tied = exactly): Ranked[] {
  const found = view.series.flatMap((series) => {
    const value = figure(view, series.key, step, metric);
    return value ? [{ series, value }] : [];
  });
  const sign = order === 'asc' ? 1 : -1;
  // Tied figures compare equal, so the stable sort leaves them in series order: neither is listed as the better one.
  found.sort((a, b) => (tied(a.value.median, b.value.median) ? 0 : sign * (a.value.median - b.value.median)));
  const ranked: Ranked[] = [];
  for (const [i, r] of found.entries()) {
    const prev = ranked[i - 1];
    ranked.push({ ...r, rank: prev && tied(prev.value.median, r.value.median) ? prev.rank : i + 1 });
  }
  return ranked;
}

/** Ranked entries grouped by rank, best first: one group per distinct figure, several servers when they tie. */
export function rankGroups(ranked: readonly Ranked[]): Ranked[][] {
  const groups: Ranked[][] = [];
  for (const r of ranked) {
    const last = groups[groups.length - 1];
    if (last && last[0]!.rank === r.rank) last.push(r);
    else groups.push([r]);
  }
  return groups;
}

/** "go = rust 159 ms (tie), ts 257 ms": tied servers joined, their shared figure printed once. */
export function rankedText(ranked: readonly Ranked[], format: (v: number) => string): string {
  return rankGroups(ranked)
    .map((g) => `${g.map((r) => r.series.label).join(' = ')} ${format(g[0]!.value.median)}${g.length > 1 ? ' (tie)' : ''}`)
    .join(', ');
}

const ratio = (value: number, best: number) => (best > 0 ? `${fmtFixed(value / best, value / best >= 10 ? 0 : 1)}×` : '');

/** Who won at the largest step, by the leading metric and then by RPS and p99 — with what qualifies each. */
export function verdictOf(view: ScenarioView): Verdict | null {
  const step = headlineStep(view);
  if (!step) return null;
  const cpu = rank(view, step, 'cpuUsPerRequest', 'asc');
  const rps = rank(view, step, 'rps', 'desc');
  // p99 comes from the HDR histogram: medians in one bucket tie. CPU and RPS are not histogram figures, so they
  // only tie when equal; whether CPU can be told apart is the repeats' overlap below.
  const p99 = rank(view, step, 'p99Us', 'asc', sameHdrBucket);
  const cpuTooClose = cpu.length > 1 && overlaps(cpu[0]!.value, cpu[1]!.value) && cpu[0]!.value.n > 1;
  const sentences: string[] = [];

  if (cpu.length > 0) {
    const [best, ...rest] = cpu;
    const others = rest.map((r) => `${r.series.label} ${fmtUs(r.value.median)} (${ratio(r.value.median, best!.value.median)})`);
    sentences.push(
      `${best!.series.label} used the least server CPU per request at ${step}: ${fmtUs(best!.value.median)}` +
        (others.length ? `, against ${others.join(', ')}.` : '.'),
    );
    if (cpuTooClose) {
      sentences.push(
        `${cpu[0]!.series.label} and ${cpu[1]!.series.label} are within the spread of their repeats: too close to call on CPU.`,
      );
    }
  } else {
    sentences.push(`No server CPU figures at ${step} (external servers or failed runs): read RPS and p99 below with care.`);
  }
  if (rps.length > 0) {
    sentences.push(`Highest RPS: ${rankedText(rps, fmtRps)} req/s.`);
  }
  if (p99.length > 0) {
    sentences.push(`Lowest p99: ${rankedText(p99, fmtLatency)}.`);
  }
  const bound = view.series.filter((s) =>
    view.warnings.some((w) => w.code === 'load-generator-bound' && w.server === s.server && w.step === step),
  );
  if (bound.length > 0) {
    sentences.push(
      `The load generator was the bottleneck for ${bound.map((s) => s.label).join(', ')} at ${step}: ` +
        'those RPS figures measure the client as much as the server.',
    );
  }
  for (const series of view.series) {
    const rate = figure(view, series.key, step, 'successRate');
    if (rate && rate.median < 1) {
      sentences.push(`${series.label} answered only ${fmtPct(rate.median)} of requests successfully at ${step}.`);
    }
    // A clean largest step must not hide failures on the way up the ladder (the blog's Rust failed at 1k).
    const earlier = view.steps
      .filter((s) => s.name !== step)
      .flatMap((s) => {
        const r = figure(view, series.key, s.name, 'successRate');
        return r && r.median < 1 ? [`${s.name} (${fmtPct(r.median)})`] : [];
      });
    if (earlier.length) {
      sentences.push(`${series.label} also failed requests at ${earlier.join(', ')}: see Failures.`);
    }
  }
  return { step, cpu, rps, p99, cpuTooClose, boundAtStep: bound.map((s) => s.key), sentences };
}
