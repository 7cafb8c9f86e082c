import { describe, expect, it } from 'vitest';

import { md5Hex, shardIndex } from '../src/hash.js';

describe('shardIndex', () => {
  // Reference values from Python's zlib.crc32, an independent CRC-32 (IEEE) implementation.
  it('places "key-1" in shard 3 of 5, since its CRC-32 is 250396538', () => {
    expect(shardIndex('key-1', 5)).toBe(250396538 % 5);
    expect(shardIndex('key-1', 5)).toBe(3);
  });

  it('treats the CRC as unsigned when its top bit is set ("key-42" is 3615243989)', () => {
    expect(shardIndex('key-42', 5)).toBe(4);
    expect(shardIndex('key-42', 8)).toBe(5);
  });

  it('hashes the UTF-8 bytes of the key, not its UTF-16 code units', () => {
    expect(shardIndex('é', 8)).toBe(235179326 % 8);
  });

  it('always lands within the shard count', () => {
    for (let i = 0; i < 1000; i++) {
      const s = shardIndex(`k${i}`, 7);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThan(7);
    }
  });
});

describe('md5Hex', () => {
  it('gives 32 lowercase hex characters of the UTF-8 bytes', () => {
    expect(md5Hex('')).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(md5Hex('{}')).toBe('99914b932bd37a50b983c5e7c90ae93b');
    expect(md5Hex('é')).toBe(md5Hex(Buffer.from('é', 'utf8')));
  });
});
