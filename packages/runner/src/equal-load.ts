import type { Run } from '@kvbench/schemas';
import type { PlanItem } from './plan.js';

/**
 * A step whose rate is `{ capacityFraction }` offers every server the same load: that fraction of the lowest
 * capacity any server reached in this repeat's capacity step (which the plan ran before it). Returns the item with
 * its rate in requests per second, or why it cannot run.
 */
export function resolveEqualRate(item: PlanItem, runs: readonly Run[]): { item?: PlanItem; error?: string } {
  const { rate } = item.step;
  if (rate === undefined || typeof rate === 'number') return { item };
  const found = runs.filter((r) => r.repeat === item.repeat && r.capacity);
  if (found.length === 0) {
    return { error: `step ${item.step.name} offers a fraction of the slowest capacity, but no capacity step ran before it in this repeat` };
  }
  const failed = found.filter((r) => r.capacity!.rate === null).map((r) => r.server);
  if (failed.length) {
    return { error: `step ${item.step.name} needs every server's capacity, and ${failed.join(', ')} met the target at no rate` };
  }
  const slowest = Math.min(...found.map((r) => r.capacity!.rate!));
  return { item: { ...item, step: { ...item.step, rate: Math.max(1, Math.round(slowest * rate.capacityFraction)) } } };
}
