package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"kvbench/servers/go/internal/store"
)

// config is the parsed command line; the flags and defaults are the spec's,
// identical in every server.
type config struct {
	host            string
	port            int
	shards          int
	directory       string
	load            bool
	flushInterval   time.Duration
	cleanupInterval time.Duration
}

func newFlagSet(cfg *config) (*flag.FlagSet, *int, *int) {
	fs := flag.NewFlagSet("kvserver", flag.ContinueOnError)
	// Silence the package's own messages: errors are printed as one line by
	// main, usage only when asked for.
	fs.SetOutput(io.Discard)
	fs.StringVar(&cfg.host, "host", "127.0.0.1", "address to bind")
	fs.IntVar(&cfg.port, "port", 8000, "port to listen on; 0 lets the OS pick one")
	fs.IntVar(&cfg.shards, "shards", 5, fmt.Sprintf("number of shards (1 to %d)", store.MaxShards))
	fs.StringVar(&cfg.directory, "directory", ".kvdata", "where shard files are written (created if missing)")
	fs.BoolVar(&cfg.load, "load", false, "load the store from --directory at start")
	flushMS := fs.Int("flush-interval", 1000, "ms between flushes of changed shards to disk")
	cleanupMS := fs.Int("cleanup-interval", 500, "ms between sweeps of expired entries")
	return fs, flushMS, cleanupMS
}

// parseFlags parses args (without the program name). It returns
// flag.ErrHelp for -h/--help, and otherwise an error whose message fits on
// one line.
func parseFlags(args []string) (config, error) {
	var cfg config
	fs, flushMS, cleanupMS := newFlagSet(&cfg)
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	switch {
	case cfg.port < 0 || cfg.port > 65535:
		return config{}, fmt.Errorf("invalid value %d for flag -port: must be 0 to 65535", cfg.port)
	case cfg.shards < 1 || cfg.shards > store.MaxShards:
		return config{}, fmt.Errorf("invalid value %d for flag -shards: must be 1 to %d", cfg.shards, store.MaxShards)
	case cfg.directory == "":
		return config{}, errors.New("invalid value for flag -directory: must not be empty")
	case *flushMS < 1:
		return config{}, fmt.Errorf("invalid value %d for flag -flush-interval: must be at least 1 ms", *flushMS)
	case *cleanupMS < 1:
		return config{}, fmt.Errorf("invalid value %d for flag -cleanup-interval: must be at least 1 ms", *cleanupMS)
	}
	cfg.flushInterval = time.Duration(*flushMS) * time.Millisecond
	cfg.cleanupInterval = time.Duration(*cleanupMS) * time.Millisecond
	return cfg, nil
}

// printUsage writes the --help text.
func printUsage(w io.Writer) {
	var cfg config
	fs, _, _ := newFlagSet(&cfg)
	fmt.Fprintf(w, "Usage: kvserver [flags]\n\nServes the kvbench key-value store over HTTP (see docs/kv-spec.md).\nFlags may be written -name or --name, with =value or a separate value.\n\n")
	fs.SetOutput(w)
	fs.PrintDefaults()
}
