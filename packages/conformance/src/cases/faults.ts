import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { Sfc32 } from '@kvbench/load';
import { SkipCase, type CaseGroup } from '../case.js';
import { expectServing, expectValue, put, show } from '../check.js';
import { listDir, parseShardFile, readStore, SHARD_FILE, shardOf } from '../disk.js';
import { sleep } from '../http.js';
import type { ServerUnderTest } from '../server-under-test.js';
import { eventually } from '../wait.js';

// The fault loops of issue 14 (kill -9 at random moments, SIGTERM under load, a full disk), bounded so that the
// whole group costs well under 60 s per server: 6 kills of ≤ 1.3 s of writing, 3 SIGTERMs of ≤ 0.8 s, one disk fill.

/** The kill loop's flush interval: short, so that one loop sees many flushes and the bound below is tight. */
const KILL_FLUSH_MS = 200;
/**
 * What a kill may lose beyond one flush interval: the flush's own write, fsync and rename of five shards, and the
 * scheduling of a shared 2-core machine (a probe at 1 s measured at most 27 ms over the interval on a quiet box).
 */
const KILL_MARGIN_MS = 400;
const KILL_ITERATIONS = 6;
const KILL_SHARDS = 5;
/**
 * A flush takes its snapshot of a shard, then writes the file (which sets its mtime): a write acknowledged this long
 * before a shard file's mtime was in that snapshot. Serialising a few thousand small entries takes milliseconds.
 */
const SNAPSHOT_TO_WRITE_MS = 250;
/** The random schedule is seeded, so a failing iteration can be run again with the same kill times. */
const KILL_SEED = 14;
/** Writers on keep-alive connections of their own: a steady load of a few thousand writes a second. */
const WRITERS = 4;

interface Acked {
  key: string;
  value: number;
  /** Date.now() when the 201 arrived. */
  at: number;
}

/**
 * `WRITERS` loops that each POST fresh keys one after another until `stop()` is called or the server goes away,
 * remembering every write the server acknowledged. An error before `stop()` is a failure of the server.
 */
function steadyWrites(sut: ServerUnderTest, prefix: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: WRITERS });
  const acked: Acked[] = [];
  let stopped = false;
  const errors: string[] = [];
  const loops = Array.from({ length: WRITERS }, async (_, w) => {
    for (let n = 0; ; n++) {
      const key = `${prefix}-${w}-${n}`;
      try {
        const res = await sut.request('POST', '/kv', { body: { key, value: n }, agent, timeoutMs: 5_000 });
        if (res.status === 201) acked.push({ key, value: n, at: Date.now() });
        else if (!stopped) errors.push(`POST ${key}: ${show(res)}`);
        if (stopped && res.status !== 201) return;
      } catch (error) {
        // Refused or reset: expected once the server is being stopped or killed, a failure before.
        if (!stopped) errors.push((error as Error).message);
        return;
      }
      if (errors.length) return;
    }
  });
  return {
    acked,
    errors,
    /** The fault is about to happen: errors from now on are its consequence. */
    stop() {
      stopped = true;
    },
    async done() {
      await Promise.all(loops);
      agent.destroy();
    },
  };
}

