import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAllChildren, liveChildren, type ServerProcess } from '@kvbench/launcher';
import {
  RequestSource,
  accountingError,
  calibrateCpus,
  decodeHistogram,
  loadGenerator,
  loopbackNsPerRoundTrip,
  nativeDrawnRequests,
  type TrafficSpec,
} from '../src/index.js';
import { wrkDrawnRequests } from '../src/wrk/driver.js';
import { abortedAfter50, constantStatusServer, isRunning, startFake, step } from './helpers.js';

const native = loadGenerator('native');
const missing = await native.unavailable();
const wrkMissing = await loadGenerator('wrk').unavailable();

const kinds: TrafficSpec[] = [
  { keys: { prefix: 'key-', count: 100 }, values: { kind: 'int', min: 0, max: 99 }, ttl: { minSec: 1, maxSec: 2 }, readFraction: 0 },
  { keys: { prefix: 'a/é "x', count: 1_000_000 }, values: { kind: 'int', min: -5, max: 5 }, ttl: null, readFraction: 0.7 },
  { keys: { prefix: 'k', count: 7 }, values: { kind: 'string', bytes: 64 }, ttl: { minSec: 0, maxSec: 0.5 }, readFraction: 0.3 },
];

// The default generator: its absence is a failure here, not a reason to skip the suite below.
it('kvload is built (pnpm build)', () => {
  expect(missing).toBeNull();
});

describe('kvload --calibrate', () => {
  it('times the same fixed work on each CPU of a list, once per CPU, in a few milliseconds of CPU each', async () => {
    const speeds = await calibrateCpus('0,0');
    expect(speeds.map((s) => s.cpu)).toEqual(['0']);
    // About 3.5 ms on this project's VM; bounds loose enough for any machine, tight enough to catch a broken loop.
    expect(speeds[0]!.ns).toBeGreaterThan(100_000);
    expect(speeds[0]!.ns).toBeLessThan(1_000_000_000);
    const unpinned = await calibrateCpus(null);
    expect(unpinned).toEqual([{ cpu: null, ns: expect.any(Number) }]);
  });

  it('says what failed when the list names no CPU of this machine', async () => {
    await expect(calibrateCpus('4095')).rejects.toThrow(/kvload --calibrate` gave no calibration/);
  });
});

describe('kvload --pingpong', () => {
  it('times a loopback round trip on two CPUs, echo and sender together', async () => {
    // About 40 µs of CPU per round trip on this project's VM: loose bounds, tight enough to catch a broken count.
    const ns = await loopbackNsPerRoundTrip('0,1');
    expect(ns).toBeGreaterThan(500);
    expect(ns).toBeLessThan(5_000_000);
  });

  it('says what failed when the list names no CPU of this machine', async () => {
    await expect(loopbackNsPerRoundTrip('4095')).rejects.toThrow(/kvload --pingpong 2000` gave no ping-pong/);
  });
});

