import { DISTURBED_WARNINGS } from '@kvbench/schemas';
import { fmtFixed, fmtInt, fmtLatency, fmtPct, fmtRps, fmtUs, roundSig } from './format.js';
import {
  AT_LEAST,
  capacityHeading,
  capacityLeads,
  equalRateLeads,
  fmtTarget,
  noneHeldText,
  offeredText,
  type CapacityLead,
  type EqualRateLead,
} from './lead.js';
import type { MetricKey } from './metrics.js';
import { overlaps, sameHdrBucket, type Spread } from './stats.js';
import { figure, headlineStep, type ScenarioView, type SeriesInfo } from './view.js';

export interface Ranked {
  series: SeriesInfo;
  value: Spread;
  /** 1 = best. Tied figures share a rank ("1, 1, 3"), and the list keeps them in series order, claiming no order. */
  rank: number;
}

/** The blog ladder's verdict, at its largest step: the closed model, where the load generator can cap RPS. */
export interface LadderVerdict {
  step: string;
  /** Least server CPU per request first: the leading metric of the ladder, since the load generator can cap RPS. */
  cpu: Ranked[];
  /** Highest RPS first. */
  rps: Ranked[];
  /** Lowest p99 first; p99s in the same HDR bucket tie. */
  p99: Ranked[];
  /** The two best by CPU per request have overlapping min–max ranges across repeats. */
  cpuTooClose: boolean;
  /** Series whose runs at this step were paced by the load generator. */
  boundAtStep: string[];
  sentences: string[];
}

/** Highest capacity first, at one capacity step's p99 target. */
export interface CapacityVerdict {
  lead: CapacityLead;
  ranked: Ranked[];
  /** Series whose capacity is a floor (near the client's ceiling). */
  atLeast: string[];
  /** Best first; servers in one place cannot be ordered by capacity (a tie, both floors, overlapping repeats or brackets). */
  places: Ranked[][];
  sentences: string[];
}

/** Least server CPU per request first, every server at the same offered rate. */
export interface EqualRateVerdict {
  lead: EqualRateLead;
  cpu: Ranked[];
  /** Lowest p99 first (as measured: from the scheduled send time with the native client); one HDR bucket ties. */
  p99: Ranked[];
  cpuTooClose: boolean;
  sentences: string[];
}

export interface Verdict {
  /** Said before any ranking: where the load generator, not the server, may have set a figure; who did not hold an equal rate. */
  caveats: string[];
  capacity: CapacityVerdict[];
  equal: EqualRateVerdict[];
  /** Capacity first, then CPU per request at the highest equal rate; null without both. */
  overall: string | null;
  ladder: LadderVerdict | null;
  /** Every sentence in reading order: caveats, capacity, equal rate, overall, the ladder. */
  sentences: string[];
}

/** When two medians cannot be ranked. Must be an equivalence that keeps order (equality after rounding), so ties sit together. */
type Tied = (a: number, b: number) => boolean;

const exactly: Tied = (a, b) => a === b;
/** Capacities equal at the digits printed tie: the search's own resolution (5 % by default) is coarser still. */
const samePrinted: Tied = (a, b) => roundSig(a) === roundSig(b);

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
export function rankedText(ranked: readonly Ranked[], format: (v: number, group: readonly Ranked[]) => string): string {
  return rankGroups(ranked)
    .map((g) => `${g.map((r) => r.series.label).join(' = ')} ${format(g[0]!.value.median, g)}${g.length > 1 ? ' (tie)' : ''}`)
    .join(', ');
}

const ratio = (value: number, best: number) => (best > 0 ? `${fmtFixed(value / best, value / best >= 10 ? 0 : 1)}×` : '');

