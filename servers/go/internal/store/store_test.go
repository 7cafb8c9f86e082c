package store

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
)

// fakeClock is a settable clock in ms.
type fakeClock struct {
	mu  sync.Mutex
	now int64
}

func (c *fakeClock) Now() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Set(ms int64) {
	c.mu.Lock()
	c.now = ms
	c.mu.Unlock()
}

func newTestStore(t *testing.T, shards int) (*Store, *fakeClock) {
	t.Helper()
	clock := &fakeClock{now: 1_700_000_000_000}
	s, err := New(shards, WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	return s, clock
}

func TestShardIndex(t *testing.T) {
	// Expected values come from an independent CRC-32 (Python's zlib.crc32):
	// crc32("key-1") = 250396538, 250396538 % 5 = 3.
	tests := []struct {
		key  string
		n    int
		want int
	}{
		{"key-1", 5, 3},
		{"key-1", 8, 2},
		{"key-2", 5, 0},
		{"key-42", 5, 4},
		{"key-42", 8, 5},
		{"a/b", 5, 3},
		{"é", 5, 1}, // UTF-8 bytes c3 a9
		{"é", 8, 6},
		{"key-1", 1, 0},
	}
	for _, tt := range tests {
		if got := ShardIndex(tt.key, tt.n); got != tt.want {
			t.Errorf("ShardIndex(%q, %d) = %d, want %d", tt.key, tt.n, got, tt.want)
		}
	}
}

func TestNewShardCount(t *testing.T) {
	tests := []struct {
		n       int
		wantErr bool
	}{
		{0, true}, {-1, true}, {1, false}, {5, false}, {1024, false}, {1025, true},
	}
	for _, tt := range tests {
		_, err := New(tt.n)
		if got := err != nil; got != tt.wantErr {
			t.Errorf("New(%d) error = %v, want error %v", tt.n, err, tt.wantErr)
		}
	}
}

func TestPutGetDelete(t *testing.T) {
	s, _ := newTestStore(t, 5)
	s.Put("key-1", json.RawMessage(`{"a":1}`), NoExpiry)
	s.Put("nil", json.RawMessage(`null`), NoExpiry)

	tests := []struct {
		key    string
		want   string
		wantOK bool
	}{
		{"key-1", `{"a":1}`, true},
		{"nil", `null`, true},
		{"absent", "", false},
	}
	for _, tt := range tests {
		got, ok := s.Get(tt.key)
		if string(got) != tt.want || ok != tt.wantOK {
			t.Errorf("Get(%q) = %s, %v; want %s, %v", tt.key, got, ok, tt.want, tt.wantOK)
		}
	}

	s.Delete("key-1")
	s.Delete("absent") // not an error
	if _, ok := s.Get("key-1"); ok {
		t.Error("Get after Delete found the key")
	}
	if got, want := s.Counts()[ShardIndex("nil", 5)], 1; got != want {
		t.Errorf("count of nil's shard = %d, want %d", got, want)
	}
}

func TestExpiry(t *testing.T) {
	s, clock := newTestStore(t, 5)
	start := clock.Now()
	s.Put("short", json.RawMessage(`1`), 1000)
	s.Put("forever", json.RawMessage(`2`), NoExpiry)

	tests := []struct {
		name       string
		at         int64
		wantShort  bool
		wantCounts int // entries held before any sweep
	}{
		{"just written", start, true, 2},
		{"exactly at ttl", start + 1000, true, 2}, // expired only when now - ts > ttl
		{"1 ms past ttl", start + 1001, false, 2}, // hidden even before the sweep
		{"long after", start + 10_000_000, false, 2},
	}
	for _, tt := range tests {
		clock.Set(tt.at)
		if _, got := s.Get("short"); got != tt.wantShort {
			t.Errorf("%s: Get(short) found = %v, want %v", tt.name, got, tt.wantShort)
		}
		if _, got := s.Get("forever"); !got {
			t.Errorf("%s: Get(forever) not found", tt.name)
		}
		if got := sum(s.Counts()); got != tt.wantCounts {
			t.Errorf("%s: entries held = %d, want %d", tt.name, got, tt.wantCounts)
		}
	}

	if got, want := s.Sweep(), 1; got != want {
		t.Errorf("Sweep removed %d, want %d", got, want)
	}
	if got, want := sum(s.Counts()), 1; got != want {
		t.Errorf("entries after sweep = %d, want %d", got, want)
	}
}

func TestOverwriteResetsExpiry(t *testing.T) {
	s, clock := newTestStore(t, 1)
	start := clock.Now()
	s.Put("k", json.RawMessage(`1`), 1000)
	clock.Set(start + 900)
	s.Put("k", json.RawMessage(`2`), 1000)
	clock.Set(start + 1500)
	if got, ok := s.Get("k"); !ok || string(got) != "2" {
		t.Errorf("Get = %s, %v; want 2, true", got, ok)
	}
	if got := s.Sweep(); got != 0 {
		t.Errorf("Sweep removed %d fresh entries", got)
	}
}

// TestChanged covers the dirty tracking behind flushes: any put, delete or
// sweep marks the shard changed, not merely a change of size (the blog's bug).
func TestChanged(t *testing.T) {
	s, clock := newTestStore(t, 1)
	s.Put("k", json.RawMessage(`1`), 1000)
	flush := func() {
		_, gen, changed := s.Snapshot(0)
		if changed {
			s.MarkFlushed(0, gen)
		}
	}
	flush()

	tests := []struct {
		name   string
		change func()
		want   bool
	}{
		{"nothing", func() {}, false},
		{"same key, same size value", func() { s.Put("k", json.RawMessage(`2`), 1000) }, true},
		{"delete of an absent key", func() { s.Delete("absent") }, false},
		{"sweep with nothing expired", func() { s.Sweep() }, false},
		{"sweep removing an entry", func() { clock.Set(clock.Now() + 5000); s.Sweep() }, true},
		{"put", func() { s.Put("k", json.RawMessage(`3`), NoExpiry) }, true},
		{"delete", func() { s.Delete("k") }, true},
	}
	for _, tt := range tests {
		tt.change()
		if _, _, got := s.Snapshot(0); got != tt.want {
			t.Errorf("after %s: changed = %v, want %v", tt.name, got, tt.want)
		}
		flush()
	}
}

// A change landing while a snapshot is being written must survive
// MarkFlushed of the older generation.
func TestChangeDuringFlushStaysChanged(t *testing.T) {
	s, _ := newTestStore(t, 1)
	s.Put("k", json.RawMessage(`1`), NoExpiry)
	items, gen, _ := s.Snapshot(0)
	s.Put("k", json.RawMessage(`2`), NoExpiry) // lands mid-write
	s.MarkFlushed(0, gen)

	if got, want := string(items[0].Value), "1"; got != want {
		t.Errorf("snapshot value = %s, want %s", got, want)
	}
	items, _, changed := s.Snapshot(0)
	if !changed {
		t.Fatal("shard not changed after a write during the flush")
	}
	if got, want := string(items[0].Value), "2"; got != want {
		t.Errorf("next snapshot value = %s, want %s", got, want)
	}
}

func TestRestore(t *testing.T) {
	s, clock := newTestStore(t, 8)
	now := clock.Now()
	s.Restore([]Item{
		{"key-1", Entry{json.RawMessage(`1`), now - 10, NoExpiry}},
		{"key-42", Entry{json.RawMessage(`2`), now - 10, 1000}},
		{"expired", Entry{json.RawMessage(`3`), now - 5000, 1000}},
		{"dup", Entry{json.RawMessage(`"new"`), now - 1, NoExpiry}},
		{"dup", Entry{json.RawMessage(`"old"`), now - 2, NoExpiry}},
	})

	counts := s.Counts()
	tests := []struct {
		key       string
		wantValue string
		wantShard int
	}{
		{"key-1", "1", 2}, // crc32 % 8, not % 5
		{"key-42", "2", 5},
		{"dup", `"new"`, ShardIndex("dup", 8)},
	}
	for _, tt := range tests {
		if got, ok := s.Get(tt.key); !ok || string(got) != tt.wantValue {
			t.Errorf("Get(%q) = %s, %v; want %s", tt.key, got, ok, tt.wantValue)
		}
		if counts[tt.wantShard] == 0 {
			t.Errorf("shard %d holds nothing, want %q there", tt.wantShard, tt.key)
		}
	}
	if got, want := sum(counts), 3; got != want {
		t.Errorf("entries = %d, want %d (expired one dropped)", got, want)
	}
	for i := range s.NumShards() {
		if _, _, changed := s.Snapshot(i); !changed {
			t.Errorf("shard %d not marked changed after Restore", i)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	s, clock := newTestStore(t, 5)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				key := fmt.Sprintf("key-%d", (w*500+i)%100)
				s.Put(key, json.RawMessage(`1`), 5)
				s.Get(key)
				if i%10 == 0 {
					s.Delete(key)
					clock.Set(clock.Now() + 1)
					s.Sweep()
					s.Counts()
					_, gen, _ := s.Snapshot(i % 5)
					_ = gen
				}
			}
		}()
	}
	wg.Wait()
	if got := sum(s.Counts()); got > 100 {
		t.Errorf("entries = %d, want at most 100 distinct keys", got)
	}
}

func sum(ns []int) int {
	total := 0
	for _, n := range ns {
		total += n
	}
	return total
}
