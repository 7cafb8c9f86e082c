package api

import "net/http"

// The spec's limits on a request's head (docs/kv-spec.md, "Connection
// limits"). net/http enforces the byte limit itself (as http.Server's
// MaxHeaderBytes, with 431); the other two it does not have, so the handler
// checks them before routing.
const (
	// MaxHeaderBytes bounds the request line and header fields together.
	// net/http reads up to 4 KiB past it (its bufio slop) before refusing.
	MaxHeaderBytes = 16 << 10
	// MaxHeaderFields bounds the header field lines, Host included.
	MaxHeaderFields = 100
	// MaxTargetBytes bounds the request-target; RFC 9112 §3 asks a server to
	// take at least 8000 octets, and the longest key percent-encoded is 3 KiB.
	MaxTargetBytes = 8 << 10
)

var closeConnection = []string{"close"}

// refuseHead answers a request whose head the spec refuses although net/http
// took it, and reports whether it did. The connection is closed after the
// answer, as net/http closes it after refusing a head itself.
func refuseHead(w http.ResponseWriter, r *http.Request) bool {
	status, msg := 0, ""
	switch {
	case len(r.RequestURI) > MaxTargetBytes:
		status, msg = http.StatusRequestURITooLong, "request target longer than 8192 bytes"
	case headerFields(r) > MaxHeaderFields:
		status, msg = http.StatusRequestHeaderFieldsTooLarge, "more than 100 header fields"
	case r.RequestURI == "*":
		// The HTTP/2 preface "PRI * HTTP/2.0", which net/http hands to the
		// handler so that one could switch to h2c; the mux would answer a
		// bare 400. (OPTIONS * never gets here: net/http answers it itself.)
		status, msg = http.StatusBadRequest, "HTTP/2 is not served here, only HTTP/1.1"
	default:
		return false
	}
	w.Header()["Connection"] = closeConnection
	writeError(w, status, msg)
	return true
}

// headerFields counts the request's header lines. net/http moves Host out
// of r.Header into r.Host, so it is counted back.
func headerFields(r *http.Request) int {
	n := 0
	if r.Host != "" {
		n++
	}
	for _, values := range r.Header {
		n += len(values)
	}
	return n
}
