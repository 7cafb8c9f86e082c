package persist

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"kvbench/servers/go/internal/store"
)

const filePrefix = "shard-"

// FileName is the name of shard i's file.
func FileName(i int) string {
	return filePrefix + strconv.Itoa(i)
}

// parseFileName returns i for a name of the form shard-<i>, with i in
// canonical decimal form. Anything else (temporary files, shard-03, notes)
// is not a shard file.
func parseFileName(name string) (int, bool) {
	if len(name) <= len(filePrefix) || name[:len(filePrefix)] != filePrefix {
		return 0, false
	}
	digits := name[len(filePrefix):]
	for _, c := range []byte(digits) {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	if len(digits) > 1 && digits[0] == '0' {
		return 0, false
	}
	i, err := strconv.Atoi(digits)
	return i, err == nil
}

// Load reads every shard file in dir, whatever shard count wrote it, and
// returns all their items. A missing directory is an empty store. A file
// whose hash does not match or whose JSON does not parse fails the load,
// naming the file.
func Load(dir string) ([]store.Item, error) {
	des, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var items []store.Item
	for _, de := range des {
		// A directory (or anything else) named like a shard file is read
		// too, so that it fails the load instead of its keys going missing.
		if _, ok := parseFileName(de.Name()); !ok {
			continue
		}
		path := filepath.Join(dir, de.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err // already names the file
		}
		got, err := Decode(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		items = append(items, got...)
	}
	return items, nil
}

// removeStale deletes shard files numbered n or above, left by a run with
// more shards, so the directory holds a single layout.
func removeStale(dir string, n int) error {
	des, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, de := range des {
		if i, ok := parseFileName(de.Name()); ok && i >= n && !de.IsDir() {
			if err := os.Remove(filepath.Join(dir, de.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// CheckWritable creates the directory if need be and proves it can hold a new
// file, so that a directory no flush could ever write to (read-only, wrong
// owner, full inode table) refuses the start instead of acknowledging writes
// that are never persisted. The probe is dot-named, like a temporary file.
func CheckWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("directory %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, ".write-probe-*")
	if err != nil {
		return fmt.Errorf("directory %s is not writable: %w", dir, err)
	}
	f.Close()
	if err := os.Remove(f.Name()); err != nil {
		return fmt.Errorf("directory %s: %w", dir, err)
	}
	return nil
}
