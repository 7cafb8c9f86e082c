import { z } from 'zod';
import { ConnectionModel, RateSegmentSchema, ScenarioSchema } from './scenario.js';

/** Bumped on any change a reader of an older file could misread; readers refuse other versions. */
export const RESULTS_SCHEMA_VERSION = 2;

const count = z.number().int().min(0);
const num = z.number().finite();

export const WarningCode = z.enum([
  'load-generator-bound',
  'littles-law',
  'server-crashed',
  'server-hung',
  'start-failed',
  'unclean-exit',
  'open-file-errors',
  'failed-requests',
  'incomplete-requests',
  'short-step',
  'shared-cpu',
  'interrupted',
  'client-ceiling',
  'dropped-requests',
  'machine-busy',
  'machine-drift',
  'machine-steal',
  'failed-verification',
]);
export type WarningCode = z.infer<typeof WarningCode>;

/**
 * A run carrying one of these was measured on a disturbed machine: its figures are shown, never judged by compare.
 * machine-steal is not one: on this project's VM half the repeats of a ci run can carry it, so refusing on it would
 * leave most rows unjudged, and a same-run A/B interleaves base and head, so a contended host lands on both alike
 * (the A/A trials of scripts/power.mjs, flagged 0 of 16, ran through such hosts). It marks the run for readers and
 * for comparisons across runs (scripts/spread.mjs leaves such repeats out).
 */
export const DISTURBED_WARNINGS: readonly WarningCode[] = ['machine-busy', 'machine-drift'];
/**
 * machine-busy: other processes busier than this (cores, mean over the load). A quiet machine shows 0.02–0.04
 * (kernel threads, the tick rounding of /proc/stat); a CPU burner on one core shows 0.6–0.8.
 */
export const OTHER_LOAD_CORES = 0.1;
/**
 * machine-drift: the calibration work's CPU time moving more than this between before and after a run. On this
 * project's 2-core VM 12 calibrations in a row stayed within 2.6 % of each other, yet across a few seconds of load
 * the speed moved up to 10 % on quiet runs (both cores together: the host, not the run). 20 % flags what that
 * ordinary jitter does not explain, such as the 1.8× swing a review measured here.
 */
export const MACHINE_DRIFT = 0.2;
/**
 * machine-steal: the hypervisor running other work on this VM's CPUs for more than this many cores (mean over the
 * load, /proc/stat's steal). The kernel bills steal to no task here (CONFIG_PARAVIRT_TIME_ACCOUNTING), but it marks
 * a contended host, where the same work costs more CPU. On this project's 2-core VM quiet runs showed 0.000–0.065;
 * in the one `pnpm bench` of three with 0.12–0.40, every server's CPU per request at 10 000 req/s was 9–21 % above
 * the first run's (docs/results/blog-quick-20261202T173432Z.json against …173034Z.json).
 */
export const MACHINE_STEAL_CORES = 0.1;

export const WarningSchema = z.strictObject({
  code: WarningCode,
  /** Plain words: what happened and what it means for the numbers. */
  message: z.string(),
  server: z.string().optional(),
  step: z.string().optional(),
  repeat: count.optional(),
});
export type Warning = z.infer<typeof WarningSchema>;

export const LatencySchema = z.strictObject({
  count,
  minUs: num,
  meanUs: num,
  stddevUs: num,
  p50Us: num,
  p90Us: num,
  p99Us: num,
  p999Us: num,
  maxUs: num,
  /** Percentile spectrum (HDR "percentile distribution"): for plotting on a log axis. */
  spectrum: z.array(z.strictObject({ percentile: num, valueUs: num })),
  /** The full HDR histogram, base64-compressed, so any other statistic can be recomputed later. */
  hdr: z.string().optional(),
});
export type Latency = z.infer<typeof LatencySchema>;

export const FailuresSchema = z.strictObject({
  /** Answers with an unexpected status, by code. */
  byStatus: z.record(z.string().regex(/^\d{3}$/), count),
  timeouts: count,
  /** Resets, refusals and other socket errors (other than the client's EMFILE). */
  connectionErrors: count,
  /** The client's own EMFILE errors (it, too, can run out of descriptors); not counted again in connectionErrors. */
  clientOpenFileErrors: count,
  /** Sent but never answered by the end of the step (neither answer nor timeout nor error). */
  incomplete: count,
});
export type Failures = z.infer<typeof FailuresSchema>;

