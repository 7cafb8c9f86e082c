import { spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const MAIN = path.join(ROOT, 'packages/cli/src/main.ts');
export const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

/** The real CLI in its own process, from the repository root, as a user runs it. */
export function kvbench(args: string[]) {
  const result = spawnSync(TSX, [MAIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Tests write only here, never into the repository's results/ or reports/. */
export async function tempDir(prefix: string) {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}
