/**
 * Every command's synopsis and options, once: `parse` hands these same objects to node:util's parseArgs (which ignores
 * the `value` and `help` keys), and `usage` prints them, so help cannot name an option the parser does not know or
 * miss one it does. This module imports nothing, so `kvbench --help` loads no workspace package.
 */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  /** The placeholder after the flag in help, e.g. "N" for `--repeat N`. */
  readonly value?: string;
  /** One or more lines; a line after the first continues the description. */
  readonly help: string;
}

export interface CommandSpec {
  readonly synopsis: string;
  readonly about?: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
}

const seed = { type: 'string', value: 'S', help: "seed of the random request sequence (default: the scenario's)" } as const;
const generator = {
  type: 'string',
  value: 'NAME',
  help: "native (default: kvbench's own Rust client), autocannon or wrk, for every step",
} as const;
const pinServer = { type: 'string', value: 'CPUS', help: 'taskset CPU list for the server, e.g. 0' } as const;
const pinLoad = { type: 'string', value: 'CPUS', help: 'taskset CPU list for the load generator, e.g. 1' } as const;
const reportOnly = {
  type: 'boolean',
  help: 'print and write everything, but exit 0 on a regression (machine noise is not a verdict)',
} as const;

export const COMMANDS = {
  run: {
    synopsis: 'kvbench run <scenario> [options]',
    about: '<scenario> is a name under scenarios/ (blog, blog-quick, blog-client, blog-fd-limit, ci, …) or a path.',
    options: {
      servers: {
        type: 'string',
        value: 'a,b',
        help: "which servers (folders under servers/) or runtime entries (ts@bun: see kvbench list);\ndefault: the scenario's, else every entry",
      },
      repeat: { type: 'string', value: 'N', help: "repeats of every step (default: the scenario's)" },
      seed,
      generator,
      'fd-limit': { type: 'string', value: 'S[:H]', help: "the server's open-file limit (soft[:hard]), e.g. 256 or 256:256" },
      'pin-server': pinServer,
      'pin-load': pinLoad,
      'no-pin': {
        type: 'boolean',
        help: 'do not pin (default on 2+ cores: the server on the first half of the cores, the client on the rest)',
      },
      manifest: {
        type: 'string',
        multiple: true,
        value: 'FILE',
        help: "a server described by a kvbench.json anywhere (e.g. in a clone of someone else's server);\nrepeatable; with --servers, those run too",
      },
      url: { type: 'string', value: 'URL', help: 'benchmark a server already running at a loopback URL (with --name)' },
      command: {
        type: 'string',
        value: 'CMD',
        help: 'benchmark a server started by CMD (with --name); in CMD, {port} {host} {dir} {shards}\n{flushIntervalMs} {cleanupIntervalMs} are filled in, {flags} becomes the kv-spec flags',
      },
      name: { type: 'string', value: 'N', help: 'the label the results use for a --url or --command server' },
      ready: {
        type: 'string',
        value: 'HOW',
        help: 'when a --command server is ready: listening-line (default: it prints "listening on\nhttp://HOST:PORT"), tcp (a connect to {port} succeeds) or http:/PATH (GET PATH answers)',
      },
      'stop-signal': { type: 'string', value: 'SIG', help: 'SIGTERM (default) or SIGINT: how a --command server is asked to stop' },
      'no-verify': {
        type: 'boolean',
        help: 'measure without first checking each server against the kv-spec (recorded in the results)',
      },
      'no-build': { type: 'boolean', help: "use the servers' existing build artifacts" },
      'no-report': { type: 'boolean', help: 'skip the HTML report' },
      'results-dir': {
        type: 'string',
        value: 'DIR',
        help: 'where to write the results file, named <scenario>-<time>.json (default: results/)',
      },
      out: {
        type: 'string',
        value: 'FILE',
        help: 'write the results file exactly there instead (folders are created; an existing file is\nnever replaced: kvbench stops before starting anything, exit 2)',
      },
      'report-dir': { type: 'string', value: 'DIR', help: 'where to write the HTML report (default: reports/)' },
    },
  },
  report: {
    synopsis: 'kvbench report <results.json …> [options]',
    about: 'Writes one self-contained HTML report (opens from disk, no network) under reports/ and prints its path.',
    options: {
      markdown: { type: 'string', value: 'FILE', help: 'also write the Markdown tables there (appended to, e.g. "$GITHUB_STEP_SUMMARY")' },
      terminal: { type: 'boolean', help: 'print the terminal table too' },
      index: {
        type: 'boolean',
        help: "write reports/index.html: every run under results/, and each server's gate metric (CPU per\nrequest) per step over commits",
      },
      history: { type: 'string', value: 'FILE', help: 'with --index: also draw the entries of a history file (kvbench history) over commits' },
      'results-dir': { type: 'string', value: 'DIR', help: 'with --index: the results files to list (default: results/, every folder beneath)' },
      'report-dir': { type: 'string', value: 'DIR', help: 'where to write the HTML (default: reports/)' },
    },
  },
  compare: {
    synopsis: 'kvbench compare <baseline.json> <current.json> [options]',
    about:
      'Decides per server, step and metric: regression, improvement or no change (the rule: README, "Regression rule").\nExit status: 1 on a regression of a gate metric (server CPU per request, failed requests), 0 otherwise, 2 when\nthe two cannot be compared.',
    options: {
      markdown: { type: 'string', value: 'FILE', help: 'also write the Markdown table there (e.g. "$GITHUB_STEP_SUMMARY"; appended to)' },
      json: { type: 'string', value: 'FILE', help: 'also write the comparison itself there, as JSON (kind kvbench.comparison)' },
      'report-only': reportOnly,
    },
  },
  ab: {
    synopsis: 'kvbench ab <scenario> --base REV [options]',
    about:
      'Same-run A/B: builds every server from git revision REV ("base") and from the working tree ("head"), measures\nthem interleaved (base, head, base, head …) in one run on this machine, and compares them by the regression rule.\nMachine drift hits both sides alike, which comparing against numbers from another day cannot promise.',
    options: {
      base: { type: 'string', value: 'REV', help: 'the branch, tag or commit to compare the working tree against (required)' },
      servers: { type: 'string', value: 'a,b', help: "which servers (default: the scenario's, else all)" },
      repeat: { type: 'string', value: 'N', help: "repeats per side (default: the scenario's; an even number, at least 4, balances the order)" },
      seed,
      generator,
      'pin-server': pinServer,
      'pin-load': pinLoad,
      markdown: { type: 'string', value: 'FILE', help: 'append the comparison\'s Markdown there (e.g. "$GITHUB_STEP_SUMMARY")' },
      json: { type: 'string', value: 'FILE', help: 'write the comparison itself there, as JSON (after the confirmation rerun)' },
      'no-confirm': {
        type: 'boolean',
        help: 'skip the confirmation rerun (by default a regression of a gate metric stands only if it\nholds on the first repeats and a rerun of the flagged servers and steps, judged together)',
      },
      'report-only': reportOnly,
    },
  },
  baseline: {
    synopsis: 'kvbench baseline [scenario] [options]',
    about:
      'Refreshes the committed baseline: runs the scenario (default: ci) on every server and writes\nresults/baseline/<scenario>.json, the file .ci/run and the workflow compare against. Commit it with a note of\nthe machine it came from.',
    options: {
      repeat: { type: 'string', value: 'N', help: "repeats of every step (default: the scenario's)" },
    },
  },
  history: {
    synopsis: 'kvbench history <results.json …> --file FILE',
    about:
      "Adds each results file's gate metrics (server CPU per request, failed requests: median, min–max and repeats per\nserver and step, with its commit and machine) to FILE, creating it. Small enough to keep between CI runs (on a\nbranch or as an artifact); kvbench report --index --history FILE draws it over commits. Adding a file twice\nkeeps one entry.",
    options: {
      file: { type: 'string', value: 'FILE', help: 'the history to add to (required; created if missing)' },
    },
  },
  export: {
    synopsis: 'kvbench export <results.json> --format FORMAT [--out FILE]',
    about:
      'One entry per server and step: RPS, p50 and p99 latency (µs), server CPU per request (µs), success rate (0–1),\nfailed requests and peak RSS (bytes), each the median over the repeats with their min and max, as the report shows.',
    options: {
      format: {
        type: 'string',
        value: 'FORMAT',
        help: 'csv: a header row, then one row per server and step (RFC 4180)\ngithub-action-benchmark: JSON for github-action-benchmark with tool: customSmallerIsBetter\n  (latency, CPU per request, failed requests, peak RSS)\ngithub-action-benchmark-bigger: the same with tool: customBiggerIsBetter (RPS, success rate):\n  the action takes one direction per file, so chart both with two steps\nbencher: Bencher Metric Format JSON, for bencher run --adapter json --file FILE',
      },
      out: {
        type: 'string',
        value: 'FILE',
        help: 'write there instead of to stdout (folders are created; an existing file is never replaced: exit 2)',
      },
    },
  },
  list: {
    synopsis: 'kvbench list',
    about: 'The scenarios and servers there are, with the version of each toolchain or runtime.',
    options: {},
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

const FLAG_COLUMN = 25;

/** The help of one command, generated from its definition. */
export function usage(name: CommandName): string {
  const spec: CommandSpec = COMMANDS[name];
  const lines = [spec.synopsis, ...(spec.about ? spec.about.split('\n').map((line) => `  ${line}`) : [])];
  for (const [flag, option] of Object.entries(spec.options)) {
    const head = `  --${flag}${option.value ? ` ${option.value}` : ''}`;
    const [first = '', ...rest] = option.help.split('\n');
    lines.push(head.length < FLAG_COLUMN ? `${head.padEnd(FLAG_COLUMN)}${first}` : `${head}\n${' '.repeat(FLAG_COLUMN)}${first}`);
    for (const line of rest) lines.push(`${' '.repeat(FLAG_COLUMN)}${line}`);
  }
  if (Object.keys(spec.options).length > 0) lines.push(`  --help, -h${' '.repeat(FLAG_COLUMN - 12)}this help`);
  return lines.join('\n');
}
