#!/usr/bin/env node
// Prints one line per run of a results file: what the closing notes and the README quote. Usage: node scripts/summarize-results.mjs FILE
import { readFileSync } from 'node:fs';
const r = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const f = (x, d = 3) => (x == null ? '-' : Number(x).toPrecision(d));
for (const run of r.runs) {
  const c = run.client,
    s = run.serverProcess;
  const cap = run.capacity
    ? ` cap=${run.capacity.rate} missed=${run.capacity.missedAt} ceiling=${f(run.capacity.clientCeilingRps)} near=${run.capacity.nearClientCeiling} probes=${run.capacity.probes.map((p) => `${p.rate}${p.ok ? '' : '✗'}`).join(',')}`
    : '';
  console.log(
    `${run.server.padEnd(5)} ${run.step.padEnd(18)} #${run.repeat} ${run.status} rate=${run.load.rate ?? '-'} rps=${f(c?.rps)} ok=${c ? (c.successRate * 100).toFixed(2) : '-'}% p50=${f(c?.latency.p50Us)} p99=${f(c?.latency.p99Us)} svc99=${f(c?.serviceLatency?.p99Us)} conn99=${f(c?.connect?.p99Us)} ` +
      `srvUs/req=${f(s?.cpu?.usPerRequest)} srvCores=${f(s?.cpu?.coresBusy)} cliUs/req=${f(c?.cpuUsPerRequest)} cliCores=${f(c?.cpu?.coresBusy)}${cap} warn=${run.warnings.map((w) => w.code).join(',')}`,
  );
}
console.log('pinning', JSON.stringify(r.environment.pinning), 'warnings', r.warnings.map((w) => w.code).join(','));
