import {
  buildServer,
  resolveProgram,
  startServer,
  toolchainVersion,
  type ServerDefinition,
  type ServerProcess,
  type StopOutcome,
} from '@kvbench/launcher';
import type { FdLimit, Scenario, ServerInfo } from '@kvbench/schemas';

/** How each step starts its server. */
export interface StartOptions {
  dataDir: string;
  flags: Scenario['serverFlags'];
  fdLimit?: FdLimit;
  cpus?: string;
}

/** A server being measured, once started: where it is and, if the runner owns the process, how to watch it. */
export interface LiveTarget {
  url: string;
  /** null for a server the runner did not start: no /proc sampling, no stop. */
  process: ServerProcess | null;
}

/**
 * Something to benchmark: a server folder with a manifest, a user's start command, or a URL already serving.
 * All three are measured the same way; only what the runner can observe differs.
 */
export interface Target {
  readonly name: string;
  readonly variant?: string;
  /** Build (once) and read the toolchain version: what the results record about this server. */
  prepare(): Promise<ServerInfo>;
  start(options: StartOptions): Promise<LiveTarget>;
}

/** The kv-spec flags, the same for every server. */
export function specFlags(options: StartOptions): string[] {
  const { flags } = options;
  return [
    '--host', '127.0.0.1',
    '--port', '0',
    '--directory', options.dataDir,
    '--shards', String(flags.shards),
    '--flush-interval', String(flags.flushIntervalMs),
    '--cleanup-interval', String(flags.cleanupIntervalMs),
  ];
}

export class ManifestTarget implements Target {
  readonly name: string;
  constructor(
    readonly def: ServerDefinition,
    readonly variant?: string,
    private readonly skipBuild = false,
  ) {
    this.name = def.manifest.name;
  }

  async prepare(): Promise<ServerInfo> {
    const { manifest } = this.def;
    const info: ServerInfo = {
      name: manifest.name,
      ...(this.variant ? { variant: this.variant } : {}),
      language: manifest.language,
      source: 'manifest',
      version: await toolchainVersion(this.def),
      build: null,
    };
    if (this.skipBuild) return info;
    const built = await buildServer(this.def);
    return { ...info, build: built };
  }

  async start(options: StartOptions): Promise<LiveTarget> {
    const [program, ...args] = this.def.manifest.start;
    const process = await startServer({
      argv: [resolveProgram(this.def, program!), ...args, ...specFlags(options)],
      cwd: this.def.dir,
      ...(options.fdLimit ? { fdLimit: options.fdLimit } : {}),
      ...(options.cpus ? { cpus: options.cpus } : {}),
    });
    return { url: process.url, process };
  }
}

/**
 * A user's own start command (the blog's original servers, say). It runs through `sh -c 'exec …'` so the pid
 * the runner samples is the server's own, and it must print the kv-spec's `listening on` line. Port and data
 * directory are the user's business: the command gets no flags appended unless it contains `{flags}`.
 */
export class CommandTarget implements Target {
  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly cwd: string,
  ) {}

  async prepare(): Promise<ServerInfo> {
    return { name: this.name, language: 'external', source: 'command', version: null, build: null };
  }

  async start(options: StartOptions): Promise<LiveTarget> {
    const command = this.command.replace('{flags}', specFlags(options).map((f) => `'${f}'`).join(' '));
    const process = await startServer({
      argv: ['sh', '-c', `exec ${command}`],
      cwd: this.cwd,
      ...(options.fdLimit ? { fdLimit: options.fdLimit } : {}),
      ...(options.cpus ? { cpus: options.cpus } : {}),
    });
    return { url: process.url, process };
  }
}

/** A server already running at a loopback URL: measured from the client side only; its state carries over. */
export class UrlTarget implements Target {
  constructor(
    readonly name: string,
    private readonly url: string,
  ) {
    const host = new URL(url).hostname;
    if (!['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host)) {
      throw new Error(`--url ${url}: kvbench only sends load to loopback addresses (127.0.0.1, localhost, [::1])`);
    }
  }

  async prepare(): Promise<ServerInfo> {
    return { name: this.name, language: 'external', source: 'url', version: null, build: null };
  }

  async start(): Promise<LiveTarget> {
    return { url: this.url.replace(/\/$/, ''), process: null };
  }
}

export type { StopOutcome };
