// Builds dist/ before the tests when it is missing or older than src/, so the end-to-end tests in main.test.ts
// always run the JavaScript the benchmark runs (turbo builds first anyway; this covers a bare `vitest run`).
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = dirname(dirname(fileURLToPath(import.meta.url)));
  const built = mtime(join(root, 'dist', 'main.js'));
  const src = join(root, 'src');
  const newest = Math.max(...readdirSync(src).map((name) => mtime(join(src, name))));
  if (built >= newest) return;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
}

function mtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}
