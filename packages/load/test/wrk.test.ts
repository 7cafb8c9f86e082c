import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAllChildren, liveChildren, type ServerProcess } from '@kvbench/launcher';
import { RequestSource, accountingError, decodeHistogram, loadGenerator, type TrafficSpec } from '../src/index.js';
import { wrkDrawnRequests, wrkPlan } from '../src/wrk/driver.js';
import { abortedAfter50, constantStatusServer, isRunning, startFake, step } from './helpers.js';

const wrk = loadGenerator('wrk');
const missing = await wrk.unavailable();
if (missing) {
  console.warn(`\n!!! SKIPPING the wrk driver tests: ${missing}\n`);
}

describe.skipIf(missing !== null)('wrk driver', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startFake();
  });
  afterAll(async () => {
    await server.stop();
    killAllChildren();
  });

  it('draws the same requests in Lua as bodies.ts does, for every kind of traffic', async () => {
    const kinds: TrafficSpec[] = [
      { keys: { prefix: 'key-', count: 100 }, values: { kind: 'int', min: 0, max: 99 }, ttl: { minSec: 1, maxSec: 2 }, readFraction: 0 },
      { keys: { prefix: 'a/é "x', count: 1_000_000 }, values: { kind: 'int', min: -5, max: 5 }, ttl: null, readFraction: 0.7 },
      { keys: { prefix: 'k', count: 7 }, values: { kind: 'string', bytes: 64 }, ttl: { minSec: 0, maxSec: 0.5 }, readFraction: 0.3 },
    ];
    for (const [i, traffic] of kinds.entries()) {
      const seed = 2 ** 40 + i; // high bits too: the Lua twin must split the seed the same way
      const lua = await wrkDrawnRequests(server.url, traffic, seed, 200);
      const source = new RequestSource(traffic, seed);
      const ts = Array.from({ length: 200 }, () => source.next());
      expect(lua.map((r) => [r.method, r.path])).toEqual(ts.map((r) => [r.method, r.path]));
      // Same numbers; the text of a ttl may differ (Lua prints 17 digits, JavaScript the shortest exact form).
      expect(lua.map((r) => r.body && JSON.parse(r.body))).toEqual(ts.map((r) => r.body && JSON.parse(r.body)));
    }
  });

  it('sends, completes and answers every request of a requests step, with a µs histogram of all of them', async () => {
    let pid: number | undefined;
    const outcome = await wrk.run({
      url: server.url,
      step: step({ generator: 'wrk', requests: 2000, connections: 50 }),
      seed: 1,
      onStart: (p) => (pid = p),
    });
    expect(outcome).toMatchObject({ sent: 2000, completed: 2000, successful: 2000, aborted: false });
    expect(outcome.generator.name).toBe('wrk');
    expect(accountingError(outcome)).toBeNull();
    const histogram = decodeHistogram(outcome.histogram);
    expect(histogram.totalCount).toBe(2000);
    expect(histogram.getValueAtPercentile(50)).toBeGreaterThan(0);
    expect(outcome.durationMs).toBeGreaterThan(0);
    expect(outcome.cpu!.userMs + outcome.cpu!.sysMs).toBeGreaterThan(0);
    expect(outcome.timeline.at(-1)).toMatchObject({ completed: 2000, successful: 2000 });
    expect(pid !== undefined && isRunning(pid)).toBe(false);
  });

  it('ends a duration step on time and counts what is still in flight as incomplete', async () => {
    const outcome = await wrk.run({ url: server.url, step: step({ generator: 'wrk', durationSec: 1, connections: 20 }), seed: 2 });
    expect(outcome.completed).toBeGreaterThan(0);
    expect(accountingError(outcome)).toBeNull();
    expect(outcome.failures.incomplete).toBeLessThanOrEqual(20);
    expect(decodeHistogram(outcome.histogram).totalCount).toBe(outcome.completed);
  });

  it('judges answers by status, at most one expected answer per request of each method', async () => {
    const wrong = await constantStatusServer(200);
    const mixed = step({ generator: 'wrk', requests: 400, connections: 10, readFraction: 0.5 });
    const outcome = await wrk.run({ url: wrong.url, step: mixed, seed: 3 });
    await wrong.close();
    // wrk thread i draws its quota from stream i.
    const gets = wrkPlan(mixed).quotas!.reduce((sum, quota, i) => {
      const source = new RequestSource(mixed, 3, i);
      return sum + Array.from({ length: quota }, () => source.next()).filter((r) => r.method === 'GET').length;
    }, 0);
    expect(outcome).toMatchObject({ sent: 400, completed: 400, successful: gets });
    expect(outcome.failures.byStatus).toEqual({ '200': 400 - gets });
  });

  it('gives up on requests a server never answers one timeout after the last answer, counting them as timeouts', async () => {
    const silent = await constantStatusServer(null);
    const outcome = await wrk.run({ url: silent.url, step: step({ generator: 'wrk', requests: 20, connections: 10, timeoutMs: 1000 }), seed: 1 });
    await silent.close();
    // Unlike autocannon, wrk never abandons a request to send another: each connection sent one, then waited.
    expect(outcome).toMatchObject({ sent: 10, completed: 0, successful: 0, failures: { timeouts: 10 } });
    expect(accountingError(outcome)).toBeNull();
    expect(outcome.notes!.join(' ')).toMatch(/10 of the step's 20 requests were never sent/);
  });

  it('counts the requests a crashing server never answers, and they add up to what was sent', async () => {
    const crashing = await startFake('--crash-after', '500');
    let pid: number | undefined;
    const outcome = await wrk.run({
      url: crashing.url,
      // A refused connection still takes a request from the quota (wrk writes it, then sees the error), as in
      // autocannon; the last unanswered ones are given up on one timeout after the last answer.
      step: step({ generator: 'wrk', requests: 2000, connections: 50, timeoutMs: 1000 }),
      seed: 1,
      onStart: (p) => (pid = p),
    });
    expect((await crashing.exited).code).toBe(3);
    expect(accountingError(outcome)).toBeNull();
    expect(outcome.completed).toBeLessThanOrEqual(500);
    const f = outcome.failures;
    expect(f.connectionErrors + f.incomplete + f.timeouts).toBeGreaterThan(0);
    expect(decodeHistogram(outcome.histogram).totalCount).toBe(outcome.completed);
    expect(pid !== undefined && isRunning(pid)).toBe(false);
    expect(liveChildren()).toBe(1); // the shared fake server only
  });

  it('stops promptly on abort, kills its process and reports what it measured', async () => {
    const slow = await startFake('--burn-us', '2000');
    const { outcome, pid } = await abortedAfter50(wrk, slow.url, { generator: 'wrk' });
    await slow.stop();
    expect(outcome.aborted).toBe(true);
    expect(outcome.completed).toBeGreaterThan(50);
    expect(accountingError(outcome)).toBeNull();
    expect(pid !== undefined && isRunning(pid)).toBe(false);
  }, 20_000);
});
