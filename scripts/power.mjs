#!/usr/bin/env node
// The regression rule's power on real trials, not on subsets of one set of repeats. For each change size it makes a
// git worktree of HEAD whose Go server does extra work per request (a real code change, sized by measurement to cost
// that share of CPU per request; size 0 is the unchanged code), and runs independent same-run A/B trials against
// HEAD with `kvbench ab` — confirmation rerun included, as CI runs it. It prints the table (change × detection rate,
// A/A false alarms, wall time per trial) and writes it, with every trial's verdict, to results/power/ (after each trial).
//
// Usage: node scripts/power.mjs [--trials 20] [--sizes 10,20] [--scenario ci] [--server go]
// Needs a committed HEAD (worktrees are made from it) and a built checkout (pnpm build: the worktrees use its kvload).
// Never run it beside
// another benchmark: the trials measure this machine.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '20' },
    sizes: { type: 'string', default: '10,20' },
    scenario: { type: 'string', default: 'ci' },
    server: { type: 'string', default: 'go' },
  },
});
const trials = Number(values.trials);
const sizes = [0, ...values.sizes.split(',').map(Number)];
if (!Number.isInteger(trials) || trials < 1 || sizes.some((s) => !Number.isFinite(s) || s < 0)) {
  console.error('power: --trials takes a positive whole number, --sizes a list of percentages such as 10,20');
  process.exit(2);
}
if (values.server !== 'go') {
  console.error('power: only --server go has an injection point (servers/go/internal/api/handlers.go, ServeHTTP)');
  process.exit(2);
}

const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
const head = git('rev-parse', 'HEAD');
const HANDLER = 'servers/go/internal/api/handlers.go';
const ENTRY = 'func (h *handlers) ServeHTTP(w http.ResponseWriter, r *http.Request) {';

/** A worktree of HEAD whose Go server spends `iterations` steps of a multiply-xorshift chain on every request. */
function worktreeWith(iterations) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `kvbench-power-${iterations}-`));
  git('worktree', 'add', '--detach', dir, head);
  if (iterations > 0) {
    const file = path.join(dir, HANDLER);
    const source = readFileSync(file, 'utf8');
    if (!source.includes(ENTRY)) throw new Error(`power: ${HANDLER} has no "${ENTRY}" to inject into`);
    writeFileSync(file, source.replace(ENTRY, `${ENTRY}\n\tpowerBurn()`));
    writeFileSync(
      path.join(dir, 'servers/go/internal/api/power_burn.go'),
      `package api\n\n// Injected by scripts/power.mjs: extra work per request, sized to cost a known share of CPU.\nfunc powerBurn() {\n` +
        `\tx := uint64(0x9e3779b97f4a7c15)\n\tfor i := 0; i < ${iterations}; i++ {\n\t\tx ^= x >> 29\n\t\tx *= 0xbf58476d1ce4e5b9\n\t}\n` +
        `\tif x == 0 {\n\t\tprintln("unreachable")\n\t}\n}\n`,
    );
  }
  run('pnpm', ['install', '--frozen-lockfile', '--offline', '--silent'], dir);
  // The load generator is the same code: the checkout's build, not a cold cargo build per worktree.
  symlinkSync(path.join(ROOT, 'packages/load/native/target'), path.join(dir, 'packages/load/native/target'));
  return dir;
}

