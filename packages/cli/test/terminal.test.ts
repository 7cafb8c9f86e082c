import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { colourFor } from '../src/colour.js';
import { terminalReporter } from '../src/terminal-progress.js';

/** A stream that records what is written, optionally posing as a terminal with colour. */
function captured(tty?: { colours: boolean }) {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream & { text: () => string };
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  if (tty) Object.assign(stream, { isTTY: true, hasColors: (env: NodeJS.ProcessEnv) => tty.colours && !env.NO_COLOR });
  stream.text = () => text;
  return stream;
}

describe('colour', () => {
  it('follows the terminal on a TTY (NO_COLOR included) and FORCE_COLOR on a pipe', () => {
    expect(colourFor(captured({ colours: true }), {})).toBe(true);
    expect(colourFor(captured({ colours: true }), { NO_COLOR: '1' })).toBe(false);
    expect(colourFor(captured(), {})).toBe(false);
    expect(colourFor(captured(), { FORCE_COLOR: '1' })).toBe(true);
    expect(colourFor(captured(), { FORCE_COLOR: '0' })).toBe(false);
    expect(colourFor(captured(), { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(false);
  });
});

describe('build progress', () => {
  it('says a build is still going while the build is silent, and stops when it is done', async () => {
    const stream = captured();
    const reporter = terminalReporter(stream, 20);
    reporter.preparing?.('rust');
    await sleep(90);
    reporter.prepared?.({ name: 'rust', language: 'Rust', source: 'manifest', version: '1.0', build: null } as never);
    const afterBuild = stream.text();
    await sleep(60);
    expect(afterBuild).toMatch(/^building rust …\n( {2}rust: still building, \d+ s\n)+ {2}rust: ready/);
    expect(stream.text()).toBe(afterBuild);
  });
});

describe('a failed build', () => {
  it("shows the tool's own first lines under the FAILED line, and says how many more the results file holds", () => {
    const stream = captured();
    const reporter = terminalReporter(stream, 60_000);
    const output = ['ERROR  Refusing to run pnpm@9.15.9', 'Set `manage-package-manager-versions` to `false`', '', 'a', 'b', 'c', 'd'];
    reporter.prepared?.({ name: 'ts', variant: 'base', error: `building ts failed (exit 1):\n${output.join('\n')}` } as never);
    expect(stream.text()).toBe(
      '  ts@base: FAILED — building ts failed (exit 1):\n' +
        '      ERROR  Refusing to run pnpm@9.15.9\n' +
        '      Set `manage-package-manager-versions` to `false`\n' +
        '      a\n      b\n' +
        '      … 2 more lines in the results file\n',
    );
  });
});
