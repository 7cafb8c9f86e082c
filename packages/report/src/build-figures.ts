import type { Build, RuntimeInfo } from '@kvbench/schemas';
import { fmtBytes, fmtDuration } from './format.js';
import { spread, type Spread } from './stats.js';
import type { ScenarioView, SeriesInfo } from './view.js';

/**
 * What a server costs before its first request, per entry: its build, what it runs on, and its start. The artifact
 * and the runtime are sized apart, and added up as what it takes to run, so that a 46 kB dist/ on a 100 MB Node
 * compares with a 9 MB Go binary as it is.
 */
export interface BuildFigures {
  series: SeriesInfo;
  build: Build | null;
  /** null: the artifact runs on its own; undefined: not known (see ServerInfo.runtime). */
  runtime: RuntimeInfo | null | undefined;
  /** Artifact plus runtime; null while either size is unknown. */
  toRunBytes: number | null;
  coldStartMs: Spread | null;
}

export function buildFigures(view: ScenarioView): BuildFigures[] {
  return view.series.map((series) => {
    const build = series.info?.build ?? null;
    const runtime = series.info?.runtime;
    const artifact = build?.artifactBytes ?? null;
    const coldStarts = [...(view.cells.get(series.key)?.values() ?? [])].flatMap((c) => c.runs.map((r) => r.coldStartMs));
    const toRunBytes = artifact === null || runtime === undefined ? null : artifact + (runtime?.bytes ?? 0);
    return { series, build, runtime, toRunBytes, coldStartMs: spread(coldStarts) };
  });
}

/** "5.1 s (cold)"; "—" where nothing was built (no build step, --no-build, a server at a URL). */
export function buildTimeText(build: Build | null): string {
  if (!build?.command.length) return '—';
  return `${fmtDuration(build.durationMs)}${build.kind ? ` (${build.kind})` : ''}`;
}

/** "bun · 102 MiB"; "none" for an artifact that runs on its own; "—" where nobody sized it. */
export function runtimeText(runtime: RuntimeInfo | null | undefined): string {
  if (runtime) return `${runtime.name} · ${fmtBytes(runtime.bytes)}`;
  return runtime === null ? 'none' : '—';
}
