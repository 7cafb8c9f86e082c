import { describe, expect, it } from 'vitest';

import { parseCli, UsageError, type Config } from '../src/cli.js';

function run(argv: string[]): Config {
  const command = parseCli(argv);
  if (command.kind !== 'run') throw new Error('expected a run command');
  return command.config;
}

describe('parseCli', () => {
  it("uses the spec's defaults", () => {
    expect(run([])).toEqual({
      host: '127.0.0.1',
      port: 8000,
      shards: 5,
      directory: '.kvdata',
      load: false,
      flushIntervalMs: 1000,
      cleanupIntervalMs: 500,
      timeouts: { headerMs: 10_000, idleMs: 65_000, requestMs: 30_000 },
    });
  });

  it('reads every flag, in both --flag value and --flag=value form', () => {
    expect(
      run([
        '--host',
        '::1',
        '--port=0',
        '--shards',
        '1024',
        '--directory',
        '/tmp/x',
        '--load',
        '--flush-interval',
        '50',
        '--cleanup-interval=25',
        '--header-timeout',
        '2000',
        '--idle-timeout=3000',
        '--request-timeout',
        '4000',
      ]),
    ).toEqual({
      host: '::1',
      port: 0,
      shards: 1024,
      directory: '/tmp/x',
      load: true,
      flushIntervalMs: 50,
      cleanupIntervalMs: 25,
      timeouts: { headerMs: 2000, idleMs: 3000, requestMs: 4000 },
    });
  });

  it('recognises --help and -h', () => {
    expect(parseCli(['--help'])).toEqual({ kind: 'help' });
    expect(parseCli(['-h'])).toEqual({ kind: 'help' });
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--port'], /--port/],
    [['--port', 'abc'], /invalid value "abc" for --port/],
    [['--port', '65536'], /--port/],
    [['--port', '-1'], /--port/],
    [['--port', '0x10'], /--port/],
    [['--port', '1e3'], /--port/],
    [['--shards', '0'], /--shards: want an integer from 1 to 1024/],
    [['--shards', '1025'], /--shards/],
    [['--shards', '2.5'], /--shards/],
    [['--flush-interval', '0'], /--flush-interval/],
    [['--cleanup-interval', '99999999999'], /--cleanup-interval/],
    [['--header-timeout', '0'], /--header-timeout: want an integer from 1/],
    [['--idle-timeout', 'soon'], /--idle-timeout/],
    [['--request-timeout', '-1'], /--request-timeout/],
    [['--directory', ''], /--directory must not be empty/],
    [['--host', ''], /--host must not be empty/],
    [['--load=yes'], /--load/],
    [['positional'], /Unexpected argument 'positional'/],
  ])('rejects %j with a one-line usage error', (argv, message) => {
    let caught: unknown;
    try {
      parseCli(argv);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UsageError);
    const text = (caught as UsageError).message;
    expect(text).toMatch(message);
    expect(text).not.toContain('\n');
  });
});
