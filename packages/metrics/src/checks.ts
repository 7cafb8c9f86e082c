import { MACHINE_DRIFT, MACHINE_STEAL_CORES, OTHER_LOAD_CORES, type ClientResult, type Machine, type ServerResult, type Warning } from '@kvbench/schemas';

export interface CheckInput {
  server: string;
  step: string;
  repeat: number;
  client: ClientResult;
  serverProcess: ServerResult | null;
  connections: number;
  model: 'closed' | 'open' | 'capacity';
  /** CPUs the load generator can use at most, from its own LoadGenerator.cpuCapacity (one event loop = 1). */
  clientCpuCapacity: number;
  /** CPUs the server may use (its pinning set, else the machine's): a server near all of them set the pace itself. */
  serverCpuCapacity?: number;
  /** CPUs on the machine (or in the pinning sets), shared by client and server when not pinned apart. */
  machineCores: number;
  pinnedApart: boolean;
  /** The machine around the run; absent or null when it could not be read. */
  machine?: Machine | null;
}

/** A client at or above this share of its CPU capacity was the bottleneck, not the server. */
export const CLIENT_BOUND_SHARE = 0.85;
/** A server pinned apart and busy on this share of its cores was saturated: it, not the client, set the pace. */
export const SERVER_SATURATED_SHARE = 0.95;
/** Little's law mismatch tolerated before warning (measured in-flight vs the connection cap). */
export const LITTLE_TOLERANCE = 0.25;
/** Below this, start-up and ramp dominate: rates are not steady-state. */
export const SHORT_STEP_MS = 1000;

/**
 * The run's checks on itself: each says in plain words when a figure cannot be taken at face value. They only warn;
 * the numbers stay as measured.
 */
export function checkRun(input: CheckInput): Warning[] {
  const where = { server: input.server, step: input.step, repeat: input.repeat };
  const { client, serverProcess } = input;
  const warnings: Warning[] = [];
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

  const clientCores = client.cpu?.coresBusy;
  const serverCores = serverProcess?.cpu?.coresBusy;
  // A server busy on (nearly) all of its own cores was the bottleneck even if the client was busy too.
  const serverSaturated =
    input.pinnedApart && input.serverCpuCapacity !== undefined && serverCores !== undefined && serverCores >= SERVER_SATURATED_SHARE * input.serverCpuCapacity;
  if (clientCores !== undefined && clientCores >= CLIENT_BOUND_SHARE * input.clientCpuCapacity && !serverSaturated) {
    warnings.push({
      ...where,
      code: 'load-generator-bound',
      message:
        `${client.generator.name} used ${clientCores.toFixed(2)} of the ${input.clientCpuCapacity} core(s) it can ` +
        `use: the load generator, not ${input.server}, set the pace, so this RPS is a floor for the server. ` +
        (client.generator.name === 'native'
          ? 'Give the client more cores (--pin-load) or compare at an offered rate below its ceiling (a rate step).'
          : 'Rerun with the native generator (the default), which costs less CPU per request.'),
    });
  }

  const littles = littlesLaw(input, clientCores);
  if (littles) warnings.push({ ...where, code: 'littles-law', message: littles });
  if (client.dropped > 0) {
    warnings.push({
      ...where,
      code: 'dropped-requests',
      message:
        `${client.dropped} of ${client.offered} offered requests were never sent: all ${input.connections} connections ` +
        `were still waiting for answers when the schedule ended. ${input.server} did not keep up with this rate.`,
    });
  }
  if (client.failed > 0) {
    warnings.push({
      ...where,
      code: 'failed-requests',
      message: `${client.failed} of ${client.sent} requests failed (success rate ${pct(client.successRate)}).`,
    });
  }
  if (client.failures.incomplete > 0) {
    warnings.push({
      ...where,
      code: 'incomplete-requests',
      message: `${client.failures.incomplete} requests were sent but never answered before the step ended.`,
    });
  }
  const openFiles = openFileTrouble(input);
  if (openFiles) warnings.push({ ...where, code: 'open-file-errors', message: openFiles });
  warnings.push(...machineWarnings(input, where));
  if (client.durationMs < SHORT_STEP_MS) {
    warnings.push({
      ...where,
      code: 'short-step',
      message: `The step lasted ${client.durationMs.toFixed(0)} ms: connection set-up and ramp-up weigh on its RPS and latency.`,
    });
  }
  if (!input.pinnedApart && clientCores !== undefined && serverCores !== undefined) {
    const total = clientCores + serverCores;
    if (total >= 0.85 * input.machineCores) {
      warnings.push({
        ...where,
        code: 'shared-cpu',
        message:
          `Client (${clientCores.toFixed(2)} cores) and server (${serverCores.toFixed(2)} cores) together kept the ` +
          `machine's ${input.machineCores} cores ${pct(total / input.machineCores)} busy: they competed for CPU, ` +
          `so neither figure is what it would be on separate machines.`,
      });
    }
  }
  return warnings;
}

