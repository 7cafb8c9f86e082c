import type { CapacityProbe, Results, Run } from '@kvbench/schemas';
import { fmtLatency, fmtOffered, fmtRange, fmtRps } from './format.js';
import type { Spread } from './stats.js';
import { spread } from './stats.js';
import { capacitySteps, cellOf, equalRateSteps, figure, type ScenarioView, type SeriesInfo } from './view.js';

/**
 * What a report leads with when the results have it: each server's capacity at a p99 target, then every server at
 * the same offered rate. Defined once here; the HTML, the Markdown and the terminal only lay it out.
 */

export interface CapacityRow {
  series: SeriesInfo;
  /** The runs of this step that searched (one per repeat). */
  runs: Run[];
  /** The highest offered rate that held, median over repeats; null when none held or nothing was searched. */
  rate: Spread | null;
  /** The lowest rate that missed; null when the search stopped first (time, or the client's ceiling). */
  missedAt: Spread | null;
  ceiling: Spread | null;
  /** Some repeat's capacity was close to what the client can offer: the figure is a floor, "at least". */
  nearCeiling: boolean;
  /** Every repeat searched and none held the target at any rate probed. */
  noneHeld: boolean;
}

export interface CapacityLead {
  step: string;
  targetP99Us: number;
  rows: CapacityRow[];
}

/** The words for a capacity that is a floor: the client, not the server, may have set it. */
export const AT_LEAST = "at least: near the client's ceiling";

/** A target is a setting, printed as given: "10 ms", "2.5 ms", never "10.0 ms". */
export const fmtTarget = (us: number): string => (us >= 1000 ? `${Number((us / 1000).toPrecision(6))} ms` : `${Number(us.toPrecision(6))} µs`);

/** "Capacity at p99 ≤ 10 ms" */
export const capacityHeading = (lead: CapacityLead): string => `Capacity at p99 ≤ ${fmtTarget(lead.targetP99Us)}`;

export function capacityLeads(view: ScenarioView): CapacityLead[] {
  return capacitySteps(view).flatMap((step) => {
    const rows = view.series.flatMap((series): CapacityRow[] => {
      const runs = (cellOf(view, series.key, step.name)?.runs ?? []).filter((r) => r.capacity);
      if (runs.length === 0) return [];
      return [
        {
          series,
          runs,
          rate: figure(view, series.key, step.name, 'capacityRps'),
          missedAt: figure(view, series.key, step.name, 'capacityMissedAt'),
          ceiling: figure(view, series.key, step.name, 'clientCeilingRps'),
          nearCeiling: runs.some((r) => r.capacity!.nearClientCeiling),
          noneHeld: runs.every((r) => r.capacity!.rate === null),
        },
      ];
    });
    if (rows.length === 0) return [];
    // The target the runs searched with, as recorded.
    return [{ step: step.name, targetP99Us: rows[0]!.runs[0]!.capacity!.targetP99Us, rows }];
  });
}

/** "≥ 32,000" for a floor, "30,000", "none" when no rate held: the capacity as every renderer prints it. */
export function capacityText(row: CapacityRow, withRange = false): string {
  if (row.noneHeld) return 'none';
  if (!row.rate) return '—';
  const { median, min, max, n } = row.rate;
  const range = withRange && n > 1 && fmtRps(min) !== fmtRps(max) ? ` (${fmtRange(fmtRps(min), fmtRps(max), '–')})` : '';
  return `${row.nearCeiling ? '≥ ' : ''}${fmtRps(median)}${range}`;
}

/** Why a server held the target at no rate: the lowest rate it was offered, and how that probe missed. */
export function noneHeldText(row: CapacityRow): string {
  const probes = row.runs.flatMap((r) => r.capacity!.probes);
  const lowest = probes.reduce<CapacityProbe | undefined>((a, b) => (a && a.rate <= b.rate ? a : b), undefined);
  return lowest ? `missed even at ${fmtOffered(lowest.rate)} req/s${lowest.reason ? `: ${lowest.reason}` : ''}` : 'no probe ran';
}

