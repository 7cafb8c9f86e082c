import { z } from 'zod';
import { ConnectionUseSchema, FailuresSchema } from '@kvbench/schemas';

const count = z.number().int().min(0);

/** The job line kvload reads on stdin; field names are those of native/src/job.rs (which refuses unknown ones). */
export interface NativeJob {
  addr: string;
  host: string;
  connections: number;
  threads: number;
  timeoutMs: number;
  seed: number;
  requests?: number;
  durationMs?: number;
  schedule?: Array<{ rate: number; durationMs: number }>;
  preconnect: boolean;
  connectionModel: 'fixed' | 'pool';
  traffic: {
    readFraction: number;
    keyCount: number;
    keyJsonPrefix: string;
    keyPathPrefix: string;
    values: { kind: 'int'; min: number; max: number } | { kind: 'string'; base: string };
    ttl: { minSec: number; maxSec: number } | null;
  };
  progressMs: number;
  dump?: number;
}

/** What kvload prints, one JSON object a line. */
export const NativeMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), pid: count, threads: count }),
  z.object({
    type: z.literal('progress'),
    elapsedMs: z.number(),
    sent: count,
    completed: count,
    successful: count,
    intervalP99Us: count.nullable(),
  }),
  z.object({
    type: z.literal('done'),
    sent: count,
    completed: count,
    successful: count,
    failures: FailuresSchema,
    offered: count,
    dropped: count,
    durationMs: z.number().min(0),
    histogram: z.string(),
    serviceHistogram: z.string(),
    connectHistogram: z.string(),
    cpu: z.object({ userMs: z.number().min(0), sysMs: z.number().min(0) }),
    connections: ConnectionUseSchema,
    aborted: z.boolean(),
    firstError: z.string().nullable(),
    accounted: z.boolean(),
  }),
  z.object({ type: z.literal('dump'), method: z.enum(['GET', 'POST']), path: z.string(), body: z.string().nullable() }),
  z.object({ type: z.literal('calibration'), nsPerRound: z.array(count).min(1) }),
  z.object({
    type: z.literal('pingpong'),
    roundTrips: count,
    echoCpuNs: count,
    senderCpuNs: count,
    wallNs: count,
    echoCpu: count.nullable(),
    senderCpu: count.nullable(),
  }),
]);
export type NativeMessage = z.infer<typeof NativeMessage>;
export type NativeDone = Extract<NativeMessage, { type: 'done' }>;

/** One line of kvload's output, checked; a line that is not a message is returned as text (kept for errors). */
export function parseLine(line: string): NativeMessage | string {
  let data: unknown;
  try {
    data = JSON.parse(line);
  } catch {
    return line;
  }
  const parsed = NativeMessage.safeParse(data);
  if (!parsed.success) {
    throw new Error(`kvload printed a message of an unexpected shape: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}
