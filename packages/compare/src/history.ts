import { DISTURBED_WARNINGS, HistorySchema, type History, type HistoryEntry, type HistoryPoint, type Results, type Run } from '@kvbench/schemas';
import { CompareInputError } from './errors.js';
import { METRICS, valuesOf } from './metrics.js';
import { median } from './stats.js';

/** CPU model, cores and host, as the comparison tells machines apart (`machineDifference`). */
export function machineOf(results: Results): string {
  const e = results.environment;
  return `${e.cpuModel} · ${e.cores} cores · ${e.hostname}`;
}

/**
 * One results file as a history entry: each gate metric's median, min–max and count per (server, variant, step),
 * from the same runs the regression rule would judge (performance figures from finished runs only).
 */
export function historyEntry(results: Results): HistoryEntry {
  const groups = new Map<string, Run[]>();
  for (const run of results.runs) {
    const key = JSON.stringify([run.server, run.variant ?? null, run.step]);
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  const points: HistoryPoint[] = [];
  for (const [key, runs] of groups) {
    const [server, variant, step] = JSON.parse(key) as [string, string | null, string];
    for (const metric of METRICS.filter((m) => m.gate)) {
      const values = valuesOf(metric, runs);
      const mid = median(values);
      if (mid === null) continue;
      points.push({
        server,
        ...(variant === null ? {} : { variant }),
        step,
        metric: metric.key,
        value: { median: mid, min: Math.min(...values), max: Math.max(...values), n: values.length },
      });
    }
  }
  return {
    resultsId: results.id,
    scenario: results.scenario.name,
    startedAt: results.startedAt,
    gitCommit: results.environment.gitCommit,
    gitDirty: results.environment.gitDirty,
    machine: machineOf(results),
    disturbed: results.runs.some((run) => run.warnings.some((w) => DISTURBED_WARNINGS.includes(w.code))),
    points,
  };
}

export const emptyHistory = (): History => ({ kind: 'kvbench.history', schemaVersion: 1, entries: [] });

/**
 * The history with these entries added, oldest first. An entry whose results id is already there replaces it (the
 * same file appended twice, or re-measured under the same id, is one point), so appending is idempotent.
 */
export function addToHistory(history: History, entries: readonly HistoryEntry[]): History {
  const byId = new Map(history.entries.map((e) => [e.resultsId, e]));
  for (const entry of entries) byId.set(entry.resultsId, entry);
  const sorted = [...byId.values()].sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.resultsId.localeCompare(b.resultsId));
  return { ...history, entries: sorted };
}

/** A history file's text, checked: a clear error naming the file and the first problem, never a partial read. */
export function parseHistory(text: string, file: string): History {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new CompareInputError('not-json', `${file} is not JSON (${(error as Error).message}): give a file that kvbench history wrote`);
  }
  const parsed = HistorySchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CompareInputError(
      'schema',
      `${file} is not a kvbench history file: ${issue.path.join('.') || '(top level)'}: ${issue.message} — ` +
        'give a file that `kvbench history` wrote, or a new path to start one',
    );
  }
  return parsed.data;
}
