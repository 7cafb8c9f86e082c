import { spawn, spawnSync } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES_DIR } from '@kvbench/launcher';
import { MAIN, ROOT, TSX, kvbench, tempDir } from './support/cli.js';

const FAKE = path.join(FIXTURES_DIR, 'fake-server.mjs');

/** Server processes whose command line holds `marker` (not the CLI itself, whose --command argument holds it too). */
function processesWith(marker: string): string[] {
  const out = spawnSync('pgrep', ['-af', marker], { encoding: 'utf8' }).stdout;
  return out.split('\n').filter((line) => line.includes(marker) && !line.includes('pgrep') && !line.includes('main.ts'));
}

/** The CLI started in the background, once its progress on stderr matches `progress`. */
async function runningUntil(progress: RegExp, program: string, args: string[]) {
  const child = spawn(program, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (progress.test(stderr)) {
        clearInterval(check);
        resolve();
      }
    }, 100);
  });
  return child;
}

/** `kvbench run` of `file` against the fake server tagged with `marker`, results into `dir`, no report. */
function runFake(file: string, dir: string, marker: string, ...flags: string[]): string[] {
  return ['run', file, '--results-dir', dir, '--no-report', ...flags, '--name', 'fake', '--command', `node ${FAKE} --marker ${marker} {flags}`];
}

async function scenarioFile(dir: string, body: object) {
  const file = path.join(dir, 'scenario.json');
  await writeFile(file, JSON.stringify(body));
  return file;
}

