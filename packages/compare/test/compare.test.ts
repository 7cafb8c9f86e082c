import { describe, expect, it } from 'vitest';
import { CompareInputError, ComparisonSchema, compare, compareVariants, exitCodeFor, type Comparison } from '../src/index.js';
import { repeatsOf, resultsOf, runOf } from './support/results.js';

const typical = { rps: 3000, p50Us: 5000, p99Us: 9000, cpuUsPerRequest: 260, peakRssBytes: 60e6 };

const verdicts = (c: Comparison) => Object.fromEntries(c.rows.map((r) => [`${r.server}/${r.step}/${r.metric}`, r.verdict]));

function expectInputError(fn: () => unknown, problem: string, message: RegExp) {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CompareInputError);
    expect((error as CompareInputError).problem).toBe(problem);
    expect((error as Error).message).toMatch(message);
    return;
  }
  throw new Error('expected a CompareInputError');
}

describe('compare', () => {
  it('flags a server that spends 20% more CPU per request in every repeat, and nothing else', () => {
    const baseline = resultsOf(repeatsOf(typical));
    const current = resultsOf(repeatsOf({ ...typical, cpuUsPerRequest: 312 }), { id: 'r2' });
    const comparison = compare(baseline, current, { baselineFile: 'base.json', currentFile: 'head.json' });
    expect(ComparisonSchema.parse(comparison)).toEqual(comparison);
    expect(verdicts(comparison)).toEqual({
      'fake/burst/cpuPerRequest': 'regression',
      'fake/burst/rps': 'no-change',
      'fake/burst/p50': 'no-change',
      'fake/burst/p99': 'no-change',
      'fake/burst/peakRss': 'no-change',
      'fake/burst/failures': 'no-change',
    });
    expect(comparison.verdict).toBe('regression');
    const cpu = comparison.rows[0]!;
    expect(cpu.baseline).toEqual({ median: 260, min: 257.4, max: 262.6, n: 3 });
    expect(cpu.changePct).toBeCloseTo(20, 6);
    expect(cpu.thresholdPct).toBe(10);
    expect(exitCodeFor(comparison)).toBe(1);
    expect(comparison.baseline).toMatchObject({ file: 'base.json', resultsId: 'r1', complete: true });
    expect(comparison.warnings).toEqual([]);
  });

  it('refuses to judge a server and step where a repeat ran on a disturbed machine, and says which', () => {
    const baseline = resultsOf(repeatsOf(typical));
    const slower = repeatsOf({ ...typical, cpuUsPerRequest: 312 });
    slower[1] = {
      ...slower[1]!,
      warnings: [{ code: 'machine-busy', message: 'Other processes kept 0.82 cores busy', server: 'fake', step: 'burst', repeat: 1 }],
    };
    const comparison = compare(baseline, resultsOf(slower), { currentFile: 'head.json' });
    const cpu = comparison.rows.find((r) => r.metric === 'cpuPerRequest')!;
    expect(cpu.verdict).toBe('no-change');
    expect(cpu.changePct).toBeCloseTo(20, 6);
    expect(cpu.reason).toBe('not judged: 20% higher, worse, but the machine was disturbed during head.json repeat 1 (machine-busy); rerun on a quiet machine');
    expect(comparison.verdict).toBe('no-change');
    expect(exitCodeFor(comparison)).toBe(0);
    expect(comparison.warnings).toContain(
      'fake/burst is not judged: the machine was disturbed during head.json repeat 1 (machine-busy); rerun on a quiet machine',
    );
  });

  it('exits 0 when the current run is the same or better', () => {
    const baseline = resultsOf(repeatsOf(typical));
    const current = resultsOf(repeatsOf({ ...typical, rps: 3600, cpuUsPerRequest: 200 }));
    const comparison = compare(baseline, current);
    expect(comparison.verdict).toBe('improvement');
    expect(verdicts(comparison)['fake/burst/rps']).toBe('improvement');
    expect(verdicts(comparison)['fake/burst/cpuPerRequest']).toBe('improvement');
    expect(exitCodeFor(comparison)).toBe(0);
  });

  it('uses the scenario’s thresholds, and lets options override them', () => {
    const baseline = resultsOf(repeatsOf(typical));
    const slower = repeatsOf({ ...typical, cpuUsPerRequest: 312 });
    const lenient = resultsOf(slower, { scenario: { thresholds: { cpuPerRequest: 0.3 } } });
    expect(verdicts(compare(resultsOf(repeatsOf(typical), { scenario: { thresholds: { cpuPerRequest: 0.3 } } }), lenient))['fake/burst/cpuPerRequest']).toBe(
      'no-change',
    );
    const overridden = compare(baseline, resultsOf(slower), { thresholds: { cpuPerRequest: 0.25 } });
    expect(overridden.rows[0]).toMatchObject({ verdict: 'no-change', thresholdPct: 25 });
  });

  it('compares each server and step present on both sides, in scenario order, and names the rest', () => {
    const scenario = {
      steps: [
        { name: 'a', requests: 1000 },
        { name: 'b', requests: 1000 },
      ],
    };
    const baseline = resultsOf(
      [...repeatsOf({ ...typical, step: 'b' }), ...repeatsOf({ ...typical, step: 'a' }), ...repeatsOf({ ...typical, server: 'go', step: 'a' })],
      { scenario },
    );
    const current = resultsOf(
      [...repeatsOf({ ...typical, step: 'a' }), ...repeatsOf({ ...typical, step: 'b' }), ...repeatsOf({ ...typical, server: 'rust', step: 'a' })],
      { scenario },
    );
    const comparison = compare(baseline, current, { baselineFile: 'base.json', currentFile: 'head.json' });
    expect([...new Set(comparison.rows.map((r) => `${r.server}/${r.step}`))]).toEqual(['fake/a', 'fake/b']);
    expect(comparison.rows.slice(0, 6).map((r) => r.metric)).toEqual(['cpuPerRequest', 'rps', 'p50', 'p99', 'peakRss', 'failures']);
    expect(comparison.warnings).toEqual(['only in base.json, not compared: go/a', 'only in head.json, not compared: rust/a']);
  });

  it('leaves a crashed repeat out of the speed figures but counts its failed requests', () => {
    const baseline = resultsOf(repeatsOf(typical));
    const crashed = [...repeatsOf(typical).slice(0, 2), runOf({ ...typical, repeat: 2, status: 'server-crashed', failed: 400, cpuUsPerRequest: 9999 })];
    const comparison = compare(baseline, resultsOf(crashed), { currentFile: 'head.json' });
    const cpu = comparison.rows.find((r) => r.metric === 'cpuPerRequest')!;
    expect(cpu.current?.n).toBe(2);
    expect(cpu.current?.max).toBeLessThan(1000);
    const failures = comparison.rows.find((r) => r.metric === 'failures')!;
    expect(failures.current).toEqual({ median: 0, min: 0, max: 400, n: 3 });
    expect(comparison.warnings).toEqual([
      'head.json: fake/burst had 1 of 3 repeats that did not finish (repeat 2 server-crashed); they count only towards failed requests',
    ]);
  });

  it('shows but never judges p99 from short steps, and judges it from steps of 10 000 requests', () => {
    const slowTail = { ...typical, p99Us: 20_000 };
    const p99 = (c: Comparison) => c.rows.find((r) => r.metric === 'p99')!;
    const short = compare(resultsOf(repeatsOf(typical, 5)), resultsOf(repeatsOf(slowTail, 5)));
    expect(p99(short)).toMatchObject({ verdict: 'no-change' });
    expect(p99(short).changePct).toBeGreaterThan(25);
    expect(p99(short).reason).toMatch(
      /^not judged: .*, but a p99 resting on the slowest 10 requests of a run flips with a single pause; it is judged from steps of 10000\+ requests$/,
    );
    const long = { requests: 10_000 };
    const scenario = { steps: [{ name: 'burst', requests: 10_000 }] };
    const judged = compare(resultsOf(repeatsOf({ ...typical, ...long }), { scenario }), resultsOf(repeatsOf({ ...slowTail, ...long }), { scenario }));
    expect(p99(judged).verdict).toBe('regression');
  });

  it('does not compare a figure one side lacks (an external server has no CPU figures)', () => {
    const baseline = resultsOf(repeatsOf(typical));
    const current = resultsOf(repeatsOf({ ...typical, cpuUsPerRequest: null, peakRssBytes: null }));
    const comparison = compare(baseline, current);
    expect(verdicts(comparison)).toMatchObject({ 'fake/burst/cpuPerRequest': 'not-compared', 'fake/burst/peakRss': 'not-compared' });
    expect(comparison.rows[0]).toMatchObject({ current: null, changePct: null, reason: 'not measured in the current run' });
    expect(comparison.verdict).toBe('no-change');
  });

  it('flags failures that every repeat of the current run shows and the baseline never had', () => {
    const baseline = resultsOf(repeatsOf(typical));
    const current = resultsOf(repeatsOf({ ...typical, failed: 12 }));
    const failures = compare(baseline, current).rows.find((r) => r.metric === 'failures')!;
    expect(failures).toMatchObject({ verdict: 'regression', changePct: null });
  });

  it('judges nothing across two machines, says so first, and never calls the move an improvement', () => {
    const baseline = resultsOf(repeatsOf(typical), { hostname: 'laptop', cpuModel: 'Fast CPU' });
    const faster = resultsOf(repeatsOf({ ...typical, rps: 6000, cpuUsPerRequest: 130 }));
    const comparison = compare(baseline, faster);
    expect(comparison.warnings[0]).toMatch(
      /^the baseline and the current run come from different machines \(CPU "Fast CPU" vs "Test CPU @ 2.0GHz", host laptop vs ci-box\).*no row is judged; a same-run A\/B/,
    );
    expect(comparison.verdict).toBe('no-change');
    const cpu = comparison.rows.find((r) => r.metric === 'cpuPerRequest')!;
    expect(cpu).toMatchObject({ verdict: 'no-change', changePct: -50 });
    expect(cpu.reason).toBe('not judged: 50% lower, better, but the two runs come from different machines (see the first note)');
  });

  it('tells two VMs of one name apart by their kernel and by the speed of the calibration work', () => {
    const calibrated = (results: ReturnType<typeof resultsOf>, ns: number) => {
      for (const run of results.runs) {
        run.machine = { busyCores: 1, otherCores: 0, softirqCores: 0, stealCores: 0, calibration: [{ cpu: '0', beforeNs: ns, afterNs: ns }], drift: 0 };
      }
      return results;
    };
    const baseline = calibrated(resultsOf(repeatsOf(typical)), 2_200_000);
    const slower = calibrated(resultsOf(repeatsOf({ ...typical, cpuUsPerRequest: 520 })), 4_400_000);
    const comparison = compare(baseline, slower);
    expect(comparison.warnings[0]).toMatch(
      /^the baseline and the current run come from different machines \(the same calibration work took 2\.20 vs 4\.40 ms of CPU\)/,
    );
    expect(comparison.rows.find((r) => r.metric === 'cpuPerRequest')!.verdict).toBe('no-change');
    // Within the calibration's own scatter, one machine: the doubled CPU per request is a regression.
    const same = compare(baseline, calibrated(resultsOf(repeatsOf({ ...typical, cpuUsPerRequest: 520 })), 2_300_000));
    expect(same.warnings.join()).not.toMatch(/different machines/);
    expect(same.rows.find((r) => r.metric === 'cpuPerRequest')!.verdict).toBe('regression');
    const otherKernel = resultsOf(repeatsOf(typical));
    otherKernel.environment.kernel = '6.18.44-fc-v1098';
    expect(compare(baseline, otherKernel).warnings[0]).toMatch(/different machines \(kernel 6\.1\.0 vs 6\.18\.44-fc-v1098\)/);
  });

  it('says first when the machine ran its fixed loopback work at another pace, and still judges', () => {
    const paced = (results: ReturnType<typeof resultsOf>, loopbackNs: number | undefined) => {
      for (const run of results.runs) {
        run.machine = { busyCores: 1, otherCores: 0, softirqCores: 0, stealCores: 0, calibration: [], drift: null, ...(loopbackNs ? { loopbackNs } : {}) };
      }
      return results;
    };
    const baseline = paced(resultsOf(repeatsOf(typical)), 36_800);
    const slower = compare(baseline, paced(resultsOf(repeatsOf({ ...typical, cpuUsPerRequest: 520 })), 40_200));
    expect(slower.warnings[0]).toBe(
      'the machine ran its fixed loopback work 9 % slower in the current run than in the baseline (36.8 vs 40.2 µs of ' +
        "CPU per round trip): every server's CPU per request moves with it, so a change of about 9 % up may be the " +
        'machine; a same-run A/B (`kvbench ab`) is the fair test',
    );
    // A note, not a refusal: the doubled CPU per request is still a regression.
    expect(slower.rows.find((r) => r.metric === 'cpuPerRequest')!.verdict).toBe('regression');
    expect(compare(baseline, paced(resultsOf(repeatsOf(typical)), 33_000)).warnings[0]).toMatch(/10 % faster .* about 10 % down/);
    // Within 5 %, or from a file written before the figure existed: nothing to say.
    expect(compare(baseline, paced(resultsOf(repeatsOf(typical)), 38_000)).warnings).toEqual([]);
    expect(compare(baseline, paced(resultsOf(repeatsOf(typical)), undefined)).warnings).toEqual([]);
  });

  it('skips a step whose load differs between the runs, and says why', () => {
    const scenario = {
      steps: [
        { name: 'burst', requests: 1000 },
        { name: 'other', requests: 1000 },
      ],
    };
    const baseline = resultsOf([...repeatsOf(typical), ...repeatsOf({ ...typical, step: 'other' })], { scenario });
    const current = resultsOf([...repeatsOf({ ...typical, connections: 50 }), ...repeatsOf({ ...typical, step: 'other' })], { scenario });
    const comparison = compare(baseline, current);
    expect(new Set(comparison.rows.map((r) => r.step))).toEqual(new Set(['other']));
    expect(comparison.warnings).toEqual(['fake/burst is not compared: its load differs (connections 20 vs 50); rerun the baseline with this scenario']);
  });

  describe('refuses inputs it cannot compare, with a sentence that says what to do', () => {
    it('two different scenarios', () => {
      const baseline = resultsOf(repeatsOf(typical), { scenario: { name: 'blog-quick' } });
      const current = resultsOf(repeatsOf(typical), { scenario: { name: 'ci' } });
      expectInputError(
        () => compare(baseline, current, { baselineFile: 'results/baseline/blog.json', currentFile: 'results/ci.json' }),
        'different-scenarios',
        /^the baseline \(results\/baseline\/blog.json\) ran scenario "blog-quick" but the current run \(results\/ci.json\) ran "ci": compare two runs of the same scenario$/,
      );
    });

    it('no server and step in common', () => {
      const baseline = resultsOf(repeatsOf({ ...typical, server: 'go' }));
      const current = resultsOf(repeatsOf({ ...typical, server: 'rust' }));
      expectInputError(
        () => compare(baseline, current, { baselineFile: 'a.json', currentFile: 'b.json' }),
        'nothing-in-common',
        /^no server and step was run on both sides: a.json has go\/burst; b.json has rust\/burst. Compare runs of the same servers and steps$/,
      );
    });

    it('an A/B file compared with a plain one (the variants keep them apart)', () => {
      const ab = resultsOf([...repeatsOf({ ...typical, variant: 'base' }), ...repeatsOf({ ...typical, variant: 'head' })]);
      expectInputError(() => compare(resultsOf(repeatsOf(typical)), ab), 'nothing-in-common', /has fake \(base\)\/burst, fake \(head\)\/burst/);
    });

    it('every common step run with a different load', () => {
      const baseline = resultsOf(repeatsOf(typical));
      const current = resultsOf(repeatsOf({ ...typical, requests: 2000 }));
      expectInputError(() => compare(baseline, current), 'nothing-in-common', /nothing could be compared: .*requests 1000 vs 2000/);
    });
  });
});

