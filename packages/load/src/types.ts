import type { ClientResult, ConnectionUse, Failures, LoadGeneratorName, ResolvedStep } from '@kvbench/schemas';

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
  /**
   * The measured load begins now (connections already open where the generator opens them first): the runner reads
   * the server's CPU counters here, so set-up is not charged to the requests.
   */
  onLoadStart?: () => void;
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
  /** First send → the last request's end (its answer, timeout or error): the blog's "total test duration". */
  durationMs: number;
  /** Open model: arrivals offered by the schedule; closed: equal to sent. */
  offered: number;
  /** Open model: offered arrivals never sent (every connection still busy when the schedule ended). */
  dropped: number;
  /** HDR histogram of latencies in microseconds (hdr-histogram-js encodeIntoCompressedBase64). */
  histogram: string;
  /** Where `histogram`'s latencies start. */
  latencyFrom: ClientResult['latencyFrom'];
  /** Write → answer, when kept apart from `histogram` (the open model's raw service time). */
  serviceHistogram: string | null;
  /** TCP connect times, measured apart from the requests. */
  connectHistogram: string | null;
  /** Dials, reuses, the idle pool and where each timeout struck; null when the generator cannot tell. */
  connections: ConnectionUse | null;
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
  /** null if the generator can run this step as asked; else why not, and what to use instead. */
  unsupported(step: ResolvedStep): string | null;
  /**
   * The most CPU (in cores) the generator can use when given these CPUs (all of the machine's when absent): the
   * yardstick of the load-generator-bound check. A single event loop is 1; a thread per CPU is the CPU count.
   */
  cpuCapacity(cpus: string | undefined, connections: number): number;
  version(): Promise<string>;
  run(request: LoadRequest): Promise<LoadOutcome>;
}