describe.skipIf(missing !== null)('native generator (kvload)', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startFake();
  });
  afterAll(async () => {
    await server.stop();
    killAllChildren();
  });

  it('draws the very same first 200 requests as bodies.ts (autocannon) and the Lua twin (wrk), byte for byte', async () => {
    for (const [i, traffic] of kinds.entries()) {
      const seed = 2 ** 40 + i;
      const rust = await nativeDrawnRequests(server.url, { ...step(), ...traffic }, seed, 200);
      const source = new RequestSource(traffic, seed);
      const ts = Array.from({ length: 200 }, () => source.next());
      expect(rust).toHaveLength(200);
      // Exact text, ttl digits included: both print the shortest form that round-trips.
      expect(rust).toEqual(ts.map((r) => ({ method: r.method, path: r.path, body: r.body })));
      if (!wrkMissing) {
        const lua = await wrkDrawnRequests(server.url, traffic, seed, 200);
        expect(lua.map((r) => [r.method, r.path, r.body && JSON.parse(r.body)])).toEqual(rust.map((r) => [r.method, r.path, r.body && JSON.parse(r.body)]));
      }
    }
  });

  it('sends and answers every request of a closed-model step, with µs histograms hdr-histogram-js decodes', async () => {
    let pid: number | undefined;
    let loadStarted = 0;
    const outcome = await native.run({
      url: server.url,
      step: step({ generator: 'native', requests: 3000, connections: 40 }),
      seed: 1,
      onStart: (p) => (pid = p),
      onLoadStart: () => loadStarted++,
    });
    expect(outcome).toMatchObject({ sent: 3000, offered: 3000, dropped: 0, completed: 3000, successful: 3000, aborted: false, latencyFrom: 'write' });
    expect(outcome.generator.name).toBe('native');
    expect(accountingError(outcome)).toBeNull();
    expect(loadStarted).toBe(1);
    const latency = decodeHistogram(outcome.histogram);
    expect(latency.totalCount).toBe(3000);
    expect(latency.minNonZeroValue).toBeGreaterThan(0);
    expect(decodeHistogram(outcome.serviceHistogram!).totalCount).toBe(3000);
    // Every connection opened before the clock started, each once: set-up is its own figure.
    expect(decodeHistogram(outcome.connectHistogram!).totalCount).toBe(40);
    expect(outcome.cpu!.userMs + outcome.cpu!.sysMs).toBeGreaterThan(0);
    expect(pid !== undefined && isRunning(pid)).toBe(false);
  });

  it('judges each answer by the method of its own request', async () => {
    const ok200 = await constantStatusServer(200);
    const mixed = step({ generator: 'native', requests: 400, connections: 1, readFraction: 0.5 });
    const outcome = await native.run({ url: ok200.url, step: mixed, seed: 3 });
    await ok200.close();
    const source = new RequestSource(mixed, 3);
    const gets = Array.from({ length: 400 }, () => source.next()).filter((r) => r.method === 'GET').length;
    expect(outcome).toMatchObject({ sent: 400, completed: 400, successful: gets });
    expect(outcome.failures.byStatus).toEqual({ '200': 400 - gets });
  });

  it('counts unanswered requests as timeouts and refused connections as connection errors, adding up to sent', async () => {
    const silent = await constantStatusServer(null);
    const timedOut = await native.run({ url: silent.url, step: step({ generator: 'native', requests: 20, connections: 10, timeoutMs: 300 }), seed: 1 });
    await silent.close();
    expect(timedOut).toMatchObject({ sent: 20, completed: 0, failures: { timeouts: 20 } });
    // Connected, and never a byte back: each timeout is counted as one that struck while waiting for the answer.
    expect(timedOut.connections).toMatchObject({ waitingTimeouts: 20, dialTimeouts: 0, answeringTimeouts: 0 });
    expect(accountingError(timedOut)).toBeNull();

    const refused = await native.run({ url: 'http://127.0.0.1:9', step: step({ generator: 'native', requests: 30, connections: 3 }), seed: 1 });
    expect(refused).toMatchObject({ sent: 30, completed: 0, failures: { connectionErrors: 30 } });
    // 3 refused before the clock (the fixed model's preconnects) and 30 for the requests.
    expect(refused.connections).toMatchObject({ dials: 33, dialErrors: 33 });
    expect(refused.notes?.join()).toMatch(/first connection error: .*refused/i);
  });

  it('offers a fixed rate in the open model and measures latency from each scheduled send', async () => {
    const outcome = await native.run({
      url: server.url,
      step: step({ generator: 'native', rate: 2000, durationSec: 1, connections: 20, requests: undefined }),
      seed: 7,
    });
    expect(outcome).toMatchObject({ offered: 2000, dropped: 0, sent: 2000, completed: 2000, successful: 2000, latencyFrom: 'intended' });
    expect(accountingError(outcome)).toBeNull();
    // 2000 arrivals over 1 s, the last due at 0.9995 s: first send → last answer is about a second.
    expect(outcome.durationMs).toBeGreaterThan(950);
    expect(outcome.durationMs).toBeLessThan(1300);
  });

  it('counts the arrivals it could not send when every connection is stuck, and never sends more than offered', async () => {
    const silent = await constantStatusServer(null);
    const outcome = await native.run({
      url: silent.url,
      step: step({ generator: 'native', rate: 1000, durationSec: 0.5, connections: 5, timeoutMs: 2000, requests: undefined }),
      seed: 1,
    });
    await silent.close();
    expect(outcome.offered).toBe(500);
    expect(outcome.sent).toBe(5);
    expect(outcome.dropped).toBe(495);
    expect(outcome.failures.timeouts).toBe(5);
    expect(accountingError(outcome)).toBeNull();
  });

  it('waits for the answers in flight at the end of a duration step instead of failing them', async () => {
    const slow = await startFake('--burn-us', '500');
    const outcome = await native.run({ url: slow.url, step: step({ generator: 'native', durationSec: 1, connections: 20, requests: undefined }), seed: 4 });
    await slow.stop();
    expect(outcome.completed).toBeGreaterThan(0);
    expect(outcome.completed).toBe(outcome.sent);
    expect(outcome.failures.incomplete).toBe(0);
    expect(accountingError(outcome)).toBeNull();
  });

  it('stops promptly on abort, kills its process and reports what it measured', async () => {
    const childrenBefore = liveChildren();
    const slow = await startFake('--burn-us', '2000');
    const { outcome, pid } = await abortedAfter50(native, slow.url, { generator: 'native', requests: undefined });
    await slow.stop();
    expect(outcome.aborted).toBe(true);
    expect(outcome.completed).toBeGreaterThan(50);
    expect(accountingError(outcome)).toBeNull();
    expect(pid !== undefined && isRunning(pid)).toBe(false);
    expect(liveChildren()).toBe(childrenBefore);
  }, 20_000);

  it('pool model: dials a connection per request in flight, then reuses them from an idle pool it keeps open', async () => {
    const outcome = await native.run({
      url: server.url,
      step: step({ generator: 'native', connectionModel: 'pool', requests: 2000, connections: 25 }),
      seed: 5,
    });
    expect(outcome).toMatchObject({ sent: 2000, completed: 2000, successful: 2000, latencyFrom: 'start' });
    expect(accountingError(outcome)).toBeNull();
    const use = outcome.connections!;
    // Never more connections than requests in flight; every request either dialled or reused one.
    expect(use.peakOpen).toBeLessThanOrEqual(25);
    expect(use.dials).toBe(use.peakOpen);
    expect(use.dials + use.reuses).toBe(2000);
    // The pool is never closed during the step: every connection dialled is still idle in it at the end.
    expect(use.idleAtEnd).toBe(use.dials);
    expect(use.peakIdle).toBe(use.dials);
    expect(use).toMatchObject({ dialErrors: 0, dialTimeouts: 0, waitingTimeouts: 0, answeringTimeouts: 0, closedByServer: 0 });
  });

  it('pool model: a server that serves only N connections holds the idle ones, and the rest time out waiting', async () => {
    // The blog's Rust failures in miniature: 10 connections served (as ~250 descriptors were), 30 in flight.
    const capped = await startFake('--serve-connections', '10');
    const started = performance.now();
    const outcome = await native.run({
      url: capped.url,
      step: step({ generator: 'native', connectionModel: 'pool', requests: 300, connections: 30, timeoutMs: 1000 }),
      seed: 6,
    });
    const wallMs = performance.now() - started;
    await capped.stop();
    expect(accountingError(outcome)).toBeNull();
    expect(outcome).toMatchObject({ sent: 300, completed: 280, successful: 280, failures: { timeouts: 20 } });
    expect(outcome.connections).toMatchObject({
      dials: 30,
      reuses: 270,
      waitingTimeouts: 20,
      dialTimeouts: 0,
      answeringTimeouts: 0,
      idleAtEnd: 10,
      peakIdle: 10,
    });
    // The step lasts until its last requests time out, as the blog's steps lasted its client's 10 s timeout.
    expect(outcome.durationMs).toBeGreaterThanOrEqual(1000);
    expect(wallMs).toBeLessThan(5000);
  });

  it('fixed model: against the same server nothing fails, because a slot whose requests are done closes its connection', async () => {
    // Why the fixed model never showed the blog's failures: once the budget is spent, the 10 served connections
    // close and the server takes the 20 held ones, whose requests are then answered within the timeout.
    const capped = await startFake('--serve-connections', '10');
    const outcome = await native.run({
      url: capped.url,
      step: step({ generator: 'native', requests: 300, connections: 30, timeoutMs: 1000 }),
      seed: 6,
    });
    await capped.stop();
    expect(accountingError(outcome)).toBeNull();
    expect(outcome).toMatchObject({ sent: 300, successful: 300, latencyFrom: 'write' });
    expect(outcome.connections).toMatchObject({ dials: 30, reuses: 270, waitingTimeouts: 0, peakIdle: 0, idleAtEnd: 0 });
  });

  it('refuses to load anything but this machine, and autocannon and wrk refuse the open model', async () => {
    await expect(native.run({ url: 'http://example.com:80', step: step(), seed: 1 })).rejects.toThrow(/only loads servers on this machine/);
    const open = step({ rate: 100, durationSec: 1, requests: undefined });
    expect(loadGenerator('autocannon').unsupported(open)).toMatch(/use --generator native/);
    expect(loadGenerator('wrk').unsupported(open)).toMatch(/use --generator native/);
    expect(native.unsupported(open)).toBeNull();
    const pool = step({ connectionModel: 'pool' });
    expect(loadGenerator('autocannon').unsupported(pool)).toMatch(/pool connection model .* use --generator native/);
    expect(loadGenerator('wrk').unsupported(pool)).toMatch(/pool connection model .* use --generator native/);
    expect(native.unsupported(pool)).toBeNull();
  });
});
