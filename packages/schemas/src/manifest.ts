import { z } from 'zod';

/** argv, never a shell string: what runs is exactly what the manifest says. */
const Argv = z.array(z.string().min(1)).min(1, 'must name at least the program to run');

/**
 * `servers/<name>/kvbench.json`: how the runner builds, starts and identifies one server.
 * Paths are relative to the manifest's folder; the runner appends the kv-spec flags to `start`.
 */
export const ServerManifestSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes'),
  language: z.string().min(1),
  description: z.string().default(''),
  build: Argv.optional(),
  artifact: z.string().min(1).optional(),
  start: Argv,
  version: Argv.optional(),
});
export type ServerManifest = z.infer<typeof ServerManifestSchema>;
