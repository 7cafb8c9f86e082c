import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { DISTURBED_WARNINGS, ResultsSchema, type Results, type Run } from '@kvbench/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareVariants, type Comparison } from '../src/index.js';

/**
 * The rule against real measurements, not invented numbers. The runner measures the launcher's fake server on this
 * machine (with whatever else the machine is doing) exactly as `kvbench ab` does — its own process, a fresh server
 * per repeat, autocannon load, server CPU from /proc — for three variants taking turns in every repeat: `base` and
 * `same` (identical: --burn-us 800) and `slow` (1.25× the burn). Each trial takes the same 3 (or 5) repeat numbers
 * from two variants — what a same-run A/B with --repeat 3 (or 5) would have measured — and compares them. Nothing
 * edits a measured number. The 20 draws share their repeats, so they are a check of the rule on real scatter, not a
 * measured false-alarm rate: one odd repeat sits in many draws. (600 requests a repeat: p99 is shown, not judged.)
 */
const BURN_US = 800;
const SLOW_BURN_US = 1000;
/** Repeats measured; the trials draw from those on a quiet machine (a disturbed repeat is never judged). */
const MEASURED = 9;
const POOL = 7;
const TRIALS = 20;

let results: Results;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kvbench-compare-proof-'));
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const script = path.join(import.meta.dirname, 'support', 'measure-fakes.ts');
  const variants = [`base=${BURN_US}`, `same=${BURN_US}`, `slow=${SLOW_BURN_US}`];
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', tsx, script, dir, String(MEASURED), ...variants], {
    cwd: path.resolve(import.meta.dirname, '../../..'),
    timeout: 170_000,
    killSignal: 'SIGINT',
  });
  results = ResultsSchema.parse(JSON.parse(await readFile(stdout.trim().split('\n').at(-1)!, 'utf8')));
}, 180_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const disturbedRun = (run: Run) => run.warnings.some((w) => DISTURBED_WARNINGS.includes(w.code));

/** mulberry32: the draws are reproducible; the measurements they draw from are not, and need not be. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` distinct indices into a pool of POOL repeats. */
function repeatsDrawn(count: number, random: () => number): number[] {
  const all = Array.from({ length: POOL }, (_, i) => i);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, count).sort((a, b) => a - b);
}

/** The first POOL repeats of a variant measured on a quiet machine. */
const pool = (variant: string) => results.runs.filter((run) => run.variant === variant && !disturbedRun(run)).slice(0, POOL);

/** A same-run A/B results file holding just these repeats (indices into each pool) of two variants, as `base` and `head`. */
function abOf(baseVariant: string, headVariant: string, picks: number[]): Results {
  const pick = (variant: string, as: string) => picks.map((i, k) => ({ ...pool(variant)[i]!, variant: as, repeat: k }));
  return { ...results, runs: [...pick(baseVariant, 'base'), ...pick(headVariant, 'head')] };
}

const flagged = (c: Comparison) => c.rows.filter((row) => row.verdict === 'regression' || row.verdict === 'improvement');
const cpu = (run: Run) => Math.round(run.serverProcess!.cpu!.usPerRequest);
const rps = (run: Run) => Math.round(run.client!.rps);
const p99 = (run: Run) => (run.client!.latency.p99Us / 1000).toFixed(1);

describe('the rule on real measurements of the fake server', () => {
  it('measured what it meant to: every repeat finished, without failures, and enough of them on a quiet machine', () => {
    expect(results.runs).toHaveLength(3 * MEASURED);
    for (const run of results.runs) {
      expect(run.status).toBe('ok');
      expect(run.client!.failed).toBe(0);
      expect(run.serverProcess!.cpu).not.toBeNull();
    }
    // A disturbed repeat is never judged (compare says "not judged"), so the trials draw from the others; each
    // variant needs POOL of them. Name the disturbances here, where they are the cause.
    const disturbed = results.runs.filter(disturbedRun);
    if (disturbed.length) {
      console.info(
        `disturbed repeats:\n  ${disturbed.map((run) => `${run.variant} ${run.repeat}: ${run.warnings.map((w) => w.message).join(' ')}`).join('\n  ')}`,
      );
    }
    for (const variant of ['base', 'same', 'slow']) expect(pool(variant)).toHaveLength(POOL);
    const machines = results.runs.map((run) => run.machine!);
    console.info(
      `machine during the ${results.runs.length} repeats: other load ≤ ${Math.max(...machines.map((m) => m.otherCores)).toFixed(2)} cores, ` +
        `speed drift ≤ ${(Math.max(...machines.map((m) => m.drift ?? 0)) * 100).toFixed(1)} %`,
    );
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
