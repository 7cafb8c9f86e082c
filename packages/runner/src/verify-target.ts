import { mkdtemp, rm } from 'node:fs/promises';
import { scratchPrefix } from '@kvbench/launcher';
import { verifyServer } from '@kvbench/conformance';
import type { Verification } from '@kvbench/schemas';
import type { LiveTarget, StartOptions, Target } from './targets.js';

/** The whole verification of one server, start and reload included: a server that takes longer is not ready to measure. */
export const VERIFY_BUDGET_MS = 10_000;

/**
 * Verify, then measure: the target started on a scratch directory of its own, checked by the conformance suite's
 * fast subset, and stopped, before any of its measured runs. Never throws: a start that fails, a check that fails
 * and a verification over its budget are all a Verification with ok false and the reason.
 */
export async function verifyTarget(target: Target, options: Omit<StartOptions, 'dataDir' | 'load'>, graceMs: number): Promise<Verification> {
  const started = performance.now();
  const dataDir = await mkdtemp(scratchPrefix(`verify-${target.name}`));
  let live: LiveTarget | null = null;
  const failed = (name: string, error: string): Verification => ({
    ok: false,
    durationMs: performance.now() - started,
    checks: [{ name, ok: false, error }],
    skipped: [],
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    try {
      live = await target.start({ ...options, dataDir });
    } catch (error) {
      // Whole, stderr included: the reason a server does not start is usually in its last lines.
      return failed('start', (error as Error).message);
    }
    const reload = target.restarts
      ? async () => {
          await live!.process?.stop(graceMs);
          live = await target.start({ ...options, dataDir, load: true });
          return live.url;
        }
      : undefined;
    const overBudget = new Promise<Verification>((resolve) => {
      timer = setTimeout(() => resolve(failed('budget', `verification did not finish within ${VERIFY_BUDGET_MS / 1000} s`)), VERIFY_BUDGET_MS);
    });
    const outcome = await Promise.race([verifyServer({ url: live.url, ...(reload ? { reload } : {}) }), overBudget]);
    return { ...outcome, durationMs: performance.now() - started };
  } catch (error) {
    return failed('reload', (error as Error).message.split('\n')[0]!);
  } finally {
    clearTimeout(timer);
    const process = (live as LiveTarget | null)?.process;
    if (process?.running) await process.stop(graceMs);
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** A verification that could not even start the server is a start failure, reported as one. */
export function failedToStart(v: Verification): boolean {
  return !v.ok && v.checks.length === 1 && v.checks[0]!.name === 'start';
}

/** The failed checks in one line: what the terminal, the warning and the run's error say. */
export function verificationFailure(v: Verification): string {
  return v.checks
    .filter((c) => !c.ok)
    .map((c) => `${c.name}: ${c.error ?? 'failed'}`)
    .join('; ');
}
