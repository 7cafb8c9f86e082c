import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ComparisonViewSchema } from './comparison.js';
import { HistorySchema } from './history.js';
import { ServerManifestSchema } from './manifest.js';
import { ResultsSchema } from './results.js';
import { ScenarioSchema } from './scenario.js';

/**
 * JSON Schemas of the files kvbench reads and writes, generated from the zod schemas (the only definition) and
 * committed under docs/schemas/ so that editors and other tools can validate a file without running kvbench.
 * `pnpm --filter @kvbench/schemas gen:json-schema` writes them; a test fails when they drift.
 */
export interface JsonSchemaFile {
  /** Its name under docs/schemas/. */
  file: string;
  title: string;
  description: string;
  schema: z.ZodType;
  /**
   * input: the shape a person writes, defaults left out (a scenario); output: the shape kvbench writes, every
   * default filled in (results, comparisons).
   */
  io: 'input' | 'output';
}

export const JSON_SCHEMA_FILES = {
  results: {
    file: 'results.schema.json',
    title: 'kvbench results file',
    description: 'What `kvbench run` writes (results/<scenario>-<time>.json, or --out FILE): one entry in `runs` per server, step and repeat.',
    schema: ResultsSchema,
    io: 'output',
  },
  scenario: {
    file: 'scenario.schema.json',
    title: 'kvbench scenario file',
    description:
      'A scenario as you write it (scenarios/*.json): fields with defaults may be left out. kvbench run checks a few ' +
      'rules across fields that this schema cannot express (e.g. exactly one of requests, durationSec, schedule or capacity per step).',
    schema: ScenarioSchema,
    io: 'input',
  },
  manifest: {
    file: 'manifest.schema.json',
    title: 'kvbench server manifest',
    description:
      'kvbench.json: how kvbench builds, starts, readies and stops one server, in servers/<name>/ or beside any server (kvbench run --manifest FILE). ' +
      'Rules across fields (templates in start, {port} for tcp and http readiness) are checked by kvbench run.',
    schema: ServerManifestSchema,
    io: 'input',
  },
  comparison: {
    file: 'comparison.schema.json',
    title: 'kvbench comparison',
    description: 'What `kvbench compare --json FILE` writes: baseline vs current per server, step and metric, with the verdict.',
    schema: ComparisonViewSchema,
    io: 'output',
  },
  history: {
    file: 'history.schema.json',
    title: 'kvbench history',
    description:
      "What `kvbench history <results…> --file FILE` keeps: per results file, each server's gate metrics by step, with the commit and machine; `kvbench report --index --history FILE` draws it over commits.",
    schema: HistorySchema,
    io: 'output',
  },
} as const satisfies Record<string, JsonSchemaFile>;

/** docs/schemas/ of this checkout (this file is packages/schemas/src/json-schema.ts). */
export const JSON_SCHEMA_DIR = fileURLToPath(new URL('../../../docs/schemas/', import.meta.url));

/** The file's text exactly as committed: draft 2020-12 (zod's default target), two-space indent, final newline. */
export function renderJsonSchema(entry: JsonSchemaFile): string {
  const { $schema, ...generated } = z.toJSONSchema(entry.schema, { io: entry.io, target: 'draft-2020-12' });
  return `${JSON.stringify({ $schema, title: entry.title, description: entry.description, ...generated }, null, 2)}\n`;
}

/**
 * The `$schema` value for a file written at `file`: a path relative to that file, with forward slashes.
 *
 * Relative, not a URL: kvbench has no published address that would stay true for every clone and fork, while a
 * relative reference resolves in the user's own checkout, at the schema of the very version that wrote the file,
 * and editors (VS Code, JetBrains) resolve `$schema` relative to the file that holds it. Results under results/ and
 * the committed results/baseline/ keep working in any clone; a file moved elsewhere only loses editor validation,
 * since kvbench itself never reads `$schema`.
 */
export function schemaReference(file: string, entry: JsonSchemaFile): string {
  const relative = path
    .relative(path.dirname(path.resolve(file)), path.join(JSON_SCHEMA_DIR, entry.file))
    .split(path.sep)
    .join('/');
  return relative.startsWith('../') ? relative : `./${relative}`;
}
