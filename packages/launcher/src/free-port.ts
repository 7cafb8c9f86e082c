import { createServer } from 'node:net';

/**
 * A TCP port free on `host` right now, for a server that must be told its port (`{port}` in its start command)
 * instead of choosing one itself (`--port 0`). Another process could take it before the server binds: the server
 * then fails to start and says so, which the runner reports.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      probe.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error(`no port on ${host}`))));
    });
  });
}
