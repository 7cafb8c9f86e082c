import { MACHINE_DRIFT, MACHINE_STEAL_CORES, OTHER_LOAD_CORES, type ServerResult } from '@kvbench/schemas';
import { describe, expect, it } from 'vitest';
import * as hdr from 'hdr-histogram-js';
import {
  buildTimeline,
  calibrationDrift,
  checkRun,
  machineResult,
  clientResult,
  newHistogram,
  serverResult,
  summarizeHistogram,
  summarizeLatency,
  type ClientCounts,
} from '../src/index.js';

const noFailures = { byStatus: {}, timeouts: 0, connectionErrors: 0, clientOpenFileErrors: 0, incomplete: 0 };

function latencyOf(valuesUs: number[]) {
  const h = newHistogram();
  for (const v of valuesUs) h.recordValue(v);
  return summarizeLatency(hdr.encodeIntoCompressedBase64(h));
}

function counts(overrides: Partial<ClientCounts> = {}): ClientCounts {
  return {
    generator: { name: 'autocannon', version: '9.0.0' },
    offered: 1000,
    dropped: 0,
    latencyFrom: 'autocannon',
    sent: 1000,
    completed: 1000,
    successful: 1000,
    failures: noFailures,
    durationMs: 500,
    cpu: { userMs: 300, sysMs: 100 },
    ...overrides,
  };
}

describe('latency summary', () => {
  it('keeps microsecond resolution where a millisecond histogram would say 0', () => {
    const latency = latencyOf(Array.from({ length: 100 }, (_, i) => 100 + i)); // 100..199 µs
    expect(latency.count).toBe(100);
    expect(latency.p50Us).toBeGreaterThanOrEqual(149);
    expect(latency.p50Us).toBeLessThanOrEqual(150);
    expect(latency.maxUs).toBe(199);
    expect(latency.minUs).toBe(100);
    expect(latency.meanUs).toBeCloseTo(149.5, 0);
  });

  it('gives a monotonic percentile spectrum that ends at the maximum', () => {
    const latency = latencyOf([10, 20, 30, 1000, 50_000]);
    const values = latency.spectrum.map((s) => s.valueUs);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(latency.spectrum.at(-1)).toEqual({ percentile: 100, valueUs: latency.maxUs });
  });

  it('reports an empty histogram as zeros with no spectrum, not NaN', () => {
    const latency = summarizeHistogram(newHistogram());
    expect(latency).toMatchObject({ count: 0, meanUs: 0, p99Us: 0, spectrum: [] });
  });
});

describe('client result', () => {
  it('computes RPS from all requests and goodput from the successful ones (the blog counts both)', () => {
    const result = clientResult(counts({ successful: 900, failures: { ...noFailures, byStatus: { '500': 60 }, timeouts: 40 } }), latencyOf([100]));
    expect(result.rps).toBe(2000);
    expect(result.goodput).toBe(1800);
    expect(result.successRate).toBe(0.9);
    expect(result.failed).toBe(100);
    expect(result.cpu?.coresBusy).toBeCloseTo(0.8);
  });

  it('counts every kind of failure once: client EMFILE errors are a kind of their own', () => {
    const failures = { ...noFailures, byStatus: { '400': 1 }, timeouts: 2, connectionErrors: 3, clientOpenFileErrors: 4, incomplete: 5 };
    expect(clientResult(counts({ successful: 985, failures }), latencyOf([1])).failed).toBe(15);
  });
});

