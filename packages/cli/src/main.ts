// The entry point stays light: help, --version and usage errors load no workspace package. A command's module, and
// with it the runner, reports and load generators, is imported only once that command is chosen.
import { COMMANDS, type CommandName, usage } from './commands/spec.js';
import { suggestion } from './did-you-mean.js';
import { UsageError } from './usage-error.js';

type Command = (argv: string[]) => Promise<number>;

const load: Record<CommandName, () => Promise<Command>> = {
  run: async () => (await import('./commands/run.js')).runCommand,
  report: async () => (await import('./commands/report.js')).reportCommand,
  compare: async () => (await import('./commands/compare.js')).compareCommand,
  ab: async () => (await import('./commands/ab.js')).abCommand,
  baseline: async () => (await import('./commands/baseline.js')).baselineCommand,
  export: async () => (await import('./commands/export.js')).exportCommand,
  history: async () => (await import('./commands/history.js')).historyCommand,
  list: async () => (await import('./commands/list.js')).listCommand,
};

const names = Object.keys(COMMANDS) as CommandName[];
const isCommand = (name: string): name is CommandName => Object.hasOwn(COMMANDS, name);

function help(): string {
  return `kvbench — one KV server in several languages, measured the same way\n\n${names.map(usage).join('\n\n')}`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${help()}\n`);
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`kvbench ${await version()}\n`);
    return 0;
  }
  if (!isCommand(name)) {
    throw new UsageError(`kvbench: unknown command "${name}"${suggestion(name, names)}; commands: ${names.join(', ')}`);
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${usage(name)}\n`);
    return 0;
  }
  await sourceLoader();
  return (await load[name]())(rest);
}

/**
 * The workspace packages are TypeScript sources (their exports point at src/): the built bin, run by plain node,
 * registers tsx's loader for them; under tsx (pnpm kvbench, the tests) one is already there.
 */
async function sourceLoader(): Promise<void> {
  if (!import.meta.url.endsWith('.js')) return;
  const { register } = await import('tsx/esm/api');
  register();
}

/** The package's version and, in a checkout, the commit: what a bug report needs. */
async function version(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  const { spawnSync } = await import('node:child_process');
  const commit = spawnSync('git', ['rev-parse', '--short=10', 'HEAD'], { cwd: new URL('.', import.meta.url), encoding: 'utf8' });
  return commit.status === 0 ? `${version} (commit ${commit.stdout.trim()})` : version;
}

/** Errors a command throws for input the user can fix: exit 2, like a usage error. */
const INPUT_ERRORS = new Set(['ScenarioNotFoundError', 'SchemaError', 'FileExistsError', 'CompareInputError']);

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
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    // By name, not instanceof: importing their packages here would load them for --help too.
    const name = error instanceof Error ? error.constructor.name : '';
    if (name === 'ScenarioNotFoundError') {
      const { asked, known } = error as Error & { asked: string; known: string[] };
      process.stderr.write(`kvbench: ${message}${suggestion(asked, known)}\n`);
    } else {
      process.stderr.write(`kvbench: ${message}\n`);
    }
    process.exitCode = INPUT_ERRORS.has(name) ? 2 : 1;
  },
);
