import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { DEFAULT_TIMEOUTS, type Config } from '../src/cli.js';
import { start } from '../src/main.js';

const MAIN = join(dirname(dirname(fileURLToPath(import.meta.url))), 'dist', 'main.js');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kvts-main-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function config(overrides: Partial<Config> = {}): Config {
  return {
    host: '127.0.0.1',
    port: 0,
    shards: 5,
    directory: dir,
    load: false,
    flushIntervalMs: 60_000,
    cleanupIntervalMs: 60_000,
    timeouts: DEFAULT_TIMEOUTS,
    ...overrides,
  };
}

function put(url: string, key: string, value: unknown): Promise<Response> {
  return fetch(`${url}/kv`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key, value }),
  });
}

describe('start', () => {
  it('listens on the real port when asked for port 0', async () => {
    const running = await start(config(), () => undefined);
    try {
      expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:[1-9][0-9]*$/);
      expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
    } finally {
      await running.stop();
    }
  });

  it('flushes every change on stop, and --load brings it back', async () => {
    const first = await start(config(), () => undefined);
    for (let i = 0; i < 20; i++) expect((await put(first.url, `key-${i}`, i)).status).toBe(201);
    expect(await first.stop()).toBe(true);
    expect((await readdir(dir)).sort()).toEqual(['shard-0', 'shard-1', 'shard-2', 'shard-3', 'shard-4']);

    const second = await start(config({ load: true, shards: 8 }), () => undefined);
    try {
      expect((await (await fetch(`${second.url}/stats`)).json()) as { keys: number }).toMatchObject({ keys: 20 });
      expect(await (await fetch(`${second.url}/kv/key-7`)).json()).toEqual({ value: 7 });
    } finally {
      await second.stop();
    }
  });

  it('flushes on its interval and sweeps expired entries on its own', async () => {
    const running = await start(config({ flushIntervalMs: 20, cleanupIntervalMs: 20 }), () => undefined);
    try {
      await fetch(`${running.url}/kv`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ key: 'key-1', value: 1, ttl: 0.3 }),
      });
      // Polled rather than slept: on a busy machine an fsync can take longer than the interval.
      await vi.waitFor(async () => expect(await readFile(join(dir, 'shard-3'), 'utf8')).toContain('"key-1"'), 5000);
      await vi.waitFor(() => expect(running.store.stats().keys).toBe(0), 5000);
      await vi.waitFor(async () => expect(await readFile(join(dir, 'shard-3'), 'utf8')).toMatch(/^\{\}\n/), 5000);
    } finally {
      await running.stop();
    }
  });

  it('rejects a start whose --load finds a corrupted file', async () => {
    await writeFile(join(dir, 'shard-0'), '{}\n00000000000000000000000000000000');
    await expect(start(config({ load: true }), () => undefined)).rejects.toThrow(/shard-0: MD5 mismatch/);
  });
});

// ---- the compiled program, as the harness runs it -------------------------------------------------------------

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function exited(child: ChildProcess): Promise<Exit> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

function run(args: string[]): Promise<Exit> {
  return exited(spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** Starts the server and resolves with its URL once the `listening on` line is out. */
function serve(args: string[]): { child: ChildProcess; exit: Promise<Exit>; url: Promise<string> } {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exit = exited(child);
  const url = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^listening on (http:\/\/\S+)\n$/.exec(out);
      if (m) resolve(m[1]!);
    });
    void exit.then((e) => reject(new Error(`server exited early: ${JSON.stringify(e)}`)));
  });
  return { child, exit, url };
}

describe('dist/main.js', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('prints one listening line, and on %s flushes and exits 0', async (signal) => {
    const server = serve(['--port', '0', '--directory', dir, '--flush-interval', '600000']);
    const url = await server.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await put(url, 'key-1', 'v')).status).toBe(201);
    server.child.kill(signal);
    const exit = await server.exit;
    expect(exit).toEqual({ code: 0, stdout: `listening on ${url}\n`, stderr: '' });
    expect(await readFile(join(dir, 'shard-3'), 'utf8')).toContain('"key-1":{"value":"v"');
  });

  it('prints usage for --help and exits 0', async () => {
    const exit = await run(['--help']);
    expect(exit.code).toBe(0);
    expect(exit.stdout).toMatch(/^Usage:/);
    expect(exit.stdout).toContain('--flush-interval');
  });

  it('prints a one-line error for a bad flag and exits 2', async () => {
    for (const args of [['--nope'], ['--port', 'x'], ['--shards', '0']]) {
      const exit = await run(args);
      expect(exit.code).toBe(2);
      expect(exit.stdout).toBe('');
      expect(exit.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
  });

  it('exits 1 naming the file when --load meets a corrupted shard', async () => {
    const json = '{"k":';
    await writeFile(join(dir, 'shard-4'), `${json}\n00000000000000000000000000000000`);
    const exit = await run(['--port', '0', '--directory', dir, '--load']);
    expect(exit.code).toBe(1);
    expect(exit.stdout).toBe('');
    expect(exit.stderr).toContain(join(dir, 'shard-4'));
    expect(exit.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('exits 1 with the system error when the port is taken', async () => {
    const first = serve(['--port', '0', '--directory', dir]);
    const port = new URL(await first.url).port;
    const exit = await run(['--port', port, '--directory', dir]);
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/EADDRINUSE/);
    first.child.kill('SIGTERM');
    expect((await first.exit).code).toBe(0);
  });
});
