import { z } from 'zod';

const positiveInt = z.number().int().positive();

/**
 * Bounds on what a scenario may ask for: values that pass a type check but cannot work (a timer past Node's
 * 2^31 − 1 ms fires at once, so a 3e9 ms timeout failed every request and blamed the server; 1e12 requests is a run
 * that never ends) are refused with the limit in the message.
 */
const MAX_MS = 3_600_000;
const MAX_SEC = MAX_MS / 1000;
const MAX_REQUESTS = 100_000_000;
const MAX_RATE = 10_000_000;
const ms = positiveInt.max(MAX_MS, `at most ${MAX_MS} ms (an hour)`);
const seconds = z.number().positive().max(MAX_SEC, `at most ${MAX_SEC} s (an hour)`);
const requestCount = positiveInt.max(MAX_REQUESTS, `at most ${MAX_REQUESTS.toLocaleString('en')} requests in one step`);
const rate = z.number().max(MAX_RATE, `at most ${MAX_RATE.toLocaleString('en')} req/s`);
/** A name that becomes part of a file name: no path separators, no leading dot, so it cannot leave results/. */
const fileSafeName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, dot, dash, underscore (it names files)');

/** Values written by POST: the blog's small integers, or strings of a given size for larger payloads. */
export const ValuesSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('int'), min: z.number().int().default(0), max: z.number().int().default(99) }),
  z.strictObject({ kind: z.literal('string'), bytes: positiveInt.max(1_000_000) }),
]);

export const TtlSchema = z
  // Drawn from (minSec, maxSec], so minSec 0 (the blog client's rand.Float64()) never sends the invalid ttl 0.
  .strictObject({ minSec: z.number().min(0), maxSec: z.number().positive() })
  .refine((t) => t.maxSec >= t.minSec, { message: 'maxSec must be at least minSec', path: ['maxSec'] });

/** native: kvbench's own Rust client (packages/load/native), the default; autocannon and wrk for cross-checks. */
export const LoadGeneratorName = z.enum(['native', 'autocannon', 'wrk']);
export type LoadGeneratorName = z.infer<typeof LoadGeneratorName>;

/**
 * How requests find a connection. fixed: `connections` connections opened before the clock, each carrying its
 * requests one after another (wrk's and autocannon's model). pool: the blog client's (Go's http.Transport with
 * MaxConnsPerHost = MaxIdleConnsPerHost = connections): at most `connections` requests in flight, each takes an
 * idle connection or dials one, and gives it back to an idle pool that stays open until the step ends; one timeout
 * from the request's start covers dialling, waiting to be accepted and the answer. Native generator only.
 */
export const ConnectionModel = z.enum(['fixed', 'pool']);
export type ConnectionModel = z.infer<typeof ConnectionModel>;

const KeysSchema = z.strictObject({ prefix: z.string().default('key-'), count: positiveInt.default(100) });

/** The fields that shape a step's traffic, without defaults, so a step can override any subset of them. */
const workloadFields = {
  generator: LoadGeneratorName,
  connections: positiveInt.max(20_000),
  connectionModel: ConnectionModel,
  timeoutMs: ms,
  keys: KeysSchema,
  values: ValuesSchema,
  /** null: entries never expire. */
  ttl: TtlSchema.nullable(),
  /** Fraction of requests that are GET /kv/{key} (the rest POST). 0.7 is the article's 70/30 mix. */
  readFraction: z.number().min(0).max(1),
  /** Requests sent before measuring, on the same server process, to warm caches and JITs. */
  warmupRequests: z
    .number()
    .int()
    .min(0)
    .max(MAX_REQUESTS, `at most ${MAX_REQUESTS.toLocaleString('en')} requests`),
};

/**
 * A scenario's `load`: the defaults of every step. They are the blog's: 1000 in flight, keys key-0..99,
 * values 0..99, TTL 1–2 s, 10 s timeout.
 */
