import type { Failures, LoadGeneratorName, ResolvedStep } from '@kvbench/schemas';

export interface LoadRequest {
  /** Server base URL, e.g. http://127.0.0.1:34567 — loopback only: anything else is refused. */
  url: string;
  /** Warm-up is the runner's: it calls run() once with a warm-up step first. */
  step: ResolvedStep;
  /** Seeds the request bodies, so a run can be repeated. */
  seed: number;
  /** taskset CPU list for the load-generator process. */
  cpus?: string;
  /** The generator's own process id (not a wrapper's), so the runner can sample /proc. */
  onStart?: (pid: number) => void;
  /** About every 200 ms. */
  onProgress?: (p: LoadProgress) => void;
  /** Abort: stop promptly, kill the generator process, resolve with aborted: true. */
  signal?: AbortSignal;
}

export interface LoadProgress {
  elapsedMs: number;
  sent: number;
  completed: number;
  successful: number;
  intervalRps: number;
  /** null when the generator cannot tell (wrk) or nothing completed in the interval. */
  intervalP99Us: number | null;
}

export interface TimelineSample {
  tMs: number;
  completed: number;
  successful: number;
  intervalP99Us: number | null;
}

export interface LoadOutcome {
  generator: { name: string; version: string };
  /**
   * sent = completed + failures.timeouts + failures.connectionErrors + failures.clientOpenFileErrors
   * + failures.incomplete. completed = answered (any status) within the timeout.
   */
  sent: number;
  completed: number;
  /** Answered with the expected status: POST → 201; GET → 200 or 404 (a miss is a correct answer). */
  successful: number;
  failures: Failures;
  /** First send → last answer. */
  durationMs: number;
  /** HDR histogram of latencies in microseconds (hdr-histogram-js encodeIntoCompressedBase64). */
  histogram: string;
  timeline: TimelineSample[];
  /** The generator process's own CPU over the run. */
  cpu: { userMs: number; sysMs: number } | null;
  aborted: boolean;
  /** What the generator could not do exactly as asked, in plain words (e.g. a timeout rounded up to 1 s). */
  notes?: string[];
}

export interface LoadGenerator {
  name: LoadGeneratorName;
  /** null if usable; else a sentence saying how to get it. */
  unavailable(): Promise<string | null>;
  version(): Promise<string>;
  run(request: LoadRequest): Promise<LoadOutcome>;
}