/** "rust used the least server CPU per request at 1M: 28.9 µs, against go 41.0 µs (1.4×)" — and whether to trust it. */
function cpuSentences(cpu: Ranked[], at: string): { sentences: string[]; tooClose: boolean } {
  const tooClose = cpu.length > 1 && overlaps(cpu[0]!.value, cpu[1]!.value) && cpu[0]!.value.n > 1;
  if (cpu.length === 0) return { sentences: [], tooClose };
  const [best, ...rest] = cpu;
  const others = rest.map((r) => `${r.series.label} ${fmtUs(r.value.median)} (${ratio(r.value.median, best!.value.median)})`);
  const sentences = [
    `${best!.series.label} used the least server CPU per request ${at}: ${fmtUs(best!.value.median)}` +
      (others.length ? `, against ${others.join(', ')}.` : '.'),
  ];
  if (tooClose) {
    sentences.push(`${cpu[0]!.series.label} and ${cpu[1]!.series.label} are within the spread of their repeats: too close to call on CPU.`);
  }
  return { sentences, tooClose };
}

/** "a, b and c" */
const list = (items: readonly string[]) => (items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`);

/**
 * What qualifies the rankings, said before them: where the load generator was the bottleneck (at any step), where
 * a capacity is only a floor because the client's ceiling was near, and who did not hold an equal offered rate.
 */
function caveatsOf(view: ScenarioView, capacity: readonly CapacityVerdict[], equal: readonly EqualRateVerdict[]): string[] {
  const caveats: string[] = [];
  const stepOrder = view.steps.map((s) => s.name);
  // A contended host (machine-steal) is not one compare refuses, but a reader ranking servers should know of it.
  const disturbed = view.warnings.filter((w) => DISTURBED_WARNINGS.includes(w.code) || w.code === 'machine-steal');
  if (disturbed.length) {
    const runs = new Set(disturbed.map((w) => `${w.server} at ${w.step} #${w.repeat}`));
    const list = [...runs];
    caveats.push(
      `The machine was disturbed during ${list.length} run${list.length === 1 ? '' : 's'} (${list.slice(0, 4).join(', ')}${list.length > 4 ? ', …' : ''}: ` +
        'another process took CPU, the host ran other guests on its CPUs, or the machine changed speed): the rankings below include them; rerun on a quiet machine before trusting a close call.',
    );
  }
  // Series with the same bound steps share one sentence.
  const bound = new Map<string, string[]>();
  for (const s of view.series) {
    const steps = stepOrder.filter((step) => view.warnings.some((w) => w.code === 'load-generator-bound' && w.server === s.server && w.step === step));
    if (steps.length) bound.set(steps.join(', '), [...(bound.get(steps.join(', ')) ?? []), s.label]);
  }
  for (const [steps, labels] of bound) {
    caveats.push(
      `The load generator was the bottleneck for ${labels.join(', ')} at ${steps}: there the client, not the server, set the pace, ` +
        'so those figures measure the client as much as the server.',
    );
  }
  for (const c of capacity) {
    const warned = new Set(view.warnings.filter((w) => w.code === 'client-ceiling' && w.step === c.lead.step).map((w) => w.server));
    for (const row of c.lead.rows) {
      if (!row.nearCeiling && !warned.has(row.series.server)) continue;
      const ceiling = row.ceiling ? ` (about ${fmtRps(row.ceiling.median)} req/s)` : '';
      const floor = row.rate ? `: read it as at least ${fmtRps(row.rate.median)} req/s` : '';
      caveats.push(
        `${row.series.label}'s capacity at ${c.lead.step} is near what the client can offer${ceiling}${floor} — the client, not the server, may have set it.`,
      );
    }
  }
  for (const e of equal) {
    for (const s of e.lead.series) {
      const dropped = figure(view, s.key, e.lead.step, 'dropped');
      const success = figure(view, s.key, e.lead.step, 'successRate');
      const why = [
        ...(dropped && dropped.median > 0 ? [`${fmtInt(dropped.median)} offered requests never sent`] : []),
        ...(success && success.median < 1 ? [`success ${fmtPct(success.median)}`] : []),
      ];
      if (why.length) {
        caveats.push(
          `${s.label} did not hold ${offeredText(e.lead)} at ${e.lead.step} (${why.join(', ')}): its figures there are not at the same load as the others'.`,
        );
      }
    }
  }
  return caveats;
}

/**
 * Why two adjacent capacities (the higher first) cannot be ordered, or null when they can: both are floors at the
 * client's ceiling, their repeats overlap, or the lower one's true capacity — somewhere below the rate where its
 * search missed — may lie above the higher one's.
 */
