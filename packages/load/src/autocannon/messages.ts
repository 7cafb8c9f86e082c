import type { ResolvedStep } from '@kvbench/schemas';
import type { LoadOutcome, LoadProgress } from '../types.js';

/** What the driver hands the worker (as one JSON argument). */
export interface WorkerJob {
  url: string;
  step: ResolvedStep;
  seed: number;
}

export type ToWorker = { type: 'stop' };

export type FromWorker =
  /** The run is about to start: the worker's startup (tsx, imports) is behind it. */
  | { type: 'ready' }
  | { type: 'progress'; progress: LoadProgress }
  /** timeline is the driver's (built from progress), so the outcome travels without it. */
  | { type: 'done'; outcome: Omit<LoadOutcome, 'timeline' | 'generator'> }
  | { type: 'error'; message: string };
