package store

import "sync"

// shard is one lock domain of the store.
//
// Changes are counted by a generation number rather than a dirty bool: the
// flusher records the generation it snapshotted and, after the write
// succeeds, marks only that generation as flushed. A change that lands while
// the file is being written bumps the generation again, so it is never lost.
// (The blog flushed only when a shard's size changed, which missed updates
// that kept the size, e.g. overwriting a key.)
type shard struct {
	mu      sync.RWMutex
	entries map[string]Entry
	gen     uint64 // bumped on every change, under mu

	// flushed is the generation last written to disk. Only the flusher
	// touches it, and flushes are serialised by the caller.
	flushed uint64
}

func newShard() *shard {
	return &shard{entries: make(map[string]Entry)}
}

func (sh *shard) put(key string, e Entry) {
	sh.mu.Lock()
	sh.entries[key] = e
	sh.gen++
	sh.mu.Unlock()
}

func (sh *shard) get(key string, now int64) (Entry, bool) {
	sh.mu.RLock()
	e, ok := sh.entries[key]
	sh.mu.RUnlock()
	if !ok || e.Expired(now) {
		return Entry{}, false
	}
	return e, true
}

func (sh *shard) delete(key string) {
	// Check under the read lock first so deletes of absent keys, common in
	// benchmarks, neither block readers nor mark the shard changed.
	sh.mu.RLock()
	_, ok := sh.entries[key]
	sh.mu.RUnlock()
	if !ok {
		return
	}
	sh.mu.Lock()
	if _, ok := sh.entries[key]; ok {
		delete(sh.entries, key)
		sh.gen++
	}
	sh.mu.Unlock()
}

func (sh *shard) len() int {
	sh.mu.RLock()
	n := len(sh.entries)
	sh.mu.RUnlock()
	return n
}

// sweep removes the entries expired at now and returns how many it removed.
// It scans under the read lock and takes the write lock only when there is
// something to delete, so a quiet sweep never stalls writers.
func (sh *shard) sweep(now int64) int {
	var expired []string
	sh.mu.RLock()
	for k, e := range sh.entries {
		if e.Expired(now) {
			expired = append(expired, k)
		}
	}
	sh.mu.RUnlock()
	if len(expired) == 0 {
		return 0
	}
	removed := 0
	sh.mu.Lock()
	for _, k := range expired {
		// Re-check: the key may have been rewritten since the scan.
		if e, ok := sh.entries[k]; ok && e.Expired(now) {
			delete(sh.entries, k)
			removed++
		}
	}
	if removed > 0 {
		sh.gen++
	}
	sh.mu.Unlock()
	return removed
}

// markChanged makes the next flush write the shard even if nothing changed.
func (sh *shard) markChanged() {
	sh.mu.Lock()
	sh.gen++
	sh.mu.Unlock()
}

// snapshot copies the shard's entries if it changed since its last flush.
// Values are shared, not copied: they are immutable once stored. The copy
// is what lets the caller encode and write without holding the lock.
func (sh *shard) snapshot() (items []Item, gen uint64, changed bool) {
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	if sh.gen == sh.flushed {
		return nil, sh.gen, false
	}
	items = make([]Item, 0, len(sh.entries))
	for k, e := range sh.entries {
		items = append(items, Item{Key: k, Entry: e})
	}
	return items, sh.gen, true
}
