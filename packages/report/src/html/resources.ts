import { MACHINE_DRIFT, OTHER_LOAD_CORES } from '@kvbench/schemas';
import { shade } from '../colors.js';
import { escapeHtml } from '../escape.js';
import { SAME_LOAD_RULE, machineText } from '../leading-metric.js';
import { METRICS } from '../metrics.js';
import { cellOf, figure, type ScenarioView } from '../view.js';
import { chartPair, type SeriesSpec } from './chart.js';
import type { Ctx } from './context.js';
import { ladderPair } from './ladder.js';
import { seriesTh, spreadTd, table, th } from './table.js';
import { CHART_UNITS } from './units.js';

/** Server CPU per request (the leading metric), cores busy beside the load generator, peak memory and descriptors. */
export function resourcesSection(ctx: Ctx): string {
  const { view } = ctx;
  const steps = view.steps.map((s) => s.name);
  // Cores busy: the server beside the load generator that drove it, in the server's hue.
  const coresId = ctx.charts.id();
  const coresSeries: SeriesSpec[] = view.series.flatMap((s) => [
    { label: `${s.label} — server`, color: s.color, data: steps.map((step) => cores(view, s.key, step, 'serverCores')) },
    {
      label: `${s.label} — load generator`,
      color: shade(s.color, -1),
      data: steps.map((step) => cores(view, s.key, step, 'clientCores')),
    },
  ]);
  const coresChart = ctx.charts.add({
    id: coresId,
    type: 'bar',
    labels: steps,
    x: { title: 'step', format: 'int' },
    y: { title: 'cores busy (1.0 = one core)', format: 'cores' },
    series: coresSeries,
  });
  const coresTable = table({
    charts: [coresId],
    head: [th('process', undefined, false), ...steps.map((step) => th(step, 'cores'))],
    rows: view.series.flatMap((s) => [
      [
        seriesTh(`${s.label} — server`, s.color),
        ...steps.map((step) => spreadTd(figure(view, s.key, step, 'serverCores'), METRICS.serverCores.format, CHART_UNITS.serverCores.toChart)),
      ],
      [
        seriesTh(`${s.label} — load generator`, shade(s.color, -1)),
        ...steps.map((step) => spreadTd(figure(view, s.key, step, 'clientCores'), METRICS.clientCores.format, CHART_UNITS.clientCores.toChart)),
      ],
    ]),
  });
  return (
    `<section id="${ctx.anchor('resources')}"><h2>CPU and memory</h2>` +
    `<p class="lede">${escapeHtml(
      `Server CPU µs per request is the leading comparison: on ${machineText(view)}, shared by client and server, the load generator can cap RPS. ` +
        `It is not a constant of the server: one asked more slowly wakes up more often per request. ${SAME_LOAD_RULE} Sampled from /proc during the load.`,
    )}</p>` +
    tickNote(view) +
    ladderPair(ctx, {
      title: 'Server CPU per request',
      metric: 'cpuUsPerRequest',
      type: 'bar',
      note: 'User + system CPU time of the server process during the load, divided by the requests sent. Lower is better.',
    }) +
    chartPair({
      title: 'Cores busy: server and load generator',
      note: 'Mean cores busy over the load. A load generator near 1.0 (one event loop) set the pace, not the server.',
      chart: coresChart,
      table: coresTable,
    }) +
    machinePairs(ctx) +
    ladderPair(ctx, { title: 'Peak resident memory', metric: 'peakRssBytes', type: 'bar' }) +
    ladderPair(ctx, {
      title: 'Peak open file descriptors',
      metric: 'peakFds',
      type: 'bar',
      note: 'Sockets, data files and everything else the server held open at its peak — compare with its fd limit under Environment.',
    }) +
    `</section>`
  );
}

/** The machine around each run, where it was measured: a neighbour's load, the kernel's network work, speed drift, pace. */
function machinePairs(ctx: Ctx): string {
  if (!ctx.view.sources.some((results) => results.runs.some((r) => r.machine))) return '';
  return (
    ladderPair(ctx, {
      title: 'Other load on the machine',
      metric: 'otherCores',
      type: 'bar',
      note:
        "Cores busy during the load (from /proc/stat) beyond the server, the load generator, the runner and the kernel's softirq (network) work: another process. " +
        `Above ${OTHER_LOAD_CORES} the run is flagged as disturbed and compare will not judge it.`,
    }) +
    ladderPair(ctx, {
      title: 'Softirq time',
      metric: 'softirqCores',
      type: 'bar',
      note:
        "The kernel's softirq share of the busy time (10 ms ticks). On loopback the sender's softirq does the receiver's TCP work and is " +
        "charged to whichever task runs, so part of the server's CPU is the client's sending, and the other way round.",
    }) +
    ladderPair(ctx, {
      title: 'Machine speed drift',
      metric: 'machineDrift',
      type: 'bar',
      note:
        'How far the CPU time of one fixed piece of work (kvload --calibrate, on each CPU used) moved between just before and just after the run. ' +
        `Above ${MACHINE_DRIFT * 100} % the run is flagged: the machine, not the code, changed.`,
    }) +
    pacePair(ctx)
  );
}

/** Only for files that recorded the pace (machine.loopbackNs, since results written on 2026-12-04). */
function pacePair(ctx: Ctx): string {
  if (!ctx.view.sources.some((results) => results.runs.some((r) => typeof r.machine?.loopbackNs === 'number'))) return '';
  return ladderPair(ctx, {
    title: 'Machine pace',
    metric: 'machinePace',
    type: 'bar',
    note:
      "CPU per round trip of a fixed loopback ping-pong (kvload --pingpong, on the run's CPUs) just before the server started: the kernel path " +
      "much of a server's CPU per request goes through, with no server's code. Where it moved between runs, every server's CPU per request moved with it.",
  });
}

function cores(view: ScenarioView, key: string, step: string, metric: 'serverCores' | 'clientCores'): number | null {
  const f = figure(view, key, step, metric);
  return f ? CHART_UNITS[metric].toChart(f.median) : null;
}

/** Where server CPU is not to the nanosecond: a thread exited mid-load, so its CPU came from 10 ms ticks. */
function tickNote(view: ScenarioView): string {
  const coarse = view.series.flatMap((s) =>
    view.steps.flatMap((step) => (cellOf(view, s.key, step.name)?.runs.some((r) => r.serverProcess?.cpuExact === false) ? [`${s.label} at ${step.name}`] : [])),
  );
  if (coarse.length === 0) return '';
  return `<p class="muted">${escapeHtml(
    `Server CPU of ${coarse.join(', ')} is counted in 10 ms ticks, not per nanosecond: a thread that ran during the load exited before its end. On short steps that coarseness is a visible share of CPU per request.`,
  )}</p>`;
}
