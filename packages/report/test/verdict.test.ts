import { describe, expect, it } from 'vitest';
import { verdictOf } from '../src/verdict.js';
import { buildViews } from '../src/view.js';
import { PROFILES, blogResults, makeResults } from './fixtures/make-results.js';

describe('verdictOf', () => {
  it('ranks by server CPU per request at the largest step, even when another server has the higher RPS', () => {
    const profiles = [
      { ...PROFILES[0]!, name: 'fast-but-hungry', cpuUs: 60, rps: 25_000 },
      { ...PROFILES[0]!, name: 'frugal', cpuUs: 20, rps: 18_000 },
    ];
    const verdict = verdictOf(buildViews([makeResults({ profiles })])[0]!)!;
    expect(verdict.step).toBe('1M');
    expect(verdict.cpu[0]!.series.label).toBe('frugal');
    expect(verdict.rps[0]!.series.label).toBe('fast-but-hungry');
    expect(verdict.sentences[0]).toMatch(/^frugal used the least server CPU per request at 1M/);
  });

  it('says when the two best cannot be told apart by their repeats', () => {
    const profiles = [
      { ...PROFILES[0]!, name: 'a', cpuUs: 30 },
      { ...PROFILES[0]!, name: 'b', cpuUs: 30.2 },
    ];
    const verdict = verdictOf(buildViews([makeResults({ profiles })])[0]!)!;
    expect(verdict.cpuTooClose).toBe(true);
    expect(verdict.sentences.join(' ')).toContain('too close to call');
  });

  it('names the load generator as the bottleneck where the run said so', () => {
    const verdict = verdictOf(buildViews([blogResults()])[0]!)!;
    expect(verdict.sentences.join(' ')).toMatch(/load generator was the bottleneck for go, rust at 1M/);
  });
});
