import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COMMANDS, type CommandName, usage } from '../src/commands/spec.js';

const BIN = fileURLToPath(new URL('../bin/kvbench.js', import.meta.url));
const BUILT = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The installed command as a user runs it: plain node, no tsx on the command line. */
function bin(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '', ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('help generated from the option definitions', () => {
  it('lists every option the parser accepts, with its placeholder, and nothing else', () => {
    for (const name of Object.keys(COMMANDS) as CommandName[]) {
      const text = usage(name);
      const flags = [...text.matchAll(/^ {2}--([a-z-]+)/gm)].map((m) => m[1]).filter((flag) => flag !== 'help');
      expect(flags, name).toEqual(Object.keys(COMMANDS[name].options));
      for (const [flag, option] of Object.entries(COMMANDS[name].options)) {
        if ('value' in option) expect(text, `${name} --${flag}`).toContain(`--${flag} ${option.value}`);
      }
    }
  });

  it('keeps continuation lines under the description column', () => {
    const lines = usage('run').split('\n');
    const manifest = lines.findIndex((line) => line.startsWith('  --manifest FILE'));
    expect(lines[manifest + 1]).toMatch(/^ {25}repeatable; with --servers, those run too$/);
  });
});

describe.skipIf(!existsSync(BUILT))('the built kvbench bin (pnpm build)', () => {
  it('answers --help, a command help and --version without loading the workspace sources', () => {
    const help = bin(['--help']);
    expect(help.code).toBe(0);
    for (const spec of Object.values(COMMANDS)) expect(help.stdout).toContain(spec.synopsis);
    expect(bin(['export', '--help'])).toMatchObject({ code: 0, stdout: `${usage('export')}\n` });
    expect(bin(['--version'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^kvbench \d+\.\d+\.\d+/) });
  });

  it('exits 2 on usage errors and loads the TypeScript workspace for a real command', () => {
    expect(bin(['rnu'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/did you mean "run"/) });
    expect(bin(['run', 'blgo'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/no scenario "blgo"/) });
    expect(bin(['list'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^scenarios:\n/) });
  });
});
