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

// NewFlusher returns a Flusher writing s's shards into dir. The process owns
// the directory (spec, "Disk format"): every shard of s is marked changed, so
// the first flush rewrites each shard file, and once that succeeded it deletes
// shard files numbered at or beyond the shard count. Whatever was on disk and
// not loaded is gone after the first flush, never brought back by a later
// --load.
func NewFlusher(dir string, s *store.Store) *Flusher {
	s.MarkAllChanged()
	return &Flusher{dir: dir, store: s, removeStale: true}
}

// Flush writes every shard that changed since its last successful flush. A
// shard whose write fails stays changed and is retried next time. The error
// joins one error per failed shard, each naming it. The directory is fsynced
// once, after the renames, as in the other servers.
func (f *Flusher) Flush() error {
	f.mu.Lock()
	defer f.mu.Unlock()

	var errs []error
	wrote := false
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
		wrote = true
	}
	if f.removeStale && len(errs) == 0 {
		if err := removeStale(f.dir, f.store.NumShards()); err != nil {
			errs = append(errs, err) // each os.Remove error names its file
		} else {
			f.removeStale = false
		}
	}
	if wrote {
		if err := syncDir(f.dir); err != nil {
			errs = append(errs, fmt.Errorf("flush: sync directory %s: %w", f.dir, err))
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