/** A probe as a result: "held", or "missed: p99 12.1 ms over the target". */
export const probeResult = (p: CapacityProbe): string => (p.ok ? 'held' : `missed${p.reason ? `: ${p.reason}` : ''}`);

export const probeP99Text = (p: CapacityProbe): string => (p.p99Us === null ? '—' : fmtLatency(p.p99Us));

export interface EqualRateLead {
  step: string;
  /** The offered rate over the step's runs: one value, unless repeats or pooled files resolved it differently. */
  rate: Spread;
  /** Set as a fraction of the slowest capacity (absent: a fixed rate in req/s). */
  fraction?: number;
  /** Whose capacity set the rate, when the same server's did for every run; with that capacity. */
  slowest?: { label: string; rate: number };
  series: SeriesInfo[];
}

export function equalRateLeads(view: ScenarioView): EqualRateLead[] {
  return equalRateSteps(view).flatMap((step) => {
    const series = view.series.filter((s) => cellOf(view, s.key, step.name));
    const runs = series.flatMap((s) => cellOf(view, s.key, step.name)!.runs);
    const rate = spread(runs.map((r) => r.load.rate));
    if (!rate) return [];
    const fraction = typeof step.rate === 'object' ? step.rate.capacityFraction : undefined;
    const slowest = fraction !== undefined ? slowestOf(view, runs) : undefined;
    return [{ step: step.name, rate, ...(fraction !== undefined ? { fraction } : {}), ...(slowest ? { slowest } : {}), series }];
  });
}

/** As the runner resolves a fraction: the lowest capacity any server reached in the same repeat of the same file. */
function slowestOf(view: ScenarioView, runs: readonly Run[]): { label: string; rate: number } | undefined {
  const found = runs.map((run) => {
    const source: Results | undefined = view.sources.find((r) => r.runs.includes(run));
    const searched = (source?.runs ?? []).filter((r) => r.repeat === run.repeat && r.capacity?.rate != null);
    const min = searched.reduce<Run | undefined>((a, b) => (a && a.capacity!.rate! <= b.capacity!.rate! ? a : b), undefined);
    return min
      ? { label: view.series.find((s) => s.server === min.server && s.variant === min.variant)?.label ?? min.server, rate: min.capacity!.rate! }
      : undefined;
  });
  const first = found[0];
  if (!first || found.some((f) => !f || f.label !== first.label || f.rate !== first.rate)) return undefined;
  return first;
}

/** "3,000 req/s", or "2,950–3,050 req/s" when the runs were offered different rates (a fraction, resolved per repeat). */
export function offeredText(lead: EqualRateLead): string {
  const { min, max } = lead.rate;
  return min === max ? `${fmtOffered(min)} req/s` : `${fmtRange(fmtOffered(min), fmtOffered(max), '–')} req/s`;
}

const pct = (fraction: number) => `${Number((fraction * 100).toPrecision(3))} %`;

/** "At 3,000 req/s offered, 25 % of the slowest capacity (ts's 12,000 req/s)": the same rate for every server, said once. */
export function equalRateHeading(lead: EqualRateLead): string {
  const of =
    lead.fraction === undefined
      ? ', the same for every server'
      : `, ${pct(lead.fraction)} of the slowest capacity${lead.slowest ? ` (${lead.slowest.label}'s ${fmtRps(lead.slowest.rate)} req/s)` : ''}`;
  // Each repeat resolves a fraction against its own capacities: the figures beside are medians over those rates.
  const perRepeat = lead.rate.min !== lead.rate.max ? ' (a rate per repeat)' : '';
  return `At ${offeredText(lead)} offered${perRepeat}${of}`;
}

/** Whether a results view has anything to lead with before the ladder. */
export const hasLead = (view: ScenarioView): boolean => capacityLeads(view).length > 0 || equalRateLeads(view).length > 0;
