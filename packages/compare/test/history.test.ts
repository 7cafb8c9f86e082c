import { HistorySchema, type Results } from '@kvbench/schemas';
import { describe, expect, it } from 'vitest';
import { CompareInputError } from '../src/errors.js';
import { addToHistory, emptyHistory, historyEntry, parseHistory } from '../src/history.js';
import { repeatsOf, resultsOf, runOf } from './support/results.js';

/** A results file of one commit: go at `goCpu` µs per request, rust at 8, three repeats each (±1 %). */
function resultsAt(id: string, startedAt: string, commit: string, goCpu: number): Results {
  const results = resultsOf(
    [
      ...repeatsOf({ server: 'go', step: 'post-20k', rps: 20_000, p50Us: 700, p99Us: 1800, cpuUsPerRequest: goCpu, peakRssBytes: 18e6 }),
      ...repeatsOf({ server: 'rust', step: 'post-20k', rps: 20_000, p50Us: 600, p99Us: 1500, cpuUsPerRequest: 8, peakRssBytes: 9e6, failed: 2 }),
    ],
    { id },
  );
  return { ...results, startedAt, environment: { ...results.environment, gitCommit: commit } };
}

describe('history', () => {
  it("keeps each server's gate metrics per step with the spread over repeats, and the run's commit and machine", () => {
    const entry = historyEntry(resultsAt('ci-1', '2026-12-01T10:00:00.000Z', 'aaaaaaa111', 20));
    expect(entry).toMatchObject({ resultsId: 'ci-1', scenario: 'ci', gitCommit: 'aaaaaaa111', disturbed: false });
    expect(entry.machine).toBe('Test CPU @ 2.0GHz · 2 cores · ci-box');
    const go = entry.points.find((p) => p.server === 'go' && p.metric === 'cpuPerRequest')!;
    expect(go.step).toBe('post-20k');
    expect(go.value.median).toBeCloseTo(20, 6);
    expect(go.value.min).toBeCloseTo(19.8, 6);
    expect(go.value.max).toBeCloseTo(20.2, 6);
    expect(go.value.n).toBe(3);
    expect(entry.points.find((p) => p.server === 'rust' && p.metric === 'failures')!.value.median).toBe(2);
    // Only gate metrics: RPS and latency are the comparison's business, not the gate's history.
    expect(new Set(entry.points.map((p) => p.metric))).toEqual(new Set(['cpuPerRequest', 'failures']));
    expect(HistorySchema.safeParse(addToHistory(emptyHistory(), [entry])).success).toBe(true);
  });

  it('leaves a crashed repeat out of CPU per request but counts its failures, as the rule does', () => {
    const results = resultsOf([
      runOf({ server: 'go', repeat: 0, rps: 1000, p50Us: 1, p99Us: 2, cpuUsPerRequest: 10, peakRssBytes: 1, failed: 0 }),
      runOf({ server: 'go', repeat: 1, status: 'server-crashed', rps: 1000, p50Us: 1, p99Us: 2, cpuUsPerRequest: 99, peakRssBytes: 1, failed: 500 }),
    ]);
    const entry = historyEntry(results);
    expect(entry.points.find((p) => p.metric === 'cpuPerRequest')!.value).toEqual({ median: 10, min: 10, max: 10, n: 1 });
    expect(entry.points.find((p) => p.metric === 'failures')!.value.max).toBe(500);
  });

  it('keeps a same-run A/B apart by variant', () => {
    const results = resultsOf([
      ...repeatsOf({ server: 'go', variant: 'base', rps: 1, p50Us: 1, p99Us: 1, cpuUsPerRequest: 20, peakRssBytes: 1 }),
      ...repeatsOf({ server: 'go', variant: 'head', rps: 1, p50Us: 1, p99Us: 1, cpuUsPerRequest: 24, peakRssBytes: 1 }),
    ]);
    const cpu = historyEntry(results).points.filter((p) => p.metric === 'cpuPerRequest');
    expect(cpu.map((p) => [p.variant, Math.round(p.value.median)])).toEqual([
      ['base', 20],
      ['head', 24],
    ]);
  });

  it('adds entries oldest first, and the same results file twice is one entry (the newer copy)', () => {
    const late = historyEntry(resultsAt('ci-2', '2026-12-02T10:00:00.000Z', 'bbbbbbb222', 22));
    const early = historyEntry(resultsAt('ci-1', '2026-12-01T10:00:00.000Z', 'aaaaaaa111', 20));
    let history = addToHistory(emptyHistory(), [late]);
    history = addToHistory(history, [early]);
    expect(history.entries.map((e) => e.resultsId)).toEqual(['ci-1', 'ci-2']);
    const again = addToHistory(history, [{ ...late, disturbed: true }]);
    expect(again.entries).toHaveLength(2);
    expect(again.entries[1]!.disturbed).toBe(true);
  });

  it('refuses a file that is not a history, naming the file and the first problem', () => {
    expect(() => parseHistory('{"kind": "kvbench.results"}', 'h.json')).toThrow(CompareInputError);
    expect(() => parseHistory('{"kind": "kvbench.results"}', 'h.json')).toThrow(/h\.json is not a kvbench history file: kind/);
    expect(() => parseHistory('not json', 'h.json')).toThrow(/h\.json is not JSON/);
  });
});
