import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fakeServer, killAllChildren, liveChildren, machineBetween, readMachineStat } from '@kvbench/launcher';
import { ManifestTarget, runScenario } from '@kvbench/runner';
import { DISTURBED_WARNINGS, ScenarioSchema, type Results, type Run } from '@kvbench/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareVariants, type Comparison } from '../src/index.js';

/**
 * The rule against real measurements, not invented numbers. The runner measures the launcher's fake server on this
 * machine (with whatever else the machine is doing) exactly as `kvbench ab` does — a fresh server per repeat,
 * autocannon load, server CPU from /proc — for three variants taking turns in every repeat: `base` and `same`
 * (identical: --burn-us 800) and `slow` (1.25× the burn). Each trial takes the same 3 (or 5) repeat numbers from
 * two variants — what a same-run A/B with --repeat 3 (or 5) would have measured — and compares them. Nothing edits
 * a measured number. The 20 draws share their 7 repeats, so they are a check of the rule on real scatter, not a
 * measured false-alarm rate: one odd repeat sits in many draws. (600 requests a repeat: p99 is shown, not judged.)
 */
const BURN_US = 800;
const SLOW_BURN_US = 1000;
const POOL = 7;
const TRIALS = 20;

let results: Results;
let dir: string;

/**
 * Waits (up to 20 s) for a second in which the machine is all but idle: this test measures, and in `pnpm test` it runs
 * right after suites whose servers and runtimes may still be winding down.
 */
async function settled(): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const before = readMachineStat();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = readMachineStat();
    if (machineBetween(before, after).busyMs / (after.tMs - before.tMs) < 0.1) return;
  }
}

beforeAll(async () => {
  await settled();
  dir = await mkdtemp(path.join(os.tmpdir(), 'kvbench-compare-proof-'));
  const scenario = ScenarioSchema.parse({
    name: 'compare-proof',
    repeat: POOL,
    // Small on purpose (a 2-core box others are using), yet long enough for /proc's 10 ms CPU ticks: about
    // 0.6 s of server CPU per repeat, so one tick is under 2 % of it. (No warm-up: the runner's warm-up seed can
    // go negative — reported to the lead.)
    load: { generator: 'autocannon', connections: 20, warmupRequests: 0 },
    steps: [{ name: 'burst', requests: 600 }],
  });
  // The fake server burns wall-clock time; if the builds others run on this box preempt it mid-burn, it spends less
  // CPU per request than asked and the figure measures the neighbours. `nice -n -10` (effective as root, a no-op
  // warning otherwise) keeps them off it, as a quiet CI box would.
  const fake = (variant: string, burnUs: number) => {
    const def = fakeServer(['--burn-us', String(burnUs)]);
    const start = ['nice', '-n', '-10', ...def.manifest.start];
    return new ManifestTarget({ ...def, manifest: { ...def.manifest, start } }, variant, true);
  };
  ({ results } = await runScenario({
    repoRoot: process.cwd(),
    loaded: { scenario, path: 'packages/compare/test/real-measurements.test.ts' },
    targets: [fake('base', BURN_US), fake('same', BURN_US), fake('slow', SLOW_BURN_US)],
    resultsDir: dir,
  }));
}, 150_000);

afterAll(async () => {
  killAllChildren();
  await rm(dir, { recursive: true, force: true });
});

/** mulberry32: the draws are reproducible; the measurements they draw from are not, and need not be. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` distinct repeat numbers out of 0 … POOL−1. */
function repeatsDrawn(count: number, random: () => number): number[] {
  const all = Array.from({ length: POOL }, (_, i) => i);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, count).sort((a, b) => a - b);
}

/** A same-run A/B results file holding just these repeats of two variants, as `base` and `head`. */
function abOf(baseVariant: string, headVariant: string, repeats: number[]): Results {
  const run = (variant: string, repeat: number) => results.runs.find((r) => r.variant === variant && r.repeat === repeat)!;
  const pick = (variant: string, as: string) => repeats.map((repeat, k) => ({ ...run(variant, repeat), variant: as, repeat: k }));
  return { ...results, runs: [...pick(baseVariant, 'base'), ...pick(headVariant, 'head')] };
}

const pool = (variant: string) => results.runs.filter((run) => run.variant === variant);
const flagged = (c: Comparison) => c.rows.filter((row) => row.verdict === 'regression' || row.verdict === 'improvement');
const cpu = (run: Run) => Math.round(run.serverProcess!.cpu!.usPerRequest);
const rps = (run: Run) => Math.round(run.client!.rps);
const p99 = (run: Run) => (run.client!.latency.p99Us / 1000).toFixed(1);