export const CpuSchema = z.strictObject({
  userMs: num,
  sysMs: num,
  /** (user + sys) / wall time of the load: 1.0 = one core fully busy. */
  coresBusy: num,
});

/**
 * How the client's connections were used in one step: every dial, every reuse of a connection, and where each
 * timeout struck. dialTimeouts + waitingTimeouts + answeringTimeouts = failures.timeouts.
 */
export const ConnectionUseSchema = z.strictObject({
  /** Connect attempts, successful or not. */
  dials: count,
  /** Connects refused or failed, the client's EMFILE included (fixed model: also those made before the clock). */
  dialErrors: count,
  /** Requests whose connect was still unfinished at the timeout: the server's accept queue was full. */
  dialTimeouts: count,
  /** Requests sent on a connection that had carried one before. */
  reuses: count,
  /** Connected and written, and no byte of the answer within the timeout: never accepted, or never answered. */
  waitingTimeouts: count,
  /** Part of an answer arrived, not all of it, within the timeout. */
  answeringTimeouts: count,
  /** Connections the server closed (Connection: close, or the socket's end). */
  closedByServer: count,
  /** Connections open at once, at most. */
  peakOpen: count,
  /** Pool model: idle connections at once, at most (0 in the fixed model). */
  peakIdle: count,
  /** Pool model: idle connections still held open when the step ended. */
  idleAtEnd: count,
});
export type ConnectionUse = z.infer<typeof ConnectionUseSchema>;

/**
 * Where a request's latency starts. intended: the open model's scheduled send time, so time spent waiting for a
 * free connection counts (no coordinated omission). write: the moment the request is written. autocannon: its own
 * stamp, taken before a connection's first request is connected. start: the request's start before it took or
 * dialled a connection (the pool model's closed steps: the blog client's clock, dialling and the wait to be
 * accepted included).
 */
export const LatencyOrigin = z.enum(['intended', 'write', 'autocannon', 'start']);

export const ClientResultSchema = z.strictObject({
  generator: z.strictObject({ name: z.string(), version: z.string() }),
  /** Open model: the arrivals the schedule offered; closed: equal to sent. */
  offered: count,
  /** Open model: offered arrivals never sent because every connection was still busy at the end. */
  dropped: count,
  sent: count,
  completed: count,
  successful: count,
  failed: count,
  failures: FailuresSchema,
  successRate: num,
  /** First send to the last request's end (answer, timeout or error), as the blog timed its steps. */
  durationMs: num,
  /** requests / duration: the blog's figure. */
  rps: num,
  /** successful / duration. */
  goodput: num,
  latency: LatencySchema,
  latencyFrom: LatencyOrigin,
  /** From the write to the answer (the raw service time), when the generator keeps it apart from `latency`. */
  serviceLatency: LatencySchema.nullable(),
  /** TCP connection set-up, each connect the generator made, measured apart from the requests. */
  connect: LatencySchema.nullable(),
  /** null: the generator cannot tell (autocannon, wrk); absent in files written before kvbench counted it. */
  connections: ConnectionUseSchema.nullable().optional(),
  /** The generator's own CPU per request sent, µs: with its capacity, the client's ceiling on this machine. */
  cpuUsPerRequest: num.nullable(),
  /** The load generator's own CPU; near 1.0 on one core means the client, not the server, set the pace. */
  cpu: CpuSchema.nullable(),
});
export type ClientResult = z.infer<typeof ClientResultSchema>;

export const ServerResultSchema = z.strictObject({
  /** Over exactly the load window, from the kernel's per-thread nanosecond counters (schedstat of every thread in /proc/PID/task). */
  cpu: CpuSchema.extend({ usPerRequest: num }).nullable(),
  peakRssBytes: count.nullable(),
  peakFds: count.nullable(),
  peakThreads: count.nullable(),
  /** The server's actual open-file limit, read from /proc/PID/limits once it was listening (runtimes raise their own). */
  nofile: z.strictObject({ soft: z.number().int(), hard: z.number().int() }).nullable(),
  /** false when a thread that ran during the load exited before its end, so CPU fell back to 10 ms ticks. */
  cpuExact: z.boolean().nullable(),
  /** stderr lines with EMFILE / "Too many open files". */
  openFileErrors: count,
  /** The last stderr lines, for the report (already a copy of server output: escape before showing). */
  stderrTail: z.array(z.string()),
  exit: z
    .strictObject({
      code: z.number().int().nullable(),
      signal: z.string().nullable(),
      /** Exited 0 by itself after SIGTERM, within the grace period. */
      clean: z.boolean(),
      stopMs: num,
    })
    .nullable(),
});
export type ServerResult = z.infer<typeof ServerResultSchema>;

