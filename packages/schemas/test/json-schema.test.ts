import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import {
  JSON_SCHEMA_DIR,
  JSON_SCHEMA_FILES,
  HistorySchema,
  ResultsSchema,
  ScenarioSchema,
  renderJsonSchema,
  schemaReference,
  type JsonSchemaFile,
} from '../src/index.js';

const ROOT = path.resolve(JSON_SCHEMA_DIR, '../..');
const readJson = async (file: string): Promise<unknown> => JSON.parse(await readFile(file, 'utf8'));

/**
 * An independent JSON Schema validator, as an editor would use: proof that the generated files accept what kvbench
 * writes and reads, not only that they match the generator. Formats are left to the patterns zod emits beside them.
 */
function validatorFor(entry: JsonSchemaFile) {
  const ajv = new Ajv2020({ strict: true, allErrors: true, validateFormats: false });
  const validate = ajv.compile(JSON.parse(renderJsonSchema(entry)));
  return (data: unknown): string[] => (validate(data) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));
}

describe('docs/schemas', () => {
  for (const entry of Object.values(JSON_SCHEMA_FILES)) {
    it(`${entry.file} is what packages/schemas/src generates today`, async () => {
      const committed = await readFile(path.join(JSON_SCHEMA_DIR, entry.file), 'utf8').catch(() => '(missing)');
      expect(
        committed,
        `docs/schemas/${entry.file} is out of date with the zod schemas: run \`pnpm --filter @kvbench/schemas gen:json-schema\` and commit docs/schemas/`,
      ).toBe(renderJsonSchema(entry));
    });
  }

  it('accepts a results file as kvbench writes it, with or without $schema', async () => {
    // The committed baseline as kvbench writes it back: output mode describes the current writer, every default
    // filled in, so a file from before a default was added may lack a field this schema requires (kvbench still
    // reads it: the zod schema fills the default).
    const raw = await readJson(path.join(ROOT, 'results/baseline/ci.json'));
    const { $schema, ...baseline } = JSON.parse(JSON.stringify(ResultsSchema.parse(raw))) as Record<string, unknown>;
    const validate = validatorFor(JSON_SCHEMA_FILES.results);
    expect(validate(baseline)).toEqual([]);
    expect(validate({ $schema, ...baseline })).toEqual([]);
    // Strict like ResultsSchema: a typo is an error in the editor too, not a field silently ignored.
    expect(validate({ ...baseline, complet: true }).join()).toMatch(/additional properties/);
  });

  it('accepts every server manifest as written, and rejects one without its start command', async () => {
    const validate = validatorFor(JSON_SCHEMA_FILES.manifest);
    const dir = path.join(ROOT, 'servers');
    const names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(validate(await readJson(path.join(dir, name, 'kvbench.json'))), name).toEqual([]);
    expect(validate({ name: 'x', language: 'Rust' }).join()).toMatch(/start/);
  });

  it('accepts every scenario file as written, and rejects one missing its steps', async () => {
    const validate = validatorFor(JSON_SCHEMA_FILES.scenario);
    const dir = path.join(ROOT, 'scenarios');
    const files = (await readdir(dir)).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(validate(await readJson(path.join(dir, file))), file).toEqual([]);
    // Input mode: defaults may be left out, so the smallest scenario a person writes is valid.
    expect(validate({ name: 'x', steps: [{ name: 'a', requests: 10 }] })).toEqual([]);
    expect(validate({ name: 'x' }).join()).toMatch(/steps/);
  });
});

describe('results/baseline/ci.json', () => {
  it('was measured with the ci scenario as it is now: the same steps and load, so .ci/run can compare against it', async () => {
    const baseline = ResultsSchema.parse(await readJson(path.join(ROOT, 'results/baseline/ci.json')));
    const scenario = ScenarioSchema.parse(await readJson(path.join(ROOT, 'scenarios/ci.json')));
    const refresh = 'the baseline is stale: run `pnpm kvbench baseline ci` on a quiet machine and commit results/baseline/ci.json';
    expect(baseline.scenario.steps, refresh).toEqual(scenario.steps);
    expect(baseline.scenario.load, refresh).toEqual(scenario.load);
    expect(baseline.scenario.repeat, refresh).toBe(scenario.repeat);
  });
});

describe('docs/results', () => {
  it('holds only results and history files kvbench reads today (the README quotes their figures), and the power and host-floor tables beside them', async () => {
    const dir = path.join(ROOT, 'docs/results');
    const files = (await readdir(dir)).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const json = (await readJson(path.join(dir, file))) as { kind?: string; rows?: unknown };
      if (file.startsWith('power-')) {
        expect(Array.isArray(json.rows), file).toBe(true);
        continue;
      }
      if (file.startsWith('host-floor-')) {
        // scripts/host-floor.mjs --json: the machine's own spread on a fixed loopback work, block by block.
        const floor = json as { kind?: string; blocks?: { medianNs?: unknown }[]; spread?: unknown };
        expect(floor.kind, file).toBe('host-floor');
        expect(
          floor.blocks?.every((b) => typeof b.medianNs === 'number'),
          file,
        ).toBe(true);
        expect(typeof floor.spread, file).toBe('number');
        continue;
      }
      const parsed = (json.kind === 'kvbench.history' ? HistorySchema : ResultsSchema).safeParse(json);
      expect(parsed.success, `${file}: ${parsed.error?.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`).toBe(true);
    }
  });
});

describe('$schema', () => {
  it('is a path relative to the file that holds it', () => {
    expect(schemaReference(path.join(ROOT, 'results/x.json'), JSON_SCHEMA_FILES.results)).toBe('../docs/schemas/results.schema.json');
    expect(schemaReference(path.join(ROOT, 'results/baseline/ci.json'), JSON_SCHEMA_FILES.results)).toBe('../../docs/schemas/results.schema.json');
    expect(schemaReference(path.join(ROOT, 'x.json'), JSON_SCHEMA_FILES.results)).toBe('./docs/schemas/results.schema.json');
  });

  it('in every scenario file points at the scenario schema', async () => {
    const dir = path.join(ROOT, 'scenarios');
    for (const file of (await readdir(dir)).filter((f) => f.endsWith('.json'))) {
      const json = (await readJson(path.join(dir, file))) as { $schema?: string };
      expect(json.$schema, file).toBe(schemaReference(path.join(dir, file), JSON_SCHEMA_FILES.scenario));
    }
  });

  it('is accepted by the zod schemas, and optional', async () => {
    const scenario = { name: 'x', steps: [{ name: 'a', requests: 10 }] };
    expect(ScenarioSchema.parse({ $schema: '../docs/schemas/scenario.schema.json', ...scenario }).$schema).toBe('../docs/schemas/scenario.schema.json');
    const { $schema: _, ...baseline } = (await readJson(path.join(ROOT, 'results/baseline/ci.json'))) as Record<string, unknown>;
    expect(ResultsSchema.safeParse(baseline).success).toBe(true);
    expect(ResultsSchema.safeParse({ ...baseline, $schema: '../../docs/schemas/results.schema.json' }).success).toBe(true);
    expect(ResultsSchema.safeParse({ ...baseline, $schema: 2 }).success).toBe(false);
  });
});
