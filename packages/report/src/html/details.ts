import type { Environment } from '@kvbench/schemas';
import { escapeHtml } from '../escape.js';
import { MIB, fmtBytes, fmtDuration, fmtInt, roundSig } from '../format.js';
import { nofileText, pinningText } from '../environment.js';
import { buildFigures, buildTimeText, runtimeText } from '../build-figures.js';
import { withAlpha } from '../colors.js';
import type { ChartSpec } from './chart.js';
import type { Ctx } from './context.js';
import { naTd, numTd, seriesTh, spreadTd, table, th } from './table.js';

const figure = (title: string, chart: { html: string } | null) =>
  chart ? `<figure class="pair"><figcaption><h4>${escapeHtml(title)}</h4></figcaption>${chart.html}</figure>` : '';

/**
 * Build time, sizes and cold start per entry: what a language, or a runtime, costs before the first request. The
 * artifact and the runtime it runs on are sized apart and stacked, so a JavaScript dist/ never passes for a binary.
 */
export function buildSection(ctx: Ctx): string {
  const { view } = ctx;
  const rows = buildFigures(view);
  const labels = rows.map((r) => r.series.label);
  const colors = rows.map((r) => r.series.color);
  const chart = (title: string, format: 'ms' | 'mib' | 'seconds', series: ChartSpec['series']) => {
    const id = ctx.charts.id();
    const html = ctx.charts.add({
      id,
      type: 'bar',
      labels,
      x: { title: 'server', format: 'int' },
      y: { title, format },
      series,
      stacked: series.length > 1,
      legend: series.length > 1,
      height: 200,
    });
    return { id, html };
  };
  const single = (title: string, format: 'ms' | 'mib' | 'seconds', data: Array<number | null>) => chart(title, format, [{ label: title, color: colors, data }]);
  // Servers without a build step (or an external URL) have nothing to draw: leave their charts out, not empty.
  const built = rows.some((r) => r.build && r.build.command.length > 0);
  const sized = rows.some((r) => r.build?.artifactBytes != null || r.runtime);
  const mib = (bytes: number | null | undefined) => (bytes != null ? roundSig(bytes / MIB) : null);
  const buildTime = built
    ? single(
        'build time (s)',
        'seconds',
        rows.map((r) => (r.build?.command.length ? roundSig(r.build.durationMs / 1000) : null)),
      )
    : null;
  const size = sized
    ? chart('size to run (MiB)', 'mib', [
        { label: 'artifact', color: colors, data: rows.map((r) => mib(r.build?.artifactBytes)), stack: 'size' },
        { label: 'runtime', color: colors.map((c) => withAlpha(c, 0.35)), data: rows.map((r) => mib(r.runtime?.bytes)), stack: 'size' },
      ])
    : null;
  const cold = rows.some((r) => r.coldStartMs)
    ? single(
        'cold start (ms)',
        'ms',
        rows.map((r) => (r.coldStartMs ? roundSig(r.coldStartMs.median) : null)),
      )
    : null;
  const bytesTd = (bytes: number | null | undefined, none: string) => (bytes != null ? numTd(fmtBytes(bytes), roundSig(bytes / MIB)) : naTd(none));
  const tableHtml = table({
    charts: [buildTime, size, cold].flatMap((c) => (c ? [c.id] : [])),
    head: [
      th('server', undefined, false),
      th('language', undefined, false),
      th('version', undefined, false),
      th('build time', 'cold or incremental'),
      th('artifact'),
      th('runtime', 'its binary'),
      th('to run', 'artifact + runtime'),
      th('cold start', 'median over runs'),
    ],
    rows: rows.map((r) => [
      seriesTh(r.series.label, r.series.color),
      `<td>${escapeHtml(r.series.info?.language ?? '—')}${r.series.info && r.series.info.source !== 'manifest' ? ` <span class="muted">(${escapeHtml(r.series.info.source)})</span>` : ''}</td>`,
      `<td class="mono">${escapeHtml(r.series.info?.version ?? '—')}</td>`,
      r.build?.command.length ? numTd(buildTimeText(r.build), roundSig(r.build.durationMs / 1000)) : naTd('no build step'),
      bytesTd(r.build?.artifactBytes, 'no artifact'),
      r.runtime ? numTd(runtimeText(r.runtime), roundSig(r.runtime.bytes / MIB)) : r.runtime === null ? numTd('none') : naTd('not recorded'),
      bytesTd(r.toRunBytes, 'not known'),
      spreadTd(r.coldStartMs, fmtDuration, (v) => roundSig(v)),
    ]),
  });
  const commands = rows
    .filter((r) => r.build?.command.length)
    .map((r) => `<dt>${escapeHtml(r.series.label)}</dt><dd><code>${escapeHtml(r.build!.command.join(' '))}</code></dd>`)
    .join('');
  const errors = view.series
    .filter((s) => s.info?.error)
    .map((s) => `<dt>${escapeHtml(s.label)}</dt><dd><pre>${escapeHtml(s.info!.error)}</pre></dd>`)
    .join('');
  return (
    `<section id="${ctx.anchor('build')}"><h2>Build and start-up</h2>` +
    `<p class="lede">Build time and artifact size, as measured here (the blog: Go 0.69 s and about 8.5 MB, Rust 7.2 s and about 2.3 MB). ` +
    `The runtime an artifact needs (Node, Bun, Deno) is sized apart and stacked on it: what it takes to run. ` +
    `The entries of one server on several runtimes share one build. A cold build found nothing of an earlier one in this checkout ` +
    `(toolchain caches such as Go's may still be warm); an incremental one built over what an earlier one left. ` +
    `Cold start is spawn to the first healthy answer, per run.</p>` +
    `<div class="grid2">` +
    figure('Build time', buildTime) +
    figure('Size to run: artifact + runtime', size) +
    figure('Cold start', cold) +
    `</div>` +
    // Full width: eight columns, with version lines as long as Deno's, do not fit beside a chart.
    `<div class="table-wrap">${tableHtml}</div>` +
    (commands ? `<h3>Build commands</h3><dl class="env">${commands}</dl>` : '') +
    (errors ? `<h3>Server errors</h3><dl class="env">${errors}</dl>` : '') +
    `</section>`
  );
}