describe('kvbench run', () => {
  it('rejects a bad flag with one line that names it, exit 2', () => {
    const { code, stderr } = kvbench(['run', 'blog', '--repeat', 'three']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--repeat three: expected a positive whole number/);
    const unknown = kvbench(['run', 'blog', '--colour']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--colour/);
  });

  it('names a bad scenario field by its path before anything starts, exit 2', async () => {
    const dir = await tempDir('kvbench-cli-');
    const file = await scenarioFile(dir, { name: 'x', steps: [{ name: 'a', requests: 10, connections: -1 }] });
    const { code, stderr } = kvbench(['run', file]);
    expect(code).toBe(2);
    expect(stderr).toContain(file);
    expect(stderr).toMatch(/steps\[0\]\.connections: /);
  });

  it('lists the known scenarios when one is missing, suggests the closest, exit 2 like every usage error', () => {
    const { code, stderr } = kvbench(['run', 'blgo']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/no scenario "blgo".*known scenarios: .*blog-quick.*; did you mean "blog"\?/);
  });

  it('suggests the command or the flag that was meant, and prints its version', () => {
    expect(kvbench(['rnu', 'blog'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown command "rnu"; did you mean "run"\?/) });
    expect(kvbench(['run', 'blog', '--serverz', 'go'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/unknown option --serverz; did you mean "--servers"\?/),
    });
    expect(kvbench(['--version'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^kvbench \d+\.\d+\.\d+/) });
  });

  it('ab says when an odd number of repeats puts base first more often, and checks --base before anything runs', () => {
    const odd = kvbench(['ab', 'ci', '--base', 'no-such-revision-here', '--repeat', '3']);
    expect(odd.stderr).toContain('note: 3 repeats is odd, so base runs first 2 times and head 1');
    expect(odd).toMatchObject({ code: 2, stderr: expect.stringMatching(/--base no-such-revision-here is not a git revision here/) });
    // The ci scenario's own count is even: no note.
    expect(kvbench(['ab', 'ci', '--base', 'no-such-revision-here']).stderr).not.toContain('is odd');
  });

  it('ends quietly when the reader of its output leaves (kvbench list | head -1)', () => {
    const piped = spawnSync('sh', ['-c', `${TSX} ${MAIN} list | head -1`], { cwd: ROOT, encoding: 'utf8' });
    expect(piped.stdout).toBe('scenarios:\n');
    expect(piped.stderr).not.toMatch(/EPIPE|Error/);
  });

  it('runs a server started by a user command, records its crash, and prints the results and report paths', async () => {
    const dir = await tempDir('kvbench-cli-');
    const marker = `crashy-${process.pid}`;
    const file = await scenarioFile(dir, { name: 'cli-crash', load: { connections: 20 }, steps: [{ name: 'a', requests: 3000 }] });
    const { code, stdout, stderr } = kvbench([
      'run',
      file,
      '--results-dir',
      dir,
      '--report-dir',
      dir,
      '--name',
      'crashy',
      '--command',
      `node ${FAKE} --crash-after 400 --marker ${marker} {flags}`,
    ]);
    // Its only run crashed: results and report are written, and the exit says no valid measurement came out.
    expect(code).toBe(1);
    expect(stderr).toMatch(/no server produced a valid measurement/);
    const resultsPath = /results: (.+\.json)/.exec(stdout)?.[1];
    const reportPath = /report: (.+\.html)/.exec(stdout)?.[1];
    expect(resultsPath && reportPath).toBeTruthy();
    const results = JSON.parse(await readFile(path.resolve(ROOT, resultsPath!), 'utf8'));
    expect(results.runs[0].status).toBe('server-crashed');
    // Tests write only into temp directories: the report too.
    expect(path.resolve(ROOT, reportPath!).startsWith(dir)).toBe(true);
    expect(stdout.trimEnd().split('\n').at(-1)).toMatch(/^report: .+\.html$/);
    expect(processesWith(marker)).toEqual([]);
  });

  it('verifies before measuring: a dead port is not measured, not ranked, and the run exits 1', async () => {
    // The review's probe: `--url http://127.0.0.1:1` was once ranked first for RPS, at 0 % success, exit 0.
    const dir = await tempDir('kvbench-cli-');
    const file = await scenarioFile(dir, { name: 'cli-dead', load: { connections: 4, warmupRequests: 0 }, steps: [{ name: 'a', requests: 200 }] });
    const { code, stdout, stderr } = kvbench(['run', file, '--results-dir', dir, '--no-report', '--url', 'http://127.0.0.1:1', '--name', 'nobody']);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /verifying nobody …\n\s+nobody: FAILED healthz — GET \/healthz on http:\/\/127\.0\.0\.1:1 failed: connect ECONNREFUSED .* \(not measured\)/,
    );
    const results = JSON.parse(await readFile(path.resolve(ROOT, /results: (.+\.json)/.exec(stdout)![1]!), 'utf8'));
    expect(results.runs[0]).toMatchObject({ status: 'not-verified', client: null });
    expect(stdout).not.toMatch(/Highest RPS/);
  });

  it('numbers a repeat the same in the live progress, the warnings and the results file', async () => {
    const dir = await tempDir('kvbench-cli-');
    const file = await scenarioFile(dir, {
      name: 'cli-repeats',
      repeat: 2,
      load: { connections: 4, warmupRequests: 0 },
      steps: [{ name: 'a', requests: 200 }],
    });
    const { code, stdout, stderr } = kvbench(['run', file, '--results-dir', dir, '--no-report', '--name', 'fake', '--command', `node ${FAKE} {flags}`]);
    expect(code).toBe(0);
    const results = JSON.parse(await readFile(path.resolve(ROOT, /results: (.+\.json)/.exec(stdout)![1]!), 'utf8'));
    expect(results.runs.map((r: { repeat: number }) => r.repeat)).toEqual([0, 1]);
    // 200 requests last well under a second: every repeat carries a short-step warning, named by its repeat.
    expect(stderr).toMatch(/\[1\/2\] fake a #0/);
    expect(stderr).toMatch(/\[2\/2\] fake a #1/);
    expect(stdout).toMatch(/fake · a #0: The step lasted/);
    expect(stderr + stdout).not.toMatch(/ a #2/);
  });

  it('tells each warning once while running, counts the rest, and lists them all after the table', async () => {
    const dir = await tempDir('kvbench-cli-');
    const file = await scenarioFile(dir, {
      name: 'cli-warn-once',
      repeat: 3,
      load: { connections: 4, warmupRequests: 0 },
      steps: [{ name: 'a', requests: 200 }],
    });
    const { stdout, stderr } = kvbench([
      'run',
      file,
      '--results-dir',
      dir,
      '--no-report',
      '--name',
      'fake',
      '--command',
      `node ${FAKE} --emfile-lines 2 {flags}`,
    ]);
    expect(stderr.match(/! open-file-errors:/g)).toHaveLength(1);
    expect(stderr).toMatch(/warnings fired again, told once above, all in the block below: .*open-file-errors ×3/);
    expect(stdout).toMatch(/Ran out of file descriptors \[open-file-errors\][\s\S]*\(\+2 more\)/);
  });

  it('on Ctrl-C stops the server, keeps the partial results marked as such, and leaves no process behind', async () => {
    const dir = await tempDir('kvbench-cli-');
    const marker = `sigint-${process.pid}`;
    const file = await scenarioFile(dir, {
      name: 'cli-sigint',
      load: { connections: 10 },
      steps: [
        { name: 'short', requests: 200 },
        { name: 'long', durationSec: 60 },
      ],
    });
    // node with tsx as a loader: the two signals below must reach the runner itself, as a relaying wrapper's do
    // (sent to the tsx wrapper instead, its own second-signal rule would force-kill the runner).
    const child = await runningUntil(/\[2\/2\] fake long/, process.execPath, ['--import', 'tsx', MAIN, ...runFake(file, dir, marker)]);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(processesWith(marker)).toHaveLength(1);
    // One Ctrl-C as a wrapper relays it: twice, 30 ms apart. It must stay one interruption, not a forced exit.
    child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 30));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(130);
    expect(processesWith(marker)).toEqual([]);
    const [resultsFile] = (await readdir(dir)).filter((f) => f.startsWith('cli-sigint-'));
    const results = JSON.parse(await readFile(path.join(dir, resultsFile!), 'utf8'));
    expect(results.complete).toBe(false);
    expect(results.runs.map((r: { status: string }) => r.status)).toEqual(['ok', 'interrupted']);
    expect(results.runs[1].client.sent).toBeGreaterThan(0);
  });

  it('on Ctrl-C through `pnpm kvbench`, as a terminal sends it, a shell sees 130 and the partial results are kept', async () => {
    const dir = await tempDir('kvbench-cli-');
    const marker = `pnpm-sigint-${process.pid}`;
    const file = await scenarioFile(dir, { name: 'cli-pnpm-sigint', load: { connections: 10, warmupRequests: 0 }, steps: [{ name: 'long', durationSec: 60 }] });
    // A process group of its own, so that the signal below reaches pnpm, the runner and the server at once, as a
    // terminal's Ctrl-C reaches its foreground group. pnpm 9 then exited 0 (pnpm/pnpm#9626).
    const child = spawn('pnpm', ['--silent', 'kvbench', ...runFake(file, dir, marker, '--no-verify')], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number>((resolve) =>
      // What a shell reports: the exit code, or 128 + the number of the signal the process died of.
      child.on('exit', (code, signal) => resolve(code ?? 128 + os.constants.signals[signal!])),
    );
    const started = () => /\[1\/1\] fake long/.test(stderr);
    for (let waited = 0; !started() && child.exitCode === null && waited < 30_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(started(), `the step never started; stderr:\n${stderr.slice(-600)}`).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    process.kill(-child.pid!, 'SIGINT');
    const pnpmVersion = spawnSync('pnpm', ['--version'], { encoding: 'utf8' }).stdout.trim();
    expect(await exited, `shell status of pnpm ${pnpmVersion} kvbench after Ctrl-C; stderr:\n${stderr.slice(-600)}`).toBe(130);
    expect(processesWith(marker)).toEqual([]);
    const [resultsFile] = (await readdir(dir)).filter((f) => f.startsWith('cli-pnpm-sigint-'));
    const results = JSON.parse(await readFile(path.join(dir, resultsFile!), 'utf8'));
    expect(results.complete).toBe(false);
    expect(results.runs.map((r: { status: string }) => r.status)).toEqual(['interrupted']);
  }, 60_000);

  it('on SIGKILL of the runner, the server and the client die with it, and the next run removes its data directory', async () => {
    const dir = await tempDir('kvbench-cli-');
    const marker = `sigkill-${process.pid}`;
    const file = await scenarioFile(dir, { name: 'cli-sigkill', load: { connections: 10, warmupRequests: 0 }, steps: [{ name: 'long', durationSec: 60 }] });
    // node with tsx as a loader, not the tsx wrapper: the process killed must be the runner itself.
    const child = await runningUntil(/\[1\/1\] fake long/, process.execPath, ['--import', 'tsx', MAIN, ...runFake(file, dir, marker, '--no-verify')]);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(processesWith(marker)).toHaveLength(1);
    const scratch = `kvbench-run-${child.pid}-`;
    expect((await readdir(os.tmpdir())).some((f) => f.startsWith(scratch))).toBe(true);
    // Its children: the server (the marker) and kvload, each exec'd in place by setpriv.
    const children = spawnSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' })
      .stdout.trim()
      .split('\n')
      .filter(Boolean);
    const commands = children.map((pid) => spawnSync('ps', ['-o', 'args=', '-p', pid], { encoding: 'utf8' }).stdout.trim());
    expect(commands.some((c) => c.includes('kvload'))).toBe(true);
    expect(commands.some((c) => c.includes(marker))).toBe(true);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(processesWith(marker)).toEqual([]);
    // Gone, or a zombie waiting for whoever adopted it to reap it: either way no longer running.
    const alive = children.filter((pid) => !/^(Z|$)/.test(spawnSync('ps', ['-o', 'stat=', '-p', pid], { encoding: 'utf8' }).stdout.trim()));
    expect(alive).toEqual([]);
    // Nothing could clean up after a SIGKILL; the next run does.
    const again = await scenarioFile(dir, { name: 'cli-after', load: { connections: 2, warmupRequests: 0 }, steps: [{ name: 'a', requests: 20 }] });
    expect(kvbench(['run', again, '--results-dir', dir, '--no-report', '--name', 'fake', '--command', `node ${FAKE} {flags}`]).code).toBe(0);
    expect((await readdir(os.tmpdir())).some((f) => f.startsWith(scratch))).toBe(false);
  }, 60_000);
});

describe('kvbench list', () => {
  it('shows each runtime of a server as an entry of its own, with the version its binary reports', () => {
    const { code, stdout } = kvbench(['list']);
    expect(code).toBe(0);
    const servers = stdout.slice(stdout.indexOf('servers'));
    for (const entry of ['ts', 'ts@node22', 'ts@node24', 'ts@bun']) expect(servers).toMatch(new RegExp(`^  ${entry} +TypeScript on `, 'm'));
    expect(servers).toMatch(/^ {2}ts@node24 +TypeScript on node24 \(v24\.\d+\.\d+\)/m);
    expect(servers).toMatch(/^ {2}ts@bun +TypeScript on bun \(1\.\d+\.\d+\)/m);
    expect(servers).not.toMatch(/not installed/);
  });
});
