package persist

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"kvbench/servers/go/internal/store"
)

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "shard-0")

	for _, content := range []string{"first version", "second"} {
		if err := WriteFileAtomic(path, []byte(content)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != content {
			t.Errorf("file = %q, want %q", got, content)
		}
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := info.Mode().Perm(), os.FileMode(0o644); got != want {
		t.Errorf("mode = %v, want %v", got, want)
	}
	if got, want := dirNames(t, dir), []string{"shard-0"}; !slices.Equal(got, want) {
		t.Errorf("directory holds %v, want %v (no temporary files left)", got, want)
	}
}

// The new content goes to a temporary file that is renamed into place: when
// the rename fails, the old file is untouched and the temporary removed.
func TestWriteFileAtomicFailureKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "target")
	// A non-empty directory at path makes the final rename fail.
	if err := os.MkdirAll(filepath.Join(path, "child"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := WriteFileAtomic(path, []byte("new"))
	if err == nil {
		t.Fatal("WriteFileAtomic over a non-empty directory succeeded")
	}
	if !strings.Contains(err.Error(), "rename") {
		t.Errorf("error = %v, want the rename's error", err)
	}
	if got, want := dirNames(t, dir), []string{"target"}; !slices.Equal(got, want) {
		t.Errorf("directory holds %v, want %v", got, want)
	}
}

func TestWriteFileAtomicCarriesOSError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "shard-0")
	err := WriteFileAtomic(path, []byte("x"))
	if err == nil || !strings.Contains(err.Error(), syscall.ENOENT.Error()) {
		t.Errorf("error = %v, want the OS text %q", err, syscall.ENOENT.Error())
	}
}

// TestFlushWritesChangedShards is the blog's bug: a value replaced by one of
// the same size changes no shard's size, and must still reach the disk.
func TestFlushWritesChangedShards(t *testing.T) {
	dir := t.TempDir()
	s, err := store.New(5)
	if err != nil {
		t.Fatal(err)
	}
	f := NewFlusher(dir, s)
	shardFile := filepath.Join(dir, FileName(store.ShardIndex("key-1", 5)))

	s.Put("key-1", json.RawMessage(`"aaaa"`), store.NoExpiry)
	mustFlush(t, f)
	// The first flush writes every shard: a start owns its directory.
	want := []string{"shard-0", "shard-1", "shard-2", "shard-3", "shard-4"}
	if got := dirNames(t, dir); !slices.Equal(got, want) {
		t.Errorf("after first flush directory holds %v, want %v (every shard)", got, want)
	}

	s.Put("key-1", json.RawMessage(`"bbbb"`), store.NoExpiry) // same size
	mustFlush(t, f)
	if got := readValue(t, shardFile, "key-1"); got != `"bbbb"` {
		t.Errorf("flushed value = %s, want \"bbbb\"", got)
	}

	// An unchanged shard is not rewritten.
	if err := os.Remove(shardFile); err != nil {
		t.Fatal(err)
	}
	mustFlush(t, f)
	if _, err := os.Stat(shardFile); !os.IsNotExist(err) {
		t.Errorf("unchanged shard rewritten (stat error %v)", err)
	}

	// A delete is a change too.
	s.Delete("key-1")
	mustFlush(t, f)
	items := readItems(t, shardFile)
	if len(items) != 0 {
		t.Errorf("after delete the shard file holds %v, want none", items)
	}
}

func TestFlushErrorNamesShardAndKeepsItChanged(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "gone")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := store.New(5)
	if err != nil {
		t.Fatal(err)
	}
	f := NewFlusher(dir, s)
	mustFlush(t, f) // the first flush writes every shard; only shard-3 changes after it
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	s.Put("key-1", json.RawMessage(`1`), store.NoExpiry)

	err = f.Flush()
	if err == nil {
		t.Fatal("Flush into a missing directory succeeded")
	}
	if got := err.Error(); !strings.HasPrefix(got, "flush shard-3: ") || !strings.Contains(got, syscall.ENOENT.Error()) {
		t.Errorf("error = %q, want prefix \"flush shard-3: \" and the OS text", got)
	}
	var lines []string
	EachError(err, func(e error) { lines = append(lines, e.Error()) })
	if len(lines) != 1 {
		t.Errorf("EachError gave %d lines, want 1: %q", len(lines), lines)
	}

	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	mustFlush(t, f) // retried: the failed shard stayed changed
	if got := readValue(t, filepath.Join(dir, "shard-3"), "key-1"); got != "1" {
		t.Errorf("value after retry = %q, want 1", got)
	}
}

