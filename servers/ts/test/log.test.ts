import { describe, expect, it } from 'vitest';

import { describeError, RateLimitedLogger } from '../src/log.js';

function errno(message: string, code: string, errnoValue: number, syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code, errno: errnoValue, syscall });
}

describe('describeError', () => {
  it('keeps an fs error message that already reads CODE: text', () => {
    const err = errno("EMFILE: too many open files, open '/x/shard-0'", 'EMFILE', -24, 'open');
    expect(describeError(err)).toBe("EMFILE: too many open files, open '/x/shard-0'");
  });

  it("adds the system's text to a socket error that carries only `accept EMFILE`", () => {
    expect(describeError(errno('accept EMFILE', 'EMFILE', -24, 'accept'))).toBe('EMFILE: too many open files, accept');
  });

  it('keeps a listen error that already carries its text and address', () => {
    const err = errno('listen EADDRINUSE: address already in use 127.0.0.1:8000', 'EADDRINUSE', -98, 'listen');
    expect(describeError(err)).toBe('listen EADDRINUSE: address already in use 127.0.0.1:8000');
  });

  it('falls back to the message for errors without a code', () => {
    expect(describeError(new Error('boom'))).toBe('boom');
    expect(describeError('plain')).toBe('plain');
  });
});

describe('RateLimitedLogger', () => {
  it('passes a limited number of lines a second and reports how many it held back', () => {
    const lines: string[] = [];
    let now = 10_000;
    const log = new RateLimitedLogger(
      (l) => lines.push(l),
      2,
      () => now,
    );
    for (let i = 0; i < 5; i++) log.write(`e${i}`);
    expect(lines).toEqual(['e0', 'e1']);
    now += 1000;
    log.write('e5');
    expect(lines).toEqual(['e0', 'e1', 'e5 (3 earlier error lines suppressed by the rate limit)']);
  });
});
