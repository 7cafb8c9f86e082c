import { parseArgs } from 'node:util';
import { FdLimitSchema, LoadGeneratorName, type FdLimit } from '@kvbench/schemas';
import { COMMANDS, type CommandName } from './commands/spec.js';
import { suggestion } from './did-you-mean.js';
import { UsageError } from './usage-error.js';

/** node:util's parseArgs over the command's one definition of its options (commands/spec.ts), with its errors turned
 * into one-line usage errors naming the command. */
export function parse<N extends CommandName>(command: N, argv: string[]) {
  const options: (typeof COMMANDS)[N]['options'] = COMMANDS[command].options;
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    const unknown = /^Unknown option '(--?[^']+)'/.exec((error as Error).message)?.[1];
    if (unknown) {
      const flags = Object.keys(options ?? {}).map((name) => `--${name}`);
      throw new UsageError(`kvbench ${command}: unknown option ${unknown}${suggestion(unknown, flags)}`);
    }
    throw new UsageError(`kvbench ${command}: ${(error as Error).message.split('\n')[0]}`);
  }
}

export function positiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || (flag !== '--seed' && n < 1)) {
    throw new UsageError(`${flag} ${value}: expected a ${flag === '--seed' ? 'non-negative' : 'positive'} whole number`);
  }
  return n;
}

export function fdLimit(value: string | undefined): FdLimit | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d+)(?::(\d+))?$/.exec(value);
  const parsed = match && FdLimitSchema.safeParse({ soft: Number(match[1]), ...(match[2] ? { hard: Number(match[2]) } : {}) });
  if (!parsed?.success) throw new UsageError(`--fd-limit ${value}: expected SOFT or SOFT:HARD with SOFT ≤ HARD, e.g. 256 or 256:256`);
  return parsed.data;
}

export function generator(value: string | undefined): LoadGeneratorName | undefined {
  if (value === undefined) return undefined;
  const parsed = LoadGeneratorName.safeParse(value);
  if (!parsed.success) throw new UsageError(`--generator ${value}: expected one of ${LoadGeneratorName.options.join(', ')}`);
  return parsed.data;
}

export function cpuList(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(value)) throw new UsageError(`${flag} ${value}: expected a CPU list such as 0 or 0-1 or 0,2`);
  return value;
}