/**
 * Little's law: in flight = throughput × time in system. With a closed loop of C connections kept busy, the measured
 * in-flight should be close to C. When it is not, the message names the side the evidence points to: the server's
 * descriptors (connections it could not accept), the client's CPU, or neither.
 */
function littlesLaw(input: CheckInput, clientCores: number | undefined): string | null {
  const { client } = input;
  const expected = Math.min(input.connections, client.sent);
  // An open-model step keeps as many in flight as its rate needs, not the connection cap: no such expectation.
  if (input.model !== 'closed' || client.completed < 2 * expected || expected <= 0 || client.durationMs <= 0) return null;
  const inFlight = (client.completed / (client.durationMs / 1000)) * (client.latency.meanUs / 1e6);
  const ratio = inFlight / expected;
  if (Math.abs(ratio - 1) <= LITTLE_TOLERANCE) return null;
  const head =
    `Little's law: completed/s × mean latency = ${inFlight.toFixed(0)} requests in flight, but ${expected} were ` + `allowed (ratio ${ratio.toFixed(2)}). `;
  if (ratio > 1) {
    return head + 'Latency is longer than throughput implies: requests queued outside the measured window (e.g. connection set-up or retries).';
  }
  const limit = fdShortfall(input);
  if (limit) {
    return (
      head +
      `${input.server} could not take every connection: ${limit}, so the client's requests waited to be accepted ` +
      'rather than being answered, and the figures describe the limit, not the server.'
    );
  }
  if (clientCores !== undefined && clientCores >= CLIENT_BOUND_SHARE * input.clientCpuCapacity) {
    return (
      head +
      `The client was short of CPU (${clientCores.toFixed(2)} of ${input.clientCpuCapacity} core(s)) and could not keep every connection busy, so latency understates what a saturated server would show.`
    );
  }
  return (
    head +
    "Neither the server's descriptors nor the client's CPU explain it: connections spent time outside requests " +
    "(set-up, or waiting on the client's scheduling), so latency understates what a saturated server would show."
  );
}

/**
 * Why the server could not hold the step's connections open, in words, or null: its actual soft limit (read from
 * /proc after start) below the connections, with the peak of its descriptors at that limit or its stderr saying so.
 */
function fdShortfall(input: CheckInput): string | null {
  const server = input.serverProcess;
  const soft = server?.nofile?.soft;
  if (!server || soft === undefined || soft < 0 || soft >= input.connections) return null;
  const atLimit = server.peakFds !== null && server.peakFds >= soft - FD_RESERVE;
  if (!atLimit && server.openFileErrors === 0) return null;
  const peak = server.peakFds === null ? '' : ` (peak ${server.peakFds} open)`;
  return `its open-file limit is ${soft}${peak} for ${input.connections} connections`;
}

