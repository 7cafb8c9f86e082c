// Command kvserver is the Go implementation of the kvbench KV server.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"kvbench/servers/go/internal/api"
	"kvbench/servers/go/internal/persist"
	"kvbench/servers/go/internal/store"
)

// shutdownTimeout bounds how long in-flight requests get on SIGINT/SIGTERM
// before connections are cut; the final flush happens either way. The same
// 2 s in every server (docs/kv-spec.md). The listen backlog is net's own:
// the kernel's maximum (net.core.somaxconn), which the other servers ask for
// too.
const shutdownTimeout = 2 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process around it: it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args)
	if errors.Is(err, flag.ErrHelp) {
		printUsage(stdout)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "kvserver: %v (see --help)\n", err)
		return 2
	}

	// One logger for everything that goes to stderr, net/http's accept
	// errors ("http: Accept error: ... too many open files; retrying in
	// 5ms") included: one line per error, with the OS's own text.
	logger := log.New(stderr, "", log.LstdFlags)
	logEach := func(err error) { logger.Print(err) }

	st, err := store.New(cfg.shards)
	if err != nil {
		logger.Print(err)
		return 2
	}
	if err := persist.CheckWritable(cfg.directory); err != nil {
		logger.Print(err)
		return 1
	}
	if cfg.load {
		items, err := persist.Load(cfg.directory)
		if err != nil {
			logger.Printf("load: %v", err)
			return 1
		}
		st.Restore(items)
	}
	flusher := persist.NewFlusher(cfg.directory, st)

	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.host, strconv.Itoa(cfg.port)))
	if err != nil {
		logger.Print(err)
		return 1
	}
	// The spec's connection limits, so that slow or idle clients cannot hold
	// descriptors for ever. The headers are part of the request, so the
	// request timeout caps the header timeout too.
	srv := &http.Server{
		Handler:           api.New(st),
		ErrorLog:          logger,
		ReadHeaderTimeout: min(cfg.headerTimeout, cfg.requestTimeout),
		ReadTimeout:       cfg.requestTimeout,
		IdleTimeout:       cfg.idleTimeout,
		MaxHeaderBytes:    api.MaxHeaderBytes,
	}

	bgCtx, stopBackground := context.WithCancel(context.Background())
	var bg sync.WaitGroup
	bg.Add(2)
	go func() { defer bg.Done(); st.RunSweeper(bgCtx, cfg.cleanupInterval) }()
	go func() { defer bg.Done(); flusher.Run(bgCtx, cfg.flushInterval, logEach) }()

	served := make(chan error, 1)
	go func() { served <- srv.Serve(api.Listener(ln)) }()
	port := ln.Addr().(*net.TCPAddr).Port
	fmt.Fprintf(stdout, "listening on http://%s\n", net.JoinHostPort(cfg.host, strconv.Itoa(port)))

	code := 0
	select {
	case <-ctx.Done():
	case err := <-served:
		logger.Printf("serve: %v", err)
		code = 1
	}

	// Stop accepting, let in-flight requests finish, then write whatever
	// changed since the last tick so a clean stop loses nothing.
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		srv.Close()
	}
	stopBackground()
	bg.Wait()
	if err := flusher.Flush(); err != nil {
		persist.EachError(err, logEach)
		code = 1
	}
	return code
}
