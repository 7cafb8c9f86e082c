import { installExitCleanup, killAllChildren, type ServerDefinition } from '@kvbench/launcher';
import { afterAll, afterEach, beforeAll, beforeEach, describe, inject, it } from 'vitest';
import {
  CASE_GROUPS,
  ServerUnderTest,
  readEdgeStore,
  readWrittenStore,
  writeEdgeStore,
  writeReferenceStore,
  SkipCase,
  type CaseGroup,
  type ConformanceCase,
} from '../src/index.js';
import { serversUnderTest } from './servers.js';

installExitCleanup();
const servers = await serversUnderTest();
const buildErrors = inject('buildErrors');

function buildFailure(name: string): Error | null {
  const error = buildErrors[name];
  if (error === undefined) return new Error(`${name} was not built by the global setup`);
  return error === null ? null : new Error(error);
}

afterAll(() => killAllChildren());

if (servers.length === 0) {
  it('finds a server to hold to the spec', () => {
    throw new Error('no servers/*/kvbench.json found (or none of those named in KVBENCH_SERVERS)');
  });
}

/** Runs a case; one that cannot run here is reported skipped with its reason (and printed), never passed. */
async function runCase(c: ConformanceCase, sut: ServerUnderTest, skip: (note: string) => never): Promise<void> {
  try {
    await sut.diagnose(() => c.run(sut));
  } catch (error) {
    if (!(error instanceof SkipCase)) throw error;
    console.warn(`SKIPPED ${sut.name}: ${c.name}: ${error.message}`);
    skip(error.message);
  }
}

/**
 * One case as a test. A case the entry's manifest names in `knownFailures` is expected to fail (vitest's `it.fails`)
 * and says why in its name, so the day the runtime is fixed the test fails and the exception is removed.
 */
function caseTest(def: ServerDefinition, c: ConformanceCase, sut: () => ServerUnderTest, timeoutMs: number | undefined): void {
  const known = def.manifest.knownFailures?.find((k) => c.name.startsWith(k.case));
  if (known) it.fails(`${c.name} [known failure on ${def.manifest.name}: ${known.reason}]`, ({ skip }) => runCase(c, sut(), skip), timeoutMs);
  else it(c.name, ({ skip }) => runCase(c, sut(), skip), timeoutMs);
}

/** A group with one server for all its cases; a server that died in a case is started again for the next one. */
function sharedGroup(def: ServerDefinition, group: CaseGroup & { shared: object }): void {
  let sut: ServerUnderTest | undefined;
  beforeAll(async () => {
    sut = await ServerUnderTest.create(def);
    await sut.start(group.shared);
  });
  beforeEach(async () => {
    if (sut && !sut.running) await sut.start(sut.lastOptions);
  });
  afterAll(async () => {
    if (!sut) return;
    try {
      if (sut.running) await sut.stopCleanly();
    } finally {
      await sut.dispose();
    }
  });
  for (const c of group.cases) caseTest(def, c, () => sut!, c.timeoutMs);
}

/** A group whose cases each start (and restart) their own server in a fresh directory. */
function ownServerGroup(def: ServerDefinition, group: CaseGroup): void {
  let sut: ServerUnderTest | undefined;
  beforeEach(async () => {
    sut = await ServerUnderTest.create(def);
  });
  afterEach(async () => {
    await sut?.dispose();
    sut = undefined;
  });
  for (const c of group.cases) caseTest(def, c, () => sut!, c.timeoutMs ?? 60_000);
}

describe.each(servers.map((def) => ({ name: def.manifest.name, def })))('$name server', ({ name, def }) => {
  beforeAll(() => {
    const failure = buildFailure(name);
    if (failure) throw failure;
  });
  const stale = (def.manifest.knownFailures ?? []).filter((k) => !CASE_GROUPS.some((g) => g.cases.some((c) => c.name.startsWith(k.case))));
  if (stale.length > 0) {
    it('names only cases that exist in its knownFailures', () => {
      throw new Error(`${name}'s knownFailures name no conformance case: ${stale.map((k) => JSON.stringify(k.case)).join(', ')}`);
    });
  }
  for (const group of CASE_GROUPS) {
    describe(group.name, () => (group.shared ? sharedGroup(def, group as CaseGroup & { shared: object }) : ownServerGroup(def, group)));
  }
});

/**
 * n × n: every server reads what every server wrote. Each writer writes once, on first use; a writer's failure fails
 * every pair it writes for.
 */
function crossServer<Store>(
  title: string,
  write: (sut: ServerUnderTest) => Promise<Store>,
  read: (reader: ServerUnderTest, store: Store) => Promise<void>,
): void {
  describe(title, () => {
    const written = new Map<string, Promise<Store>>();
    const handles: ServerUnderTest[] = [];
    const storeOf = (def: ServerDefinition) => {
      const name = def.manifest.name;
      if (!written.has(name)) {
        const failure = buildFailure(name);
        const store = failure
          ? Promise.reject(failure)
          : ServerUnderTest.create(def).then((sut) => {
              handles.push(sut);
              return sut.diagnose(() => write(sut));
            });
        store.catch(() => undefined);
        written.set(name, store);
      }
      return written.get(name)!;
    };
    afterAll(async () => {
      for (const sut of handles) await sut.dispose();
    });

    const pairs = servers.flatMap((writer) => servers.map((reader) => ({ writer, reader, w: writer.manifest.name, r: reader.manifest.name })));
    it.each(pairs)(
      'written by $w, read by $r',
      async ({ writer, reader, r }) => {
        const store = await storeOf(writer);
        const failure = buildFailure(r);
        if (failure) throw failure;
        const sut = await ServerUnderTest.create(reader);
        try {
          await sut.diagnose(() => read(sut, store));
        } finally {
          await sut.dispose();
        }
      },
      90_000,
    );
  });
}

crossServer('a store written by one server loads in every other', writeReferenceStore, readWrittenStore);
crossServer('edge values: every server refuses what the spec refuses, and what one accepts loads in every other', writeEdgeStore, readEdgeStore);
