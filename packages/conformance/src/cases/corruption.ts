import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CaseGroup, ConformanceCase } from '../case.js';
import { put } from '../check.js';
import { readShards } from '../disk.js';
import { describeRun } from '../run.js';
import type { ServerUnderTest } from '../server-under-test.js';

const md5 = (bytes: Buffer | string) => createHash('md5').update(bytes).digest('hex');

/** Writes a small store through the server itself and returns the path of one of its shard files. */
async function storeWithOneShard(sut: ServerUnderTest): Promise<string> {
  await sut.start({ flushInterval: 60_000 });
  for (let i = 0; i < 20; i++) await put(sut, `key-${i}`, `value-of-${i}`);
  await sut.stopCleanly();
  const [first] = await readShards(sut.dataDir);
  assert.ok(first, `no shard file in ${sut.dataDir} after 20 puts and a clean stop`);
  return first.file;
}

const refusal = (name: string, corrupt: (bytes: Buffer) => Buffer): ConformanceCase => ({
  name: `${name}: --load refuses to start, exit 1, and stderr names the file`,
  async run(sut) {
    const file = await storeWithOneShard(sut);
    await writeFile(file, corrupt(await readFile(file)));
    const outcome = await sut.run(sut.flags({ load: true }), 10_000);
    assert.ok(!outcome.timedOut && !/listening on/.test(outcome.stdout), `it started serving a corrupted store: ${describeRun(outcome)}`);
    assert.equal(outcome.code, 1, `exit status with a corrupted ${path.basename(file)}: ${describeRun(outcome)}`);
    assert.ok(outcome.stderr.includes(path.basename(file)), `stderr does not name ${path.basename(file)}: ${describeRun(outcome)}`);
  },
});

/** A shard file that fails its check stops the start: the store is never silently half-loaded. */
export const corruptionCases: CaseGroup = {
  name: 'corrupted store',
  cases: [
    refusal('a byte of the JSON flipped (valid JSON, hash no longer matches)', (bytes) => {
      const at = bytes.indexOf('value-of-');
      assert.ok(at >= 0, 'no value to flip in the shard file');
      const copy = Buffer.from(bytes);
      copy[at] = 'w'.charCodeAt(0);
      return copy;
    }),
    refusal('a stored MD5 that is not the hash of the JSON', (bytes) => {
      const newline = bytes.lastIndexOf(0x0a);
      return Buffer.concat([bytes.subarray(0, newline + 1), Buffer.from(md5('something else'))]);
    }),
    // The spec's 32 lowercase hex characters: one answer in every server (Rust once accepted either case).
    refusal('the right MD5, in upper case', (bytes) => {
      const newline = bytes.lastIndexOf(0x0a);
      return Buffer.concat([
        bytes.subarray(0, newline + 1),
        Buffer.from(
          bytes
            .subarray(newline + 1)
            .toString('latin1')
            .toUpperCase(),
        ),
      ]);
    }),
    refusal('JSON that does not parse, with a matching MD5', () => {
      const json = '{"key-0": {"value": "value-of-0", "timestamp": 1, "ttl": -1},';
      return Buffer.from(`${json}\n${md5(json)}`);
    }),
    refusal('the JSON alone, without "\\n" and MD5', (bytes) => bytes.subarray(0, bytes.lastIndexOf(0x0a))),
    refusal('a file cut in half (a torn write)', (bytes) => bytes.subarray(0, Math.floor(bytes.length / 2))),
  ],
};
