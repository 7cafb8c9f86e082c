package store

import (
	"encoding/json"
	"fmt"
	"hash/crc32"
	"time"
)

// MaxShards bounds --shards; the spec allows 1 to 1024.
const MaxShards = 1024

// Item is a key with its entry, as snapshots and loads hand them around.
type Item struct {
	Key string
	Entry
}

// Store is a fixed array of shards; a key's shard never changes for the
// life of the process (static sharding, as in the blog).
type Store struct {
	shards []*shard
	now    func() int64
}

// Option customises a Store.
type Option func(*Store)

// WithClock replaces the wall clock (ms since the Unix epoch), for tests.
func WithClock(now func() int64) Option {
	return func(s *Store) { s.now = now }
}

// New returns an empty store with n shards.
func New(n int, opts ...Option) (*Store, error) {
	if n < 1 || n > MaxShards {
		return nil, fmt.Errorf("shard count %d out of range 1..%d", n, MaxShards)
	}
	s := &Store{
		shards: make([]*shard, n),
		now:    func() int64 { return time.Now().UnixMilli() },
	}
	for i := range s.shards {
		s.shards[i] = newShard()
	}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// ShardIndex places key: CRC-32 (IEEE) of its UTF-8 bytes modulo n. Every
// server uses this rule, so a directory's files line up across languages.
func ShardIndex(key string, n int) int {
	return int(crc32.ChecksumIEEE([]byte(key)) % uint32(n))
}

// NumShards is the shard count fixed at New.
func (s *Store) NumShards() int { return len(s.shards) }

// Now is the store's clock, in ms since the Unix epoch.
func (s *Store) Now() int64 { return s.now() }

func (s *Store) shardFor(key string) *shard {
	return s.shards[ShardIndex(key, len(s.shards))]
}

// Put stores value under key, stamped now. ttl is in ms, NoExpiry for none.
// The caller hands over value: it must not change it afterwards.
func (s *Store) Put(key string, value json.RawMessage, ttl int64) {
	s.shardFor(key).put(key, Entry{Value: value, Timestamp: s.now(), TTL: ttl})
}

// Get returns key's value unless it is missing or expired. An expired entry
// is hidden here even before the sweep removes it.
func (s *Store) Get(key string) (json.RawMessage, bool) {
	e, ok := s.shardFor(key).get(key, s.now())
	return e.Value, ok
}

// Delete removes key; removing an absent key is not an error.
func (s *Store) Delete(key string) {
	s.shardFor(key).delete(key)
}

// Counts returns the number of entries held by each shard, expired ones not
// yet swept included.
func (s *Store) Counts() []int {
	counts := make([]int, len(s.shards))
	for i, sh := range s.shards {
		counts[i] = sh.len()
	}
	return counts
}

// Sweep removes every expired entry and returns how many it removed.
func (s *Store) Sweep() int {
	now := s.now()
	removed := 0
	for _, sh := range s.shards {
		removed += sh.sweep(now)
	}
	return removed
}

// Restore inserts loaded items, placing each by the current shard count and
// skipping those already expired. When a key appears twice (two files of a
// damaged directory), the later write wins. Every shard is then marked
// changed so the next flush rewrites the whole directory in this layout.
func (s *Store) Restore(items []Item) {
	now := s.now()
	for _, it := range items {
		if it.Expired(now) {
			continue
		}
		sh := s.shardFor(it.Key)
		sh.mu.Lock()
		if old, ok := sh.entries[it.Key]; !ok || it.Timestamp >= old.Timestamp {
			sh.entries[it.Key] = it.Entry
		}
		sh.mu.Unlock()
	}
	s.MarkAllChanged()
}

// MarkAllChanged makes the next flush write every shard, changed or not.
func (s *Store) MarkAllChanged() {
	for _, sh := range s.shards {
		sh.markChanged()
	}
}

// Snapshot returns a copy of shard i's items if the shard changed since it
// was last marked flushed, with the generation the copy reflects.
func (s *Store) Snapshot(i int) (items []Item, gen uint64, changed bool) {
	return s.shards[i].snapshot()
}

// MarkFlushed records that shard i is on disk as of generation gen. Calls
// must be serialised with Snapshot (one flusher at a time).
func (s *Store) MarkFlushed(i int, gen uint64) {
	s.shards[i].flushed = gen
}
