import { stepModel, type ResolvedStep } from '@kvbench/schemas';

/**
 * For generators that can only keep N requests in flight on N connections of their own: they refuse open-model
 * steps and the pool connection model, each with a way out.
 */
export function closedModelOnly(name: string): (step: ResolvedStep) => string | null {
  return (step) => {
    if (stepModel(step) !== 'closed') {
      return `step ${step.name} offers a fixed rate (open model), which ${name} cannot do with coordinated-omission-correct latency: use --generator native`;
    }
    if (step.connectionModel === 'pool') {
      return `step ${step.name} uses the pool connection model (the blog client's idle pool and dial per request), which ${name} does not have: use --generator native, or "connectionModel": "fixed"`;
    }
    return null;
  };
}

/** A step's length as a generator receives it: a count of requests, or seconds of load — exactly one. */
export function checkStep(step: ResolvedStep): void {
  if (step.capacity) throw new Error(`step ${step.name}: a capacity search is the runner's; a generator runs its probes`);
  const hasRequests = step.requests !== undefined;
  const hasDuration = step.durationSec !== undefined;
  if (hasRequests === hasDuration) {
    throw new Error(`step ${step.name}: give exactly one of requests or durationSec`);
  }
  if (hasRequests && !(Number.isInteger(step.requests) && step.requests! > 0)) {
    throw new Error(`step ${step.name}: requests must be a positive integer, got ${step.requests}`);
  }
  if (hasDuration && !(step.durationSec! > 0)) {
    throw new Error(`step ${step.name}: durationSec must be positive, got ${step.durationSec}`);
  }
}
