import { spawn } from 'node:child_process';
import { track } from './cleanup.js';

export interface ExecResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  durationMs: number;
}

/**
 * Runs argv to completion with stdout and stderr merged, killing its whole process group past `timeoutMs`
 * (a hung build or version probe is reported, never waited on forever).
 */
export function exec(argv: readonly string[], options: { cwd: string; timeoutMs: number; env?: NodeJS.ProcessEnv }) {
  const [program, ...args] = argv;
  if (!program) throw new Error('exec: empty command');
  const started = performance.now();
  return new Promise<ExecResult>((resolve, reject) => {
    const child = spawn(program, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const untrack = track(child);
    let output = '';
    const append = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.length > 1_000_000) output = output.slice(-500_000);
    };
    child.stdout.on('data', append);
    child.stderr.on('data', append);
    const timer = setTimeout(() => {
      output += `\n[kvbench] killed after ${options.timeoutMs} ms`;
      killGroup(child.pid, 'SIGKILL');
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      untrack();
      reject(new Error(`cannot run ${argv.join(' ')} in ${options.cwd}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      untrack();
      resolve({ code, signal, output, durationMs: performance.now() - started });
    });
  });
}

/** Signals a detached child's whole process group; a group already gone is not an error. */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already exited
    }
  }
}

export function tail(text: string, lines = 20): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