describe('compareVariants', () => {
  it('compares the base and head runs of one results file by the same rule', () => {
    const results = resultsOf([...repeatsOf({ ...typical, variant: 'base' }), ...repeatsOf({ ...typical, variant: 'head', cpuUsPerRequest: 320, rps: 2400 })]);
    const comparison = compareVariants(results, { file: 'results/ci-ab.json' });
    expect(comparison.baseline).toEqual({
      resultsId: 'r1',
      file: 'results/ci-ab.json',
      label: 'base',
      startedAt: '2025-01-01T00:00:00.000Z',
      gitCommit: null,
      complete: true,
    });
    expect(comparison.current.label).toBe('head');
    expect(comparison.rows.every((r) => r.variant === undefined)).toBe(true);
    expect(verdicts(comparison)).toMatchObject({ 'fake/burst/cpuPerRequest': 'regression', 'fake/burst/rps': 'regression' });
    expect(exitCodeFor(comparison)).toBe(1);
    expect(ComparisonSchema.safeParse(comparison).success).toBe(true);
  });

  it('refuses a file without base and head runs, and lists the variants it has', () => {
    expectInputError(
      () => compareVariants(resultsOf(repeatsOf({ ...typical, variant: 'head' }))),
      'no-variants',
      /^results r1 has no runs with variant "base" \(variants found: "head"\): a same-run A\/B needs a file written by `kvbench ab`/,
    );
    expectInputError(
      () => compareVariants(resultsOf(repeatsOf(typical)), { file: 'results/ci.json' }),
      'no-variants',
      /^results\/ci.json has no runs with variant "base" or "head" \(variants found: none\)/,
    );
  });
});
