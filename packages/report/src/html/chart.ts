import { escapeHtml } from '../escape.js';

/**
 * How the client script formats tick and tooltip values; values in the data are already in display units.
 * 'seconds' is a measured time (significant digits); 'elapsed' a position on a time axis (centiseconds, not rounded).
 */
export type ValueFormat = 'int' | 'num' | 'ms' | 'us' | 'mib' | 'pct' | 'cores' | 'rps' | 'seconds' | 'elapsed' | 'nines' | 'change';

export interface AxisSpec {
  title: string;
  format: ValueFormat;
  log?: boolean;
  min?: number;
  max?: number;
  /** Linear axes start at zero unless this is false (success rates near 100 % need the room). */
  zero?: boolean;
}

export interface SeriesSpec {
  label: string;
  /** One colour, or one per bar (a single dataset coloured by server). */
  color: string | string[];
  /** Bar fill when it differs from the line/border colour. */
  fill?: string | string[];
  /** Category charts: one value per label; xy charts: points. */
  data: Array<number | null> | Array<{ x: number; y: number }>;
  dashed?: boolean;
  /** Reference series (the blog's figures): hollow points so they never pass for measurements. */
  reference?: boolean;
  stack?: string;
  points?: boolean;
}

export interface ChartSpec {
  id: string;
  type: 'line' | 'bar';
  /** Category labels; absent for xy charts (x is then a number axis). `y` is always the value axis, even horizontal. */
  labels?: string[];
  x: AxisSpec;
  y: AxisSpec;
  series: SeriesSpec[];
  stacked?: boolean;
  horizontal?: boolean;
  legend?: boolean;
  /** Canvas height in px. */
  height?: number;
}

/** Hands out chart ids and remembers every spec: the page serializes them once into its data block. */
export class Charts {
  readonly specs: ChartSpec[] = [];
  private next = 0;

  constructor(private readonly prefix = 'chart') {}

  id(): string {
    return `${this.prefix}-${++this.next}`;
  }

  add(spec: ChartSpec): string {
    this.specs.push(spec);
    return canvas(spec);
  }
}

function canvas(spec: ChartSpec): string {
  const height = spec.height ?? 300;
  return (
    `<div class="chart" style="height:${height}px">` +
    `<canvas id="${escapeHtml(spec.id)}" role="img" aria-label="${escapeHtml(`${spec.y.title} chart`)}"></canvas>` +
    `</div>`
  );
}

/** A chart and the table holding its numbers, side by side (stacked on narrow screens). */
export function chartPair(opts: {
  title: string;
  /** HTML, already escaped. */
  note?: string;
  chart: string;
  table: string;
  /** 'wide': chart above its table; 'table': more room for a wide table. */
  layout?: 'wide' | 'table';
}): string {
  return (
    `<figure class="pair${opts.layout ? ` ${opts.layout}` : ''}">` +
    `<figcaption><h4>${escapeHtml(opts.title)}</h4>${opts.note ? `<p class="note">${opts.note}</p>` : ''}</figcaption>` +
    `<div class="pair-body">${opts.chart}<div class="table-wrap">${opts.table}</div></div>` +
    `</figure>`
  );
}
