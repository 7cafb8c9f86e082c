// Errors go to stderr, one line each, with the operating system's own text, because the benchmark harness counts
// them (e.g. `grep -c EMFILE`). Nothing is logged per request.
import { getSystemErrorMap } from 'node:util';

export type Logger = (line: string) => void;

/** The default logger. process.stderr is synchronous for files and pipes on Linux, so no line is lost on exit. */
export const logToStderr: Logger = (line) => {
  process.stderr.write(line + '\n');
};

let systemErrors: Map<number, [string, string]> | undefined;

/**
 * An error with the system's own text. Node's fs and listen errors already carry it; socket errors such as
 * accept's read only `accept EMFILE`, so the text ("too many open files") is looked up from libuv's table.
 */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const e = err as NodeJS.ErrnoException;
  // `EMFILE: too many open files, open '...'`, `listen EADDRINUSE: address already in use 127.0.0.1:8000`
  if (typeof e.code !== 'string' || e.message.includes(`${e.code}:`)) return e.message;
  if (typeof e.errno === 'number') {
    systemErrors ??= getSystemErrorMap();
    const known = systemErrors.get(e.errno);
    if (known !== undefined) return `${e.code}: ${known[1]}${e.syscall === undefined ? '' : `, ${e.syscall}`}`;
  }
  return `${e.code}: ${e.message}`;
}

/**
 * Passes at most `perSecond` lines a second to `log` and folds the rest into a count on the next line that passes.
 * An accept() that fails with EMFILE fails again for every queued connection, thousands of times a second; writing
 * each line synchronously would starve the event loop that is trying to recover.
 */
export class RateLimitedLogger {
  private windowStart = 0;
  private inWindow = 0;
  private suppressed = 0;

  constructor(
    private readonly log: Logger,
    private readonly perSecond = 50,
    private readonly now: () => number = Date.now,
  ) {}

  readonly write: Logger = (line) => {
    const t = this.now();
    if (t - this.windowStart >= 1000) {
      this.windowStart = t;
      this.inWindow = 0;
    }
    if (this.inWindow >= this.perSecond) {
      this.suppressed++;
      return;
    }
    this.inWindow++;
    if (this.suppressed > 0) {
      line += ` (${this.suppressed} earlier error lines suppressed by the rate limit)`;
      this.suppressed = 0;
    }
    this.log(line);
  };
}
