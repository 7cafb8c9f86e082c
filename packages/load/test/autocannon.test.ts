import { afterEach, describe, expect, it } from 'vitest';
import { killAllChildren, liveChildren } from '@kvbench/launcher';
import { RequestSource, accountingError, decodeHistogram, loadGenerator, type LoadProgress } from '../src/index.js';
import { abortedAfter50, constantStatusServer, isRunning, startFake, step } from './helpers.js';

const autocannon = loadGenerator('autocannon');

afterEach(() => killAllChildren());

describe('autocannon driver', () => {
  it('sends, completes and answers every request of a requests step, with a µs histogram of all of them', async () => {
    const server = await startFake();
    let pid: number | undefined;
    const progress: LoadProgress[] = [];
    const outcome = await autocannon.run({
      url: server.url,
      step: step({ requests: 2000, connections: 50 }),
      seed: 1,
      onStart: (p) => (pid = p),
      onProgress: (p) => progress.push(p),
    });
    await server.stop();

    expect(outcome).toMatchObject({ sent: 2000, completed: 2000, successful: 2000, aborted: false });
    expect(outcome.generator).toEqual({ name: 'autocannon', version: '9.0.0' });
    expect(accountingError(outcome)).toBeNull();
    const histogram = decodeHistogram(outcome.histogram);
    expect(histogram.totalCount).toBe(2000);
    // The reason for our own histogram: autocannon's truncates to whole ms and shows 0 on a fast local server.
    expect(histogram.getValueAtPercentile(50)).toBeGreaterThan(0);
    expect(outcome.durationMs).toBeGreaterThan(0);
    expect(outcome.cpu!.userMs + outcome.cpu!.sysMs).toBeGreaterThan(0);
    expect(outcome.timeline.at(-1)).toMatchObject({ completed: 2000, successful: 2000 });
    expect(progress.at(-1)).toMatchObject({ sent: 2000, completed: 2000 });
    expect(pid !== undefined && isRunning(pid)).toBe(false);
  });

  it('counts a GET miss as a correct answer', async () => {
    const server = await startFake();
    // Reads of keys never written: the fake answers 404, the right answer to a GET of a missing key.
    const reads = await autocannon.run({ url: server.url, step: step({ requests: 300, connections: 10, readFraction: 1 }), seed: 2 });
    await server.stop();
    expect(reads).toMatchObject({ sent: 300, completed: 300, successful: 300 });
  });

  it('judges each answer by the method of the request it answers', async () => {
    // 200 is right for a GET and wrong for a POST: only pairing answers with requests gets the split right.
    const server = await constantStatusServer(200);
    const mixed = step({ requests: 400, connections: 10, readFraction: 0.5 });
    const outcome = await autocannon.run({ url: server.url, step: mixed, seed: 3 });
    await server.close();
    const source = new RequestSource(mixed, 3);
    const gets = Array.from({ length: 400 }, () => source.next()).filter((r) => r.method === 'GET').length;
    expect(outcome).toMatchObject({ sent: 400, completed: 400, successful: gets });
    expect(outcome.failures.byStatus).toEqual({ '200': 400 - gets });
  });

  it('counts requests a server never answers as timeouts', async () => {
    const silent = await constantStatusServer(null);
    const outcome = await autocannon.run({ url: silent.url, step: step({ requests: 20, connections: 10, timeoutMs: 1000 }), seed: 1 });
    await silent.close();
    expect(outcome).toMatchObject({ sent: 20, completed: 0, successful: 0, failures: { timeouts: 20 } });
    expect(accountingError(outcome)).toBeNull();
  });

  it('counts the requests a crashing server never answers, and they add up to what was sent', async () => {
    const server = await startFake('--crash-after', '500');
    let pid: number | undefined;
    const outcome = await autocannon.run({
      url: server.url,
      step: step({ requests: 2000, connections: 50, timeoutMs: 2000 }),
      seed: 1,
      onStart: (p) => (pid = p),
    });
    expect((await server.exited).code).toBe(3);

    expect(accountingError(outcome)).toBeNull();
    expect(outcome.completed).toBeLessThanOrEqual(500);
    expect(outcome.successful).toBe(outcome.completed);
    const f = outcome.failures;
    expect(f.connectionErrors + f.incomplete + f.timeouts).toBeGreaterThan(0);
    expect(decodeHistogram(outcome.histogram).totalCount).toBe(outcome.completed);
    expect(pid !== undefined && isRunning(pid)).toBe(false);
    expect(liveChildren()).toBe(0);
  });

  it('ends a duration step on time and does not count its own cut-off as failures', async () => {
    const server = await startFake('--burn-us', '500');
    const outcome = await autocannon.run({ url: server.url, step: step({ durationSec: 1, connections: 20 }), seed: 4 });
    await server.stop();
    expect(outcome.completed).toBeGreaterThan(0);
    expect(accountingError(outcome)).toBeNull();
    // A healthy server: every request counted as sent was answered; the ones cut off at the deadline are a note.
    expect(outcome.failures.incomplete).toBe(0);
    expect(outcome.sent).toBe(outcome.completed);
    expect(outcome.successful).toBe(outcome.sent);
    expect((outcome.notes ?? []).join('\n')).toMatch(/\d+ requests were in flight when autocannon stopped at the deadline: not counted as sent/);
    expect(decodeHistogram(outcome.histogram).totalCount).toBe(outcome.completed);
  });

  it('stops promptly on abort, kills its process and reports what it measured', async () => {
    const server = await startFake('--burn-us', '2000');
    const { outcome, pid } = await abortedAfter50(autocannon, server.url);
    await server.stop();
    expect(outcome.aborted).toBe(true);
    expect(outcome.completed).toBeGreaterThan(50);
    expect(accountingError(outcome)).toBeNull();
    expect(pid !== undefined && isRunning(pid)).toBe(false);
    expect(liveChildren()).toBe(0);
  }, 20_000);

  it('resolves at once, sending nothing, when aborted before it starts', async () => {
    const outcome = await autocannon.run({
      url: 'http://127.0.0.1:9',
      step: step(),
      seed: 1,
      signal: AbortSignal.abort(),
    });
    expect(outcome).toMatchObject({ aborted: true, sent: 0 });
  });

  it('refuses to load anything but this machine', async () => {
    await expect(autocannon.run({ url: 'http://example.com:80', step: step(), seed: 1 })).rejects.toThrow(/only loads servers on this machine/);
  });
});
