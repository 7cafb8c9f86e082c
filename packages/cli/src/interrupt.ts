import { installExitCleanup, killAllChildren } from '@kvbench/launcher';

/**
 * A wrapper that relays Ctrl-C (tsx, pnpm) delivers it a second time a few milliseconds after the terminal did
 * (30 ms measured for tsx): within this window a second signal is the same keypress, not a request to force.
 */
const RELAY_WINDOW_MS = 500;

/**
 * First Ctrl-C (or SIGTERM): abort — the current load stops, its server is stopped cleanly, partial results are
 * written. Second Ctrl-C (after RELAY_WINDOW_MS): kill every child at once and leave. Either way no server outlives
 * the runner.
 */
export function interruptibly(): { signal: AbortSignal; dispose(): void } {
  installExitCleanup();
  const controller = new AbortController();
  let firstAt: number | null = null;
  const onSignal = (name: NodeJS.Signals) => {
    if (firstAt === null) {
      firstAt = performance.now();
      process.stderr.write(`\nkvbench: ${name} — stopping servers and saving partial results (again to force)\n`);
      controller.abort(name);
    } else if (performance.now() - firstAt < RELAY_WINDOW_MS) {
      return; // the same Ctrl-C, relayed
    } else {
      killAllChildren('SIGKILL');
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
