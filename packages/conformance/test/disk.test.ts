import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeShardFile, parseShardFile, shardCounts, shardOf } from '../src/disk.js';

const entry = { value: { a: [1, 'two'] }, timestamp: 1_700_000_000_000, ttl: -1 };
const file = (text: string, hash = createHash('md5').update(text).digest('hex')) => Buffer.from(`${text}\n${hash}`);

describe('shardOf', () => {
  it('is CRC-32 (IEEE) of the UTF-8 bytes modulo the shard count', () => {
    // Reference values: crc32("a") = 0xe8b7be43, crc32("123456789") = 0xcbf43926 (the standard check value).
    expect(shardOf('a', 1000)).toBe(0xe8b7be43 % 1000);
    expect(shardOf('123456789', 7)).toBe(0xcbf43926 % 7);
    expect(shardOf('ключ', 1)).toBe(0);
  });

  it('counts keys per shard the way /stats must', () => {
    const counts = shardCounts(['a', '123456789', 'b'], 5);
    expect(counts.reduce((x, y) => x + y, 0)).toBe(3);
    expect(counts[shardOf('a', 5)]).toBeGreaterThanOrEqual(1);
  });
});

describe('parseShardFile', () => {
  it('reads a file in the spec format, the one encodeShardFile writes', () => {
    const bytes = encodeShardFile({ k: entry, 'ключ 🔑': { ...entry, ttl: 1500 } });
    expect(parseShardFile(bytes, 'shard-0')).toEqual({ k: entry, 'ключ 🔑': { ...entry, ttl: 1500 } });
    expect(parseShardFile(file('{}'), 'shard-1')).toEqual({});
  });

  it('accepts whitespace inside strings but not between tokens', () => {
    expect(parseShardFile(file('{"a b":{"value":"x y","timestamp":1,"ttl":-1}}'), 'f')).toHaveProperty('a b');
    expect(() => parseShardFile(file('{"k": {"value":1,"timestamp":1,"ttl":-1}}'), 'shard-2')).toThrow(/shard-2: the JSON is not compact/);
  });

  it('names the rule a broken file breaks', () => {
    const json = JSON.stringify({ k: entry });
    expect(() => parseShardFile(Buffer.from(json), 'f')).toThrow(/no "\\n"/);
    expect(() => parseShardFile(file(json, 'A'.repeat(32)), 'f')).toThrow(/32 lowercase hex/);
    expect(() => parseShardFile(Buffer.concat([file(json), Buffer.from('\n')]), 'f')).toThrow(/nothing else/);
    expect(() => parseShardFile(file(json, '0'.repeat(32)), 'f')).toThrow(/stored MD5 0{32} but the JSON bytes hash to/);
    expect(() => parseShardFile(file('{"k":'), 'f')).toThrow(/does not parse/);
    expect(() => parseShardFile(file('[]'), 'f')).toThrow(/not an object/);
  });

  it('checks each entry holds exactly value, timestamp and ttl', () => {
    expect(() => parseShardFile(file('{"k":{"value":1,"timestamp":1}}'), 'f')).toThrow(/expected exactly \{value, timestamp, ttl\}/);
    expect(() => parseShardFile(file('{"k":{"value":1,"timestamp":1,"ttl":0}}'), 'f')).toThrow(/ttl/);
    expect(() => parseShardFile(file('{"k":{"value":1,"timestamp":"now","ttl":-1}}'), 'f')).toThrow(/timestamp/);
  });
});
