import { describe, expect, it } from 'vitest';
import { accountingError, decodeHistogram } from '../src/index.js';
import { wrkPlan } from '../src/wrk/driver.js';
import { parseWrkResult, splitStatuses, wrkMeasured, type WrkResult } from '../src/wrk/result.js';
import { luaString } from '../src/wrk/script.js';
import { step } from './helpers.js';

function result(overrides: Partial<WrkResult> = {}, thread: Partial<WrkResult['threads'][number]> = {}): WrkResult {
  return {
    durationUs: 1_000_000,
    requests: 10,
    errors: { connect: 0, read: 0, write: 0, status: 0, timeout: 0 },
    cpu: { userMs: 5, sysMs: 7 },
    threads: [{ sent: 10, posts: 10, gets: 0, responses: 10, firstSend: 100, lastAnswer: 100.5, statuses: { '201': 10 }, ...thread }],
    latency: [100, 4, 250, 6],
    ...overrides,
  };
}

describe('wrkMeasured', () => {
  it('turns wrk counters into an outcome whose requests add up, with the measured latencies', () => {
    const measured = wrkMeasured(result(), { stalled: false });
    expect(measured).toMatchObject({ sent: 10, completed: 10, successful: 10, durationMs: 500, cpu: { userMs: 5, sysMs: 7 } });
    expect(accountingError(measured)).toBeNull();
    const histogram = decodeHistogram(measured.histogram);
    expect(histogram.totalCount).toBe(10);
    expect(histogram.getValueAtPercentile(40)).toBe(100);
  });

  it('counts requests lost with a connection as connection errors, and the rest as in flight at the end', () => {
    const lost = result(
      { requests: 6, errors: { connect: 0, read: 1, write: 0, status: 0, timeout: 0 }, latency: [100, 6] },
      { responses: 6, statuses: { '201': 6 } },
    );
    const measured = wrkMeasured(lost, { stalled: false });
    expect(measured.failures).toMatchObject({ connectionErrors: 1, incomplete: 3, timeouts: 0 });
    expect(accountingError(measured)).toBeNull();
  });

  it('counts what a stalled requests step never answered as timeouts', () => {
    const stalled = result({ requests: 6, latency: [100, 6] }, { responses: 6, statuses: { '201': 6 } });
    const measured = wrkMeasured(stalled, { stalled: true });
    expect(measured.failures).toMatchObject({ timeouts: 4, incomplete: 0 });
    expect(measured.notes.join()).toMatch(/timeouts/);
  });

  it('counts answers slower than the timeout as timeouts, not completed', () => {
    const late = result({ errors: { connect: 0, read: 0, write: 0, status: 0, timeout: 2 }, latency: [100, 8] });
    const measured = wrkMeasured(late, { stalled: false });
    expect(measured).toMatchObject({ completed: 8, successful: 8, failures: { timeouts: 2 } });
    expect(accountingError(measured)).toBeNull();
  });

  it('refuses a histogram that does not hold every answer, naming the likely cause', () => {
    expect(() => wrkMeasured(result({ latency: [100, 3] }), { stalled: false })).toThrow(/not laid out as kvbench expects/);
  });

  it('refuses counters that contradict each other', () => {
    expect(() => wrkMeasured(result({ requests: 9 }), { stalled: false })).toThrow(/response\(\) hooks saw 10/);
  });
});

describe('splitStatuses', () => {
  it('expects at most one 201 per POST and one 200 or 404 per GET', () => {
    expect(splitStatuses({ '201': 5, '200': 3, '404': 2 }, 5, 5, 0)).toEqual({ successful: 10, byStatus: {} });
    expect(splitStatuses({ '200': 10 }, 4, 6, 0)).toEqual({ successful: 6, byStatus: { '200': 4 } });
    expect(splitStatuses({ '201': 8, '500': 2 }, 10, 0, 0)).toEqual({ successful: 8, byStatus: { '500': 2 } });
  });

  it('takes late answers from the expected ones first', () => {
    expect(splitStatuses({ '201': 2, '500': 3 }, 5, 0, 4)).toEqual({ successful: 0, byStatus: { '500': 1 } });
  });
});

describe('parseWrkResult', () => {
  it('reports a result line it cannot read, saying what is wrong', () => {
    expect(() => parseWrkResult('{"durationUs": 1')).toThrow(/not JSON/);
    expect(() => parseWrkResult(JSON.stringify({ ...result(), latency: [1, 2, 3] }))).toThrow(/pairs/);
    expect(parseWrkResult(JSON.stringify(result()))).toEqual(result());
  });
});

describe('wrkPlan', () => {
  it('uses as many threads as CPUs, dividing the connections evenly, and shares requests among them', () => {
    const plan = wrkPlan(step({ connections: 1000, requests: 1001 }), '0-1');
    expect(plan).toMatchObject({ threads: 2, connections: 1000, quotas: [501, 500], timeoutSec: 10 });
    expect(wrkPlan(step({ connections: 7, requests: 10 }), '0-1').threads).toBe(1);
  });

  it('says when it had to round a step to what wrk can do', () => {
    const plan = wrkPlan(step({ connections: 50, requests: 20, timeoutMs: 1500 }), '0');
    expect(plan).toMatchObject({ connections: 20, timeoutSec: 2 });
    expect(plan.notes.join(' ')).toMatch(/20 connections.*1500 ms became 2 s/);
  });

  it('gives wrk a duration step rounded up (the driver stops it on time)', () => {
    expect(wrkPlan(step({ durationSec: 2.5 }), '0')).toMatchObject({ durationSec: 4 });
    expect(wrkPlan(step({ durationSec: 2.5 }), '0').quotas).toBeUndefined();
  });
});

describe('luaString', () => {
  it('escapes quotes, backslashes and bytes outside printable ASCII, three digits each', () => {
    expect(luaString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(luaString('\n5')).toBe('"\\0105"');
    expect(luaString('é')).toBe('"\\195\\169"');
  });
});
