// Command-line flags: the spec's ten, the same names and defaults in every server, plus --help.
import { parseArgs } from 'node:util';

import type { Timeouts } from './http.js';

export interface Config {
  host: string;
  port: number;
  shards: number;
  directory: string;
  load: boolean;
  flushIntervalMs: number;
  cleanupIntervalMs: number;
  /** The spec's connection limits (see createKvServer). */
  timeouts: Timeouts;
}

export type Command = { kind: 'help' } | { kind: 'run'; config: Config };

/** A bad flag or value: main prints the message as one line and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `Usage: node dist/main.js [flags]

The kvbench key-value server (TypeScript, Node's own http).

Flags:
  --host HOST               address to bind (default 127.0.0.1)
  --port PORT               port, 0 lets the OS pick one (default 8000)
  --shards N                number of shards, 1 to 1024 (default 5)
  --directory DIR           where shard files are written, created if missing (default .kvdata)
  --load                    load the store from --directory at start
  --flush-interval MS       ms between flushes of changed shards to disk (default 1000)
  --cleanup-interval MS     ms between sweeps of expired entries (default 500)
  --header-timeout MS       ms a request's line and headers may take to arrive (default 10000)
  --idle-timeout MS         ms a keep-alive connection may wait for its next request (default 65000)
  --request-timeout MS      ms a whole request, body included, may take to arrive (default 30000)
  -h, --help                print this help and exit

Once ready it prints "listening on http://HOST:PORT" to stdout; SIGINT or SIGTERM flushes and exits 0.
`;

/** The largest delay setInterval and setTimeout honour; Node silently turns anything larger into 1 ms. */
const MAX_INTERVAL_MS = 2 ** 31 - 1;

/** The spec's connection limits, in ms. */
export const DEFAULT_TIMEOUTS: Readonly<Timeouts> = { headerMs: 10_000, idleMs: 65_000, requestMs: 30_000 };

const OPTIONS = {
  host: { type: 'string', default: '127.0.0.1' },
  port: { type: 'string', default: '8000' },
  shards: { type: 'string', default: '5' },
  directory: { type: 'string', default: '.kvdata' },
  load: { type: 'boolean', default: false },
  'flush-interval': { type: 'string', default: '1000' },
  'cleanup-interval': { type: 'string', default: '500' },
  'header-timeout': { type: 'string', default: String(DEFAULT_TIMEOUTS.headerMs) },
  'idle-timeout': { type: 'string', default: String(DEFAULT_TIMEOUTS.idleMs) },
  'request-timeout': { type: 'string', default: String(DEFAULT_TIMEOUTS.requestMs) },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** Parses argv (without node and the script); throws UsageError on anything invalid. */
export function parseCli(argv: readonly string[]): Command {
  let values;
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    // parseArgs explains at length ("... To specify a positional argument starting with a '-', ..."): keep the
    // first sentence, which names the flag, so the error stays one short line.
    const message = err instanceof Error ? err.message : String(err);
    throw new UsageError(message.split(/\.\s/)[0]!.replace(/\.$/, ''));
  }
  if (values.help) return { kind: 'help' };
  return {
    kind: 'run',
    config: {
      host: nonEmpty('--host', values.host),
      port: integer('--port', values.port, 0, 65_535),
      shards: integer('--shards', values.shards, 1, 1024),
      directory: nonEmpty('--directory', values.directory),
      load: values.load,
      flushIntervalMs: integer('--flush-interval', values['flush-interval'], 1, MAX_INTERVAL_MS),
      cleanupIntervalMs: integer('--cleanup-interval', values['cleanup-interval'], 1, MAX_INTERVAL_MS),
      timeouts: {
        headerMs: integer('--header-timeout', values['header-timeout'], 1, MAX_INTERVAL_MS),
        idleMs: integer('--idle-timeout', values['idle-timeout'], 1, MAX_INTERVAL_MS),
        requestMs: integer('--request-timeout', values['request-timeout'], 1, MAX_INTERVAL_MS),
      },
    },
  };
}

function nonEmpty(flag: string, value: string): string {
  if (value.trim() === '') throw new UsageError(`${flag} must not be empty`);
  return value;
}

/** Plain decimal digits only: Number() would also take "", " 8", "0x1f" and "1e3". */
function integer(flag: string, value: string, min: number, max: number): number {
  const n = /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!(n >= min && n <= max)) {
    throw new UsageError(`invalid value ${JSON.stringify(value)} for ${flag}: want an integer from ${min} to ${max}`);
  }
  return n;
}
