import type { ResolvedStep } from '@kvbench/schemas';

/** A step's length: a count of requests, or seconds of load — exactly one, as the scenario schema says. */
export function checkStep(step: ResolvedStep): void {
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
