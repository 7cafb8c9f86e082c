package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the logger's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs the server until the returned stop is called, which reports
// the exit code.
func start(t *testing.T, args ...string) (baseURL string, stop func() int, stderr *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	stderr = &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		code := run(ctx, append([]string{"--port", "0"}, args...), outW, stderr)
		outW.Close()
		done <- code
	}()
	line, err := bufio.NewReader(outR).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("no listening line (exit %d): %v; stderr: %s", <-done, err, stderr)
	}
	baseURL, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), "listening on ")
	if !ok || !strings.HasPrefix(baseURL, "http://127.0.0.1:") || strings.HasSuffix(baseURL, ":0") {
		t.Fatalf("stdout line = %q, want \"listening on http://127.0.0.1:PORT\"", line)
	}
	return baseURL, func() int { cancel(); return <-done }, stderr
}

func post(t *testing.T, url, body string) {
	t.Helper()
	resp, err := http.Post(url+"/kv", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST %s: %d", body, resp.StatusCode)
	}
}

func get(t *testing.T, url, key string) (int, string) {
	t.Helper()
	resp, err := http.Get(url + "/kv/" + key)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestStopFlushesAndLoads: a clean stop writes what changed since the last
// tick, exits 0, and --load brings it back, in another shard count.
func TestStopFlushesAndLoads(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data") // created by the server
	// A flush interval far longer than the test: only the final flush writes.
	url, stop, stderr := start(t, "--directory", dir, "--flush-interval", "3600000")
	post(t, url, `{"key":"key-1","value":{"a":1}}`)
	post(t, url, `{"key":"a/b","value":null,"ttl":3600}`)
	if code := stop(); code != 0 {
		t.Fatalf("exit code = %d, want 0; stderr: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "shard-3")); err != nil {
		t.Fatalf("final flush did not write shard-3: %v", err)
	}

	url, stop, stderr = start(t, "--directory", dir, "--load", "--shards", "8")
	defer stop()
	tests := []struct {
		key, want string
	}{
		{"key-1", `{"value":{"a":1}}`},
		{"a%2Fb", `{"value":null}`},
	}
	for _, tt := range tests {
		if status, body := get(t, url, tt.key); status != 200 || body != tt.want {
			t.Errorf("GET %s after --load = %d %s, want 200 %s", tt.key, status, body, tt.want)
		}
	}
	if s := stderr.String(); s != "" {
		t.Errorf("stderr = %q, want nothing", s)
	}
}

func TestPeriodicFlush(t *testing.T) {
	dir := t.TempDir()
	url, stop, _ := start(t, "--directory", dir, "--flush-interval", "20")
	defer stop()
	post(t, url, `{"key":"key-1","value":1}`)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(dir, "shard-3")); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("shard-3 not written by the periodic flush")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestLoadRefusesCorruptFile(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "shard-2")
	if err := os.WriteFile(bad, []byte("{}\n00000000000000000000000000000000"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--port", "0", "--directory", dir, "--load"}, &stdout, &stderr)
	if code != 1 {
		t.Errorf("exit code = %d, want 1", code)
	}
	if got := stderr.String(); !strings.Contains(got, bad) || strings.Count(got, "\n") != 1 {
		t.Errorf("stderr = %q, want one line naming %s", got, bad)
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout = %q, want nothing (never listened)", stdout.String())
	}
}

func TestCommandLineExits(t *testing.T) {
	tests := []struct {
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{[]string{"--help"}, 0, "Usage: kvserver", ""},
		{[]string{"--nope"}, 2, "", "kvserver: flag provided but not defined: -nope (see --help)\n"},
		{[]string{"--shards", "0"}, 2, "", "kvserver: invalid value 0 for flag -shards: must be 1 to 1024 (see --help)\n"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), tt.args, &stdout, &stderr)
		if code != tt.wantCode {
			t.Errorf("%q: exit code = %d, want %d", tt.args, code, tt.wantCode)
		}
		if !strings.HasPrefix(stdout.String(), tt.wantStdout) {
			t.Errorf("%q: stdout = %q, want prefix %q", tt.args, stdout.String(), tt.wantStdout)
		}
		if got := stderr.String(); got != tt.wantStderr {
			t.Errorf("%q: stderr = %q, want %q", tt.args, got, tt.wantStderr)
		}
	}
}
