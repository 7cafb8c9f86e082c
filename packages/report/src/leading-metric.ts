import type { ScenarioView } from './view.js';

/**
 * Why server CPU per request leads, and the one condition under which it ranks servers. Every renderer says it in
 * these words, so the reason cannot drift between the HTML, the Markdown and the index page.
 */

/** CPU per request depends on the offered rate (a server asked more slowly wakes up more often per request). */
export const SAME_LOAD_RULE = 'CPU per request ranks servers only when they are compared at the same offered load: same step, same generator, same rate.';

/** "this 4-core machine", or "2- and 4-core machines" when pooled results came from several: the counts recorded. */
export function machineText(view: ScenarioView): string {
  const cores = [...new Set(view.environments.map((e) => e.cores))].sort((a, b) => a - b);
  if (cores.length === 1) return `this ${cores[0]}-core machine`;
  return `${cores
    .slice(0, -1)
    .map((c) => `${c}-`)
    .join(', ')} and ${cores[cores.length - 1]}-core machines`;
}

/**
 * The lede of the lead: with a capacity search, capacity leads — a rate every server was offered and held is a
 * property of the server at a stated latency, which a closed-model RPS capped by the client is not. Without one,
 * the same offered rate for every server is what makes CPU per request and p99 comparable.
 */
export function capacityLede(view: ScenarioView, withCapacity = true): string {
  if (!withCapacity) {
    return (
      'Every server at the same offered rate: server CPU per request and p99 compare like with like there, ' +
      `whatever the load generator could do on ${machineText(view)} in a closed-model race.`
    );
  }
  return (
    'Capacity leads: the highest offered rate each server held with every request answered, none left unsent and p99 within the target. ' +
    'Then server CPU per request, with every server at the same offered rate. ' +
    `On ${machineText(view)} the client's own ceiling can cap a capacity: where it came near, the figure is a floor.`
  );
}

/** The verdict's lede: why CPU leads here, on the machine the results name, and when it ranks. */
export function leadingMetricLede(view: ScenarioView): string {
  return `Server CPU per request leads: on ${machineText(view)} the load generator can cap RPS, so RPS alone may not rank fast servers. ` + SAME_LOAD_RULE;
}

/** The ladder's lede below a capacity lead: there CPU per request no longer leads, but the same rule holds. */
export function ladderLede(view: ScenarioView): string {
  return (
    `The closed model: N requests with at most so many in flight, as fast as the pair goes. On ${machineText(view)} the load generator can cap RPS, so RPS alone may not rank fast servers. ` +
    SAME_LOAD_RULE
  );
}
