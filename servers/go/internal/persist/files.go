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
		if _, ok := parseFileName(de.Name()); !ok || de.IsDir() {
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
