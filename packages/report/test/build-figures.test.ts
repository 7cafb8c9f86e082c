import { describe, expect, it } from 'vitest';
import { buildTable } from '../src/tables.js';
import { buildViews } from '../src/view.js';
import { PROFILES, makeResults } from './fixtures/make-results.js';

const ts = PROFILES.find((p) => p.name === 'ts')!;
const go = PROFILES.find((p) => p.name === 'go')!;
const rowsOf = (results: ReturnType<typeof makeResults>) => {
  const table = buildTable(buildViews([results])[0]!);
  return Object.fromEntries(table.rows.map((r) => [r[0], Object.fromEntries(table.head.map((h, i) => [h, r[i]]))]));
};

describe('build and start-up: like with like', () => {
  it('sizes the runtime apart from the artifact and adds them up, one entry per runtime', () => {
    const rows = rowsOf(
      makeResults({ profiles: [go, ts, { ...ts, name: 'ts@bun', version: '1.4.4', runtime: { name: 'bun', bytes: 107_308_936 }, coldStartMs: 30 }] }),
    );
    expect(rows['go']).toMatchObject({ artifact: '8.21 MiB', runtime: 'none', 'to run': '8.21 MiB' });
    expect(rows['ts']).toMatchObject({ artifact: '47.0 KiB', runtime: 'node · 94.3 MiB', 'to run': '94.4 MiB' });
    expect(rows['ts@bun']).toMatchObject({ version: '1.4.4', artifact: '47.0 KiB', runtime: 'bun · 102 MiB', 'to run': '102 MiB' });
    expect(rows['ts@bun']!['cold start']).toMatch(/^\d+(\.\d+)? ms/);
    expect(rows['go']!['build time']).toMatch(/ s \(incremental\)$/);
  });

  it('reads a file from before runtimes were sized as not known, never as "none"', () => {
    const old = makeResults({ profiles: [go, ts] });
    for (const s of old.servers) {
      delete s.runtime;
      delete s.build!.kind;
    }
    const rows = rowsOf(old);
    expect(rows['ts']).toMatchObject({ runtime: '—', 'to run': '—', artifact: '47.0 KiB' });
    expect(rows['ts']!['build time']).toMatch(/ s$/);
  });
});
