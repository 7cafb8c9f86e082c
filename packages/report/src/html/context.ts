import type { ScenarioView } from '../view.js';
import type { Charts } from './chart.js';

export interface HtmlOptions {
  /** Page title; default "kvbench · <scenario names>". */
  title?: string;
  /** Which run the timelines show: default the largest step, repeat 0. */
  timeline?: { step?: string; repeat?: number };
}

/** What every section renderer receives: one scenario, the page's chart registry and a way to make unique ids. */
export interface Ctx {
  view: ScenarioView;
  charts: Charts;
  /** Anchor ids unique across scenarios on one page. */
  anchor: (name: string) => string;
  options: HtmlOptions;
}
