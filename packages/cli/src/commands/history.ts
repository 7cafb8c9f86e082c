import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { addToHistory, emptyHistory, historyEntry, parseHistory } from '@kvbench/compare';
import { readResults, writeFileAtomic } from '@kvbench/runner';
import type { History } from '@kvbench/schemas';
import { parse } from '../args.js';
import { UsageError } from '../usage-error.js';
import { usage } from './spec.js';

export async function historyCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('history', argv);
  if (!values.file) throw new UsageError(`kvbench history: --file FILE is required (the history to add to)\n${usage('history')}`);
  if (positionals.length === 0) throw new UsageError(`kvbench history: give at least one results file\n${usage('history')}`);
  const file = path.resolve(values.file);
  const history = await readHistory(file);
  const entries = [];
  for (const results of positionals) entries.push(historyEntry(await readResults(results)));
  const next = addToHistory(history, entries);
  await writeFileAtomic(file, `${JSON.stringify(next, null, 2)}\n`, { replace: true });
  const added = next.entries.length - history.entries.length;
  process.stdout.write(
    `history: ${path.relative(process.cwd(), file) || file} — ${next.entries.length} entr${next.entries.length === 1 ? 'y' : 'ies'} ` +
      `(${added} new, ${entries.length - added} already there and replaced)\n`,
  );
  return 0;
}

/** The history at `file`, or an empty one when there is no file yet; CompareInputError (exit 2) when it is not one. */
export async function readHistory(file: string): Promise<History> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyHistory();
    throw error;
  }
  return parseHistory(text, file);
}
