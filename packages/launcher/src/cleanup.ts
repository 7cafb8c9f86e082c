import type { ChildProcess } from 'node:child_process';

/**
 * Every child the harness starts is registered here, so that Ctrl-C, an uncaught error or a plain exit of the
 * runner kills them all: no server left running, no port left held. Children run in their own process group
 * (detached), so a terminal's Ctrl-C reaches only the runner, which then stops them in order.
 */
const live = new Set<ChildProcess>();

export function track(child: ChildProcess): () => void {
  live.add(child);
  return () => live.delete(child);
}

export function liveChildren(): number {
  return live.size;
}

/** Synchronous on purpose: it also runs inside process.on('exit'), where nothing asynchronous happens. */
export function killAllChildren(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const child of live) {
    if (child.pid === undefined) continue;
    try {
      process.kill(-child.pid, signal);
    } catch {
      try {
        child.kill(signal);
      } catch {
        // gone
      }
    }
  }
  live.clear();
}

let installed = false;
/** Kills tracked children when the runner process exits for any reason Node can see. */
export function installExitCleanup(): void {
  if (installed) return;
  installed = true;
  process.on('exit', () => killAllChildren('SIGKILL'));
}
