import http from 'node:http';
import { constants } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describeExit, killGroup, resolveProgram, startServer, type ExitInfo, type ServerDefinition, type ServerProcess } from '@kvbench/launcher';
import { keyPath, request, type HttpResponse, type RequestOptions } from './http.js';
import { rawExchange, type RawOptions, type RawOutcome } from './raw.js';
import { runToExit, type RunOutcome } from './run.js';

/** The spec's flags, in the units the spec gives them; everything unset keeps the server's default. */
export interface StartOptions {
  shards?: number;
  /** ms */
  flushInterval?: number;
  /** ms */
  cleanupInterval?: number;
  /** ms */
  headerTimeout?: number;
  /** ms */
  idleTimeout?: number;
  /** ms */
  requestTimeout?: number;
  load?: boolean;
  /** Defaults to the handle's own fresh data directory. */
  directory?: string;
  /** Further flags, appended last. */
  args?: string[];
  /**
   * Run the server with at most this many open files (soft and hard limit, so that runtimes that raise their soft
   * limit to the hard one at start get no more): the way to exhaust its descriptors with a few hundred connections.
   */
  openFiles?: number;
}

export interface StopResult extends ExitInfo {
  /** Did not exit within the grace period and was killed. */
  hung: boolean;
}

/**
 * One server implementation under test: its own temporary data directory, at most one running process, and the
 * ways a case talks to it (HTTP, raw socket, a run to completion). Always binds 127.0.0.1 and port 0.
 */
export class ServerUnderTest {
  private proc: ServerProcess | null = null;
  /** How many times a process was started through this handle: a shared server that had to be restarted crashed. */
  starts = 0;
  private agent = new http.Agent({ keepAlive: true, maxSockets: 16, timeout: 2_000 });
  private readonly siblings: ServerUnderTest[] = [];
  /** The options of the last start, to start again the same way. */
  lastOptions: StartOptions = {};

  private constructor(
    readonly def: ServerDefinition,
    readonly dataDir: string,
    private readonly tempRoot: string,
  ) {}

  /** A handle with a fresh, empty temporary directory; `dataDir` inside it does not exist yet. */
  static async create(def: ServerDefinition): Promise<ServerUnderTest> {
    const tempRoot = await mkdtemp(path.join(os.tmpdir(), `kvbench-conformance-${def.manifest.name}-`));
    return new ServerUnderTest(def, path.join(tempRoot, 'data'), tempRoot);
  }

  get name(): string {
    return this.def.manifest.name;
  }

  /** A scratch path beside the data directory, removed with the handle. */
  scratch(name: string): string {
    return path.join(this.tempRoot, name);
  }

  /** Another handle on the same server with its own directory, disposed together with this one. */
  async another(): Promise<ServerUnderTest> {
    const sibling = await ServerUnderTest.create(this.def);
    this.siblings.push(sibling);
    return sibling;
  }

  get running(): boolean {
    return this.proc?.running ?? false;
  }

  get process(): ServerProcess {
    if (!this.proc) throw new Error(`${this.name} is not started`);
    return this.proc;
  }

  get url(): string {
    return this.process.url;
  }

  /** The manifest's start command with these flags, ready to spawn in `def.dir`. */
  command(args: readonly string[]): string[] {
    const [program, ...rest] = this.def.manifest.start;
    return [resolveProgram(this.def, program!), ...rest, ...args];
  }

  flags(options: StartOptions = {}): string[] {
    const args = ['--host', '127.0.0.1', '--port', '0', '--directory', options.directory ?? this.dataDir];
    if (options.shards !== undefined) args.push('--shards', String(options.shards));
    if (options.flushInterval !== undefined) args.push('--flush-interval', String(options.flushInterval));
    if (options.cleanupInterval !== undefined) args.push('--cleanup-interval', String(options.cleanupInterval));
    if (options.headerTimeout !== undefined) args.push('--header-timeout', String(options.headerTimeout));
    if (options.idleTimeout !== undefined) args.push('--idle-timeout', String(options.idleTimeout));
    if (options.requestTimeout !== undefined) args.push('--request-timeout', String(options.requestTimeout));
    if (options.load) args.push('--load');
    return [...args, ...(options.args ?? [])];
  }

