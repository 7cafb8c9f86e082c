import { fileURLToPath } from 'node:url';
import { findServers, selectServers, type ServerDefinition } from '@kvbench/launcher';

/** The repository's servers/, or KVBENCH_SERVERS_DIR to hold another checkout's servers to the same spec. */
export const SERVERS_DIR = process.env.KVBENCH_SERVERS_DIR ?? fileURLToPath(new URL('../../../servers/', import.meta.url));

/**
 * Every server with a kvbench.json, or the ones named in KVBENCH_SERVERS (comma-separated) to run the suite
 * against fewer while working on one.
 */
export async function serversUnderTest(): Promise<ServerDefinition[]> {
  const names = process.env.KVBENCH_SERVERS?.split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  return selectServers(await findServers(SERVERS_DIR), names?.length ? names : undefined);
}