export function runsSection(ctx: Ctx): string {
  const { view } = ctx;
  const runs = [...view.cells.values()].flatMap((row) => [...row.values()].flatMap((c) => c.runs));
  const stepIndex = (step: string) => view.steps.findIndex((s) => s.name === step);
  const seriesIndex = (key: string) => view.series.findIndex((s) => s.key === key);
  runs.sort((a, b) => seriesIndex(key(a)) - seriesIndex(key(b)) || stepIndex(a.step) - stepIndex(b.step) || a.repeat - b.repeat);
  const color = (k: string) => view.series.find((s) => s.key === k)?.color ?? '#868e96';
  const rows = runs.map((r) => {
    const exit = r.serverProcess?.exit;
    const exitText = exit ? `${exit.clean ? 'clean' : 'unclean'} · ${exit.signal ?? `code ${exit.code}`} · ${fmtDuration(exit.stopMs)}` : '—';
    return [
      seriesTh(key(r), color(key(r))),
      `<td>${escapeHtml(r.step)}</td>`,
      numTd(String(r.repeat)),
      `<td class="${r.status === 'ok' ? 'status-ok' : 'status-bad'}">${escapeHtml(r.status)}</td>`,
      `<td class="mono">${escapeHtml(r.startedAt)}</td>`,
      r.client ? numTd(fmtDuration(r.client.durationMs)) : naTd(),
      `<td>${escapeHtml(r.load.generator)} · ${escapeHtml(fmtInt(r.load.connections))} conns${r.load.readFraction ? ` · ${escapeHtml(String(Math.round(r.load.readFraction * 100)))} % GET` : ''}</td>`,
      `<td>${escapeHtml(exitText)}</td>`,
      `<td>${r.error ? escapeHtml(r.error) : ''}</td>`,
    ];
  });
  // Repeats of a step often end with the same lines: show each distinct tail once, with every run it came from.
  const tails = new Map<string, { runs: string[]; lines: string[]; flagged: boolean }>();
  for (const r of runs) {
    const lines = r.serverProcess?.stderrTail ?? [];
    if (lines.length === 0) continue;
    const flagged = r.status !== 'ok' || (r.serverProcess?.openFileErrors ?? 0) > 0 || r.serverProcess?.exit?.clean === false;
    const id = `${key(r)}\u0000${lines.join('\n')}`;
    const entry = tails.get(id) ?? { runs: [], lines, flagged: false };
    entry.runs.push(`${key(r)} · ${r.step} #${r.repeat}`);
    entry.flagged ||= flagged;
    tails.set(id, entry);
  }
  const tailHtml = [...tails.values()].map(
    (t) =>
      `<details${t.flagged ? ' open' : ''}><summary>${escapeHtml(t.runs.join(', '))} — last ${t.lines.length} stderr line${t.lines.length === 1 ? '' : 's'}` +
      `${t.flagged ? ' <span class="sev sev-warning">look</span>' : ''}</summary><pre>${escapeHtml(t.lines.join('\n'))}</pre></details>`,
  );
  return (
    `<section id="${ctx.anchor('runs')}"><h2>Runs and server output</h2>` +
    `<p class="lede">Every (server, step, repeat) the runner attempted, how it ended, and the last lines each server wrote to stderr.</p>` +
    `<details><summary>${runs.length} runs</summary><div class="table-wrap">` +
    table({
      head: [
        th('server', undefined, false),
        th('step', undefined, false),
        th('repeat'),
        th('status', undefined, false),
        th('started', undefined, false),
        th('duration'),
        th('load', undefined, false),
        th('server exit', undefined, false),
        th('error', undefined, false),
      ],
      rows,
    }) +
    `</div></details>` +
    (tailHtml.length ? `<h3>Server stderr</h3>${tailHtml.join('')}` : `<p class="muted">No server wrote to stderr.</p>`) +
    `</section>`
  );
}

