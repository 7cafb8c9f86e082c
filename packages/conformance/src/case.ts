import type { ServerUnderTest, StartOptions } from './server-under-test.js';

/** One behaviour of the spec, checked against one server. Throws (an AssertionError) when the server breaks it. */
export interface ConformanceCase {
  name: string;
  run(sut: ServerUnderTest): Promise<void>;
  /** Longer than the default for cases that wait on timers or restart the server. */
  timeoutMs?: number;
}

/**
 * Cases that belong together. With `shared`, one server is started with these flags in a fresh directory for the
 * whole group and must stop cleanly after it; without, each case gets a fresh, unstarted handle of its own.
 */
export interface CaseGroup {
  name: string;
  shared?: StartOptions;
  cases: ConformanceCase[];
}

/** Short timers for groups whose cases wait on a flush or a sweep. */
export const FAST_TIMERS = { flushInterval: 100, cleanupInterval: 100 } as const;

/**
 * Thrown by a case that cannot run on this machine (a full disk needs a tmpfs, which needs mount rights): the test
 * runner reports the case as skipped with this reason, never as a pass.
 */
export class SkipCase extends Error {
  override name = 'SkipCase';
}
