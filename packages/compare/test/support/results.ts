import { ResultsSchema, ScenarioSchema, type Results, type Run, type ScenarioInput } from '@kvbench/schemas';

/** The figures a comparison reads from one run; everything else in a Run is filled with plausible constants. */
export interface RunFigures {
  server?: string;
  variant?: string;
  step?: string;
  repeat?: number;
  status?: Run['status'];
  rps: number;
  p50Us: number;
  p99Us: number;
  cpuUsPerRequest: number | null;
  peakRssBytes: number | null;
  failed?: number;
  sent?: number;
  durationMs?: number;
  connections?: number;
  requests?: number;
}

const T0 = '2025-01-01T00:00:00.000Z';

export function runOf(f: RunFigures): Run {
  const sent = f.sent ?? f.requests ?? 1000;
  const failed = f.failed ?? 0;
  const durationMs = f.durationMs ?? (sent / f.rps) * 1000;
  const cpuMs = f.cpuUsPerRequest === null ? null : (f.cpuUsPerRequest * sent) / 1000;
  return {
    server: f.server ?? 'fake',
    ...(f.variant === undefined ? {} : { variant: f.variant }),
    step: f.step ?? 'burst',
    repeat: f.repeat ?? 0,
    status: f.status ?? 'ok',
    startedAt: T0,
    coldStartMs: 50,
    load: {
      generator: 'node-http-loop',
      model: 'closed',
      connections: f.connections ?? 20,
      requests: f.requests ?? sent,
      readFraction: 0,
      timeoutMs: 10_000,
    },
    client: {
      generator: { name: 'node-http-loop', version: process.version },
      offered: sent,
      dropped: 0,
      sent,
      completed: sent,
      successful: sent - failed,
      failed,
      failures: { byStatus: {}, timeouts: 0, connectionErrors: failed, clientOpenFileErrors: 0, incomplete: 0 },
      successRate: (sent - failed) / sent,
      durationMs,
      rps: f.rps,
      goodput: ((sent - failed) / durationMs) * 1000,
      latency: {
        count: sent,
        minUs: f.p50Us / 2,
        meanUs: f.p50Us,
        stddevUs: 0,
        p50Us: f.p50Us,
        p90Us: f.p99Us,
        p99Us: f.p99Us,
        p999Us: f.p99Us,
        maxUs: f.p99Us,
        spectrum: [],
      },
      latencyFrom: 'write',
      serviceLatency: null,
      connect: null,
      cpuUsPerRequest: null,
      cpu: null,
    },
    serverProcess: {
      cpu: cpuMs === null ? null : { userMs: cpuMs, sysMs: 0, coresBusy: cpuMs / durationMs, usPerRequest: f.cpuUsPerRequest! },
      peakRssBytes: f.peakRssBytes,
      peakFds: 30,
      nofile: null,
      cpuExact: true,
      peakThreads: 7,
      openFileErrors: 0,
      stderrTail: [],
      exit: { code: 0, signal: null, clean: true, stopMs: 5 },
    },
    timeline: [],
    warnings: [],
  };
}

export interface ResultsOptions {
  id?: string;
  scenario?: Partial<ScenarioInput>;
  hostname?: string;
  cpuModel?: string;
  complete?: boolean;
}

/** A complete, schema-valid results file around the given runs (validated here, so a test never feeds junk). */
export function resultsOf(runs: Run[], options: ResultsOptions = {}): Results {
  const scenario = ScenarioSchema.parse({
    name: 'ci',
    repeat: 3,
    load: { connections: 20 },
    steps: [{ name: 'burst', requests: 1000 }],
    ...options.scenario,
  });
  return ResultsSchema.parse({
    schemaVersion: 2,
    kind: 'kvbench.results',
    id: options.id ?? 'r1',
    startedAt: T0,
    finishedAt: T0,
    complete: options.complete ?? true,
    scenarioPath: `scenarios/${scenario.name}.json`,
    scenario,
    environment: {
      hostname: options.hostname ?? 'ci-box',
      cpuModel: options.cpuModel ?? 'Test CPU @ 2.0GHz',
      cores: 2,
      memoryBytes: 8 * 1024 ** 3,
      os: 'linux',
      kernel: '6.1.0',
      node: process.version,
      gitCommit: '0123456789abcdef0123456789abcdef01234567',
      gitDirty: false,
      runnerNofile: { soft: 1024, hard: 1024 },
      serverNofile: null,
      pinning: { mode: 'off' },
      seed: 1,
      loadGenerators: {},
      toolchains: {},
    },
    servers: [...new Set(runs.map((r) => r.server))].map((name) => ({
      name,
      language: 'JavaScript',
      source: 'manifest',
      version: null,
      build: null,
    })),
    runs,
    warnings: [],
  });
}

/** Three repeats of one server and step, around the given figures, each a little off (±1 %). */
export function repeatsOf(base: Omit<RunFigures, 'repeat'>, count = 3, spread = 0.01): Run[] {
  return Array.from({ length: count }, (_, repeat) => {
    const k = 1 + spread * (repeat - (count - 1) / 2);
    return runOf({
      ...base,
      repeat,
      rps: base.rps * k,
      p50Us: base.p50Us * k,
      p99Us: base.p99Us * k,
      cpuUsPerRequest: base.cpuUsPerRequest === null ? null : base.cpuUsPerRequest * k,
      peakRssBytes: base.peakRssBytes === null ? null : Math.round(base.peakRssBytes * k),
    });
  });
}