describe('the rule on real measurements of the fake server', () => {
  it('measured what it meant to: every repeat finished, without failures, and left no process behind', () => {
    expect(results.runs).toHaveLength(3 * POOL);
    const disturbed: string[] = [];
    for (const run of results.runs) {
      expect(run.status).toBe('ok');
      expect(run.client!.failed).toBe(0);
      expect(run.serverProcess!.cpu).not.toBeNull();
      disturbed.push(...run.warnings.filter((w) => DISTURBED_WARNINGS.includes(w.code)).map((w) => w.message));
    }
    // A disturbed repeat is never judged, which would starve the trials below: say so here, where it is the cause.
    // One is tolerated (a single 0.14-core blip of an otherwise idle VM was seen after hours of heavy runs); the
    // trials below still hold their rates with it, and two or more fail here.
    if (disturbed.length) console.info(`disturbed repeats: ${disturbed.join(' | ')}`);
    expect(disturbed.length).toBeLessThanOrEqual(1);
    const machines = results.runs.map((run) => run.machine!);
    console.info(
      `machine during the ${results.runs.length} repeats: other load ≤ ${Math.max(...machines.map((m) => m.otherCores)).toFixed(2)} cores, ` +
        `speed drift ≤ ${(Math.max(...machines.map((m) => m.drift ?? 0)) * 100).toFixed(1)} %`,
    );
    expect(liveChildren()).toBe(0);
  });

  for (const repeats of [3, 5]) {
    it(`flags nothing in at least ${TRIALS - 1} of ${TRIALS} trials of ${repeats} vs ${repeats} repeats of the same server`, () => {
      const random = rng(repeats);
      const alarms: string[] = [];
      let trialsFlagged = 0;
      for (let trial = 0; trial < TRIALS; trial++) {
        const rows = flagged(compareVariants(abOf('base', 'same', repeatsDrawn(repeats, random))));
        if (rows.length) trialsFlagged++;
        for (const row of rows) alarms.push(`trial ${trial}: ${row.metric} ${row.verdict}: ${row.reason}`);
      }
      console.info(
        `identical servers (--burn-us ${BURN_US}), ${TRIALS} trials of ${repeats} vs ${repeats}: ${trialsFlagged} flagged` +
          `\n  CPU µs/request base ${pool('base').map(cpu).join(' ')}; same ${pool('same').map(cpu).join(' ')}` +
          `\n  RPS base ${pool('base').map(rps).join(' ')}; same ${pool('same').map(rps).join(' ')}` +
          `\n  p99 ms base ${pool('base').map(p99).join(' ')}; same ${pool('same').map(p99).join(' ')}` +
          (alarms.length ? `\n  ${alarms.join('\n  ')}` : ''),
      );
      expect(trialsFlagged).toBeLessThanOrEqual(1);
    });
  }

  it('calls a 1.25× CPU burn per request a regression of CPU per request, and never an improvement', () => {
    const verdictsAt = (repeats: number) => {
      const random = rng(10 + repeats);
      const verdicts: Record<string, Record<string, number>> = {};
      let trialsWithImprovement = 0;
      for (let trial = 0; trial < TRIALS; trial++) {
        const rows = compareVariants(abOf('base', 'slow', repeatsDrawn(repeats, random))).rows;
        if (rows.some((row) => row.verdict === 'improvement')) trialsWithImprovement++;
        for (const row of rows) {
          const byVerdict = (verdicts[row.metric] ??= {});
          byVerdict[row.verdict] = (byVerdict[row.verdict] ?? 0) + 1;
        }
      }
      return { verdicts, trialsWithImprovement };
    };
    const three = verdictsAt(3);
    const five = verdictsAt(5);
    console.info(
      `--burn-us ${BURN_US} vs ${SLOW_BURN_US}, verdicts over ${TRIALS} trials` +
        `\n  3 vs 3: ${JSON.stringify(three.verdicts)}\n  5 vs 5: ${JSON.stringify(five.verdicts)}` +
        `\n  CPU µs/request base ${pool('base').map(cpu).join(' ')}; slow ${pool('slow').map(cpu).join(' ')}` +
        `\n  RPS base ${pool('base').map(rps).join(' ')}; slow ${pool('slow').map(rps).join(' ')}`,
    );
    // With 5 repeats a side the rule must see it; with 3 it may honestly say "spread too wide to tell" when the
    // machine drifts during the run (README: what the rule can see) — but never call it the other way round.
    expect(five.verdicts.cpuPerRequest?.regression ?? 0).toBeGreaterThanOrEqual(TRIALS - 2);
    for (const { verdicts, trialsWithImprovement } of [three, five]) {
      expect(verdicts.cpuPerRequest?.improvement ?? 0).toBe(0);
      expect(verdicts.rps?.improvement ?? 0).toBe(0);
      // Any improvement at all is a false alarm, held to the same budget as above.
      expect(trialsWithImprovement).toBeLessThanOrEqual(1);
    }
  });
});
