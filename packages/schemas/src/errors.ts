import type { z } from 'zod';

/** Thrown when a file does not match its schema; the message names the file and each bad field by its path. */
export class SchemaError extends Error {
  constructor(
    readonly file: string,
    readonly issues: string[],
  ) {
    super(`${file} is not valid:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'SchemaError';
  }
}

/** "steps[2].requests: expected number, received string" — one line per issue, paths as a user would write them. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)), '');
    return `${path || '(top level)'}: ${issue.message}`;
  });
}

export function parseOrThrow<S extends z.ZodType>(schema: S, data: unknown, file: string): z.output<S> {
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new SchemaError(file, describeIssues(parsed.error));
  return parsed.data;
}
