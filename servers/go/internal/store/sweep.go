package store

import (
	"context"
	"time"
)

// RunSweeper removes expired entries every interval until ctx is done. Get
// already hides expired entries; the sweep is what frees their memory and
// keeps them out of the next flush.
func (s *Store) RunSweeper(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.Sweep()
		}
	}
}
