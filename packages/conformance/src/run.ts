import { spawn } from 'node:child_process';
import { killGroup, track } from '@kvbench/launcher';

export interface RunOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Still running at the deadline, and killed. */
  timedOut: boolean;
}

/**
 * Runs a server command that is expected to end by itself (`--help`, a bad flag, a corrupted store), keeping stdout
 * and stderr apart: the spec says which of the two a message goes to.
 */
export function runToExit(argv: readonly string[], cwd: string, timeoutMs = 15_000): Promise<RunOutcome> {
  const [program, ...args] = argv;
  if (!program) throw new Error('runToExit: empty command');
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const untrack = track(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, 'SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      untrack();
      reject(new Error(`cannot run ${argv.join(' ')} in ${cwd}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      untrack();
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** The outcome in a line for assertion messages. */
export function describeRun(outcome: RunOutcome): string {
  const how = outcome.timedOut ? 'still running after the deadline' : outcome.signal ? `signal ${outcome.signal}` : `exit ${outcome.code}`;
  return `${how}; stdout ${JSON.stringify(outcome.stdout.slice(0, 600))}; stderr ${JSON.stringify(outcome.stderr.slice(0, 600))}`;
}
