import type { ScenarioView } from './view.js';

/**
 * Why server CPU per request leads, and the one condition under which it ranks servers. Every renderer says it in
 * these words, so the reason cannot drift between the HTML, the Markdown and the index page.
 */

/** CPU per request depends on the offered rate (a server asked more slowly wakes up more often per request). */
export const SAME_LOAD_RULE =
  'CPU per request ranks servers only when they are compared at the same offered load: same step, same generator, same rate.';

/** "this 4-core machine", or "2- and 4-core machines" when pooled results came from several: the counts recorded. */
export function machineText(view: ScenarioView): string {
  const cores = [...new Set(view.environments.map((e) => e.cores))].sort((a, b) => a - b);
  if (cores.length === 1) return `this ${cores[0]}-core machine`;
  return `${cores.slice(0, -1).map((c) => `${c}-`).join(', ')} and ${cores[cores.length - 1]}-core machines`;
}

/** The verdict's lede: why CPU leads here, on the machine the results name, and when it ranks. */
export function leadingMetricLede(view: ScenarioView): string {
  return (
    `Server CPU per request leads: on ${machineText(view)} the load generator can cap RPS, so RPS alone may not rank fast servers. ` +
    SAME_LOAD_RULE
  );
}
