// The two hashes the spec names, both from Node itself: no dependency, and the same bytes as Go's and Rust's.
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * The shard a key lives in: CRC-32 (IEEE) of its UTF-8 bytes modulo the shard count. zlib.crc32 (Node >= 20.15)
 * encodes a string argument as UTF-8 itself, so the hot path allocates no Buffer, and it already returns the
 * unsigned value, so the modulo never sees a negative number.
 */
export function shardIndex(key: string, shardCount: number): number {
  return crc32(key) % shardCount;
}

/** MD5 as 32 lowercase hex characters; strings are hashed as their UTF-8 bytes, as they are written to disk. */
export function md5Hex(data: string | Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}
