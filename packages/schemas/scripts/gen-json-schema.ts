// Writes docs/schemas/*.schema.json from the zod schemas; run after changing packages/schemas/src, then commit them.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { JSON_SCHEMA_DIR, JSON_SCHEMA_FILES, renderJsonSchema } from '../src/index.js';

await mkdir(JSON_SCHEMA_DIR, { recursive: true });
for (const entry of Object.values(JSON_SCHEMA_FILES)) {
  const file = path.join(JSON_SCHEMA_DIR, entry.file);
  await writeFile(file, renderJsonSchema(entry));
  process.stdout.write(`wrote ${path.relative(path.join(JSON_SCHEMA_DIR, '../..'), file)}\n`);
}
