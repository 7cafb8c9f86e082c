import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { FdLimit, Readiness, StopSignal } from '@kvbench/schemas';
import { track } from './cleanup.js';
import { killGroup } from './exec.js';
import { dieWithRunner } from './orphans.js';

/** Lines of the kv-spec's readiness contract: exactly one `listening on http://HOST:PORT` on stdout. */
const LISTENING = /^listening on (http:\/\/\S+?)\/?$/;
/** What an open-file error looks like in each runtime's own words. */
export const OPEN_FILE_ERROR = /EMFILE|too many open files/i;

export interface LaunchSpec {
  /** What to run: the manifest's start argv, or a user's command. */
  argv: string[];
  cwd: string;
  /** Applied to the server alone through prlimit; the runner and the load generator keep theirs. */
  fdLimit?: FdLimit;
  /** taskset CPU list for the server. */
  cpus?: string;
  readyTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Default: the kv-spec's `listening on` line, then GET /healthz → 200. */
  ready?: Readiness;
  /** Where the server will listen, when the runner chose its port: what tcp and http readiness look at. */
  url?: string;
  /** Default SIGTERM, the kv-spec's. */
  stopSignal?: StopSignal;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StopOutcome extends ExitInfo {
  /** Exited 0 by itself within the grace period after SIGTERM. */
  clean: boolean;
  /** Did not exit within the grace period and was killed. */
  hung: boolean;
  stopMs: number;
}

export class StartError extends Error {
  constructor(
    message: string,
    readonly stderrTail: string[],
  ) {
    super(stderrTail.length ? `${message}\nserver stderr:\n${stderrTail.join('\n')}` : message);
    this.name = 'StartError';
  }
}

const STDERR_KEEP = 50;

/** What the server has said on stderr: the last lines, and a running count of open-file errors. */
interface StderrWatch {
  tail: string[];
  openFileErrors: number;
}

/** A started server: where it listens, what it said, and how to stop it. */
export class ServerProcess {
  readonly pid: number;
  /** Set once the process has exited, for whatever reason. */
  exitInfo: ExitInfo | null = null;
  readonly exited: Promise<ExitInfo>;
  private openFileErrorsBefore = 0;

  /** @internal use startServer */
  constructor(
    readonly child: ChildProcessByStdio<null, Readable, Readable>,
    readonly url: string,
    /** Spawn to first healthy answer. */
    readonly coldStartMs: number,
    exited: Promise<ExitInfo>,
    private readonly stderr: StderrWatch,
    readonly stopSignal: StopSignal = 'SIGTERM',
  ) {
    this.pid = child.pid!;
    this.exited = exited.then((info) => (this.exitInfo = info));
  }

  /** stderr lines with EMFILE / "Too many open files" since the last reset. */
  get openFileErrors(): number {
    return this.stderr.openFileErrors - this.openFileErrorsBefore;
  }

  /** Starts counting open-file errors afresh (e.g. after warm-up). */
  resetOpenFileErrors(): void {
    this.openFileErrorsBefore = this.stderr.openFileErrors;
  }

  recentStderr(): string[] {
    return [...this.stderr.tail];
  }

  get running(): boolean {
    return this.exitInfo === null;
  }

  /**
   * SIGTERM (or the manifest's stop signal), then wait up to `graceMs` for the kv-spec's flush-and-exit-0. A server
   * that does not exit is killed (with its process group) and reported as hung; one that dies of the signal is
   * recorded as an unclean exit, once: nothing is sent again.
   */
  async stop(graceMs = 10_000): Promise<StopOutcome> {
    const started = performance.now();
    if (this.exitInfo) return { ...this.exitInfo, clean: false, hung: false, stopMs: 0 };
    try {
      process.kill(this.pid, this.stopSignal);
    } catch {
      // exited between the check and the signal: `exited` resolves below
    }
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, graceMs, 'timeout').unref());
    const first = await Promise.race([this.exited, timeout]);
    if (first === 'timeout') {
      killGroup(this.pid, 'SIGKILL');
      const info = await this.exited;
      return { ...info, clean: false, hung: true, stopMs: performance.now() - started };
    }
    killGroup(this.pid, 'SIGKILL'); // anything the server left in its group
    return { ...first, clean: first.code === 0, hung: false, stopMs: performance.now() - started };
  }

  /** Immediate SIGKILL of the process group: for crash tests and for cleanup after a failure. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<ExitInfo> {
    killGroup(this.pid, signal);
    return this.exited;
  }
}

/**
 * Wraps argv in taskset and prlimit as asked, and in setpriv so the server dies with the runner; each execs the
 * next, so the pid is the server's own.
 */
export function wrapArgv(spec: Pick<LaunchSpec, 'argv' | 'fdLimit' | 'cpus'>): string[] {
  let argv = spec.argv;
  if (spec.fdLimit) {
    const hard = spec.fdLimit.hard ?? 'unlimited';
    // prlimit leaves the hard limit alone when given as "soft:" — keeps a non-root runner's hard limit.
    const value = spec.fdLimit.hard === undefined ? `${spec.fdLimit.soft}:` : `${spec.fdLimit.soft}:${hard}`;
    argv = ['prlimit', `--nofile=${value}`, '--', ...argv];
  }
  if (spec.cpus) argv = ['taskset', '--cpu-list', spec.cpus, ...argv];
  return dieWithRunner(argv);
}

/**
 * Spawns a server and waits until it is ready (by default its `listening on` line, then `GET /healthz` → 200).
 * Fails with the server's own output if it exits first or is not ready within `readyTimeoutMs`.
 */