export const WorkloadSchema = z.strictObject({
  generator: workloadFields.generator.default('native'),
  connections: workloadFields.connections.default(1000),
  connectionModel: workloadFields.connectionModel.default('fixed'),
  timeoutMs: workloadFields.timeoutMs.default(10_000),
  keys: workloadFields.keys.prefault({}),
  values: workloadFields.values.prefault({ kind: 'int' }),
  ttl: workloadFields.ttl.prefault({ minSec: 1, maxSec: 2 }),
  readFraction: workloadFields.readFraction.default(0),
  /** On by default: a fresh server's first requests measure its start-up (JIT, allocator, page faults), not its steady state. */
  warmupRequests: workloadFields.warmupRequests.default(2000),
});
export type Workload = z.infer<typeof WorkloadSchema>;

/** One stretch of an open-model schedule: `rate` offered requests per second for `durationSec`. */
export const RateSegmentSchema = z.strictObject({ rate: rate.min(0), durationSec: seconds });
export type RateSegment = z.infer<typeof RateSegmentSchema>;

/**
 * An offered rate (requests per second, open model), or a fraction of the slowest server's capacity measured by
 * this run's capacity step: the same offered load for every server, set by the weakest of them.
 */
export const RateSchema = z.union([rate.positive(), z.strictObject({ capacityFraction: z.number().gt(0).max(1) })]);
export type Rate = z.infer<typeof RateSchema>;

/**
 * The highest offered rate at which a server answers everything (100 % success, nothing left unsent) with p99 at
 * or under `p99Ms`: found by doubling from `startRate` until a probe misses, then bisecting, in at most `budgetSec`.
 */
export const CapacitySchema = z.strictObject({
  p99Ms: z.number().positive().max(MAX_MS),
  probeSec: seconds.default(2),
  startRate: rate.positive().default(1000),
  /** Stop bisecting when the bracket is this narrow, relative to its lower end. */
  resolution: z.number().positive().max(0.5).default(0.05),
  budgetSec: seconds.default(40),
});
export type Capacity = z.infer<typeof CapacitySchema>;

/** Closed model: requests or durationSec. Open model: rate (with durationSec) or schedule. Or a capacity search. */
export type StepModel = 'closed' | 'open' | 'capacity';

export const StepSchema = z
  .strictObject(workloadFields)
  .partial()
  .extend({
    name: fileSafeName,
    /** Closed model: total requests to send (the blog's N), at most `connections` in flight. */
    requests: requestCount.optional(),
    /** Closed model: keep the load up for this many seconds; with `rate`, the open model's length. */
    durationSec: seconds.optional(),
    rate: RateSchema.optional(),
    schedule: z.array(RateSegmentSchema).min(1).optional(),
    capacity: CapacitySchema.optional(),
  })
  .superRefine((s, ctx) => {
    const lengths = [s.requests, s.durationSec, s.schedule, s.capacity].filter((x) => x !== undefined).length;
    if (lengths !== 1) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of requests, durationSec (alone or with rate), schedule or capacity' });
    }
    if (s.rate !== undefined && s.durationSec === undefined) {
      ctx.addIssue({ code: 'custom', message: 'a rate step needs durationSec: how long to offer that rate', path: ['rate'] });
    }
  });
export type Step = z.infer<typeof StepSchema>;

export function stepModel(step: Pick<Step, 'rate' | 'schedule' | 'capacity'>): StepModel {
  if (step.capacity) return 'capacity';
  return step.rate !== undefined || step.schedule ? 'open' : 'closed';
}

/** A step with the scenario's defaults filled in: what the load generator actually receives. */
export type ResolvedStep = Workload & Pick<Step, 'name' | 'requests' | 'durationSec' | 'rate' | 'schedule' | 'capacity'>;

