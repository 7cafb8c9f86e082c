import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fakeServer, killAllChildren, liveChildren } from '@kvbench/launcher';
import { ManifestTarget, runScenario } from '@kvbench/runner';
import { OTHER_LOAD_CORES, ScenarioSchema, type Results } from '@kvbench/schemas';
import { afterAll, describe, expect, it } from 'vitest';
import { compare } from '../src/index.js';

/**
 * A deliberate neighbour: a CPU burner pinned to the server's core while the runner measures the fake server. The
 * run must carry the machine-busy warning with the burner's load as its figure, and compare must refuse to judge it
 * against a quiet run — whatever the burner did to the server's figures.
 */
const twoCores = os.availableParallelism() >= 2;
let dir: string;
let burner: ChildProcess | undefined;

afterAll(async () => {
  burner?.kill('SIGKILL');
  killAllChildren();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function measure(name: string): Promise<Results> {
  const scenario = ScenarioSchema.parse({
    name: 'disturbed',
    repeat: 3,
    load: { connections: 8, warmupRequests: 0 },
    steps: [{ name: 'steady', rate: 400, durationSec: 1 }],
  });
  const def = fakeServer(['--burn-us', '500']);
  const { results } = await runScenario({
    repoRoot: process.cwd(),
    loaded: { scenario, path: `packages/compare/test/disturbed.test.ts#${name}` },
    targets: [new ManifestTarget(def)],
    resultsDir: dir,
  });
  return results;
}

describe.skipIf(!twoCores)("a run with a CPU burner on the server's core", () => {
  it("is flagged machine-busy with the burner's load, and compare will not judge it against a quiet run", async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'kvbench-disturbed-'));
    const quiet = await measure('quiet');
    const serverCpu = quiet.environment.pinning.server ?? '0';
    // Bounded twice over: killed after the run, and by its own clock if this test dies first.
    burner = spawn('taskset', ['--cpu-list', serverCpu, process.execPath, '-e', 'const end = Date.now() + 60000; while (Date.now() < end);'], {
      stdio: 'ignore',
    });
    const burned = await measure('burned');
    burner.kill('SIGKILL');

    for (const run of quiet.runs) expect(run.machine).toBeDefined();
    const other = (r: Results) => Math.min(...r.runs.map((run) => run.machine!.otherCores));
    expect(other(burned)).toBeGreaterThan(OTHER_LOAD_CORES);
    expect(other(burned)).toBeGreaterThan(Math.max(...quiet.runs.map((run) => run.machine!.otherCores)) + 0.2);
    for (const run of burned.runs) {
      const warning = run.warnings.find((w) => w.code === 'machine-busy');
      expect(warning?.message).toMatch(/^Other processes kept \d\.\d\d cores busy during the load/);
    }

    const comparison = compare(quiet, burned, { baselineFile: 'quiet.json', currentFile: 'burned.json' });
    expect(comparison.verdict).toBe('no-change');
    expect(comparison.warnings.join('\n')).toMatch(
      /fake\/steady is not judged: the machine was disturbed during (.*; )?burned\.json repeats 0, 1, 2 \(machine-busy\)/,
    );
    for (const row of comparison.rows) {
      expect(row.verdict === 'regression' || row.verdict === 'improvement').toBe(false);
    }
    expect(liveChildren()).toBe(0);
  }, 90_000);
});