function run(cmd, args, cwd) {
  const result = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${(result.stderr || result.stdout).slice(-2000)}`);
  return result.stdout;
}

/** One same-run A/B of the worktree's server against HEAD: the comparison (after the confirmation rerun) and its wall time. */
function trial(dir) {
  const json = path.join(dir, 'power-comparison.json');
  const before = new Set(resultsFiles(dir));
  const started = performance.now();
  run('pnpm', ['--silent', 'kvbench', 'ab', values.scenario, '--base', head, '--servers', values.server, '--json', json, '--report-only'], dir);
  const comparison = JSON.parse(readFileSync(json, 'utf8'));
  const cpu = comparison.rows.filter((r) => r.metric === 'cpuPerRequest');
  return {
    wallSec: (performance.now() - started) / 1000,
    // Every repeat's CPU per request, first run then confirmation: what the scatter per repeat really was.
    repeats: resultsFiles(dir)
      .filter((f) => !before.has(f))
      .map((f) =>
        JSON.parse(readFileSync(f, 'utf8')).runs.map((r) => ({
          variant: r.variant,
          step: r.step,
          repeat: r.repeat,
          us: r.serverProcess?.cpu?.usPerRequest ?? null,
          warnings: r.warnings.map((w) => w.code),
        })),
      ),
    flagged: cpu.some((r) => r.verdict === 'regression'),
    falseImprovement: cpu.some((r) => r.verdict === 'improvement'),
    changes: cpu.map((r) => ({ step: r.step, changePct: r.changePct, verdict: r.verdict, reason: r.reason })),
  };
}

function resultsFiles(dir) {
  const folder = path.join(dir, 'results');
  return existsSync(folder)
    ? readdirSync(folder)
        .filter((f) => f.endsWith('.json'))
        .map((f) => path.join(folder, f))
        .sort()
    : [];
}

/** Scatter per repeat: the standard deviation of log(CPU per request) within each (variant, step), pooled, as a %. */
function scatterPct(outcomes) {
  let squares = 0;
  let df = 0;
  for (const o of outcomes) {
    for (const file of o.repeats) {
      const groups = new Map();
      for (const r of file) if (r.us) groups.set(`${r.variant}/${r.step}`, [...(groups.get(`${r.variant}/${r.step}`) ?? []), Math.log(r.us)]);
      for (const logs of groups.values()) {
        const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
        squares += logs.reduce((a, b) => a + (b - mean) ** 2, 0);
        df += logs.length - 1;
      }
    }
  }
  return df > 0 ? 100 * Math.sqrt(squares / df) : null;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const worktrees = [];
// Written after every trial, so a run cut short (a session's end, Ctrl-C) keeps the trials it finished.
mkdirSync(path.join(ROOT, 'results', 'power'), { recursive: true });
const out = path.join(ROOT, 'results', 'power', `power-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}Z.json`);
const save = (fields) => writeFileSync(out, `${JSON.stringify({ head, scenario: values.scenario, server: values.server, ...fields }, null, 2)}\n`);

/** One row of the table from the trials of one change size so far. */
function rowOf(size, iterations, outcomes) {
  const detected = outcomes.filter((o) => o.flagged).length;
  return {
    sizePct: size,
    iterations,
    trials: outcomes.length,
    flagged: detected,
    rate: detected / outcomes.length,
    falseImprovements: outcomes.filter((o) => o.falseImprovement).length,
    measuredChangePct: median(outcomes.flatMap((o) => o.changes.map((c) => c.changePct))),
    wallSecMedian: median(outcomes.map((o) => o.wallSec)),
    scatterPct: scatterPct(outcomes),
    outcomes,
  };
}
try {
  // Sizing by measurement: the cost of one iteration from an A/B with a large, known number of them.
  // About +50 % on Go here: large against the noise, small enough to stay below the server core's capacity.
  const probeIterations = 5_000;
  const probeDir = worktreeWith(probeIterations);
  worktrees.push(probeDir);
  const probe = trial(probeDir);
  const basePerRequest = median(
    JSON.parse(readFileSync(path.join(probeDir, 'power-comparison.json'), 'utf8'))
      .rows.filter((r) => r.metric === 'cpuPerRequest')
      .map((r) => r.baseline.median),
  );
  const addedPct = median(probe.changes.map((c) => c.changePct));
  const usPerIteration = (basePerRequest * addedPct) / 100 / probeIterations;
  console.log(
    `sizing: ${probeIterations} iterations added ${addedPct.toFixed(1)} % to ${basePerRequest.toFixed(2)} µs/request: ${(usPerIteration * 1000).toFixed(3)} ns each`,
  );

  // Every size's worktree first, then the trials round-robin across sizes: the machine's drift over the hour lands
  // on every size alike, and a run cut short still has as many trials of each.
  const arms = sizes.map((size) => {
    const iterations = Math.round((basePerRequest * size) / 100 / usPerIteration);
    const dir = worktreeWith(iterations);
    worktrees.push(dir);
    return { size, iterations, dir, outcomes: [] };
  });
  const rowsSoFar = () => arms.filter((a) => a.outcomes.length).map((a) => rowOf(a.size, a.iterations, a.outcomes));
  for (let t = 0; t < trials; t++) {
    for (const arm of arms) {
      const outcome = trial(arm.dir);
      arm.outcomes.push(outcome);
      save({ usPerIteration, basePerRequest, complete: false, rows: rowsSoFar() });
      console.log(
        `  +${arm.size} % (${arm.iterations} iterations) trial ${t + 1}/${trials}: ${outcome.flagged ? 'REGRESSION' : 'no regression'} ` +
          `(${outcome.changes.map((c) => `${c.step} ${c.changePct?.toFixed(1)} %`).join(', ')}) in ${outcome.wallSec.toFixed(0)} s`,
      );
    }
  }
  const rows = rowsSoFar();
  console.log(`\n| injected change | iterations | trials | flagged as a regression | measured change (median) | scatter per repeat | wall time per trial |`);
  console.log('|---|--:|--:|--:|--:|--:|--:|');
  for (const r of rows) {
    console.log(
      `| ${r.sizePct === 0 ? 'none (A/A)' : `+${r.sizePct} %`} | ${r.iterations} | ${r.trials} | ${r.flagged} (${(r.rate * 100).toFixed(0)} %) | ${r.measuredChangePct.toFixed(1)} % | ${r.scatterPct?.toFixed(1) ?? '—'} % | ${r.wallSecMedian.toFixed(0)} s |`,
    );
  }
  save({ usPerIteration, basePerRequest, complete: true, rows });
  console.log(`\npower: ${path.relative(process.cwd(), out)}`);
} finally {
  for (const dir of worktrees) {
    spawnSync('git', ['worktree', 'remove', '--force', dir], { cwd: ROOT });
    rmSync(dir, { recursive: true, force: true });
  }
}
