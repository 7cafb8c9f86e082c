import type { ResolvedStep } from '@kvbench/schemas';
import type { LoadGenerator, LoadOutcome } from '../src/index.js';
import { fakeServer, startServer, type ServerProcess } from '@kvbench/launcher';

/** The blog's traffic, scaled down: a step as the runner would hand it over. */
export function step(overrides: Partial<ResolvedStep> = {}): ResolvedStep {
  return {
    name: 'test',
    generator: 'autocannon',
    connections: 50,
    connectionModel: 'fixed',
    timeoutMs: 10_000,
    keys: { prefix: 'key-', count: 100 },
    values: { kind: 'int', min: 0, max: 99 },
    ttl: { minSec: 1, maxSec: 2 },
    readFraction: 0,
    warmupRequests: 0,
    ...(overrides.durationSec === undefined ? { requests: 2000 } : {}),
    ...overrides,
  };
}

export function startFake(...args: string[]): Promise<ServerProcess> {
  const fake = fakeServer(args);
  return startServer({ argv: [...fake.manifest.start, '--port', '0'], cwd: fake.dir });
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A server in the test process answering every request with `status` (for checking how answers are judged), or
 * with nothing at all when status is null (for timeouts).
 */
export async function constantStatusServer(status: number | null): Promise<{ url: string; close: () => Promise<void> }> {
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => {
    req.resume();
    if (status !== null) req.on('end', () => res.writeHead(status, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A 120 s duration step aborted after its 50th answer: what every generator's abort test drives. A run that
 * resolves within the test's timeout was stopped by the abort. Returns the outcome and the generator's pid.
 */
export async function abortedAfter50(
  generator: LoadGenerator,
  url: string,
  overrides: Partial<ResolvedStep> = {},
): Promise<{ outcome: LoadOutcome; pid: number | undefined }> {
  const controller = new AbortController();
  let pid: number | undefined;
  const outcome = await generator.run({
    url,
    step: step({ durationSec: 120, connections: 10, ...overrides }),
    seed: 5,
    signal: controller.signal,
    onStart: (p) => (pid = p),
    onProgress: (p) => {
      if (p.completed > 50) controller.abort();
    },
  });
  return { outcome, pid };
}
