import { describe, expect, it } from 'vitest';
import { SchemaError, ServerManifestSchema, parseOrThrow, templatesIn } from '../src/index.js';

const base = { name: 'quache-rs', language: 'Rust' };
const parse = (extra: object) => parseOrThrow(ServerManifestSchema, { ...base, ...extra }, 'kvbench.json');

describe('server manifest', () => {
  it('defaults to the kv-spec launch contract: listening line, SIGTERM', () => {
    expect(parse({ start: ['./server'] })).toMatchObject({ ready: { by: 'listening-line' }, stopSignal: 'SIGTERM' });
  });

  it('describes a server with its own flags: templates in start, readiness by TCP, another stop signal', () => {
    const m = parse({
      start: ['target/release/quache-rs', '-b', '{host}', '-p', '{port}', '-d', '{dir}', '-f', '{flushIntervalMs}'],
      ready: { by: 'tcp' },
      stopSignal: 'SIGINT',
    });
    expect(templatesIn(m.start)).toEqual(['host', 'port', 'dir', 'flushIntervalMs']);
    expect(m.stopSignal).toBe('SIGINT');
  });

  it('names an unknown template and lists the ones there are', () => {
    expect(() => parse({ start: ['./server', '--port={prot}'] })).toThrow(SchemaError);
    expect(() => parse({ start: ['./server', '--port={prot}'] })).toThrow(/start: unknown \{prot\}; a start command may use \{host\}, \{port\}, \{dir\}/);
  });

  it('refuses readiness by TCP or HTTP when the runner cannot know the port', () => {
    expect(() => parse({ start: ['./server', '--port', '8000'], ready: { by: 'tcp' } })).toThrow(/ready: readiness by tcp needs \{port\} in start/);
    expect(() => parse({ start: ['./server'], ready: { by: 'http', path: 'kv' } })).toThrow(/ready.path: a path such as \/kv\/ready/);
  });

  it('describes more runtimes for the same build, each start checked like start', () => {
    const m = parse({ start: ['node', 'main.js'], runtime: 'node', runtimes: { bun: { start: ['bin/bun', 'main.js'] } } });
    expect(m.runtimes).toEqual({ bun: { start: ['bin/bun', 'main.js'] } });
    expect(() => parse({ start: ['node', 'main.js'], runtimes: { bun: { start: ['bin/bun', '{prot}'] } } })).toThrow(/runtimes.bun.start: unknown \{prot\}/);
    expect(() => parse({ start: ['node', '{port}'], ready: { by: 'tcp' }, runtimes: { bun: { start: ['bin/bun'] } } })).toThrow(
      /runtimes.bun.start: readiness by tcp needs \{port\} in runtimes.bun.start/,
    );
    expect(() => parse({ start: ['node'], runtimes: { Bun: { start: ['bin/bun'] } } })).toThrow(
      /runtimes.Bun: a runtime name is lowercase letters, digits and dashes/,
    );
  });

  it('refuses a runtime named like the one start already runs on', () => {
    expect(() => parse({ start: ['node'], runtime: 'node', runtimes: { node: { start: ['x'] } } })).toThrow(
      /runtimes.node: "node" is already the runtime of start \(the entry quache-rs\); give this one another name/,
    );
  });
});