function unordered(lead: CapacityLead, higher: Ranked, lower: Ranked): 'tie' | 'floors' | 'repeats' | 'bracket' | null {
  const row = (r: Ranked) => lead.rows.find((x) => x.series.key === r.series.key);
  if (higher.rank === lower.rank) return 'tie';
  if (row(higher)?.nearCeiling && row(lower)?.nearCeiling) return 'floors';
  if (higher.value.n > 1 && overlaps(higher.value, lower.value)) return 'repeats';
  const missed = row(lower)?.missedAt;
  if (!row(lower)?.nearCeiling && (!missed || missed.median > higher.value.median)) return 'bracket';
  return null;
}

const UNORDERED_TEXT = {
  repeats: 'are within the spread of their repeats',
  bracket: "are within the capacity search's bracket",
} as const;

function capacityVerdict(view: ScenarioView, lead: CapacityLead): CapacityVerdict {
  const ranked = rank(view, lead.step, 'capacityRps', 'desc', samePrinted);
  const atLeast = lead.rows.filter((r) => r.nearCeiling).map((r) => r.series.key);
  const floor = (group: readonly Ranked[]) => group.some((r) => atLeast.includes(r.series.key));
  const sentences: string[] = [];
  if (ranked.length > 0) {
    sentences.push(
      `Highest ${capacityHeading(lead).replace(/^Capacity/, 'capacity')}: ` +
        `${rankedText(ranked, (v, g) => `${floor(g) ? '≥ ' : ''}${fmtRps(v)} req/s${floor(g) ? ` (${AT_LEAST})` : ''}`)}.`,
    );
  }
  const floors = ranked.filter((r) => atLeast.includes(r.series.key));
  if (floors.length > 1) {
    sentences.push(
      `${list(floors.map((r) => r.series.label))} all reached the client's ceiling: capacity cannot rank them against each other; CPU per request at an equal rate can.`,
    );
  }
  const groups = rankGroups(ranked);
  const [first, second] = [groups[0]?.[0], groups[1]?.[0]];
  const why = first && second ? unordered(lead, first, second) : null;
  if (why === 'repeats' || why === 'bracket') {
    sentences.push(`${first!.series.label} and ${second!.series.label} ${UNORDERED_TEXT[why]}: too close to call on capacity.`);
  }
  // Places: adjacent servers share one while capacity cannot order them (a chain: a ~ b and b ~ c puts all three in one).
  const places: Ranked[][] = [];
  for (const r of ranked) {
    const last = places[places.length - 1];
    if (last && unordered(lead, last[last.length - 1]!, r)) last.push(r);
    else places.push([r]);
  }
  for (const row of lead.rows.filter((r) => r.noneHeld)) {
    sentences.push(`${row.series.label} held p99 ≤ ${fmtTarget(lead.targetP99Us)} at no rate probed (${noneHeldText(row)}).`);
  }
  return { lead, ranked, atLeast, places, sentences };
}

function equalRateVerdict(view: ScenarioView, lead: EqualRateLead): EqualRateVerdict {
  const cpu = rank(view, lead.step, 'cpuUsPerRequest', 'asc');
  const p99 = rank(view, lead.step, 'p99Us', 'asc', sameHdrBucket);
  const { sentences, tooClose } = cpuSentences(cpu, `at ${offeredText(lead)} offered (${lead.step})`);
  return { lead, cpu, p99, cpuTooClose: tooClose, sentences };
}

/**
 * The equal-rate step that orders servers after capacity: the highest fraction of the slowest capacity, where the
 * cost of a request is least inflated by idle wake-ups and every server can still hold the rate. A fixed rate in
 * req/s (a run-to-run yardstick) may exceed some server's capacity, so it decides only when no fraction was run.
 */
export function decisiveEqual<T extends { lead: EqualRateLead }>(equal: readonly T[]): T | undefined {
  const fractions = equal.filter((e) => e.lead.fraction !== undefined);
  return (fractions.length ? fractions : equal).reduce<T | undefined>((a, b) => (a && a.lead.rate.median >= b.lead.rate.median ? a : b), undefined);
}