/** GETs with a few requests in flight; returns the keys that do not answer 200 with their value. */
async function missingOf(sut: ServerUnderTest, writes: readonly Acked[]): Promise<Acked[]> {
  const missing: Acked[] = [];
  let next = 0;
  const worker = async () => {
    while (next < writes.length) {
      const write = writes[next++]!;
      const res = await sut.get(write.key);
      if (res.status !== 200 || JSON.stringify(JSON.parse(res.text)) !== JSON.stringify({ value: write.value })) missing.push(write);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return missing;
}

/** When each shard file was last written (ms since the epoch), by shard index. */
async function shardMtimes(dir: string): Promise<Map<number, number>> {
  const times = new Map<number, number>();
  for (const name of await listDir(dir)) {
    const match = SHARD_FILE.exec(name);
    if (match) times.set(Number(match[1]), (await stat(path.join(dir, name))).mtimeMs);
  }
  return times;
}

/** A small tmpfs at `dir`, where this machine lets the suite mount one (root on Linux); the reason when not. */
function mountTmpfs(dir: string, size: string): string | null {
  const result = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (result.status === 0) return null;
  return `cannot mount a ${size} tmpfs at ${dir} (${(result.stderr || result.error?.message || `exit ${result.status}`).replace(/\s+/g, ' ').trim()}; needs root or CAP_SYS_ADMIN)`;
}

const DISK_FULL = /no space|ENOSPC|os error 28/i;

export const faultCases: CaseGroup = {
  name: 'faults',
  cases: [
    {
      name: `kill -9 at ${KILL_ITERATIONS} seeded random moments under ${WRITERS} writers: nothing older than its shard's last flush lost, loss ≤ one flush (${KILL_FLUSH_MS} ms) + ${KILL_MARGIN_MS} ms, every restart with --load accepted (≤ ~30 s)`,
      timeoutMs: 60_000,
      async run(sut) {
        const rng = new Sfc32(KILL_SEED);
        const bound = KILL_FLUSH_MS + KILL_MARGIN_MS;
        const survivors: Acked[] = [];
        let maxWindow = 0;
        let maxLost = 0;
        let total = 0;
        for (let i = 0; i < KILL_ITERATIONS; i++) {
          // --load from the first start: a missing directory is an empty store.
          await sut.start({ flushInterval: KILL_FLUSH_MS, shards: KILL_SHARDS, load: true });
          if (i > 0) {
            // Older data: what an earlier restart served must still be served (a seeded sample keeps this short).
            const sample = Array.from({ length: Math.min(300, survivors.length) }, () => survivors[rng.below(survivors.length)]!);
            const gone = await missingOf(sut, sample);
            assert.deepStrictEqual(
              gone.map((w) => w.key),
              [],
              `kill -9 iteration ${i}: keys served after an earlier restart are gone`,
            );
          }
          const writes = steadyWrites(sut, `k9-${i}`);
          const killAfterMs = 300 + Math.floor(rng.unit() * 1000);
          await sleep(killAfterMs);
          writes.stop();
          const killedAt = Date.now();
          await sut.kill();
          await writes.done();
          assert.deepStrictEqual(writes.errors.slice(0, 5), [], `kill -9 iteration ${i}: writes failed before the kill`);
          // What the last completed flush left on disk is what --load must serve, whatever was acknowledged since.
          const onDisk = await readStore(sut.dataDir);
          const flushedAt = await shardMtimes(sut.dataDir);
          await sut.start({ flushInterval: KILL_FLUSH_MS, shards: KILL_SHARDS, load: true });
          const lost = await missingOf(sut, writes.acked);
          const lostFromDisk = lost.filter((w) => onDisk.get(w.key)?.value === w.value);
          assert.deepStrictEqual(
            lostFromDisk.map((w) => w.key).slice(0, 10),
            [],
            `kill -9 iteration ${i}: keys in the shard files on disk are not served after --load`,
          );
          const beforeFlush = lost.filter((w) => w.at < (flushedAt.get(shardOf(w.key, KILL_SHARDS)) ?? 0) - SNAPSHOT_TO_WRITE_MS);
          assert.deepStrictEqual(
            beforeFlush
              .slice(0, 5)
              .map(
                (w) =>
                  `${w.key} (acknowledged ${(flushedAt.get(shardOf(w.key, KILL_SHARDS)) ?? 0) - w.at} ms before shard-${shardOf(w.key, KILL_SHARDS)} was last written)`,
              ),
            [],
            `kill -9 iteration ${i}: writes acknowledged before the last completed flush of their shard are lost`,
          );
          const window = lost.length ? killedAt - Math.min(...lost.map((w) => w.at)) : 0;
          maxWindow = Math.max(maxWindow, window);
          maxLost = Math.max(maxLost, lost.length);
          total += writes.acked.length;
          assert.ok(
            window <= bound,
            `kill -9 iteration ${i} (after ${killAfterMs} ms of writing, seed ${KILL_SEED}): lost ${lost.length} of ${writes.acked.length} acknowledged writes, ` +
              `the oldest acknowledged ${window} ms before the kill; at --flush-interval ${KILL_FLUSH_MS} at most ${bound} ms may be lost`,
          );
          const lostKeys = new Set(lost.map((w) => w.key));
          survivors.push(...writes.acked.filter((w) => !lostKeys.has(w.key)));
          await sut.kill();
        }
        // The figures the issue asks for, from the test itself.
        console.log(
          `[${sut.name}] kill -9 loop: ${KILL_ITERATIONS} iterations (seed ${KILL_SEED}), ${total} acknowledged writes, max loss window ${maxWindow} ms (bound ${bound} ms), max writes lost in one kill ${maxLost}`,
        );
      },
    },
    {
      name: `SIGTERM under ${WRITERS} writers, 3 times: exit 0 and every acknowledged write, those answered after the signal too, served after --load (≤ ~10 s)`,
      timeoutMs: 45_000,
      async run(sut) {
        const rng = new Sfc32(KILL_SEED + 1);
        const all: Acked[] = [];
        let afterSignal = 0;
        for (let i = 0; i < 3; i++) {
          // A flush interval longer than the test: only the stop's own flush can save these writes.
          await sut.start({ flushInterval: 60_000, load: true });
          const writes = steadyWrites(sut, `term-${i}`);
          await sleep(300 + Math.floor(rng.unit() * 500));
          writes.stop();
          const signalledAt = Date.now();
          const stop = sut.stop('SIGTERM');
          const [result] = await Promise.all([stop, writes.done()]);
          assert.deepStrictEqual(writes.errors.slice(0, 5), [], `SIGTERM iteration ${i}: writes failed before the signal`);
          assert.ok(
            !result.hung && result.code === 0,
            `SIGTERM iteration ${i}: expected a flush and exit 0, got ${result.hung ? 'a hang' : `code ${result.code} signal ${result.signal}`}${sut.stderrTail()}`,
          );
          afterSignal += writes.acked.filter((w) => w.at >= signalledAt).length;
          all.push(...writes.acked);
        }
        await sut.start({ flushInterval: 60_000, load: true });
        const lost = await missingOf(sut, all);
        assert.deepStrictEqual(
          lost.map((w) => w.key).slice(0, 10),
          [],
          `SIGTERM under load: ${lost.length} of ${all.length} acknowledged writes missing after --load`,
        );
        console.log(`[${sut.name}] SIGTERM under load: 3 stops, ${all.length} acknowledged writes (${afterSignal} answered after the signal), 0 lost`);
      },
    },
    {
      name: 'a full disk (2 MiB tmpfs): the server keeps serving, says so on stderr, and the shard files flushed before stay intact and loadable (≤ ~10 s; skipped without mount rights)',
      timeoutMs: 45_000,
      async run(sut) {
        const mountPoint = sut.scratch('tmpfs');
        await mkdir(mountPoint, { recursive: true });
        const refusal = mountTmpfs(mountPoint, '2m');
        if (refusal) throw new SkipCase(`${refusal}: the full-disk case is not tested here`);
        const directory = path.join(mountPoint, 'data');
        const value = (i: number) => `${i}:${'v'.repeat(10_000)}`;
        try {
          await sut.start({ flushInterval: 100, directory });
          // 60 × 10 KB fit in 2 MiB; once they are on disk, 300 more cannot be.
          for (let i = 0; i < 60; i++) await put(sut, `fits-${i}`, value(i));
          const flushed = await eventually(5_000, async () => (await readStore(directory).catch(() => new Map())).size === 60);
          assert.ok(flushed, `the first 60 values (600 KB) were not all on the 2 MiB disk 5 s after writing them${sut.stderrTail()}`);
          const before = new Map<string, Buffer>();
          for (const name of await listDir(directory)) before.set(name, await readFile(path.join(directory, name)));

          for (let i = 0; i < 300; i++) await put(sut, `overflow-${i}`, value(i));
          const said = await eventually(5_000, async () => sut.process.recentStderr().some((line) => DISK_FULL.test(line)));
          assert.ok(
            said,
            `no stderr line about the full disk (ENOSPC / "no space") within 5 s of writing 3 MB to a 2 MiB disk; stderr:${sut.stderrTail() || ' (empty)'}`,
          );
          await expectServing(sut, 'on a full disk');
          await expectValue(sut, 'overflow-299', value(299), 'GET of a value that could not be flushed');

          // Intact: every shard file parses and checks; a shard whose rewrite failed still holds its earlier bytes.
          for (const name of await listDir(directory)) {
            if (!SHARD_FILE.test(name)) continue;
            const bytes = await readFile(path.join(directory, name));
            parseShardFile(bytes, `${name} on the full disk`);
          }
          for (const [name, bytes] of before) {
            const now = await readFile(path.join(directory, name)).catch(() => null);
            assert.ok(now !== null, `${name}, flushed before the disk filled, is gone`);
            if (!now.equals(bytes)) parseShardFile(now, `${name}, rewritten on the full disk`);
          }
          // A clean stop cannot flush what does not fit: it must not claim success (exit 0).
          const stop = await sut.stop('SIGTERM');
          assert.ok(!stop.hung, `did not exit within 10 s of SIGTERM on a full disk${sut.stderrTail()}`);
          assert.notEqual(
            stop.code,
            0,
            `SIGTERM on a full disk exited 0 although its final flush cannot have written the 300 values that did not fit${sut.stderrTail()}`,
          );

          // Loadable: a fresh start reads the files and serves every value that was flushed before the disk filled.
          await sut.start({ flushInterval: 60_000, directory, load: true });
          for (let i = 0; i < 60; i++) await expectValue(sut, `fits-${i}`, value(i), `GET fits-${i} after --load from the full disk`);
          await sut.kill();
        } finally {
          if (sut.running) await sut.kill();
          spawnSync('umount', [mountPoint]);
        }
      },
    },
  ],
};
