#!/usr/bin/env node
// Run-to-run spread of server CPU µs per request at each fixed offered rate: the figure issue 8 asks to be ≤ 10 %.
// Give it several results files of one scenario (e.g. three `pnpm bench` runs); for every step with a fixed numeric
// rate (equal-load steps whose rate is a share of a capacity move between runs, so they are left out) and every
// server, it takes each file's median over repeats and prints min / median / max across the files and the spread
// (max / min − 1). Runs flagged machine-busy, machine-drift or machine-steal are counted and named: a spread from
// them measures the neighbour or the host. With --quiet-only each file's median is over its other repeats alone (a
// file with none is left out of that row), so the spread is the runs' own. Beside it, the spread with each file's
// figure divided by the machine's own pace in that file (kvload's fixed loopback ping-pong before each run, recorded
// as machine.loopbackNs), and last that pace itself: the floor under the servers' spread.
// Usage: node scripts/spread.mjs results/a.json results/b.json results/c.json [--markdown] [--quiet-only]
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const markdown = args.includes('--markdown');
const quietOnly = args.includes('--quiet-only');
const files = args.filter((a) => !a.startsWith('--'));
if (files.length < 2) {
  console.error('spread: give two or more results files of one scenario');
  process.exit(2);
}
// DISTURBED_WARNINGS in packages/schemas/src/results.ts (this script runs without a build, so it names them again).
const DISTURBED = new Set(['machine-busy', 'machine-drift', 'machine-steal']);
const all = files.map((file) => ({ file, results: JSON.parse(readFileSync(file, 'utf8')) }));
const scenarios = new Set(all.map((a) => a.results.scenario.name));
if (scenarios.size > 1) {
  console.error(`spread: the files ran different scenarios (${[...scenarios].join(', ')}): give runs of one scenario`);
  process.exit(2);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const sig = (v) => Number(v.toPrecision(3));

/** step → server → one median per file (null where that file has no finished run of it). */
const table = new Map();
for (const [i, { results }] of all.entries()) {
  const fixed = new Set(results.scenario.steps.filter((s) => typeof s.rate === 'number').map((s) => s.name));
  for (const run of results.runs) {
    if (!fixed.has(run.step) || run.status !== 'ok') continue;
    const us = run.serverProcess?.cpu?.usPerRequest;
    if (typeof us !== 'number') continue;
    const step = `${run.step} (${run.load.rate} req/s)`;
    const servers = table.get(step) ?? new Map();
    table.set(step, servers);
    const cell = servers.get(run.server) ?? all.map(() => ({ values: [], disturbed: 0 }));
    servers.set(run.server, cell);
    const disturbed = run.warnings.some((w) => DISTURBED.has(w.code));
    if (disturbed) cell[i].disturbed++;
    if (!(disturbed && quietOnly)) cell[i].values.push(us);
  }
}

// The machine's own pace in each file: the median over its runs of kvload's fixed loopback ping-pong (machine.loopbackNs,
// taken before each server starts; files from before it have none). Where it moves, every server moves with it, so
// each row also shows its spread with each file's figure divided by that file's pace ("÷ machine").
const loopback = all.map(({ results }) => median(results.runs.map((r) => r.machine?.loopbackNs).filter((ns) => typeof ns === 'number')));
const paced = loopback.every((ns) => Number.isFinite(ns));

const rows = [];
for (const [step, servers] of table) {
  for (const [server, cells] of servers) {
    const perFile = cells.flatMap((c, i) => (c.values.length ? [{ us: median(c.values), i }] : []));
    if (perFile.length < 2) continue;
    const values = perFile.map((f) => f.us);
    const [min, max] = [Math.min(...values), Math.max(...values)];
    const relative = perFile.map((f) => f.us / loopback[f.i]);
    const disturbed = cells.reduce((n, c) => n + c.disturbed, 0);
    rows.push({
      step,
      server,
      runs: perFile.length,
      values,
      min,
      median: median(values),
      max,
      spread: max / min - 1,
      pacedSpread: paced ? Math.max(...relative) / Math.min(...relative) - 1 : null,
      disturbed,
    });
  }
}
const pct = (v) => (v === null ? '–' : `${(v * 100).toFixed(1)} %`);
if (markdown) {
  console.log('| step | server | runs | CPU µs/req per run | min / median / max | spread | spread ÷ machine | disturbed repeats |');
  console.log('|---|---|--:|---|---|--:|--:|--:|');
  for (const r of rows) {
    console.log(
      `| ${r.step} | ${r.server} | ${r.runs} | ${r.values.map(sig).join(', ')} | ${sig(r.min)} / ${sig(r.median)} / ${sig(r.max)} | ${pct(r.spread)} | ${pct(r.pacedSpread)} | ${r.disturbed} |`,
    );
  }
} else {
  for (const r of rows) {
    console.log(
      `${r.step.padEnd(28)} ${r.server.padEnd(12)} ${r.values.map(sig).join(' ').padEnd(24)} min/med/max ${sig(r.min)}/${sig(r.median)}/${sig(r.max)}  spread ${pct(r.spread)}  ÷ machine ${pct(r.pacedSpread)}${r.disturbed ? `  (${r.disturbed} disturbed repeats${quietOnly ? ', left out' : ''})` : ''}`,
    );
  }
}
if (paced) {
  const [min, max] = [Math.min(...loopback), Math.max(...loopback)];
  const each = loopback.map((ns) => sig(ns / 1000)).join(', ');
  console.log(`\nthe machine (kvload --pingpong before each run, CPU µs per loopback round trip, median per file): ${each}; spread ${pct(max / min - 1)}`);
}
const worst = rows.reduce((w, r) => (r.spread > (w?.spread ?? -1) ? r : w), null);
if (worst) console.log(`\nwidest: ${worst.server} at ${worst.step}, ${pct(worst.spread)} over ${worst.runs} runs (${files.length} files)`);
