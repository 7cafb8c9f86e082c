#!/usr/bin/env node
// The installed `kvbench` command. It is committed, not built, so that `pnpm install` can link it before the first
// build; it runs the CLI that `pnpm build` compiles to packages/cli/dist.
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('kvbench: the CLI is not built yet: run `pnpm build` (or `pnpm --filter @kvbench/cli build`) in the kvbench checkout\n');
  process.exit(1);
}
await import(main.href);