  /** Starts and waits for the listening line and a healthy /healthz; a failure carries the server's stderr. */
  async start(options: StartOptions = {}): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running (pid ${this.proc!.pid})`);
    this.starts++;
    this.lastOptions = options;
    const argv = this.command(this.flags(options));
    await this.expectProgram(argv[0]!);
    // The shell sets the limit and execs the server, which keeps the pid (and process group) the launcher knows.
    const limited = options.openFiles === undefined ? argv : ['/bin/sh', '-c', `ulimit -n ${options.openFiles} && exec "$0" "$@"`, ...argv];
    this.proc = await startServer({ argv: limited, cwd: this.def.dir, readyTimeoutMs: 20_000 });
  }

  /** A start command that cannot be spawned would otherwise leave startServer waiting for an exit that never comes. */
  private async expectProgram(program: string): Promise<void> {
    if (!program.includes('/')) return; // found through PATH
    try {
      await access(program, constants.X_OK);
    } catch {
      throw new Error(
        `${this.name}: ${program} is missing or not executable; was the build (${this.def.manifest.build?.join(' ') ?? 'none'}) run, or removed meanwhile?`,
      );
    }
  }

  /** Sends a signal (SIGTERM by default) and waits up to `graceMs` for the exit; kills a server that hangs. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<StopResult> {
    const proc = this.process;
    this.agent.destroy();
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 16, timeout: 2_000 });
    if (proc.exitInfo) return { ...proc.exitInfo, hung: false };
    try {
      process.kill(proc.pid, signal);
    } catch {
      // exited meanwhile; `exited` tells how
    }
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(resolve, graceMs, 'hung')));
    const first = await Promise.race([proc.exited, hung]);
    clearTimeout(timer);
    if (first === 'hung') {
      killGroup(proc.pid, 'SIGKILL');
      return { ...(await proc.exited), hung: true };
    }
    killGroup(proc.pid, 'SIGKILL'); // anything left in its process group
    return { ...first, hung: false };
  }

  /** The spec's clean stop: the signal makes it flush and exit 0; anything else is a failure with its stderr. */
  async stopCleanly(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const result = await this.stop(signal);
    if (result.hung || result.code !== 0) {
      const how = result.hung ? `did not exit within 10 s of ${signal} and was killed` : `${describeExit(result)} after ${signal}`;
      throw new Error(`${this.name} ${how}, expected a flush and exit 0.${this.stderrTail()}`);
    }
  }

  /** SIGKILL: no flush, no goodbye; the crash the disk format has to survive. */
  async kill(): Promise<void> {
    this.agent.destroy();
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 16, timeout: 2_000 });
    await this.process.kill('SIGKILL');
  }

  async restart(options: StartOptions = {}): Promise<void> {
    await this.stopCleanly();
    await this.start(options);
  }

  request(method: string, urlPath: string, options: RequestOptions = {}): Promise<HttpResponse> {
    return request(this.url, method, urlPath, { agent: this.agent, ...options });
  }

  /** POST /kv with a JSON object body, or with the exact body text given. */
  post(body: object | string, options: RequestOptions = {}): Promise<HttpResponse> {
    return this.request('POST', '/kv', { ...options, body });
  }

  get(key: string): Promise<HttpResponse> {
    return this.request('GET', keyPath(key));
  }

  delete(key: string): Promise<HttpResponse> {
    return this.request('DELETE', keyPath(key));
  }

  raw(data: string | Buffer, options?: RawOptions): Promise<RawOutcome> {
    return rawExchange(this.url, data, options);
  }

  /** Runs the server's start command with exactly these arguments until it exits by itself. */
  run(args: readonly string[], timeoutMs?: number): Promise<RunOutcome> {
    return runToExit(this.command(args), this.def.dir, timeoutMs);
  }

  /** The server's last stderr lines, formatted to append to a failure message. */
  stderrTail(): string {
    const lines = this.proc?.recentStderr() ?? [];
    return lines.length ? `\n${this.name} stderr:\n${lines.join('\n')}` : '';
  }

  /**
   * Runs a case's body, and if it fails after the server process died, says so with its exit and stderr: the
   * failure message is then about the crash, not about the request that found the port closed.
   */
  async diagnose<T>(body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      // A crash is seen as a refused connection before the exit is reaped: give the exit a moment to arrive.
      if (this.proc) await Promise.race([this.proc.exited, new Promise((resolve) => setTimeout(resolve, 500))]);
      if (this.proc && !this.running && error instanceof Error) {
        const info = this.proc.exitInfo;
        const how = info ? describeExit(info) : 'exited';
        error.message += `\n[${this.name} server process ${this.proc.pid} is gone: ${how}]${this.stderrTail()}`;
      }
      throw error;
    }
  }

  /** Kills anything still running and removes every directory this handle made. */
  async dispose(): Promise<void> {
    for (const sibling of this.siblings) await sibling.dispose();
    this.agent.destroy();
    if (this.proc?.running) await this.proc.kill('SIGKILL');
    await rm(this.tempRoot, { recursive: true, force: true });
  }
}