/** One sample during the load, several a second. Cumulative counters let a reader recompute any rate. */
export const TimelinePointSchema = z.strictObject({
  tMs: num,
  completed: count,
  rps: num,
  p99Us: num.nullable(),
  serverCpuCores: num.nullable(),
  serverRssBytes: count.nullable(),
  serverFds: count.nullable(),
  clientCpuCores: num.nullable(),
});
export type TimelinePoint = z.infer<typeof TimelinePointSchema>;

/** One probe of a capacity search: an open-model load at `rate` and whether the server kept the target there. */
export const CapacityProbeSchema = z.strictObject({
  rate: num,
  ok: z.boolean(),
  /** Why the probe missed, in words; absent when ok. */
  reason: z.string().optional(),
  p99Us: num.nullable(),
  successRate: num,
  dropped: count,
  serverCoresBusy: num.nullable(),
  clientCoresBusy: num.nullable(),
});
export type CapacityProbe = z.infer<typeof CapacityProbeSchema>;

export const CapacityResultSchema = z.strictObject({
  targetP99Us: num,
  /** The highest probed rate that kept the target; null if even the first probe missed. */
  rate: num.nullable(),
  /** The lowest probed rate that missed it; null if the search ran out of time or the client's ceiling first. */
  missedAt: num.nullable(),
  probes: z.array(CapacityProbeSchema),
  /** What this client can offer on its CPUs, from its own CPU per request: a capacity near it is the client's. */
  clientCeilingRps: num.nullable(),
  nearClientCeiling: z.boolean(),
});
export type CapacityResult = z.infer<typeof CapacityResultSchema>;

/** One CPU's calibration: the median CPU time of a fixed piece of work (kvload --calibrate) before and after the run. */
export const CalibrationSchema = z.strictObject({
  /** The CPU it ran on (a taskset list), or null when nothing is pinned. */
  cpu: z.string().nullable(),
  beforeNs: num,
  afterNs: num,
});
export type Calibration = z.infer<typeof CalibrationSchema>;

/**
 * The machine around one run, so that a disturbed run is a figure with a warning and not a difference between
 * servers. Cores over the load window, from /proc/stat (in 10 ms units, summed over every CPU).
 */
export const MachineSchema = z.strictObject({
  /** Every CPU's time not idle: elapsed − idle per CPU (a tickless kernel measures idle exactly). */
  busyCores: num,
  /**
   * busy − server − load generator − runner − softirq: what other processes took (a neighbour), never below 0.
   * Softirq is left out because on loopback it is our own traffic, often run on an idle CPU and charged to no task.
   */
  otherCores: num,
  /**
   * Of busyCores, the kernel's softirq time. On loopback the sender's softirq does the receiver's TCP work and is
   * charged to whichever task runs, so part of "server CPU" is the client's sending, and the other way round.
   */
  softirqCores: num,
  /** Time the hypervisor ran something else on our virtual CPUs, where the kernel is told of it. */
  stealCores: num,
  /** Before and after the run, per CPU calibrated; empty when kvload was not available. */
  calibration: z.array(CalibrationSchema),
  /** The largest |after / before − 1| over the calibrated CPUs: how far the machine's speed moved during the run. */
  drift: num.nullable(),
  /**
   * CPU ns per round trip of a fixed loopback TCP ping-pong (kvload --pingpong, on the run's CPUs) just before the
   * server starts: the kernel path much of a server's CPU per request goes through, timed apart from any server's
   * code. On this project's VM the core calibration above kept its per-file median within 0.5 % over six ci runs
   * while this moved up to 9 % between them (and 35 % within six idle minutes), every server's CPU per request
   * moving with it; its median over a file's runs says how fast the machine
   * ran that file (scripts/spread.mjs prints it). Absent from files written before it existed; null without kvload.
   */
  loopbackNs: num.nullable().optional(),
});
export type Machine = z.infer<typeof MachineSchema>;

