import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { killGroup, track } from '@kvbench/launcher';
import type { CaseGroup, ConformanceCase } from '../case.js';
import { put, stats } from '../check.js';
import { readStore } from '../disk.js';
import { describeRun } from '../run.js';
import type { ServerUnderTest } from '../server-under-test.js';
import { eventually } from '../wait.js';

const FLAGS = [
  '--host',
  '--port',
  '--shards',
  '--directory',
  '--load',
  '--flush-interval',
  '--cleanup-interval',
  '--header-timeout',
  '--idle-timeout',
  '--request-timeout',
];

const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

/** A bad command line: exit 2 with a one-line error on stderr, before binding anything. */
const usageError = (args: string[], what: string): ConformanceCase => ({
  name: `${what} (${args.join(' ')}) prints one line on stderr and exits 2`,
  async run(sut) {
    const outcome = await sut.run(['--port', '0', '--directory', sut.dataDir, ...args], 10_000);
    assert.ok(!outcome.timedOut, `it started instead of refusing ${args.join(' ')}: ${describeRun(outcome)}`);
    assert.equal(outcome.code, 2, `exit status for ${args.join(' ')}: ${describeRun(outcome)}`);
    assert.equal(lines(outcome.stderr).length, 1, `stderr for ${args.join(' ')} should be one line: ${describeRun(outcome)}`);
    assert.doesNotMatch(outcome.stdout, /listening on/, `it printed a listening line for ${args.join(' ')}`);
  },
});

/** Spawns the server, collecting stdout line by line, and returns the first `listening on` line's URL. */
async function spawnWatchingStdout(sut: ServerUnderTest, args: string[]) {
  const [program, ...rest] = sut.command(args);
  const child = spawn(program!, rest, { cwd: sut.def.dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const untrack = track(child);
  const stdout: string[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => (untrack(), resolve(code))));
  const listening = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      stdout.push(line);
      if (line.startsWith('listening on')) resolve(line);
    });
    void exited.then((code) => reject(new Error(`exited (${code}) before a listening line; stderr: ${stderr}`)));
    setTimeout(() => reject(new Error(`no listening line within 20 s; stdout ${JSON.stringify(stdout)}, stderr ${stderr}`)), 20_000).unref();
  });
  const kill = () => killGroup(child.pid, 'SIGKILL');
  return { child, stdout, listening, exited, kill, stderr: () => stderr };
}

/** The command line every server shares: same flags, same defaults, same errors. */
export const cliCases: CaseGroup = {
  name: 'command line',
  cases: [
    {
      name: '--help exits 0 and names every flag',
      // Go's flag package writes "-name"; "--name" works too, so either spelling names the flag.
      async run(sut) {
        // 30 s, not 10: the first start of a runtime in a fresh checkout can be slow on a contended host (a fresh
        // clone's ts@deno once gave no output within 10 s, then answered in 0.1–0.6 s on 15 runs in a row).
        const outcome = await sut.run(['--help'], 30_000);
        assert.equal(outcome.code, 0, `--help: ${describeRun(outcome)}`);
        const text = outcome.stdout + outcome.stderr;
        const missing = FLAGS.filter((flag) => !text.includes(flag.slice(1)));
        assert.deepStrictEqual(missing, [], `--help does not mention every flag: ${describeRun(outcome)}`);
      },
    },
    usageError(['--bogus'], 'an unknown flag'),
    usageError(['--shards', '0'], '0 shards'),
    usageError(['--shards', '1025'], 'more than 1024 shards'),
    usageError(['--shards', 'abc'], 'a non-numeric shard count'),
    usageError(['--shards', '2.5'], 'a fractional shard count'),
    usageError(['--port', 'abc'], 'a non-numeric port'),
    usageError(['--port', '70000'], 'a port over 65535'),
    usageError(['--port', '-1'], 'a negative port'),
    usageError(['--flush-interval', 'abc'], 'a non-numeric flush interval'),
    usageError(['--cleanup-interval', 'soon'], 'a non-numeric cleanup interval'),
    usageError(['--header-timeout', '0'], 'a header timeout of 0'),
    usageError(['--idle-timeout', 'soon'], 'a non-numeric idle timeout'),
    usageError(['--request-timeout', '-1'], 'a negative request timeout'),
    usageError(['--shards'], 'a flag without its value'),
    {
      name: 'with --port 0 and the default host it prints exactly one line, listening on http://127.0.0.1:<real port>, and serves there',
      async run(sut) {
        const server = await spawnWatchingStdout(sut, ['--port', '0', '--directory', sut.dataDir]);
        try {
          const line = await server.listening;
          const match = /^listening on http:\/\/127\.0\.0\.1:(\d+)$/.exec(line);
          assert.ok(match, `listening line ${JSON.stringify(line)} is not "listening on http://127.0.0.1:<port>"`);
          const port = Number(match[1]);
          assert.ok(port > 0 && port < 65536, `listening line names port ${port}, not the real one`);
          const res = await fetch(`http://127.0.0.1:${port}/healthz`);
          assert.equal(res.status, 200, `GET /healthz on the port from the listening line`);
          process.kill(server.child.pid!, 'SIGTERM');
          assert.equal(await server.exited, 0, `exit status after SIGTERM; stderr: ${server.stderr()}`);
          assert.deepStrictEqual(server.stdout, [line], 'stdout over the whole run should be the one listening line');
        } finally {
          server.kill();
        }
      },
    },
    {
      name: 'without timer flags it still flushes (default 1000 ms) and sweeps (default 500 ms)',
      async run(sut) {
        await sut.start();
        await put(sut, 'kept', 1);
        await put(sut, 'brief', 2, 0.1);
        const swept = await eventually(5_000, async () => (await stats(sut)).keys === 1);
        assert.ok(swept, 'an entry with ttl 0.1 is still counted by /stats 5 s later: no sweep runs by default');
        const flushed = await eventually(5_000, async () => (await readStore(sut.dataDir)).has('kept'));
        assert.ok(flushed, 'nothing is on disk 5 s after a write: no flush runs by default');
      },
    },
    {
      name: 'a port already in use is an error on stderr with the OS text and a non-zero exit',
      async run(sut) {
        await sut.start();
        const port = new URL(sut.url).port;
        const outcome = await sut.run(['--port', port, '--directory', sut.scratch('second')], 10_000);
        assert.ok(!outcome.timedOut, `a second server on port ${port} did not exit: ${describeRun(outcome)}`);
        assert.ok(outcome.code !== 0 && outcome.code !== null, `exit status on a port in use: ${describeRun(outcome)}`);
        assert.match(outcome.stderr, /address already in use|EADDRINUSE|os error 98/i, `stderr on a port in use: ${describeRun(outcome)}`);
      },
    },
  ],
};