/** Descriptors a server holds besides its connections: stdio, the listener, data files, the runtime's own. */
const FD_RESERVE = 32;
/** p99 this many times p50: the tail is a queue (connections waiting to be accepted), not service time. */
const QUEUE_TAIL_RATIO = 20;

/**
 * Open-file trouble: EMFILE in either side's output, or — when the server logs nothing and the sampler missed the
 * peak — a soft limit below the step's connections together with a tail many times the median, which is what
 * connections waiting in the accept queue look like.
 */
function openFileTrouble(input: CheckInput): string | null {
  const { client, serverProcess } = input;
  const serverEmfile = serverProcess?.openFileErrors ?? 0;
  const clientEmfile = client.failures.clientOpenFileErrors;
  if (serverEmfile + clientEmfile > 0) {
    return (
      `Open-file errors: ${serverEmfile} in ${input.server}'s stderr, ${clientEmfile} in the client. ` +
      `The process ran out of file descriptors (its RLIMIT_NOFILE soft limit) while ~${input.connections} ` +
      'connections were open.'
    );
  }
  const soft = serverProcess?.nofile?.soft;
  const { p50Us, p99Us, count } = client.latency;
  if (soft === undefined || soft < 0 || soft >= input.connections || count === 0 || p99Us < QUEUE_TAIL_RATIO * p50Us) return null;
  return (
    `${input.server}'s open-file limit is ${soft}, below the ${input.connections} connections of this step, and p99 ` +
    `(${(p99Us / 1000).toFixed(1)} ms) is ${Math.round(p99Us / p50Us)}× p50: connections waited to be accepted. ` +
    `${input.server} logged no open-file error${serverProcess?.peakFds !== null ? ` and its sampled peak was ${serverProcess?.peakFds} descriptors` : ''}, but the limit, not its speed, shaped this tail.`
  );
}

/** A disturbed machine: a neighbour's load, a contended host (steal), or a change of speed between the calibrations around the run. */
function machineWarnings(input: CheckInput, where: Pick<Warning, 'server' | 'step' | 'repeat'>): Warning[] {
  const machine = input.machine;
  if (!machine) return [];
  const warnings: Warning[] = [];
  if (machine.otherCores > OTHER_LOAD_CORES) {
    warnings.push({
      ...where,
      code: 'machine-busy',
      message:
        `Other processes kept ${machine.otherCores.toFixed(2)} cores busy during the load (the machine ` +
        `${machine.busyCores.toFixed(2)} cores in all, beyond ${input.server}, the client and the runner): they ` +
        'competed with the measurement, so its figures describe a disturbed machine. Rerun on a quiet one.',
    });
  }
  if (machine.stealCores > MACHINE_STEAL_CORES) {
    warnings.push({
      ...where,
      code: 'machine-steal',
      message:
        `The hypervisor ran other work on this machine's CPUs for ${machine.stealCores.toFixed(2)} cores during the ` +
        `load (steal time, beyond ${MACHINE_STEAL_CORES}): the host was contended, and on a contended host the same ` +
        'work costs more CPU, so CPU figures from this run are not comparable with others. Rerun when the host is quiet.',
    });
  }
  if (machine.drift !== null && machine.drift > MACHINE_DRIFT) {
    const worst = machine.calibration.reduce((a, b) => (Math.abs(b.afterNs / b.beforeNs - 1) > Math.abs(a.afterNs / a.beforeNs - 1) ? b : a));
    warnings.push({
      ...where,
      code: 'machine-drift',
      message:
        `The machine changed speed during the run: the same calibration work took ${(worst.beforeNs / 1e6).toFixed(2)} ms ` +
        `of CPU before and ${(worst.afterNs / 1e6).toFixed(2)} ms after (CPU ${worst.cpu ?? 'unpinned'}, ` +
        `${(machine.drift * 100).toFixed(0)} % apart), so CPU figures from this run are not comparable with others.`,
    });
  }
  return warnings;
}