/** not-verified: the server answered a verification check wrong, so none of its runs was measured. */
export const RunStatus = z.enum(['ok', 'server-crashed', 'server-hung', 'start-failed', 'load-failed', 'interrupted', 'not-verified']);
export type RunStatus = z.infer<typeof RunStatus>;

/** One (server, step, repeat): the unit every report row and every comparison is built from. */
export const RunSchema = z.strictObject({
  /** The entry, as ServerInfo.name: `ts`, or `ts@bun` for the same server on another runtime. */
  server: z.string(),
  /** For same-run A/B comparisons: "base" or "head"; absent otherwise. */
  variant: z.string().optional(),
  step: z.string(),
  repeat: count,
  status: RunStatus,
  error: z.string().optional(),
  startedAt: z.iso.datetime(),
  coldStartMs: num.nullable(),
  load: z.strictObject({
    generator: z.string(),
    model: z.enum(['closed', 'open', 'capacity']),
    connections: count,
    /** Absent in files written before there was a choice: those are all `fixed`. */
    connectionModel: ConnectionModel.optional(),
    requests: count.optional(),
    durationSec: num.optional(),
    /** Open model: the offered rate, resolved (a capacity fraction becomes requests per second). */
    rate: num.optional(),
    schedule: z.array(RateSegmentSchema).optional(),
    readFraction: num,
    timeoutMs: count,
  }),
  client: ClientResultSchema.nullable(),
  serverProcess: ServerResultSchema.nullable(),
  timeline: z.array(TimelinePointSchema),
  /** Capacity steps: the search; the run's client and server figures are those of the best probe that held. */
  capacity: CapacityResultSchema.optional(),
  /** The machine during the load (absent in files written before kvbench measured it, and on runs that never loaded). */
  machine: MachineSchema.optional(),
  warnings: z.array(WarningSchema),
});
export type Run = z.infer<typeof RunSchema>;

/**
 * Verify, then measure: what a fast subset of the conformance suite found before the server's first measured run.
 * A server with ok false was not measured.
 */
export const VerificationSchema = z.strictObject({
  ok: z.boolean(),
  durationMs: num,
  checks: z.array(z.strictObject({ name: z.string(), ok: z.boolean(), error: z.string().optional() })),
  /** Checks not run, each with why (e.g. a server kvbench cannot restart with --load). */
  skipped: z.array(z.string()),
});
export type Verification = z.infer<typeof VerificationSchema>;

/**
 * A server's build as the runner ran it. The entries of one server on several runtimes share one build, so each of
 * them shows the same one.
 */
export const BuildSchema = z.strictObject({
  command: z.array(z.string()),
  durationMs: num,
  /** The manifest's artifact (a binary, or dist/ of JavaScript), without the runtime it may need: see `runtime`. */
  artifactBytes: count.nullable(),
  /**
   * cold: the artifact was not there before this build, so the toolchain started from nothing in this checkout
   * (toolchain-wide caches such as Go's build cache may still be warm); incremental: it rebuilt over an earlier
   * build's output. Absent for a manifest without an artifact, and in files written before kvbench told them apart.
   */
  kind: z.enum(['cold', 'incremental']).optional(),
});
export type Build = z.infer<typeof BuildSchema>;

/** The runtime an entry runs on (`node`, `node22`, `bun`, `deno`): its binary and that binary's size. */
export const RuntimeInfoSchema = z.strictObject({
  /** The manifest's name for it: its `runtime`, or the key in its `runtimes`. */
  name: z.string(),
  /** The binary, symlinks resolved. */
  program: z.string(),
  bytes: count,
});
export type RuntimeInfo = z.infer<typeof RuntimeInfoSchema>;

