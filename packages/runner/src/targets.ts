import {
  BuildOnce,
  freePort,
  resolveProgram,
  runtimeInfo,
  startServer,
  toolchainVersion,
  type ServerDefinition,
  type ServerProcess,
  type StopOutcome,
} from '@kvbench/launcher';
import { templatesIn, type FdLimit, type Readiness, type Scenario, type ServerInfo, type StartTemplate, type StopSignal } from '@kvbench/schemas';

/** How each step starts its server. */
export interface StartOptions {
  dataDir: string;
  flags: Scenario['serverFlags'];
  fdLimit?: FdLimit;
  cpus?: string;
  /** Start on what is in dataDir (the kv-spec's --load): verification's reload check. */
  load?: boolean;
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
  /**
   * Build (once: `builds` is shared by every target of a run, so a server's runtimes build it once) and read the
   * toolchain version and the runtime's size: what the results record about this server.
   */
  prepare(builds?: BuildOnce): Promise<ServerInfo>;
  /** Whether start() takes the kv-spec flags, --load included, so verification can check a reload. */
  readonly restarts: boolean;
  start(options: StartOptions): Promise<LiveTarget>;
}

/** The kv-spec flags, the same for every server. */
export function specFlags(options: StartOptions): string[] {
  const { flags } = options;
  return [
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--directory',
    options.dataDir,
    '--shards',
    String(flags.shards),
    '--flush-interval',
    String(flags.flushIntervalMs),
    '--cleanup-interval',
    String(flags.cleanupIntervalMs),
    ...(options.load ? ['--load'] : []),
  ];
}

/** What `{name}` in a start command stands for, for one start. */
export function templateValues(options: StartOptions, port: number): Record<StartTemplate, string> {
  return {
    host: LOOPBACK,
    port: String(port),
    dir: options.dataDir,
    shards: String(options.flags.shards),
    flushIntervalMs: String(options.flags.flushIntervalMs),
    cleanupIntervalMs: String(options.flags.cleanupIntervalMs),
  };
}

export function fillTemplates(text: string, values: Record<StartTemplate, string>, quote: (v: string) => string = (v) => v): string {
  return text.replace(/\{([A-Za-z]+)\}/g, (whole, name: string) => (name in values ? quote(values[name as StartTemplate]) : whole));
}

const LOOPBACK = '127.0.0.1';

/** A free loopback port and the URL the server will answer at, when the start command takes `{port}`; else none. */
async function chosenPort(takesPort: boolean): Promise<{ port: number; url?: string }> {
  if (!takesPort) return { port: 0 };
  const port = await freePort(LOOPBACK);
  return { port, url: `http://${LOOPBACK}:${port}` };
}

/**
 * A start argv as it runs: templates filled (the runner picks the port when `{port}` is there), else the kv-spec
 * flags appended. Also where the server will listen, when the runner knows it before the server says so.
 */
async function startCommand(argv: readonly string[], options: StartOptions): Promise<{ argv: string[]; url?: string }> {
  const used = templatesIn(argv);
  if (used.length === 0) return { argv: [...argv, ...specFlags(options)] };
  const { port, url } = await chosenPort(used.includes('port'));
  const values = templateValues(options, port);
  return { argv: argv.map((arg) => fillTemplates(arg, values)), ...(url ? { url } : {}) };
}

export class ManifestTarget implements Target {
  readonly name: string;
  constructor(
    readonly def: ServerDefinition,
    readonly variant?: string,
    private readonly skipBuild = false,
  ) {
    this.name = def.manifest.name;
    this.restarts = templatesIn(def.manifest.start).length === 0;
  }

  readonly restarts: boolean;

  async prepare(builds = new BuildOnce()): Promise<ServerInfo> {
    const { manifest } = this.def;
    const runtime = await runtimeInfo(this.def);
    const info: ServerInfo = {
      name: manifest.name,
      ...(this.variant ? { variant: this.variant } : {}),
      language: manifest.language,
      source: 'manifest',
      version: await toolchainVersion(this.def),
      build: null,
      runtime,
    };
    if (this.skipBuild) return info;
    return { ...info, build: await builds.build(this.def) };
  }

  async start(options: StartOptions): Promise<LiveTarget> {
    const { manifest } = this.def;
    const [program, ...args] = manifest.start;
    const command = await startCommand([resolveProgram(this.def, program!), ...args], options);
    const process = await startServer({
      argv: command.argv,
      ...(command.url ? { url: command.url } : {}),
      ready: manifest.ready,
      stopSignal: manifest.stopSignal,
      cwd: this.def.dir,
      ...(options.fdLimit ? { fdLimit: options.fdLimit } : {}),
      ...(options.cpus ? { cpus: options.cpus } : {}),
    });
    return { url: process.url, process };
  }
}

/**
 * A user's own start command (the blog's original servers, say). It runs through `sh -c 'exec …'` so the pid
 * the runner samples is the server's own. `{port}`, `{dir}` and the other start templates are filled in (shell-
 * quoted), `{flags}` becomes the kv-spec flags; a command with none of them gets nothing appended. Ready by the
 * kv-spec's listening line unless told otherwise (`--ready tcp`, `--ready http:/path`).
 */
export class CommandTarget implements Target {
  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly cwd: string,
    private readonly ready: Readiness = { by: 'listening-line' },
    private readonly stopSignal: StopSignal = 'SIGTERM',
  ) {
    this.restarts = command.includes('{flags}');
    if (ready.by !== 'listening-line' && !command.includes('{port}')) {
      throw new Error(`--ready ${ready.by} needs {port} in --command: kvbench picks the port and must know where to look`);
    }
  }

  readonly restarts: boolean;

  async prepare(): Promise<ServerInfo> {
    return { name: this.name, language: 'external', source: 'command', version: null, build: null };
  }

  async start(options: StartOptions): Promise<LiveTarget> {
    const quote = (v: string) => `'${v.replaceAll("'", `'\\''`)}'`;
    const { port, url } = await chosenPort(this.command.includes('{port}'));
    const command = fillTemplates(this.command, templateValues(options, port), quote).replace('{flags}', specFlags(options).map(quote).join(' '));
    const process = await startServer({
      argv: ['sh', '-c', `exec ${command}`],
      cwd: this.cwd,
      ready: this.ready,
      stopSignal: this.stopSignal,
      ...(url ? { url } : {}),
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

  readonly restarts = false;

  async prepare(): Promise<ServerInfo> {
    return { name: this.name, language: 'external', source: 'url', version: null, build: null };
  }

  async start(): Promise<LiveTarget> {
    return { url: this.url.replace(/\/$/, ''), process: null };
  }
}

export type { StopOutcome };
