import { describe, expect, it } from 'vitest';
import { renderTerminal } from '../src/terminal.js';
import { blogResults, partialResults } from './fixtures/make-results.js';

const tableLines = (text: string, step: string) => {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`step ${step} `));
  return lines.slice(start + 1, start + 5);
};

describe('renderTerminal', () => {
  const text = renderTerminal(blogResults());

  it('prints one aligned table per step, every figure to the 3 significant digits the histogram holds', () => {
    const [head, go, rust, ts] = tableLines(text, '1M');
    expect(head).toMatch(/server\s+success\s+RPS\s+p50\s+p99\s+CPU µs\/req\s+peak RSS\s+open-file errs/);
    for (const row of [go, rust, ts]) expect(row!.length).toBe(head!.length);
    // Recorded: 19,570 req/s, p50 42,028 µs, p99 158,921 µs, 28.94 µs CPU per request.
    expect(rust).toMatch(/^ {2}rust\s+100 %\s+19,600\s+42\.0 ms\s+159 ms\s+28\.9\s+18\.0 MiB\s+0$/);
  });

  it('shows open-file errors and failed requests where they happened', () => {
    const [, , rust] = tableLines(text, '1k');
    expect(rust).toMatch(/rust\s+93\.70 %.*\s60$/);
  });

  it('ends with the verdict and the warnings, most severe first', () => {
    expect(text.indexOf('verdict')).toBeLessThan(text.indexOf('warnings (34)'));
    expect(text).toMatch(/WARNING Ran out of file descriptors \[open-file-errors\] — rust: 1k ×2, 10k ×2/);
    const partial = renderTerminal(partialResults());
    expect(partial).toContain('PARTIAL RESULTS (SIGINT (Ctrl-C))');
    expect(partial.indexOf('ERROR   Server crashed')).toBeLessThan(partial.indexOf('WARNING'));
    expect(partial).toMatch(/ts \(server-crashed\)/);
  });

  it('uses colours only when asked', () => {
    expect(text).not.toContain('\x1b[');
    const coloured = renderTerminal(blogResults(), { color: true });
    expect(coloured).toContain('\x1b[1m');
    const plain = coloured.replace(/\x1b\[[0-9;]*m/g, '');
    expect(plain).toBe(text);
  });

  it('can print just the step that finished, for progress while a run goes on', () => {
    const one = renderTerminal(blogResults(), { steps: ['10k'] });
    expect(one).toContain('step 10k');
    expect(one).not.toContain('step 1M');
  });
});
