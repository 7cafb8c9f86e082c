import { resolveSteps, type ResolvedStep, type Scenario } from '@kvbench/schemas';

/** One measurement to make: a server, a step, a repeat, and the seed its request sequence comes from. */
export interface PlanItem {
  target: string;
  step: ResolvedStep;
  stepIndex: number;
  repeat: number;
  seed: number;
}

/**
 * Servers × steps × repeats, ordered repeat → step → server: the servers take turns at each step, so drift on a
 * shared machine (thermal, neighbours) spreads over all of them instead of landing on whichever ran last; odd repeats
 * take them in reverse (A B, B A, …) so that no server always goes first. Every server gets the same seed for the
 * same (step, repeat): identical request sequences.
 */
export function makePlan(scenario: Scenario, targets: readonly string[], repeat = scenario.repeat, seed = scenario.seed): PlanItem[] {
  const steps = resolveSteps(scenario);
  const plan: PlanItem[] = [];
  for (let r = 0; r < repeat; r++) {
    steps.forEach((step, stepIndex) => {
      const order = r % 2 === 0 ? targets : [...targets].reverse();
      for (const target of order) plan.push({ target, step, stepIndex, repeat: r, seed: mixSeed(seed, stepIndex, r) });
    });
  }
  return plan;
}

/** A well-spread 32-bit seed from (seed, step, repeat) — FNV-1a over the three numbers. */
export function mixSeed(seed: number, stepIndex: number, repeat: number): number {
  let h = 0x811c9dc5;
  for (const n of [seed, stepIndex, repeat]) {
    for (let i = 0; i < 4; i++) {
      h ^= (n >>> (i * 8)) & 0xff;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  }
  return h;
}
