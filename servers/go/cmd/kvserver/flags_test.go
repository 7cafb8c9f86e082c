package main

import (
	"errors"
	"flag"
	"strings"
	"testing"
	"time"
)

func TestParseFlagsDefaults(t *testing.T) {
	got, err := parseFlags(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := config{
		host:            "127.0.0.1",
		port:            8000,
		shards:          5,
		directory:       ".kvdata",
		load:            false,
		flushInterval:   time.Second,
		cleanupInterval: 500 * time.Millisecond,
		headerTimeout:   10 * time.Second,
		idleTimeout:     65 * time.Second,
		requestTimeout:  30 * time.Second,
	}
	if got != want {
		t.Errorf("defaults = %+v, want %+v", got, want)
	}
}

func TestParseFlags(t *testing.T) {
	got, err := parseFlags([]string{
		"--host", "::1", "--port=0", "-shards", "8", "--directory", "/tmp/x",
		"--load", "--flush-interval", "250", "--cleanup-interval=20",
		"--header-timeout", "2000", "--idle-timeout=3000", "-request-timeout", "4000",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := config{
		host:            "::1",
		port:            0,
		shards:          8,
		directory:       "/tmp/x",
		load:            true,
		flushInterval:   250 * time.Millisecond,
		cleanupInterval: 20 * time.Millisecond,
		headerTimeout:   2 * time.Second,
		idleTimeout:     3 * time.Second,
		requestTimeout:  4 * time.Second,
	}
	if got != want {
		t.Errorf("parseFlags = %+v, want %+v", got, want)
	}
}

func TestParseFlagsErrors(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"--port", "abc"}, `invalid value "abc" for flag -port`},
		{[]string{"--port", "65536"}, "must be 0 to 65535"},
		{[]string{"--port", "-1"}, "must be 0 to 65535"},
		{[]string{"--shards", "0"}, "must be 1 to 1024"},
		{[]string{"--shards", "1025"}, "must be 1 to 1024"},
		{[]string{"--directory", ""}, "must not be empty"},
		{[]string{"--flush-interval", "0"}, "at least 1 ms"},
		{[]string{"--cleanup-interval", "-5"}, "at least 1 ms"},
		{[]string{"--header-timeout", "0"}, "invalid value 0 for flag -header-timeout: must be at least 1 ms"},
		{[]string{"--idle-timeout", "soon"}, `invalid value "soon" for flag -idle-timeout`},
		{[]string{"--request-timeout", "-1"}, "at least 1 ms"},
		{[]string{"--port"}, "flag needs an argument: -port"},
		{[]string{"extra"}, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		_, err := parseFlags(tt.args)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("parseFlags(%q) error = %v, want one containing %q", tt.args, err, tt.wantErr)
			continue
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("parseFlags(%q) error spans lines: %q", tt.args, err)
		}
	}
}

func TestParseFlagsHelp(t *testing.T) {
	for _, arg := range []string{"-h", "--help", "-help"} {
		if _, err := parseFlags([]string{arg}); !errors.Is(err, flag.ErrHelp) {
			t.Errorf("parseFlags(%q) error = %v, want flag.ErrHelp", arg, err)
		}
	}
}