describe('server result', () => {
  it('derives CPU per request and cores busy from the first and last /proc samples', () => {
    const result = serverResult({
      samples: [
        { tMs: 0, userMs: 100, sysMs: 50, rssBytes: 10, fds: 5, threads: 4 },
        { tMs: 500, userMs: 400, sysMs: 150, rssBytes: 30, fds: 1010, threads: 4 },
        { tMs: 1000, userMs: 600, sysMs: 250, rssBytes: 20, fds: 900, threads: 5 },
      ],
      requests: 10_000,
      openFileErrors: 0,
      stderrTail: [],
      exit: null,
    });
    expect(result.cpu).toEqual({ userMs: 500, sysMs: 200, coresBusy: 0.7, usPerRequest: 70 });
    expect(result).toMatchObject({ peakRssBytes: 30, peakFds: 1010, peakThreads: 5 });
  });

  it('says CPU is unknown rather than zero when there is only one sample', () => {
    const result = serverResult({
      samples: [{ tMs: 0, userMs: 1, sysMs: 1, rssBytes: 1, fds: 1, threads: 1 }],
      requests: 10,
      openFileErrors: 0,
      stderrTail: [],
      exit: null,
    });
    expect(result.cpu).toBeNull();
  });
});

describe('checks', () => {
  const base = {
    server: 'go',
    step: '100k',
    repeat: 0,
    serverProcess: null,
    connections: 100,
    model: 'closed' as const,
    clientCpuCapacity: 1,
    machineCores: 2,
    pinnedApart: false,
  };

  it('marks a step load-generator-bound when the client used nearly all of its one core', () => {
    const client = clientResult(counts({ durationMs: 2000, cpu: { userMs: 1700, sysMs: 150 } }), latencyOf([100_000]));
    expect(checkRun({ ...base, client }).map((w) => w.code)).toContain('load-generator-bound');
  });

  it("flags a Little's-law mismatch when in-flight requests fall far short of the connection cap", () => {
    // 1000 requests in 2 s at 10 ms each: 5 in flight, but 100 connections were allowed.
    const client = clientResult(counts({ durationMs: 2000, cpu: null }), latencyOf([10_000]));
    const codes = checkRun({ ...base, client }).map((w) => w.code);
    expect(codes).toContain('littles-law');
  });

  const fdLimited = (peakFds: number | null) => ({
    ...serverResult({ samples: [], requests: 1000, openFileErrors: 0, stderrTail: [], exit: null, nofile: { soft: 64, hard: 4096 } }),
    peakFds,
  });

  it("names the server's open-file limit, not the client, when Little's law falls short at the limit", () => {
    const client = clientResult(counts({ durationMs: 2000, cpu: { userMs: 100, sysMs: 50 } }), latencyOf([10_000]));
    const warning = checkRun({ ...base, client, serverProcess: fdLimited(60) }).find((w) => w.code === 'littles-law');
    expect(warning?.message).toMatch(
      /go could not take every connection: its open-file limit is 64 \(peak 60 open\) for 100 connections, so the client's requests waited to be accepted/,
    );
    expect(warning?.message).not.toMatch(/client did not keep|short of CPU/);
  });

  it("blames the client's CPU for a Little's-law shortfall only when the client was near its capacity", () => {
    const busy = clientResult(counts({ durationMs: 2000, cpu: { userMs: 1600, sysMs: 200 } }), latencyOf([10_000]));
    expect(checkRun({ ...base, client: busy }).find((w) => w.code === 'littles-law')?.message).toMatch(/The client was short of CPU \(0\.90 of 1 core\(s\)\)/);
    const idle = clientResult(counts({ durationMs: 2000, cpu: { userMs: 100, sysMs: 50 } }), latencyOf([10_000]));
    expect(checkRun({ ...base, client: idle }).find((w) => w.code === 'littles-law')?.message).toMatch(
      /Neither the server's descriptors nor the client's CPU explain it/,
    );
  });

  it('gives the open-file warning to a limit below the connections with a queue-shaped tail, though the server logged nothing', () => {
    const tail = [...Array(950).fill(2_000), ...Array(50).fill(900_000)];
    const client = clientResult(counts({ durationMs: 2000, cpu: null }), latencyOf(tail));
    const warning = checkRun({ ...base, client, serverProcess: fdLimited(null) }).find((w) => w.code === 'open-file-errors');
    expect(warning?.message).toMatch(
      /^go's open-file limit is 64, below the 100 connections of this step, and p99 \(9\d\d\.\d ms\) is \d+× p50: connections waited to be accepted/,
    );
    // The same tail with a limit above the connections is someone else's story.
    const roomy = { ...fdLimited(null), nofile: { soft: 4096, hard: 4096 } };
    expect(checkRun({ ...base, client, serverProcess: roomy }).map((w) => w.code)).not.toContain('open-file-errors');
  });

  it("stays quiet when Little's law holds: 500 req/s × 200 ms = 100 in flight", () => {
    const client = clientResult(counts({ durationMs: 2000, cpu: null }), latencyOf([200_000]));
    expect(checkRun({ ...base, client }).map((w) => w.code)).not.toContain('littles-law');
  });

  it('reports open-file errors from the server and the client', () => {
    const client = clientResult(
      counts({ durationMs: 2000, successful: 995, failures: { ...noFailures, connectionErrors: 3, clientOpenFileErrors: 2 } }),
      latencyOf([200_000]),
    );
    const serverProcess = serverResult({ samples: [], requests: 1000, openFileErrors: 7, stderrTail: [], exit: null });
    const warning = checkRun({ ...base, client, serverProcess }).find((w) => w.code === 'open-file-errors');
    expect(warning?.message).toMatch(/7 in go's stderr, 2 in the client/);
  });
});

describe('timeline', () => {
  it('joins progress with the server and client CPU of the interval that just ended', () => {
    const reading = (tMs: number, cpuMs: number) => ({ tMs, userMs: cpuMs, sysMs: 0, rssBytes: tMs, fds: 3, threads: 1 });
    const timeline = buildTimeline(
      [{ tMs: 1250, completed: 100, intervalRps: 400, intervalP99Us: 900 }],
      [reading(1000, 0), reading(1200, 100)],
      [reading(1000, 0), reading(1200, 180)],
      1000,
    );
    expect(timeline).toEqual([
      { tMs: 250, completed: 100, rps: 400, p99Us: 900, serverCpuCores: 0.5, serverRssBytes: 1200, serverFds: 3, clientCpuCores: 0.9 },
    ]);
  });
});

describe('load-generator-bound, with the server pinned apart', () => {
  const base = {
    server: 'rust',
    step: '100k',
    repeat: 0,
    connections: 1000,
    model: 'closed' as const,
    clientCpuCapacity: 1,
    machineCores: 2,
    pinnedApart: true,
    serverCpuCapacity: 1,
  };
  const busyClient = () => clientResult(counts({ durationMs: 1000, cpu: { userMs: 600, sysMs: 300 } }), latencyOf([1000]));
  const server = (coresBusy: number): ServerResult => ({
    cpu: { userMs: 0, sysMs: 0, coresBusy, usPerRequest: 10 },
    peakRssBytes: null,
    peakFds: null,
    peakThreads: null,
    nofile: null,
    cpuExact: true,
    openFileErrors: 0,
    stderrTail: [],
    exit: null,
  });
  it('is not called when the server was busy on all of its own core: the server set the pace', () => {
    expect(checkRun({ ...base, client: busyClient(), serverProcess: server(0.99) }).map((w) => w.code)).not.toContain('load-generator-bound');
  });
  it('is called when the client was busy and the server had room', () => {
    expect(checkRun({ ...base, client: busyClient(), serverProcess: server(0.6) }).map((w) => w.code)).toContain('load-generator-bound');
  });
});

describe('the machine around a run', () => {
  const quiet = { wallMs: 2000, serverCpuMs: 400, clientCpuMs: 500, runnerCpuMs: 60, calibration: [], loopbackNs: 41_000 };

  it('counts as other load what the machine was busy with beyond the server, the client, the runner and softirq', () => {
    const machine = machineResult({ ...quiet, stat: { busyMs: 2560, softirqMs: 200, stealMs: 0 } })!;
    expect(machine.busyCores).toBeCloseTo(1.28);
    expect(machine.otherCores).toBeCloseTo(0.7);
    expect(machine.softirqCores).toBeCloseTo(0.1);
    expect(machine.loopbackNs).toBe(41_000);
    // Ticks may round the machine below our exact figures: never a negative neighbour.
    expect(machineResult({ ...quiet, stat: { busyMs: 900, softirqMs: 0, stealMs: 0 } })!.otherCores).toBe(0);
    expect(machineResult({ ...quiet, stat: null })).toBeNull();
  });

  it('does not count steal as other load: time given to other guests is the host, not a neighbour process', () => {
    // Our 960 ms, 200 ms of softirq and 0.3 cores of steal inside busy (elapsed − idle), and nothing else.
    const machine = machineResult({ ...quiet, stat: { busyMs: 960 + 200 + 600, softirqMs: 200, stealMs: 600 } })!;
    expect(machine.otherCores).toBeCloseTo(0);
    expect(machine.stealCores).toBeCloseTo(0.3);
  });

  it('takes the largest move of any calibrated CPU as the drift', () => {
    const calibration = [
      { cpu: '0', beforeNs: 3_500_000, afterNs: 3_570_000 },
      { cpu: '1', beforeNs: 3_500_000, afterNs: 3_010_000 },
    ];
    expect(calibrationDrift(calibration)).toBeCloseTo(0.14);
    expect(calibrationDrift([])).toBeNull();
  });

  const client = clientResult(counts({ durationMs: 2000, cpu: null }), latencyOf([200_000]));
  const base = {
    server: 'go',
    step: 'rate-10k',
    repeat: 2,
    client,
    serverProcess: null,
    connections: 100,
    model: 'open' as const,
    clientCpuCapacity: 1,
    machineCores: 2,
    pinnedApart: true,
  };
  const machine = (otherCores: number, drift: number, stealCores = 0) => ({
    busyCores: 1,
    otherCores,
    softirqCores: 0.1,
    stealCores,
    calibration: [{ cpu: '0', beforeNs: 3_500_000, afterNs: 3_500_000 * (1 + drift) }],
    drift,
  });

  it('warns of a neighbour above the threshold and of a change of speed, each with its figures', () => {
    const busy = checkRun({ ...base, machine: machine(OTHER_LOAD_CORES + 0.05, 0) });
    expect(busy.map((w) => w.code)).toEqual(['machine-busy']);
    expect(busy[0]!.message).toMatch(/^Other processes kept 0\.15 cores busy during the load \(the machine 1\.00 cores in all/);
    const drifted = checkRun({ ...base, machine: machine(0, MACHINE_DRIFT + 0.05) });
    expect(drifted.map((w) => w.code)).toEqual(['machine-drift']);
    expect(drifted[0]!.message).toMatch(/took 3\.50 ms of CPU before and 4\.38 ms after \(CPU 0, 25 % apart\)/);
    expect(drifted[0]).toMatchObject({ server: 'go', step: 'rate-10k', repeat: 2 });
  });

  it('warns of a contended host when steal passes its threshold, with the figure', () => {
    const stolen = checkRun({ ...base, machine: machine(0, 0, MACHINE_STEAL_CORES + 0.3) });
    expect(stolen.map((w) => w.code)).toEqual(['machine-steal']);
    expect(stolen[0]!.message).toMatch(/^The hypervisor ran other work on this machine's CPUs for 0\.40 cores during the load/);
    expect(checkRun({ ...base, machine: machine(0, 0, MACHINE_STEAL_CORES - 0.03) })).toEqual([]);
  });

  it('stays quiet on a quiet machine', () => {
    expect(checkRun({ ...base, machine: machine(0.03, 0.02, 0.03) })).toEqual([]);
  });
});