// TestReshard writes a directory with one shard count and loads it with
// another: every entry lands where the new count puts it, and the first flush
// leaves exactly the new layout on disk.
func TestReshard(t *testing.T) {
	tests := []struct{ from, to int }{
		{5, 8},
		{8, 5},
		{5, 1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d to %d", tt.from, tt.to), func(t *testing.T) {
			dir := t.TempDir()
			keys := make([]string, 50)
			for i := range keys {
				keys[i] = fmt.Sprintf("key-%d", i)
			}

			before, err := store.New(tt.from)
			if err != nil {
				t.Fatal(err)
			}
			for i, k := range keys {
				before.Put(k, json.RawMessage(fmt.Sprint(i)), store.NoExpiry)
			}
			mustFlush(t, NewFlusher(dir, before))
			// A stray file that is not a shard must survive.
			if err := os.WriteFile(filepath.Join(dir, "notes.txt"), nil, 0o644); err != nil {
				t.Fatal(err)
			}

			items, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			after, err := store.New(tt.to)
			if err != nil {
				t.Fatal(err)
			}
			after.Restore(items)
			f := NewFlusher(dir, after)
			mustFlush(t, f)

			var want []string
			for i := range tt.to {
				want = append(want, FileName(i))
			}
			want = append(want, "notes.txt")
			slices.Sort(want)
			if got := dirNames(t, dir); !slices.Equal(got, want) {
				t.Errorf("directory holds %v, want %v", got, want)
			}

			for i := range tt.to {
				for _, it := range readItems(t, filepath.Join(dir, FileName(i))) {
					if got := store.ShardIndex(it.Key, tt.to); got != i {
						t.Errorf("%s in %s, want shard-%d", it.Key, FileName(i), got)
					}
				}
			}
			for i, k := range keys {
				got, ok := after.Get(k)
				if want := fmt.Sprint(i); !ok || string(got) != want {
					t.Errorf("Get(%s) = %s, %v; want %s", k, got, ok, want)
				}
			}
		})
	}
}

func TestLoadMissingDirectory(t *testing.T) {
	items, err := Load(filepath.Join(t.TempDir(), "nope"))
	if err != nil || len(items) != 0 {
		t.Errorf("Load(missing) = %v, %v; want empty, nil", items, err)
	}
}

func TestLoadCorruptFileFailsNamingIt(t *testing.T) {
	tests := []struct {
		name    string
		content string
		wantErr string
	}{
		{"bad md5", strings.Replace(golden, "1500", "1600", 1), "md5 mismatch"},
		{"bad JSON", withHash(`{"k":}`), "bad JSON"},
		{"truncated", golden[:20], "no hash line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "shard-0"), []byte(golden), 0o644); err != nil {
				t.Fatal(err)
			}
			bad := filepath.Join(dir, "shard-4")
			if err := os.WriteFile(bad, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(dir)
			if err == nil {
				t.Fatal("Load of a corrupted directory succeeded")
			}
			if got := err.Error(); !strings.Contains(got, bad) || !strings.Contains(got, tt.wantErr) {
				t.Errorf("error = %q, want it to name %s and say %q", got, bad, tt.wantErr)
			}
		})
	}
}

func TestLoadIgnoresTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "shard-0"), []byte(golden), 0o644); err != nil {
		t.Fatal(err)
	}
	// A torn temporary file from a crash mid-write.
	if err := os.WriteFile(filepath.Join(dir, ".shard-1.tmp-123"), []byte(`{"x":`), 0o644); err != nil {
		t.Fatal(err)
	}
	items, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(items), 2; got != want {
		t.Errorf("loaded %d items, want %d", got, want)
	}
}

func mustFlush(t *testing.T, f *Flusher) {
	t.Helper()
	if err := f.Flush(); err != nil {
		t.Fatal(err)
	}
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

func readItems(t *testing.T, path string) []store.Item {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	items, err := Decode(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return items
}

func readValue(t *testing.T, path, key string) string {
	t.Helper()
	for _, it := range readItems(t, path) {
		if it.Key == key {
			return string(it.Value)
		}
	}
	t.Fatalf("%s: no key %q", path, key)
	return ""
}
