// Wiring: flags, load, HTTP server, the flush and sweep timers, and the signals that stop it all cleanly.
import { realpathSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

import { parseCli, UsageError, USAGE, type Config } from './cli.js';
import { createKvServer } from './http.js';
import { describeError, logToStderr, RateLimitedLogger, type Logger } from './log.js';
import { checkWritable, loadStore, Persister } from './persist.js';
import { Store } from './store.js';

/**
 * Ask for the longest accept queue there is: the kernel silently caps a listen() backlog at net.core.somaxconn, and
 * that cap is what every server gets (Go's net package asks for it by itself), set by the harness like the
 * descriptor limit. Node's default, 511, would drop SYNs of the benchmark's 1000 simultaneous connects, which are
 * then retried after a second or more.
 */
const LISTEN_BACKLOG = 2 ** 31 - 1;
/**
 * How long requests already on a connection may take to be answered after SIGTERM (docs/kv-spec.md): the same
 * 2 s in every server.
 */
const SHUTDOWN_GRACE_MS = 2_000;

export interface Running {
  /** `http://HOST:PORT` with the real port. */
  url: string;
  store: Store;
  /**
   * Stops accepting, closes the connections, writes every changed shard; resolves true if that final flush
   * succeeded. A second call returns the same promise.
   */
  stop(): Promise<boolean>;
}

/** Starts a server for `config`. Rejects (with the file named) if --load finds a bad shard file. */
export async function start(config: Config, log: Logger = logToStderr): Promise<Running> {
  const store = new Store(config.shards);
  await checkWritable(config.directory);
  if (config.load) await loadStore(store, config.directory);
  // The process owns its directory (spec, "Disk format"): the first flush rewrites every shard file, loaded or not,
  // and prunes the rest, so files this start did not load are never brought back by a later --load.
  store.markAllDirty();

  const persister = new Persister(store, config.directory, log);
  const server = createKvServer(store, config.timeouts);

  await new Promise<void>((resolve, reject) => {
    // Errors before listening (EADDRINUSE, EACCES) are fatal and reach the caller instead of the log.
    const onListenError = (err: Error): void => reject(err);
    server.once('error', onListenError);
    server.listen({ port: config.port, host: config.host, backlog: LISTEN_BACKLOG }, () => {
      server.removeListener('error', onListenError);
      resolve();
    });
  });
  // Once listening, an error is logged and survived: an accept() that fails with EMFILE leaves the server
  // listening, and node:http accepts again once descriptors are free. Without a listener it would crash the process.
  // Only these come in storms (one per refused connection), so only they are rate-limited.
  const serverLog = new RateLimitedLogger(log).write;
  server.on('error', (err) => serverLog(`server: ${describeError(err)}`));

  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  // The flush skips a tick while the previous one is still writing (Persister.flush returns that one).
  const flushTimer = setInterval(() => void persister.flush(), config.flushIntervalMs);
  const sweepTimer = setInterval(() => store.sweep(), config.cleanupIntervalMs);

  let stopping: Promise<boolean> | null = null;
  const stop = (): Promise<boolean> => {
    stopping ??= (async () => {
      clearInterval(flushTimer);
      clearInterval(sweepTimer);
      // Requests already on busy connections are still answered, each with `Connection: close`, for up to the
      // grace, and while a periodic flush finishes...
      await Promise.all([server.drain(SHUTDOWN_GRACE_MS), persister.idle()]);
      // ...then whatever connections remain go too, so nothing is acknowledged after the final snapshot below.
      server.closeAllConnections();
      return persister.flush();
    })();
    return stopping;
  };

  return { url: `http://${host}:${address.port}`, store, stop };
}

async function main(argv: readonly string[]): Promise<void> {
  let config: Config;
  try {
    const command = parseCli(argv);
    if (command.kind === 'help') {
      process.stdout.write(USAGE);
      return;
    }
    config = command.config;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`kvserver: ${err.message} (see --help)\n`);
    process.exit(2);
  }

  let running: Running;
  try {
    running = await start(config);
  } catch (err) {
    process.stderr.write(`kvserver: ${describeError(err)}\n`);
    process.exit(1);
  }

  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      // A second signal while the final flush runs: the operator wants out now.
      process.stderr.write(`kvserver: ${signal} again, exiting without waiting for the final flush\n`);
      process.exit(1);
    }
    signalled = true;
    running.stop().then(
      (ok) => process.exit(ok ? 0 : 1),
      (err: unknown) => {
        process.stderr.write(`kvserver: stopping: ${describeError(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  process.stdout.write(`listening on ${running.url}\n`);
}

/** True when this file is the program node was started with, not a module imported by a test. */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`kvserver: ${describeError(err)}\n`);
    process.exit(1);
  });
}
