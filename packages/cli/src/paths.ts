import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The monorepo root: the folder holding pnpm-workspace.yaml above this file (the CLI runs from a checkout). */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'pnpm-workspace.yaml'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('kvbench must run from its repository checkout (no pnpm-workspace.yaml found above the CLI)');
    dir = parent;
  }
  return dir;
}

export function projectPaths(root = repoRoot()) {
  return {
    root,
    servers: path.join(root, 'servers'),
    scenarios: path.join(root, 'scenarios'),
    results: path.join(root, 'results'),
    baseline: path.join(root, 'results', 'baseline'),
    reports: path.join(root, 'reports'),
  };
}