export async function startServer(spec: LaunchSpec): Promise<ServerProcess> {
  const argv = wrapArgv(spec);
  const readyTimeoutMs = spec.readyTimeoutMs ?? 30_000;
  const ready = spec.ready ?? { by: 'listening-line' };
  const spawnedAt = performance.now();
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: spec.cwd,
    env: spec.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const untrack = track(child);
  const stderr: StderrWatch = { tail: [], openFileErrors: 0 };
  const tail = stderr.tail;
  const stderrLines = createInterface({ input: child.stderr });
  const stderrClosed = new Promise<void>((resolve) => stderrLines.on('close', resolve));
  stderrLines.on('line', (line) => {
    if (OPEN_FILE_ERROR.test(line)) stderr.openFileErrors++;
    tail.push(line);
    if (tail.length > STDERR_KEEP) tail.shift();
  });
  const exited = new Promise<ExitInfo>((resolve) => {
    // A program that cannot be spawned emits 'error' and never 'exit'.
    child.on('error', () => {
      untrack();
      resolve({ code: null, signal: null });
    });
    child.on('exit', (code, signal) => {
      untrack();
      // Its last stderr lines (often the reason it died) may still be in the pipe; a grandchild holding the pipe
      // open must not hold us, hence the short cap.
      const drained = new Promise((done) => setTimeout(done, 200).unref());
      void Promise.race([stderrClosed, drained]).then(() => resolve({ code, signal }));
    });
  });
  const spawnError = new Promise<never>((_, reject) =>
    child.on('error', (error) => reject(new StartError(`cannot start ${argv.join(' ')}: ${error.message}`, []))),
  );

  // In messages, the command as the user gave it: the setpriv/taskset/prlimit wrappers are ours.
  const command = spec.argv.join(' ');
  try {
    const url = await Promise.race([
      waitReady(ready, child.stdout, spec.url, readyTimeoutMs, command, tail),
      spawnError,
      exited.then((info) => {
        throw new StartError(`${command} exited (${describeExit(info)}) before it was ready (${describeReadiness(ready, spec.url)})`, tail);
      }),
    ]);
    const coldStartMs = performance.now() - spawnedAt;
    // Keep draining stdout so a chatty server never blocks on a full pipe.
    child.stdout.resume();
    return new ServerProcess(child, url, coldStartMs, exited, stderr, spec.stopSignal);
  } catch (error) {
    killGroup(child.pid, 'SIGKILL');
    await exited;
    throw error instanceof StartError ? error : new StartError((error as Error).message, tail);
  }
}

/** Resolves with the server's base URL once it is ready as `ready` says; the cold-start clock stops then. */
async function waitReady(ready: Readiness, stdout: Readable, url: string | undefined, timeoutMs: number, command: string, tail: string[]): Promise<string> {
  if (ready.by === 'listening-line') {
    const found = await Promise.race([listeningLine(stdout), deadline(timeoutMs, `${command} printed no "listening on" line within ${timeoutMs} ms`, tail)]);
    await waitHealthy(found, timeoutMs);
    return found;
  }
  if (!url) throw new Error(`readiness by ${ready.by} needs the URL the server was told to listen on`);
  // Its stdout is not ours to parse; keep the last lines, which may say why it never got ready.
  const said: string[] = [];
  createInterface({ input: stdout }).on('line', (line) => {
    said.push(`stdout: ${line}`);
    if (said.length > 10) said.shift();
  });
  const probe = ready.by === 'tcp' ? () => tcpAnswers(url) : () => httpAnswers(url, ready.path, ready.status);
  const until = performance.now() + timeoutMs;
  let last = 'no answer';
  while (performance.now() < until) {
    last = await probe();
    if (last === '') return url;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new StartError(`${command} was not ready within ${timeoutMs} ms (${describeReadiness(ready, url)}; last: ${last})`, [...said, ...tail]);
}

function describeReadiness(ready: Readiness, url: string | undefined): string {
  if (ready.by === 'listening-line') return 'waiting for its "listening on" line and /healthz';
  if (ready.by === 'tcp') return `waiting for a TCP connect to ${url}`;
  return `waiting for GET ${url}${ready.path} to answer${ready.status ? ` ${ready.status.join(' or ')}` : ''}`;
}

/** '' once a TCP connection opens; else why not. */
function tcpAnswers(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port) });
    socket.setTimeout(1000, () => socket.destroy(new Error('connect timed out')));
    socket.once('connect', () => {
      socket.destroy();
      resolve('');
    });
    socket.once('error', (error) => resolve(error.message));
  });
}

/** '' once GET path answers (with one of `status`, when given); else why not. */
async function httpAnswers(url: string, path: string, status: number[] | undefined): Promise<string> {
  try {
    const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return !status || status.includes(response.status) ? '' : `status ${response.status}`;
  } catch (error) {
    return (error as Error).message;
  }
}

export function describeExit(info: ExitInfo): string {
  return info.signal ? `signal ${info.signal}` : `exit code ${info.code}`;
}

function listeningLine(stdout: Readable): Promise<string> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: stdout });
    lines.on('line', (line) => {
      const match = LISTENING.exec(line.trim());
      if (match) {
        lines.close();
        resolve(match[1]!);
      }
    });
  });
}

function deadline(ms: number, message: string, tail: string[]): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new StartError(message, tail)), ms).unref());
}

/** Polls /healthz until 200: the cold-start clock stops at the first healthy answer, not at the log line. */
export async function waitHealthy(baseUrl: string, timeoutMs: number): Promise<void> {
  const until = performance.now() + timeoutMs;
  let lastError = 'no answer';
  while (performance.now() < until) {
    try {
      const response = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
      lastError = `status ${response.status}`;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`${baseUrl}/healthz did not answer 200 within ${timeoutMs} ms (last: ${lastError})`);
}
