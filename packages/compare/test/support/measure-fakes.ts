/**
 * The measurement behind real-measurements.test.ts, run as its own process the way `kvbench ab` runs: the runner
 * alone in its process, with no test framework beside it. Inside a vitest worker, vitest's main process (module
 * transforms, task reports) spends CPU in bursts that no process of the run explains, and a 0.7 s repeat reads it as
 * 0.1–0.3 cores of "other load" — a machine-busy repeat that is never judged (seen in CI: 3 of 21).
 *
 * Usage: node --import tsx measure-fakes.ts <results-dir> <repeats> <variant>=<burn-us>…
 * Prints the results file's path last.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fakeServer, killAllChildren, liveChildren, machineBetween, readMachineStat } from '@kvbench/launcher';
import { ManifestTarget, runScenario } from '@kvbench/runner';
import { ScenarioSchema } from '@kvbench/schemas';

/** Waits (up to 20 s) for a second in which the machine is all but idle: suites before this one may still wind down. */
async function settled(): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const before = readMachineStat();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = readMachineStat();
    if (machineBetween(before, after).busyMs / (after.tMs - before.tMs) < 0.1) return;
  }
}

/**
 * The fake server burns wall-clock time; if the builds others run on this box preempt it mid-burn, it spends less
 * CPU per request than asked and the figure measures the neighbours. `nice -n -10` (effective as root, a no-op
 * warning otherwise) keeps them off it, as a quiet CI box would.
 */
function fake(variant: string, burnUs: number): ManifestTarget {
  const def = fakeServer(['--burn-us', String(burnUs)]);
  const start = ['nice', '-n', '-10', ...def.manifest.start];
  return new ManifestTarget({ ...def, manifest: { ...def.manifest, start } }, variant, true);
}

// Stopped from outside (the test's timeout, Ctrl-C): stop the servers and the client first.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAllChildren();
    process.exit(130);
  });
}

async function main(): Promise<void> {
  const [dir, repeats, ...variants] = process.argv.slice(2);
  if (!dir || !repeats || variants.length === 0) throw new Error('usage: measure-fakes.ts <results-dir> <repeats> <variant>=<burn-us>…');
  const scenario = ScenarioSchema.parse({
    name: 'compare-proof',
    repeat: Number(repeats),
    // Small on purpose (a 2-core box others are using), yet long enough for /proc's 10 ms CPU ticks: about
    // 0.6 s of server CPU per repeat, so one tick is under 2 % of it.
    load: { generator: 'autocannon', connections: 20, warmupRequests: 0 },
    steps: [{ name: 'burst', requests: 600 }],
  });
  await settled();
  const { results } = await runScenario({
    repoRoot: process.cwd(),
    loaded: { scenario, path: 'packages/compare/test/real-measurements.test.ts' },
    targets: variants.map((v) => {
      const [name, burn] = v.split('=');
      return fake(name!, Number(burn));
    }),
    resultsDir: dir,
  });
  if (liveChildren() > 0) throw new Error(`the run left ${liveChildren()} processes behind`);
  const file = path.join(dir, 'measured.json');
  await writeFile(file, JSON.stringify(results));
  console.log(file);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    killAllChildren();
    console.error(err);
    process.exit(1);
  },
);
