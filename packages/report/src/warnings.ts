import type { Warning, WarningCode } from '@kvbench/schemas';

export type Severity = 'error' | 'warning' | 'caution';

export interface WarningExplanation {
  title: string;
  severity: Severity;
  /** One sentence: what the warning means for the numbers beside it. */
  meaning: string;
}

/** Our own words for each code; the run's message says what happened, this says what it does to the figures. */
export const WARNING_EXPLANATIONS: Record<WarningCode, WarningExplanation> = {
  'server-crashed': {
    title: 'Server crashed',
    severity: 'error',
    meaning: 'The server died during the load: requests after the crash failed, so its figures for that run describe a partial load and must not be ranked.',
  },
  'server-hung': {
    title: 'Server hung',
    severity: 'error',
    meaning:
      'The server stopped answering or ignored SIGTERM and had to be killed: figures after the hang are missing, and data it should have flushed may be lost.',
  },
  'failed-verification': {
    title: 'Failed verification',
    severity: 'error',
    meaning:
      'Before measuring, the server answered a check of the kv-spec wrong (the check and its answer are in the message), so it was not measured and is not ranked: a server that answers wrong is not doing the work the others do.',
  },
  'start-failed': {
    title: 'Server did not start',
    severity: 'error',
    meaning: 'The server never answered its health check, so that run has no numbers at all; fix its build or start command before comparing.',
  },
  interrupted: {
    title: 'Run interrupted',
    severity: 'error',
    meaning:
      'The run was stopped before it finished, by Ctrl-C or a signal: every figure shown is real, but some planned runs are missing and the ranking may change once they are in.',
  },
  'open-file-errors': {
    title: 'Ran out of file descriptors',
    severity: 'warning',
    meaning:
      'The server or the client hit its open-file limit (EMFILE, "Too many open files") — the failure the blog saw in Rust: connections or disk flushes failed, which lowers the success rate and can stretch the duration.',
  },
  'failed-requests': {
    title: 'Failed requests',
    severity: 'warning',
    meaning:
      'Some requests got an unexpected status, timed out or lost their connection: RPS still counts them (the blog’s figure) but goodput does not, so compare success rates before speed.',
  },
  'client-ceiling': {
    title: "Capacity near the client's ceiling",
    severity: 'warning',
    meaning:
      "The capacity found is close to the highest rate this client can offer on its CPUs, so the client may have capped it: read it as a lower bound, and give the client more cores to see the server's own limit.",
  },
  'dropped-requests': {
    title: 'Offered requests never sent',
    severity: 'warning',
    meaning:
      "At this offered rate every connection was still waiting for an answer when more requests were due, and some were never sent: the server did not keep up, and latency (counted from each request's scheduled time) shows the queue.",
  },
  'incomplete-requests': {
    title: 'Unanswered requests',
    severity: 'warning',
    meaning: 'Requests were sent but never answered before the step ended; latency percentiles cannot include them, so they flatter the server.',
  },
  'unclean-exit': {
    title: 'Unclean exit',
    severity: 'warning',
    meaning:
      'After SIGTERM the server exited with an error or a signal: the load figures stand, but its shutdown path (final flush to disk) did not finish cleanly.',
  },
  'load-generator-bound': {
    title: 'Load generator was the bottleneck',
    severity: 'caution',
    meaning:
      'The load generator used (nearly) all the CPU it can use, so it — not the server — set the pace: RPS is a floor for the server and cannot rank servers; server CPU µs per request ranks them only at the same offered load.',
  },
  'machine-busy': {
    title: 'Another process loaded the machine',
    severity: 'warning',
    meaning:
      'Processes other than the server, the client and the runner took CPU during the load: every figure of that run describes a disturbed machine, and compare refuses to call a regression or an improvement from it.',
  },
  'machine-drift': {
    title: 'The machine changed speed',
    severity: 'warning',
    meaning:
      'The same fixed calibration work took a different CPU time before and after the run (a hypervisor, thermal or frequency change): CPU figures from it are not comparable with other runs, and compare does not judge them.',
  },
  'machine-steal': {
    title: 'The host was contended',
    severity: 'warning',
    meaning:
      'The hypervisor ran other work on this machine’s CPUs during the load (steal time): steal is billed to no process, but a contended host makes the same work cost more CPU, so CPU figures from that run are not comparable with other runs, though a same-run A/B still judges it (base and head take turns, so the contention lands on both).',
  },
  'shared-cpu': {
    title: 'Client and server shared the CPUs',
    severity: 'caution',
    meaning:
      'Client and server together kept the machine’s cores busy and slowed each other: absolute RPS and latency are below what separate machines would show, and CPU µs per request can shift too.',
  },
  'littles-law': {
    title: "Little's law does not hold",
    severity: 'caution',
    meaning:
      'Requests in flight (throughput × mean latency) differ from the connections allowed: the load was not steady, so RPS and latency are not a matched pair for that run.',
  },
  'short-step': {
    title: 'Short step',
    severity: 'caution',
    meaning: 'The step was too short to reach a steady state: connection set-up and warm-up weigh on its RPS and latency, so read rates from the larger steps.',
  },
};

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, caution: 2 };