/**
 * One order of the servers: by capacity (servers it cannot order share a place), then within a place by server CPU
 * per request at the decisive equal offered rate.
 */
function overallOf(capacity: CapacityVerdict | undefined, equal: readonly EqualRateVerdict[]): string | null {
  const decisive = decisiveEqual(equal);
  if (!capacity || capacity.ranked.length < 2 || !decisive) return null;
  const cpuRank = (key: string) => decisive.cpu.find((r) => r.series.key === key)?.rank ?? Number.POSITIVE_INFINITY;
  const broken: string[] = [];
  const order = capacity.places.flatMap((place) => {
    if (place.length > 1 && new Set(place.map((r) => cpuRank(r.series.key))).size > 1) broken.push(list(place.map((r) => r.series.label)));
    // Within a place, CPU decides; equal CPU ranks (or none) stay together as a tie.
    const sorted = [...place].sort((a, b) => cpuRank(a.series.key) - cpuRank(b.series.key));
    const groups: string[][] = [];
    sorted.forEach((r, i) => {
      if (i > 0 && cpuRank(sorted[i - 1]!.series.key) === cpuRank(r.series.key)) groups[groups.length - 1]!.push(r.series.label);
      else groups.push([r.series.label]);
    });
    return groups.map((g) => g.join(' = '));
  });
  const why = broken.length ? ` (capacity cannot order ${broken.join('; ')}: CPU per request does)` : '';
  return `Overall, capacity first, then server CPU per request at ${offeredText(decisive.lead)}: ${order.join(', ')}${why}.`;
}

function ladderVerdict(view: ScenarioView): LadderVerdict | null {
  const step = headlineStep(view);
  if (!step) return null;
  const cpu = rank(view, step, 'cpuUsPerRequest', 'asc');
  const rps = rank(view, step, 'rps', 'desc');
  // p99 comes from the HDR histogram: medians in one bucket tie. CPU and RPS are not histogram figures, so they
  // only tie when equal; whether CPU can be told apart is the repeats' overlap.
  const p99 = rank(view, step, 'p99Us', 'asc', sameHdrBucket);
  const { sentences, tooClose } = cpuSentences(cpu, `at ${step}`);
  if (cpu.length === 0) {
    sentences.push(`No server CPU figures at ${step} (external servers or failed runs): read RPS and p99 below with care.`);
  }
  if (rps.length > 0) sentences.push(`Highest RPS: ${rankedText(rps, fmtRps)} req/s.`);
  if (p99.length > 0) sentences.push(`Lowest p99: ${rankedText(p99, fmtLatency)}.`);
  const bound = view.series.filter((s) => view.warnings.some((w) => w.code === 'load-generator-bound' && w.server === s.server && w.step === step));
  for (const series of view.series) {
    const rate = figure(view, series.key, step, 'successRate');
    if (rate && rate.median < 1) {
      sentences.push(`${series.label} answered only ${fmtPct(rate.median)} of requests successfully at ${step}.`);
    }
    // A clean largest step must not hide failures elsewhere (the blog's Rust failed at 1k, on the way up the ladder).
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
  return { step, cpu, rps, p99, cpuTooClose: tooClose, boundAtStep: bound.map((s) => s.key), sentences };
}

/**
 * Who won, in the order a reader must take it: first what qualifies the figures, then capacity at the p99 target,
 * then server CPU per request at an equal offered rate, then the blog ladder at its largest step.
 */
export function verdictOf(view: ScenarioView): Verdict | null {
  const capacity = capacityLeads(view).map((lead) => capacityVerdict(view, lead));
  const equal = equalRateLeads(view).map((lead) => equalRateVerdict(view, lead));
  const ladder = ladderVerdict(view);
  if (capacity.length === 0 && equal.length === 0 && !ladder) return null;
  const caveats = caveatsOf(view, capacity, equal);
  const overall = overallOf(capacity[0], equal);
  return {
    caveats,
    capacity,
    equal,
    overall,
    ladder,
    sentences: [
      ...caveats,
      ...capacity.flatMap((c) => c.sentences),
      ...equal.flatMap((e) => e.sentences),
      ...(overall ? [overall] : []),
      ...(ladder?.sentences ?? []),
    ],
  };
}
