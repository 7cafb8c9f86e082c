#!/usr/bin/env node
import { CompareInputError } from '@kvbench/compare';
import { FileExistsError, ScenarioNotFoundError } from '@kvbench/runner';
import { SchemaError } from '@kvbench/schemas';
import { abCommand, abUsage } from './commands/ab.js';
import { baselineCommand, baselineUsage } from './commands/baseline.js';
import { compareCommand, compareUsage } from './commands/compare.js';
import { exportCommand, exportUsage } from './commands/export.js';
import { historyCommand, historyUsage } from './commands/history.js';
import { listCommand } from './commands/list.js';
import { reportCommand, reportUsage } from './commands/report.js';
import { runCommand, runUsage } from './commands/run.js';
import { suggestion } from './did-you-mean.js';
import { UsageError } from './usage-error.js';

const commands: Record<string, { run: (argv: string[]) => Promise<number>; usage: string }> = {
  run: { run: runCommand, usage: runUsage },
  report: { run: reportCommand, usage: reportUsage },
  compare: { run: compareCommand, usage: compareUsage },
  ab: { run: abCommand, usage: abUsage },
  baseline: { run: baselineCommand, usage: baselineUsage },
  export: { run: exportCommand, usage: exportUsage },
  history: { run: historyCommand, usage: historyUsage },
  list: { run: listCommand, usage: 'kvbench list    the scenarios and servers there are' },
};

const usage = `kvbench — one KV server in several languages, measured the same way

${Object.values(commands).map((c) => c.usage).join('\n\n')}`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage}\n`);
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`kvbench ${await version()}\n`);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    const names = Object.keys(commands);
    throw new UsageError(`kvbench: unknown command "${name}"${suggestion(name, names)}; commands: ${names.join(', ')}`);
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  return command.run(rest);
}

/** The package's version and, in a checkout, the commit: what a bug report needs. */
async function version(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  const { spawnSync } = await import('node:child_process');
  const commit = spawnSync('git', ['rev-parse', '--short=10', 'HEAD'], { cwd: new URL('.', import.meta.url), encoding: 'utf8' });
  return commit.status === 0 ? `${version} (commit ${commit.stdout.trim()})` : version;
}

// `kvbench list | head -1`: the reader left; that is the end of the output, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n(kvbench --help for usage)\n`);
      process.exitCode = 2;
    } else if (error instanceof ScenarioNotFoundError) {
      process.stderr.write(`kvbench: ${error.message}${suggestion(error.asked, error.known)}\n`);
      process.exitCode = 2;
    } else if (error instanceof SchemaError || error instanceof FileExistsError || error instanceof CompareInputError) {
      process.stderr.write(`kvbench: ${error.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`kvbench: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    }
  },
);
