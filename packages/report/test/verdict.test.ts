import { describe, expect, it } from 'vitest';
import { renderHtml } from '../src/html/report.js';
import { renderTerminal } from '../src/terminal.js';
import { verdictOf } from '../src/verdict.js';
import { buildViews } from '../src/view.js';
import { PROFILES, blogResults, makeResults } from './fixtures/make-results.js';

describe('verdictOf', () => {
  it('ranks by server CPU per request at the largest step, even when another server has the higher RPS', () => {
    const profiles = [
      { ...PROFILES[0]!, name: 'fast-but-hungry', cpuUs: 60, rps: 25_000 },
      { ...PROFILES[0]!, name: 'frugal', cpuUs: 20, rps: 18_000 },
    ];
    const verdict = verdictOf(buildViews([makeResults({ profiles })])[0]!)!.ladder!;
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
    const verdict = verdictOf(buildViews([makeResults({ profiles })])[0]!)!.ladder!;
    expect(verdict.cpuTooClose).toBe(true);
    expect(verdict.sentences.join(' ')).toContain('too close to call');
  });

  /** Two servers alike but for their p99 at the headline step, the same in every repeat. */
  const withP99 = (p99: Record<string, number>) => {
    const results = makeResults({
      profiles: [
        { ...PROFILES[0]!, name: 'go' },
        { ...PROFILES[0]!, name: 'rust' },
      ],
    });
    for (const run of results.runs) if (run.step === '1M' && run.client) run.client.latency.p99Us = p99[run.server]!;
    return verdictOf(buildViews([results])[0]!)!.ladder!;
  };

  it('calls two p99s in the same HDR bucket a tie, and lists them in series order, not by their raw values', () => {
    // 42.04 and 42.01 ms: both 42.0 ms at 3 significant digits, the histogram's precision.
    const verdict = withP99({ go: 42_040, rust: 42_010 });
    expect(verdict.p99.map((r) => [r.series.label, r.rank])).toEqual([
      ['go', 1],
      ['rust', 1],
    ]);
    expect(verdict.sentences).toContain('Lowest p99: go = rust 42.0 ms (tie).');
  });

  it('ranks two p99s 1 % apart at 3 significant digits, with no tie', () => {
    const verdict = withP99({ go: 42_420, rust: 42_000 });
    expect(verdict.p99.map((r) => [r.series.label, r.rank])).toEqual([
      ['rust', 1],
      ['go', 2],
    ]);
    expect(verdict.sentences).toContain('Lowest p99: rust 42.0 ms, go 42.4 ms.');
    expect(verdict.sentences.join(' ')).not.toContain('(tie)');
  });

  it('shows the tie in the HTML card and the terminal verdict', () => {
    const results = makeResults({
      profiles: [
        { ...PROFILES[0]!, name: 'go' },
        { ...PROFILES[0]!, name: 'rust' },
      ],
    });
    for (const run of results.runs) if (run.step === '1M' && run.client) run.client.latency.p99Us = run.server === 'go' ? 42_040 : 42_010;
    const card = /<p class="label">Lowest p99 latency<\/p><p class="big">(.*?)<\/p>/.exec(renderHtml([results]))![1]!;
    expect(card).toMatch(/>go<\/span>= <span[^>]*>rust<\/span>42\.0 ms<span class="tie">\(tie\)<\/span>$/);
    expect(renderTerminal(results)).toContain('Lowest p99: go = rust 42.0 ms (tie).');
  });

  it('names the load generator as the bottleneck where the run said so, at every step, before any ranking', () => {
    const verdict = verdictOf(buildViews([blogResults()])[0]!)!;
    expect(verdict.caveats).toEqual([expect.stringMatching(/^The load generator was the bottleneck for go, rust at 100k, 1M:/)]);
    expect(verdict.sentences[0]).toBe(verdict.caveats[0]);
    expect(verdict.sentences.findIndex((s) => s.startsWith('rust used the least server CPU'))).toBeGreaterThan(0);
  });

  it('says before any ranking that a run was measured on a contended host (machine-steal)', () => {
    const results = makeResults({});
    const run = results.runs.find((r) => r.server === results.runs[0]!.server && r.step === '1M')!;
    run.warnings.push({ code: 'machine-steal', message: 'steal 0.40 cores', server: run.server, step: run.step, repeat: run.repeat });
    results.warnings.push(run.warnings.at(-1)!);
    const verdict = verdictOf(buildViews([results])[0]!)!;
    expect(verdict.caveats[0]).toMatch(
      new RegExp(`^The machine was disturbed during 1 run \\(${run.server} at 1M #${run.repeat}: .*the host ran other guests on its CPUs`),
    );
    expect(verdict.sentences[0]).toBe(verdict.caveats[0]);
  });
});
