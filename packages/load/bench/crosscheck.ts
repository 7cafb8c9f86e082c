/**
 * autocannon vs wrk on the same load: the fake server (no burn), 20 000 blog POSTs at 100 connections, each
 * generator against a fresh server after a 2 000-request warm-up. Prints RPS, the generator's own CPU (cores busy,
 * µs per request) and the server's, and the wrk/autocannon ratios.
 *
 *   pnpm --filter @kvbench/load crosscheck            # server pinned to CPU 0, generator to CPU 1
 *   pnpm --filter @kvbench/load crosscheck --no-pin   # both float over all CPUs
 */
import { availableParallelism } from 'node:os';
import type { LoadGeneratorName, ResolvedStep } from '@kvbench/schemas';
import { ProcSampler, fakeServer, installExitCleanup, startServer } from '@kvbench/launcher';
import { decodeHistogram, loadGenerator } from '../src/index.js';

installExitCleanup();
const pin = !process.argv.includes('--no-pin') && availableParallelism() >= 2;
const cpus = pin ? { server: '0', load: '1' } : { server: undefined, load: undefined };

const blog = (name: string, requests: number): ResolvedStep => ({
  name,
  generator: 'autocannon',
  connections: 100,
  timeoutMs: 10_000,
  keys: { prefix: 'key-', count: 100 },
  values: { kind: 'int', min: 0, max: 99 },
  ttl: { minSec: 1, maxSec: 2 },
  readFraction: 0,
  warmupRequests: 0,
  requests,
});

interface Figures {
  rps: number;
  clientCores: number;
  clientUsPerRequest: number;
  serverCores: number;
  serverUsPerRequest: number;
  p50Us: number;
  p99Us: number;
  successful: number;
  sent: number;
}

async function measure(name: LoadGeneratorName): Promise<Figures> {
  const generator = loadGenerator(name);
  const missing = await generator.unavailable();
  if (missing) throw new Error(`${name} is unavailable: ${missing}`);
  const fake = fakeServer();
  const server = await startServer({ argv: [...fake.manifest.start, '--port', '0'], cwd: fake.dir, cpus: cpus.server });
  try {
    await generator.run({ url: server.url, step: blog('warm-up', 2000), seed: 1, cpus: cpus.load });
    const sampler = new ProcSampler(server.pid, 100);
    const before = await sampler.start();
    const outcome = await generator.run({ url: server.url, step: blog('crosscheck', 20_000), seed: 2, cpus: cpus.load });
    const after = await sampler.stop();
    const seconds = outcome.durationMs / 1000;
    const clientMs = outcome.cpu ? outcome.cpu.userMs + outcome.cpu.sysMs : NaN;
    // The server's CPU over the sampler's window (which also spans the generator's start-up: an upper bound).
    const serverMs = before && after ? after.userMs + after.sysMs - before.userMs - before.sysMs : NaN;
    const latency = decodeHistogram(outcome.histogram);
    return {
      rps: outcome.sent / seconds,
      clientCores: clientMs / outcome.durationMs,
      clientUsPerRequest: (clientMs * 1000) / outcome.sent,
      serverCores: serverMs / outcome.durationMs,
      serverUsPerRequest: (serverMs * 1000) / outcome.sent,
      p50Us: latency.getValueAtPercentile(50),
      p99Us: latency.getValueAtPercentile(99),
      successful: outcome.successful,
      sent: outcome.sent,
    };
  } finally {
    await server.stop();
  }
}

const autocannon = await measure('autocannon');
const wrk = await measure('wrk');
const row = (label: string, f: Figures) =>
  `${label.padEnd(11)} ${f.rps.toFixed(0).padStart(7)} ${f.clientCores.toFixed(2).padStart(12)} ${f.clientUsPerRequest.toFixed(1).padStart(12)} ` +
  `${f.serverCores.toFixed(2).padStart(12)} ${f.serverUsPerRequest.toFixed(1).padStart(12)} ${String(f.p50Us).padStart(8)} ${String(f.p99Us).padStart(8)}  ${f.successful}/${f.sent}`;
console.log(`pinning: ${pin ? `server on CPU ${cpus.server}, load generator on CPU ${cpus.load}` : 'none'}; ${availableParallelism()} CPUs`);
console.log('generator       RPS  client cores  client µs/req  server cores  server µs/req  p50 µs  p99 µs  ok/sent');
console.log(row('autocannon', autocannon));
console.log(row('wrk', wrk));
console.log(
  `wrk / autocannon: RPS ×${(wrk.rps / autocannon.rps).toFixed(2)}, client CPU per request ×${(wrk.clientUsPerRequest / autocannon.clientUsPerRequest).toFixed(2)}`,
);
