package persist

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"kvbench/servers/go/internal/store"
)

// Flusher writes changed shards to their files.
type Flusher struct {
	dir   string
	store *store.Store

	mu          sync.Mutex // one flush at a time: Snapshot/MarkFlushed need it
	removeStale bool
}

// NewFlusher returns a Flusher writing s's shards into dir.
func NewFlusher(dir string, s *store.Store) *Flusher {
	return &Flusher{dir: dir, store: s}
}

// RemoveStaleOnFlush makes the next successful flush delete shard files
// numbered at or beyond the shard count (used after a load, which may have
// read a directory written with more shards).
func (f *Flusher) RemoveStaleOnFlush() {
	f.mu.Lock()
	f.removeStale = true
	f.mu.Unlock()
}

// Flush writes every shard that changed since its last successful flush. A
// shard whose write fails stays changed and is retried next time. The error
// joins one error per failed shard, each naming it.
func (f *Flusher) Flush() error {
	f.mu.Lock()
	defer f.mu.Unlock()

	var errs []error
	for i := range f.store.NumShards() {
		items, gen, changed := f.store.Snapshot(i)
		if !changed {
			continue
		}
		// Encoding and I/O happen outside the shard lock: requests keep
		// flowing while the file is written.
		if err := WriteFileAtomic(filepath.Join(f.dir, FileName(i)), Encode(items)); err != nil {
			errs = append(errs, fmt.Errorf("flush %s: %w", FileName(i), err))
			continue
		}
		f.store.MarkFlushed(i, gen)
	}
	if f.removeStale && len(errs) == 0 {
		if err := removeStale(f.dir, f.store.NumShards()); err != nil {
			errs = append(errs, err) // each os.Remove error names its file
		} else {
			f.removeStale = false
		}
	}
	return errors.Join(errs...)
}

// Run flushes every interval until ctx is done, passing each error (one per
// shard) to report. The final flush on shutdown is the caller's.
func (f *Flusher) Run(ctx context.Context, interval time.Duration, report func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			EachError(f.Flush(), report)
		}
	}
}

// EachError calls fn for each error joined in err, so each gets its own line.
func EachError(err error, fn func(error)) {
	if err == nil {
		return
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			EachError(e, fn)
		}
		return
	}
	fn(err)
}
