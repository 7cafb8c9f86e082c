import type { ConnectionUse, Failures } from '@kvbench/schemas';

export function noFailures(): Failures {
  return { byStatus: {}, timeouts: 0, connectionErrors: 0, clientOpenFileErrors: 0, incomplete: 0 };
}

/** The expected answer: POST → 201; GET → 200, or 404 for a key not written yet (a miss is a correct answer). */
export function isExpectedStatus(method: 'GET' | 'POST', status: number): boolean {
  return method === 'POST' ? status === 201 : status === 200 || status === 404;
}

/** Requests that ended without an answer in time, of every kind: with `completed`, they must add up to `sent`. */
export function unanswered(failures: Failures): number {
  return failures.timeouts + failures.connectionErrors + failures.clientOpenFileErrors + failures.incomplete;
}

export function countStatus(failures: Failures, status: number): void {
  const code = String(status);
  failures.byStatus[code] = (failures.byStatus[code] ?? 0) + 1;
}

/**
 * null when sent = completed + every kind of unanswered request, and (where the generator counts them) the
 * timeouts by where they struck add up to the timeouts; else what does not add up, in words.
 */
export function accountingError(outcome: { sent: number; completed: number; failures: Failures; connections?: ConnectionUse | null }): string | null {
  const accounted = outcome.completed + unanswered(outcome.failures);
  const f = outcome.failures;
  if (accounted !== outcome.sent) {
    return (
      `requests do not add up: sent ${outcome.sent}, but completed ${outcome.completed} + timeouts ${f.timeouts} + ` +
      `connection errors ${f.connectionErrors} + client EMFILE ${f.clientOpenFileErrors} + incomplete ${f.incomplete} = ${accounted}`
    );
  }
  const c = outcome.connections;
  if (c && c.dialTimeouts + c.waitingTimeouts + c.answeringTimeouts !== f.timeouts) {
    return (
      `timeouts do not add up: ${f.timeouts} in all, but dialling ${c.dialTimeouts} + waiting ${c.waitingTimeouts} + ` +
      `answering ${c.answeringTimeouts} = ${c.dialTimeouts + c.waitingTimeouts + c.answeringTimeouts}`
    );
  }
  return null;
}
