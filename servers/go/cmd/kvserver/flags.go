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
	headerTimeout   time.Duration
	idleTimeout     time.Duration
	requestTimeout  time.Duration
}

// msFlag is a flag given in whole milliseconds, at least 1, and the field it
// sets once parsed.
type msFlag struct {
	name  string
	ms    *int
	field *time.Duration
}

func newFlagSet(cfg *config) (*flag.FlagSet, []msFlag) {
	fs := flag.NewFlagSet("kvserver", flag.ContinueOnError)
	// Silence the package's own messages: errors are printed as one line by
	// main, usage only when asked for.
	fs.SetOutput(io.Discard)
	fs.StringVar(&cfg.host, "host", "127.0.0.1", "address to bind")
	fs.IntVar(&cfg.port, "port", 8000, "port to listen on; 0 lets the OS pick one")
	fs.IntVar(&cfg.shards, "shards", 5, fmt.Sprintf("number of shards (1 to %d)", store.MaxShards))
	fs.StringVar(&cfg.directory, "directory", ".kvdata", "where shard files are written (created if missing)")
	fs.BoolVar(&cfg.load, "load", false, "load the store from --directory at start")
	ms := func(name string, def int, usage string, field *time.Duration) msFlag {
		return msFlag{name, fs.Int(name, def, usage), field}
	}
	return fs, []msFlag{
		ms("flush-interval", 1000, "ms between flushes of changed shards to disk", &cfg.flushInterval),
		ms("cleanup-interval", 500, "ms between sweeps of expired entries", &cfg.cleanupInterval),
		ms("header-timeout", 10000, "ms a request's line and headers may take to arrive", &cfg.headerTimeout),
		ms("idle-timeout", 65000, "ms a keep-alive connection may wait for its next request", &cfg.idleTimeout),
		ms("request-timeout", 30000, "ms a whole request, body included, may take to arrive", &cfg.requestTimeout),
	}
}

// parseFlags parses args (without the program name). It returns
// flag.ErrHelp for -h/--help, and otherwise an error whose message fits on
// one line.
func parseFlags(args []string) (config, error) {
	var cfg config
	fs, millis := newFlagSet(&cfg)
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
	}
	for _, f := range millis {
		if *f.ms < 1 {
			return config{}, fmt.Errorf("invalid value %d for flag -%s: must be at least 1 ms", *f.ms, f.name)
		}
		*f.field = time.Duration(*f.ms) * time.Millisecond
	}
	return cfg, nil
}

// printUsage writes the --help text.
func printUsage(w io.Writer) {
	var cfg config
	fs, _ := newFlagSet(&cfg)
	fmt.Fprintf(w, "Usage: kvserver [flags]\n\nServes the kvbench key-value store over HTTP (see docs/kv-spec.md).\nFlags may be written -name or --name, with =value or a separate value.\n\n")
	fs.SetOutput(w)
	fs.PrintDefaults()
}