export interface WarningGroup {
  code: WarningCode;
  explanation: WarningExplanation;
  warnings: Warning[];
  /** Distinct messages, in first-seen order. */
  messages: string[];
  /** Each occurrence with its place ("rust · 1k #0"), duplicates removed. */
  entries: Array<{ at: string; message: string }>;
  /** Where it happened, e.g. "rust: 1k ×2, 10k ×2 · ts: 1M" or "whole run". */
  where: string;
}

/** One row per code, most severe first: a reader sees what invalidates numbers before what only qualifies them. */
export function groupWarnings(warnings: readonly Warning[], stepOrder: readonly string[] = []): WarningGroup[] {
  const byCode = new Map<WarningCode, Warning[]>();
  for (const w of warnings) byCode.set(w.code, [...(byCode.get(w.code) ?? []), w]);
  const groups = [...byCode].map(([code, list]) => ({
    code,
    explanation: WARNING_EXPLANATIONS[code],
    warnings: list,
    messages: [...new Set(list.map((w) => w.message))],
    entries: dedupe(list.map((w) => ({ at: placeOf(w), message: w.message }))),
    where: describeWhere(list, stepOrder),
  }));
  const codeOrder = Object.keys(WARNING_EXPLANATIONS);
  return groups.sort(
    (a, b) => SEVERITY_ORDER[a.explanation.severity] - SEVERITY_ORDER[b.explanation.severity] || codeOrder.indexOf(a.code) - codeOrder.indexOf(b.code),
  );
}

function describeWhere(list: readonly Warning[], stepOrder: readonly string[]): string {
  const parts: string[] = [];
  if (list.some((w) => w.server === undefined && w.step === undefined)) parts.push('whole run');
  const byServer = new Map<string, Map<string, number>>();
  for (const w of list) {
    if (w.server === undefined && w.step === undefined) continue;
    const server = w.server ?? 'all servers';
    const steps = byServer.get(server) ?? new Map<string, number>();
    const step = w.step ?? 'all steps';
    steps.set(step, (steps.get(step) ?? 0) + 1);
    byServer.set(server, steps);
  }
  const rank = (step: string) => {
    const i = stepOrder.indexOf(step);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  for (const [server, steps] of byServer) {
    const list = [...steps]
      .sort(([a], [b]) => rank(a) - rank(b))
      .map(([step, n]) => (n > 1 ? `${step} ×${n}` : step))
      .join(', ');
    parts.push(`${server}: ${list}`);
  }
  return parts.join(' · ');
}

/** "rust · 1k #0", or "whole run" for a warning about the run as a whole. */
export function placeOf(w: Warning): string {
  const parts = [w.server, w.step].filter((p): p is string => p !== undefined);
  if (parts.length === 0) return 'whole run';
  return `${parts.join(' · ')}${w.repeat !== undefined ? ` #${w.repeat}` : ''}`;
}

function dedupe(entries: Array<{ at: string; message: string }>): Array<{ at: string; message: string }> {
  const seen = new Set<string>();
  return entries.filter((e) => {
    const key = `${e.at}\u0000${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
