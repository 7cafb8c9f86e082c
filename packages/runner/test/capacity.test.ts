import { describe, expect, it } from 'vitest';
import { CapacitySchema } from '@kvbench/schemas';
import { clientCeiling, judgeProbe, searchCapacity, type ProbeReading } from '../src/capacity.js';
import { resolveEqualRate } from '../src/equal-load.js';
import { resolvePinning } from '../src/pinning.js';
import type { PlanItem } from '../src/plan.js';

/** A server that holds p99 = 2 ms up to `limit` req/s and misses above it; the client costs `clientUs` per request. */
function serverUpTo(limit: number, clientUs = 5) {
  const rates: number[] = [];
  const probe = async (rate: number): Promise<ProbeReading> => {
    rates.push(rate);
    return {
      p99Us: rate <= limit ? 2000 : 40_000,
      successRate: 1,
      dropped: 0,
      sent: rate,
      serverCoresBusy: null,
      clientCoresBusy: null,
      clientUsPerRequest: clientUs,
    };
  };
  return { probe, rates };
}

const spec = (over: object = {}) => CapacitySchema.parse({ p99Ms: 10, budgetSec: 3600, ...over });

describe('searchCapacity', () => {
  it('doubles until a probe misses, then bisects to the resolution', async () => {
    const { probe, rates } = serverUpTo(7000);
    const result = await searchCapacity(spec(), 1, probe, new AbortController().signal);
    expect(rates.slice(0, 4)).toEqual([1000, 2000, 4000, 8000]);
    expect(result.rate).toBeGreaterThan(7000 / 1.05);
    expect(result.rate).toBeLessThanOrEqual(7000);
    expect(result.missedAt).toBeGreaterThan(7000);
    expect((result.missedAt! - result.rate!) / result.rate!).toBeLessThanOrEqual(0.05);
    expect(result.nearClientCeiling).toBe(false);
    expect(result.probes.filter((p) => !p.ok).every((p) => /p99 40\.0 ms over the target/.test(p.reason!))).toBe(true);
  });

  it('halves when the first probe already misses', async () => {
    const { probe, rates } = serverUpTo(300);
    const result = await searchCapacity(spec(), 1, probe, new AbortController().signal);
    // Each miss is confirmed by a second probe at the same rate.
    expect(rates.slice(0, 5)).toEqual([1000, 1000, 500, 500, 250]);
    expect(result.rate).toBeGreaterThan(280);
    expect(result.rate).toBeLessThanOrEqual(300);
  });

  it("stops the ramp below the client ceiling and flags the capacity as the client's", async () => {
    // 50 µs per request on one core: the client tops out at 20 000 req/s, the server never misses.
    const { probe, rates } = serverUpTo(1e9, 50);
    const result = await searchCapacity(spec(), 1, probe, new AbortController().signal);
    expect(Math.max(...rates)).toBeLessThanOrEqual(20_000);
    expect(result.clientCeilingRps).toBe(20_000);
    expect(result.nearClientCeiling).toBe(true);
    expect(result.missedAt).toBeNull();
  });

  it('reports no capacity when even the lowest rate misses, and stops when the budget is spent', async () => {
    const never = await searchCapacity(spec(), 1, serverUpTo(10).probe, new AbortController().signal);
    expect(never.rate).toBeNull();
    const brief = serverUpTo(7000);
    const slowProbe = async (rate: number) => {
      await new Promise((r) => setTimeout(r, 30));
      return brief.probe(rate);
    };
    await searchCapacity(spec({ budgetSec: 0.1, probeSec: 0.03 }), 1, slowProbe, new AbortController().signal);
    expect(brief.rates.length).toBeLessThanOrEqual(3);
  });
});

describe('searchCapacity and one stall', () => {
  it('does not call a rate missed on one stalled probe when the probe after it holds', async () => {
    const steady = serverUpTo(7000);
    let calls = 0;
    const stallOnce = async (rate: number) => {
      const reading = await steady.probe(rate);
      return ++calls === 2 ? { ...reading, p99Us: 50_000 } : reading; // the probe at 2000/s stalls once
    };
    const result = await searchCapacity(spec(), 1, stallOnce, new AbortController().signal);
    expect(steady.rates.slice(0, 4)).toEqual([1000, 2000, 2000, 4000]);
    expect(result.rate).toBeGreaterThan(6600);
    expect(result.probes[1]).toMatchObject({ rate: 2000, ok: false });
  });
});

describe('judgeProbe', () => {
  const ok: ProbeReading = { p99Us: 900, successRate: 1, dropped: 0, sent: 100, serverCoresBusy: null, clientCoresBusy: null, clientUsPerRequest: null };
  it('holds only with every request answered, none dropped and p99 within the target', () => {
    expect(judgeProbe(ok, 1000).ok).toBe(true);
    expect(judgeProbe({ ...ok, successRate: 0.999 }, 1000)).toEqual({ ok: false, reason: 'success 99.90 %' });
    expect(judgeProbe({ ...ok, dropped: 3 }, 1000).reason).toMatch(/3 requests never sent/);
    expect(judgeProbe({ ...ok, p99Us: 1001 }, 1000).ok).toBe(false);
  });
  it('estimates the client ceiling from its busiest probe', () => {
    expect(
      clientCeiling(
        [
          { ...ok, sent: 10, clientUsPerRequest: 40 },
          { ...ok, sent: 1000, clientUsPerRequest: 10 },
        ],
        2,
      ),
    ).toBe(200_000);
    expect(clientCeiling([{ ...ok, clientUsPerRequest: null }], 1)).toBeNull();
  });
});

describe('resolveEqualRate', () => {
  const item = (rate: PlanItem['step']['rate'], repeat = 0) => ({ target: 'go', stepIndex: 1, repeat, seed: 1, step: { name: 'equal-50', rate } }) as PlanItem;
  const capacityRun = (server: string, rate: number | null, repeat = 0) => ({ server, repeat, capacity: { rate } }) as never;
  it('offers every server the same fraction of the slowest capacity of the same repeat', () => {
    const runs = [capacityRun('go', 20_000), capacityRun('rust', 50_000), capacityRun('ts', 8000, 1)];
    expect(resolveEqualRate(item({ capacityFraction: 0.5 }), runs).item!.step.rate).toBe(10_000);
    expect(resolveEqualRate(item(3000), runs).item!.step.rate).toBe(3000);
  });
  it('says why when there is no capacity to take a fraction of', () => {
    expect(resolveEqualRate(item({ capacityFraction: 0.5 }), []).error).toMatch(/no capacity step ran before it/);
    expect(resolveEqualRate(item({ capacityFraction: 0.5 }), [capacityRun('ts', null)]).error).toMatch(/ts met the target at no rate/);
  });
});

describe('resolvePinning', () => {
  it('pins the server to the first half of the cores and the client to the rest by default', () => {
    expect(resolvePinning({}, false, 2)).toEqual({ server: '0', load: '1', mode: 'auto' });
    expect(resolvePinning({}, false, 8)).toEqual({ server: '0-3', load: '4-7', mode: 'auto' });
    expect(resolvePinning({}, false, 1)).toEqual({ mode: 'off' });
  });
  it('keeps given CPU lists and lets --no-pin opt out', () => {
    expect(resolvePinning({ server: '1', load: '0' }, false, 2)).toEqual({ server: '1', load: '0', mode: 'manual' });
    expect(resolvePinning({}, true, 2)).toEqual({ mode: 'off' });
  });
});
