import type { Environment } from '@kvbench/schemas';
import { escapeHtml } from '../escape.js';
import { MIB, fmtBytes, fmtDuration, fmtInt, roundSig } from '../format.js';
import { nofileText, pinningText } from '../environment.js';
import { spread } from '../stats.js';
import type { Ctx } from './context.js';
import { naTd, numTd, seriesTh, spreadTd, table, th } from './table.js';

const figure = (title: string, chart: { html: string } | null) =>
  chart ? `<figure class="pair"><figcaption><h4>${escapeHtml(title)}</h4></figcaption>${chart.html}</figure>` : '';

/** Build time, artifact size and cold start per server: what a language costs before the first request. */
export function buildSection(ctx: Ctx): string {
  const { view } = ctx;
  const rows = view.series.map((s) => {
    const coldStarts = [...(view.cells.get(s.key)?.values() ?? [])].flatMap((c) => c.runs.map((r) => r.coldStartMs));
    return { s, build: s.info?.build ?? null, cold: spread(coldStarts) };
  });
  const labels = rows.map((r) => r.s.label);
  const colors = rows.map((r) => r.s.color);
  const single = (title: string, format: 'ms' | 'mib' | 'seconds', data: Array<number | null>) => {
    const id = ctx.charts.id();
    const html = ctx.charts.add({
      id,
      type: 'bar',
      labels,
      x: { title: 'server', format: 'int' },
      y: { title, format },
      series: [{ label: title, color: colors, data }],
      legend: false,
      height: 200,
    });
    return { id, html };
  };
  // Servers without a build step (or an external URL) have nothing to draw: leave their charts out, not empty.
  const built = rows.some((r) => r.build && r.build.command.length > 0);
  const sized = rows.some((r) => r.build?.artifactBytes != null);
  const buildTime = built ? single('build time (s)', 'seconds', rows.map((r) => (r.build?.command.length ? roundSig(r.build.durationMs / 1000) : null))) : null;
  const artifact = sized ? single('artifact size (MiB)', 'mib', rows.map((r) => (r.build?.artifactBytes != null ? roundSig(r.build.artifactBytes / MIB) : null))) : null;
  const cold = rows.some((r) => r.cold) ? single('cold start (ms)', 'ms', rows.map((r) => (r.cold ? roundSig(r.cold.median) : null))) : null;
  const tableHtml = table({
    charts: [buildTime, artifact, cold].flatMap((c) => (c ? [c.id] : [])),
    head: [
      th('server', undefined, false),
      th('language', undefined, false),
      th('version', undefined, false),
      th('build time'),
      th('artifact'),
      th('cold start', 'median over runs'),
    ],
    rows: rows.map(({ s, build, cold: c }) => [
      seriesTh(s.label, s.color),
      `<td>${escapeHtml(s.info?.language ?? '—')}${s.info && s.info.source !== 'manifest' ? ` <span class="muted">(${escapeHtml(s.info.source)})</span>` : ''}</td>`,
      `<td class="mono">${escapeHtml(s.info?.version ?? '—')}</td>`,
      build?.command.length ? numTd(fmtDuration(build.durationMs), roundSig(build.durationMs / 1000)) : naTd('no build step'),
      build?.artifactBytes != null ? numTd(fmtBytes(build.artifactBytes), roundSig(build.artifactBytes / MIB)) : naTd('no artifact'),
      spreadTd(c, fmtDuration, (v) => roundSig(v)),
    ]),
  });
  const commands = rows
    .filter((r) => r.build && r.build.command.length)
    .map((r) => `<dt>${escapeHtml(r.s.label)}</dt><dd><code>${escapeHtml(r.build!.command.join(' '))}</code></dd>`)
    .join('');
  const errors = view.series
    .filter((s) => s.info?.error)
    .map((s) => `<dt>${escapeHtml(s.label)}</dt><dd><pre>${escapeHtml(s.info!.error)}</pre></dd>`)
    .join('');
  return (
    `<section id="${ctx.anchor('build')}"><h2>Build and start-up</h2>` +
    `<p class="lede">Build time and artifact size, as measured here (the blog: Go 0.69 s and about 8.5 MB, Rust 7.2 s and about 2.3 MB). Cold start is spawn to the first healthy answer, per run.</p>` +
    `<div class="grid2">` +
    figure('Build time', buildTime) +
    figure('Artifact size', artifact) +
    figure('Cold start', cold) +
    `<div class="table-wrap">${tableHtml}</div>` +
    `</div>` +
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
  runs.sort(
    (a, b) =>
      seriesIndex(key(a)) - seriesIndex(key(b)) || stepIndex(a.step) - stepIndex(b.step) || a.repeat - b.repeat,
  );
  const color = (k: string) => view.series.find((s) => s.key === k)?.color ?? '#868e96';
  const rows = runs.map((r) => {
    const exit = r.serverProcess?.exit;
    const exitText = exit
      ? `${exit.clean ? 'clean' : 'unclean'} · ${exit.signal ?? `code ${exit.code}`} · ${fmtDuration(exit.stopMs)}`
      : '—';
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
    view.environments.length > 1 ? `<h3>Machine ${i + 1} of ${view.environments.length}</h3>${environmentList(env, view.scenario.load.connections, actual)}`
      : environmentList(env, view.scenario.load.connections, actual),
  );
  const files = view.sources
    .map((r) => `<dt>${escapeHtml(r.id)}</dt><dd>${escapeHtml(r.scenarioPath)} · ${escapeHtml(r.startedAt)} → ${escapeHtml(r.finishedAt)}${r.complete ? '' : ' · partial'}</dd>`)
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

