import { installExitCleanup, killAllChildren } from '@kvbench/launcher';

/**
 * First Ctrl-C (or SIGTERM): abort — the current load stops, its server is stopped cleanly, partial results are
 * written. Second Ctrl-C: kill every child at once and leave. Either way no server outlives the runner.
 */
export function interruptibly(): { signal: AbortSignal; dispose(): void } {
  installExitCleanup();
  const controller = new AbortController();
  let count = 0;
  const onSignal = (name: NodeJS.Signals) => {
    count++;
    if (count === 1) {
      process.stderr.write(`\nkvbench: ${name} — stopping servers and saving partial results (again to force)\n`);
      controller.abort(name);
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