const key = (r: { server: string; variant?: string }) => (r.variant ? `${r.server} (${r.variant})` : r.server);

/** A soft limit barely above the connections leaves no room for data files: the blog's Rust failure, by design. */
function fdNote(soft: number, connections: number): string {
  if (soft < 0 || soft >= connections + 256) return '';
  return ` — tight for ${fmtInt(connections)} connections plus data files: expect open-file errors`;
}

function environmentList(env: Environment, connections: number, actual: string): string {
  const items: Array<[string, string]> = [
    ['CPU', `${env.cpuModel} · ${env.cores} cores`],
    ['memory', fmtBytes(env.memoryBytes)],
    ['OS', env.os],
    ['kernel', env.kernel],
    ['Node.js', env.node],
    ...Object.entries(env.toolchains).map(([k, v]): [string, string] => [`toolchain: ${k}`, v]),
    ['git commit', env.gitCommit ? `${env.gitCommit}${env.gitDirty ? ' (uncommitted changes)' : ''}` : 'unknown'],
    ['fd limit: runner', nofileText(env.runnerNofile)],
    ['fd limit: server', env.serverNofile ? `${nofileText(env.serverNofile)}${fdNote(env.serverNofile.soft, connections)}` : 'inherited from the runner'],
    // Runtimes raise their own soft limit: what the server really had is read from /proc once it listened.
    ...(actual ? [['fd limit: as each server had it', actual] as [string, string]] : []),
    ['CPU pinning', pinningText(env.pinning)],
    ['seed', String(env.seed)],
    ...Object.entries(env.loadGenerators).map(([k, v]): [string, string] => [`load generator: ${k}`, v]),
    ['hostname', env.hostname],
  ];
  return `<dl class="env">${items.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`;
}

export function environmentSection(ctx: Ctx): string {
  const { view } = ctx;
  const actual = view.series
    .flatMap((s) => {
      const runs = [...(view.cells.get(s.key)?.values() ?? [])].flatMap((c) => c.runs);
      const limits = [...new Set(runs.flatMap((r) => (r.serverProcess?.nofile ? [nofileText(r.serverProcess.nofile)] : [])))];
      return limits.length ? [`${s.label} ${limits.join(' or ')}`] : [];
    })
    .join('; ');
  const envs = view.environments.map((env, i) =>
    view.environments.length > 1
      ? `<h3>Machine ${i + 1} of ${view.environments.length}</h3>${environmentList(env, view.scenario.load.connections, actual)}`
      : environmentList(env, view.scenario.load.connections, actual),
  );
  const files = view.sources
    .map(
      (r) =>
        `<dt>${escapeHtml(r.id)}</dt><dd>${escapeHtml(r.scenarioPath)} · ${escapeHtml(r.startedAt)} → ${escapeHtml(r.finishedAt)}${r.complete ? '' : ' · partial'}</dd>`,
    )
    .join('');
  return (
    `<section id="${ctx.anchor('environment')}"><h2>Environment and scenario</h2>` +
    `<p class="lede">The machine and the settings these numbers belong to. Figures from another machine — like the blog's — compare by shape, not by value.</p>` +
    envs.join('') +
    `<h3>Results</h3><dl class="env">${files}</dl>` +
    `<h3>Scenario as it ran</h3><pre>${escapeHtml(JSON.stringify(view.scenario, null, 2))}</pre>` +
    `</section>`
  );
}