/** The server's RLIMIT_NOFILE. Without `hard`, the runner's own hard limit stays (only root could raise it). */
export const FdLimitSchema = z
  .strictObject({ soft: positiveInt, hard: positiveInt.optional() })
  .refine((l) => l.hard === undefined || l.soft <= l.hard, { message: 'soft must not exceed hard', path: ['soft'] });
export type FdLimit = z.infer<typeof FdLimitSchema>;

/** taskset CPU lists, e.g. "0" or "0-1" or "0,2". */
const CpuList = z.string().regex(/^\d+(-\d+)?(,\d+(-\d+)?)*$/, 'a taskset CPU list such as "0" or "0-1"');

/** Allowed relative change before `compare` calls a metric regressed, e.g. 0.1 = 10 %. */
export const ThresholdsSchema = z
  .strictObject({
    rps: z.number().positive().default(0.1),
    p50: z.number().positive().default(0.15),
    p99: z.number().positive().default(0.25),
    cpuPerRequest: z.number().positive().default(0.1),
    peakRss: z.number().positive().default(0.25),
    failures: z.number().min(0).default(0),
  })
  .prefault({});
export type Thresholds = z.infer<typeof ThresholdsSchema>;

/**
 * A memory-footprint measurement, after the steps: each server is filled with `keys` distinct keys (`<prefix><i>`,
 * string values of `valueBytes`), its RSS read before and after, then stopped with SIGTERM and started again with
 * --load, timed until /healthz and `sampleKeys` of the keys answer. 1 million small values by default.
 */
export const FootprintSchema = z.strictObject({
  keys: positiveInt.max(10_000_000).default(1_000_000),
  valueBytes: positiveInt.max(1000).default(8),
  prefix: z.string().min(1).default('fp-'),
  /** Connections the fill pipelines its POSTs over. */
  connections: positiveInt.max(64).default(8),
  sampleKeys: positiveInt.max(100_000).default(1000),
});
export type Footprint = z.infer<typeof FootprintSchema>;

export const ScenarioSchema = z
  .strictObject({
    /**
     * The JSON Schema an editor checks the file against (docs/schemas/scenario.schema.json). A property of the file,
     * not of the scenario: the runner drops it when it loads the file, so it never reaches a results file.
     */
    $schema: z.string().optional(),
    name: fileSafeName,
    description: z.string().default(''),
    /** Server entries: a folder under servers/ (ts), or one of its runtimes (ts@bun); absent: every entry found. */
    servers: z.array(z.string().min(1)).min(1).optional(),
    repeat: positiveInt.max(100).default(1),
    seed: z.number().int().min(0).default(1),
    load: WorkloadSchema.prefault({}),
    /** May be `[]` when the scenario measures only a footprint. */
    steps: z.array(StepSchema),
    footprint: FootprintSchema.optional(),
    /** Applied to the server process only (prlimit), never to the runner or the load generator. */
    fdLimit: FdLimitSchema.optional(),
    /** Absent: on a machine with 2 or more cores the runner pins by itself (the server on its own cores). */
    pinning: z.strictObject({ server: CpuList.optional(), load: CpuList.optional() }).optional(),
    /** kv-spec flags passed to every server. */
    serverFlags: z
      .strictObject({
        shards: positiveInt.max(1024).default(5),
        flushIntervalMs: ms.default(1000),
        cleanupIntervalMs: ms.default(500),
      })
      .prefault({}),
    thresholds: ThresholdsSchema,
  })
  .refine((s) => s.steps.length > 0 || s.footprint !== undefined, {
    message: 'give at least one step, or a footprint to measure',
    path: ['steps'],
  });
export type Scenario = z.infer<typeof ScenarioSchema>;
export type ScenarioInput = z.input<typeof ScenarioSchema>;

export function resolveSteps(scenario: Scenario): ResolvedStep[] {
  return scenario.steps.map((step) => {
    const overrides = Object.fromEntries(Object.entries(step).filter(([, v]) => v !== undefined));
    return { ...scenario.load, ...overrides } as ResolvedStep;
  });
}