export const ServerInfoSchema = z.strictObject({
  /** The entry: a server (`ts`), or one of its runtimes (`ts@bun`), which is ranked as a server of its own. */
  name: z.string(),
  /** For same-run A/B comparisons: "base" or "head" (of `ts` or of `ts@bun` alike); absent otherwise. */
  variant: z.string().optional(),
  language: z.string(),
  /** manifest: built and started by the runner; url: already running; command: started from a user's command. */
  source: z.enum(['manifest', 'url', 'command']),
  version: z.string().nullable(),
  build: BuildSchema.nullable(),
  /**
   * What the artifact runs on, sized apart from it, so that a 46 kB dist/ on a 100 MB Node compares with a 9 MB Go
   * binary as it is. null: the artifact runs on its own (a Go or Rust binary); absent: not known (a server kvbench
   * did not start from a manifest, or a file written before kvbench sized runtimes).
   */
  runtime: RuntimeInfoSchema.nullable().optional(),
  /** null: skipped (kvbench run --no-verify); absent in files written before kvbench verified servers. */
  verification: VerificationSchema.nullable().optional(),
  error: z.string().optional(),
});
export type ServerInfo = z.infer<typeof ServerInfoSchema>;

const NofileSchema = z.strictObject({ soft: z.number().int(), hard: z.number().int() });

export const EnvironmentSchema = z.strictObject({
  hostname: z.string(),
  cpuModel: z.string(),
  cores: count,
  memoryBytes: count,
  os: z.string(),
  kernel: z.string(),
  node: z.string(),
  gitCommit: z.string().nullable(),
  gitDirty: z.boolean().nullable(),
  /** The runner's own open-file limit; `serverNofile` is the limit applied to servers (null: inherited unchanged),
   * each run's `serverProcess.nofile` the one the server actually had. */
  runnerNofile: NofileSchema,
  serverNofile: NofileSchema.nullable(),
  /** auto: chosen by the runner (the default on 2+ cores); manual: the scenario's or the command line's; off: --no-pin. */
  pinning: z.strictObject({ server: z.string().optional(), load: z.string().optional(), mode: z.enum(['auto', 'manual', 'off']) }),
  seed: z.number().int(),
  loadGenerators: z.record(z.string(), z.string()),
  toolchains: z.record(z.string(), z.string()),
});
export type Environment = z.infer<typeof EnvironmentSchema>;

/** One server's memory footprint (the scenario's `footprint`); null figures where it failed, with `error` saying why. */
export const FootprintResultSchema = z.strictObject({
  server: z.string(),
  variant: z.string().optional(),
  keys: count,
  valueBytes: count,
  error: z.string().optional(),
  /** VmRSS once the server answers /healthz, before the fill. */
  rssStartBytes: count.nullable(),
  /** VmRSS after every key was acknowledged. */
  rssFilledBytes: count.nullable(),
  /** (rssFilled − rssStart) scaled to a million keys. */
  rssPerMillionKeysBytes: num.nullable(),
  fillMs: num.nullable(),
  /** SIGTERM to exit: the final flush of the whole store. */
  stopMs: num.nullable(),
  /** From spawning the server with --load until /healthz and every sampled key answered. */
  reloadMs: num.nullable(),
  sampled: count,
  /** Sampled keys that did not answer 200 with their value after the reload. */
  sampleMissing: count,
});
export type FootprintResult = z.infer<typeof FootprintResultSchema>;

export const ResultsSchema = z.strictObject({
  /**
   * Where an editor finds this file's JSON Schema (docs/schemas/results.schema.json), relative to the file. Optional,
   * so files written before kvbench added it load as before; the version stays, as nothing can be misread: an older
   * kvbench refuses the field by name.
   */
  $schema: z.string().optional(),
  schemaVersion: z.literal(RESULTS_SCHEMA_VERSION),
  kind: z.literal('kvbench.results'),
  id: z.string(),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
  /** false when the run was interrupted (Ctrl-C) or aborted: what is here is real, but not everything planned. */
  complete: z.boolean(),
  interruption: z.string().optional(),
  scenarioPath: z.string(),
  scenario: ScenarioSchema,
  environment: EnvironmentSchema,
  servers: z.array(ServerInfoSchema),
  runs: z.array(RunSchema),
  /** The scenario's footprint measurement, one per server; absent when it asks for none. */
  footprints: z.array(FootprintResultSchema).optional(),
  warnings: z.array(WarningSchema),
});
export type Results = z.infer<typeof ResultsSchema>;
