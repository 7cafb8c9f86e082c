// Package api is the HTTP face of the store: routing, request validation and
// JSON responses.
package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path"
	"strings"
	"sync"

	"kvbench/servers/go/internal/store"
)

type handlers struct {
	store *store.Store
	mux   *http.ServeMux
}

// New returns the server's handler for s.
//
// The fixed paths go through a ServeMux with method patterns. /kv/{key} is
// routed before it, by hand: ServeMux cleans paths first, so it would
// redirect the keys "." and ".." (GET /kv/. → /kv) instead of serving them.
func New(s *store.Store) http.Handler {
	h := &handlers{store: s, mux: http.NewServeMux()}
	h.mux.HandleFunc("POST /kv", h.put)
	h.mux.HandleFunc("GET /healthz", h.healthz)
	h.mux.HandleFunc("GET /stats", h.stats)

	// Method-less patterns catch the other methods on known paths (the more
	// specific patterns above win), and "/" everything else, so that 405
	// and 404 carry JSON bodies too.
	h.mux.HandleFunc("/kv", methodNotAllowed(allowCollection))
	h.mux.HandleFunc("/healthz", methodNotAllowed(allowRead))
	h.mux.HandleFunc("/stats", methodNotAllowed(allowRead))
	h.mux.HandleFunc("/", notFound)
	return h
}

func (h *handlers) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if refuseHead(w, r) {
		return
	}
	// A chunked body with a Content-Length beside it is the shape of request
	// smuggling, and RFC 9112 §6.1 wants the connection closed after it.
	// net/http drops that Content-Length before the handler runs, so the two
	// cannot be told apart here: every chunked request closes its connection.
	// (The benchmark's bodies all carry a Content-Length.)
	if r.TransferEncoding != nil {
		w.Header()["Connection"] = closeConnection
	}
	// The key is one segment of the escaped path, percent-decoded, so
	// /kv/a%2Fb is key "a/b" while /kv/a/b is no route at all (404).
	if segment, ok := strings.CutPrefix(r.URL.EscapedPath(), "/kv/"); ok && segment != "" && !strings.Contains(segment, "/") {
		h.item(w, r, segment)
		return
	}
	// ServeMux would answer a path it cleans (//kv/a, /stats/., /x/../kv)
	// with a 307 and an HTML body; the spec has no such path: a JSON 404.
	if !isClean(r.URL.Path) {
		notFound(w, r)
		return
	}
	h.mux.ServeHTTP(w, r)
}

// isClean reports whether ServeMux would route p as it is, without a
// redirect: p is its own path.Clean, but for a trailing slash it keeps.
func isClean(p string) bool {
	clean := path.Clean(p)
	if strings.HasSuffix(p, "/") && clean != "/" {
		clean += "/"
	}
	return p == clean
}

func (h *handlers) item(w http.ResponseWriter, r *http.Request, segment string) {
	key, err := url.PathUnescape(segment)
	if err != nil {
		// net/http already refuses such request lines (see Listener); this
		// covers requests built in-process.
		writeError(w, http.StatusBadRequest, "bad percent-encoding in key: "+err.Error())
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		h.get(w, key)
	case http.MethodDelete:
		h.store.Delete(key)
		w.WriteHeader(http.StatusNoContent)
	default:
		methodNotAllowed(allowItem)(w, r)
	}
}

// bodyPool recycles request body buffers: POST /kv is the hot path.
var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuffer keeps a rare 1 MiB body from pinning its buffer in the pool.
const maxPooledBuffer = 64 << 10

func (h *handlers) put(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); !isJSONContentType(ct) {
		msg := "Content-Type must be application/json"
		if ct == "" {
			msg = "missing Content-Type, want application/json"
		}
		writeError(w, http.StatusUnsupportedMediaType, msg)
		return
	}
	if r.ContentLength > MaxBodyBytes {
		writeError(w, http.StatusRequestEntityTooLarge, "body over 1 MiB")
		return
	}

	buf := bodyPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			bodyPool.Put(buf)
		}
	}()
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, MaxBodyBytes)); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, "body over 1 MiB")
			return
		}
		// http.Server's ReadTimeout (the spec's request timeout) ran out
		// while the body was still arriving.
		if errors.Is(err, os.ErrDeadlineExceeded) {
			w.Header()["Connection"] = closeConnection
			writeError(w, http.StatusRequestTimeout, "request body not received within the request timeout")
			return
		}
		writeError(w, http.StatusBadRequest, "reading body: "+err.Error())
		return
	}

	// parsePut copies what it keeps out of buf, so buf can be reused.
	req, err := parsePut(buf.Bytes())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	h.store.Put(req.Key, req.Value, req.TTL)
	w.WriteHeader(http.StatusCreated)
}

func (h *handlers) get(w http.ResponseWriter, key string) {
	value, ok := h.store.Get(key)
	if !ok {
		writeError(w, http.StatusNotFound, "key not found")
		return
	}
	body := make([]byte, 0, len(`{"value":}`)+len(value))
	body = append(body, `{"value":`...)
	body = append(body, value...)
	body = append(body, '}')
	writeJSON(w, http.StatusOK, body)
}

var healthyBody = []byte(`{"status":"ok"}`)

func (h *handlers) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, healthyBody)
}

type statsBody struct {
	Keys   int   `json:"keys"`
	Shards []int `json:"shards"`
}

func (h *handlers) stats(w http.ResponseWriter, _ *http.Request) {
	counts := h.store.Counts()
	total := 0
	for _, n := range counts {
		total += n
	}
	body, _ := json.Marshal(statsBody{Keys: total, Shards: counts})
	writeJSON(w, http.StatusOK, body)
}
