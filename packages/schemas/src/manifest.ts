import { z } from 'zod';

/** argv, never a shell string: what runs is exactly what the manifest says. */
const Argv = z.array(z.string().min(1)).min(1, 'must name at least the program to run');

/**
 * The values a start command may take by name, as `{port}` in any of its arguments. A start command with none of
 * them gets the kv-spec flags appended (`--host … --port 0 --directory …`); one with any of them gets nothing
 * appended, so a server with other flags (the blog's own) is described as it is, without a wrapper.
 */
export const START_TEMPLATES = ['host', 'port', 'dir', 'shards', 'flushIntervalMs', 'cleanupIntervalMs'] as const;
export type StartTemplate = (typeof START_TEMPLATES)[number];
const TEMPLATE = /\{([A-Za-z]+)\}/g;

/** The `{name}`s an argv uses, in order of first use. */
export function templatesIn(argv: readonly string[]): string[] {
  return [...new Set(argv.flatMap((arg) => [...arg.matchAll(TEMPLATE)].map((m) => m[1]!)))];
}

/**
 * How the runner knows the server is ready. listening-line: the kv-spec's `listening on http://HOST:PORT` on stdout,
 * then `GET /healthz` → 200. tcp: a TCP connect to {host}:{port} succeeds. http: `GET path` gets an answer (of one
 * of `status`, when given). tcp and http need `{port}` in the start command: the runner picks the port.
 */
export const ReadinessSchema = z.discriminatedUnion('by', [
  z.strictObject({ by: z.literal('listening-line') }),
  z.strictObject({ by: z.literal('tcp') }),
  z.strictObject({
    by: z.literal('http'),
    path: z.string().startsWith('/', 'a path such as /kv/ready'),
    status: z.array(z.number().int().min(100).max(599)).min(1).optional(),
  }),
]);
export type Readiness = z.infer<typeof ReadinessSchema>;

/**
 * The signal that asks the server to stop. The kv-spec's is SIGTERM (flush, exit 0); a server that only traps
 * SIGINT can say so. A server that dies of the signal instead of exiting 0 is recorded as an unclean exit.
 */
export const StopSignal = z.enum(['SIGTERM', 'SIGINT']);
export type StopSignal = z.infer<typeof StopSignal>;

/** A server's name, and a runtime's: what `name@runtime` is made of. */
const NAME = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes');

/**
 * A conformance case an entry is known to fail, for a reason outside the project (a runtime's bug, say). The suite
 * expects that case to fail on that entry and says why, and fails it the day it passes, so the exception is removed
 * rather than forgotten; every other case still holds. Cases are named the way the suite prints them.
 */
export const KnownFailureSchema = z
  .strictObject({
    case: z.string().min(1).describe('The conformance case, by its name or the start of it.'),
    reason: z.string().min(1).describe('Why it fails there, with the upstream bug to watch.'),
  })
  .describe('A conformance case this entry is known to fail, and why.');
export type KnownFailure = z.infer<typeof KnownFailureSchema>;

const KnownFailures = z
  .array(KnownFailureSchema)
  .optional()
  .describe('Conformance cases this entry is known to fail, each with its reason: the suite expects them to fail and says so.');

/**
 * One more runtime for the same build (servers/ts on Bun, say): an entry of its own, named `<name>@<runtime>`, that
 * the runner, the conformance suite and the reports treat like any other server. Its start command's first word is
 * the runtime's binary, sized apart from the artifact.
 */
export const RuntimeSchema = z
  .strictObject({
    start: Argv.describe("The same artifact started on this runtime; the first word is the runtime's binary."),
    version: Argv.optional().describe("How to read the runtime's version (default: the binary with --version)."),
    knownFailures: KnownFailures,
  })
  .describe('Another runtime for the same build, e.g. {"start": ["../../packages/runtimes/node_modules/bun/bin/bun", "dist/main.js"]}');
export type RuntimeSpec = z.infer<typeof RuntimeSchema>;

/**
 * `kvbench.json`, in `servers/<name>/` or anywhere else (`kvbench run --manifest FILE`): how the runner builds,
 * starts and identifies one server. Paths are relative to the manifest's folder.
 */
export const ServerManifestSchema = z
  .strictObject({
    /** For editors: docs/schemas/manifest.schema.json, relative to the file. */
    $schema: z.string().optional(),
    name: NAME,
    language: z.string().min(1),
    description: z.string().default(''),
    build: Argv.optional(),
    artifact: z.string().min(1).optional(),
    start: Argv,
    version: Argv.optional(),
    ready: ReadinessSchema.default({ by: 'listening-line' }),
    stopSignal: StopSignal.default('SIGTERM'),
    knownFailures: KnownFailures,
    /**
     * The runtime `start` runs on (e.g. node), when the artifact is not a program of its own: its binary, start's
     * first word, is then sized as the runtime, apart from the artifact.
     */
    runtime: NAME.optional().describe(
      "The runtime start runs on (e.g. node) when the artifact needs one: start's first word is sized as the runtime, apart from the artifact.",
    ),
    /** More entries from the same build, one per runtime: adding a runtime is adding a line here. */
    runtimes: z
      .record(NAME, RuntimeSchema, {
        // zod's own text for a bad key is "Invalid key in record", which does not say what a good one is.
        error: (issue) => (issue.code === 'invalid_key' ? 'a runtime name is lowercase letters, digits and dashes (e.g. node24, bun)' : undefined),
      })
      .optional()
      .describe('More entries from the same build, each named <name>@<runtime> (e.g. ts@bun): adding a runtime is adding a line here.'),
  })
  .superRefine((m, ctx) => {
    const starts: Array<[Array<string | number>, string[]]> = [
      [['start'], m.start],
      ...Object.entries(m.runtimes ?? {}).map(([name, r]): [Array<string | number>, string[]] => [['runtimes', name, 'start'], r.start]),
    ];
    for (const [path, start] of starts) {
      const used = templatesIn(start);
      const unknown = used.filter((t) => !(START_TEMPLATES as readonly string[]).includes(t));
      if (unknown.length > 0) {
        ctx.addIssue({
          code: 'custom',
          path,
          message: `unknown ${unknown.map((t) => `{${t}}`).join(', ')}; a start command may use ${START_TEMPLATES.map((t) => `{${t}}`).join(', ')}`,
        });
      }
      if (m.ready.by !== 'listening-line' && !used.includes('port')) {
        ctx.addIssue({
          code: 'custom',
          path: path.length === 1 ? ['ready'] : path,
          message: `readiness by ${m.ready.by} needs {port} in ${path.join('.')}: the runner picks the port and must know where to look`,
        });
      }
    }
    if (m.runtime && m.runtimes && m.runtime in m.runtimes) {
      ctx.addIssue({
        code: 'custom',
        path: ['runtimes', m.runtime],
        message: `"${m.runtime}" is already the runtime of start (the entry ${m.name}); give this one another name, e.g. ${m.runtime}24`,
      });
    }
  });
export type ServerManifest = z.infer<typeof ServerManifestSchema>;
export type ServerManifestInput = z.input<typeof ServerManifestSchema>;

/** Between a server's name and a runtime's in an entry's name: `ts@bun`. */
export const RUNTIME_SEPARATOR = '@';

/** The name an entry goes by in plans, results and reports: the server's, or `<server>@<runtime>` for one of its runtimes. */
export function entryName(server: string, runtime?: string): string {
  return runtime === undefined ? server : `${server}${RUNTIME_SEPARATOR}${runtime}`;
}
