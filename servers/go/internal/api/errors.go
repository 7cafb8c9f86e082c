package api

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// Header values shared by every response; net/http only reads them.
var (
	jsonContentType = []string{"application/json"}
	allowCollection = []string{"POST"}
	allowItem       = []string{"GET, HEAD, DELETE"}
	allowRead       = []string{"GET, HEAD"}
)

type errorBody struct {
	Error string `json:"error"`
}

// writeJSON sends body, already JSON, with an explicit length so even large
// values go out without chunking.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	w.Write(body)
}

// writeError sends the spec's error shape, {"error": msg}.
func writeError(w http.ResponseWriter, status int, msg string) {
	body, _ := json.Marshal(errorBody{Error: msg}) // cannot fail for a string
	writeJSON(w, status, body)
}

func notFound(w http.ResponseWriter, _ *http.Request) {
	writeError(w, http.StatusNotFound, "not found")
}

// methodNotAllowed answers a known path asked with the wrong method. The
// mux would send a plain-text 405 by itself; the spec wants JSON.
func methodNotAllowed(allow []string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Allow"] = allow
		writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed")
	}
}
