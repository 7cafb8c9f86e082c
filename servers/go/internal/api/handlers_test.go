package api

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"kvbench/servers/go/internal/store"
)

type request struct {
	method, target, contentType, body string
}

type response struct {
	status int
	body   string // exact body; "" means empty
}

func newHandler(t *testing.T) http.Handler {
	t.Helper()
	s, err := store.New(5)
	if err != nil {
		t.Fatal(err)
	}
	return New(s)
}

func serve(h http.Handler, r request) *httptest.ResponseRecorder {
	req := httptest.NewRequest(r.method, r.target, strings.NewReader(r.body))
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

const jsonCT = "application/json"

// TestAPI runs one conversation with the server, request by request.
func TestAPI(t *testing.T) {
	h := newHandler(t)
	tests := []struct {
		req  request
		want response
	}{
		{request{"GET", "/healthz", "", ""}, response{200, `{"status":"ok"}`}},
		{request{"GET", "/stats", "", ""}, response{200, `{"keys":0,"shards":[0,0,0,0,0]}`}},
		{request{"GET", "/kv/key-1", "", ""}, response{404, `{"error":"key not found"}`}},
		{request{"POST", "/kv", jsonCT, `{"key":"key-1","value":{"n": 1}}`}, response{201, ""}},
		{request{"GET", "/kv/key-1", "", ""}, response{200, `{"value":{"n":1}}`}},
		{request{"POST", "/kv", "application/json; charset=utf-8", `{"key":"key-1","value":null}`}, response{201, ""}},
		{request{"GET", "/kv/key-1", "", ""}, response{200, `{"value":null}`}},
		{request{"POST", "/kv", jsonCT, `{"key":"a/b c","value":[1,"x"]}`}, response{201, ""}},
		{request{"GET", "/kv/a%2Fb%20c", "", ""}, response{200, `{"value":[1,"x"]}`}},
		{request{"GET", "/kv/a/b%20c", "", ""}, response{404, `{"error":"not found"}`}},
		{request{"POST", "/kv", jsonCT, `{"key":".","value":"dot"}`}, response{201, ""}},
		{request{"POST", "/kv", jsonCT, `{"key":"..","value":"dotdot"}`}, response{201, ""}},
		{request{"GET", "/kv/.", "", ""}, response{200, `{"value":"dot"}`}},
		{request{"GET", "/kv/%2E", "", ""}, response{200, `{"value":"dot"}`}},
		{request{"GET", "/kv/..", "", ""}, response{200, `{"value":"dotdot"}`}},
		{request{"GET", "/kv/%2e%2E", "", ""}, response{200, `{"value":"dotdot"}`}},
		{request{"DELETE", "/kv/.", "", ""}, response{204, ""}},
		{request{"DELETE", "/kv/..", "", ""}, response{204, ""}},
		{request{"GET", "/kv/a+b", "", ""}, response{404, `{"error":"key not found"}`}},
		{request{"POST", "/kv", jsonCT, `{"key":"é","value":"<&>"}`}, response{201, ""}},
		{request{"GET", "/kv/%C3%A9", "", ""}, response{200, `{"value":"<&>"}`}},
		{request{"GET", "/stats", "", ""}, response{200, `{"keys":3,"shards":[0,1,0,1,1]}`}},
		{request{"DELETE", "/kv/a%2Fb%20c", "", ""}, response{204, ""}},
		{request{"DELETE", "/kv/a%2Fb%20c", "", ""}, response{204, ""}}, // absent: still 204
		{request{"GET", "/kv/a%2Fb%20c", "", ""}, response{404, `{"error":"key not found"}`}},
		{request{"GET", "/stats", "", ""}, response{200, `{"keys":2,"shards":[0,1,0,1,0]}`}},

		// Errors.
		{request{"POST", "/kv", jsonCT, `{"key":"k"}`}, response{400, `{"error":"missing \"value\""}`}},
		{request{"POST", "/kv", jsonCT, `{"key":"k","value":1,"ttl":0}`}, response{400, `{"error":"\"ttl\" must be greater than 0"}`}},
		{request{"POST", "/kv", "", `{"key":"k","value":1}`}, response{415, `{"error":"missing Content-Type, want application/json"}`}},
		{request{"POST", "/kv", "text/plain", `{"key":"k","value":1}`}, response{415, `{"error":"Content-Type must be application/json"}`}},
		{request{"GET", "/kv", "", ""}, response{405, `{"error":"method GET not allowed"}`}},
		{request{"PUT", "/kv", jsonCT, `{}`}, response{405, `{"error":"method PUT not allowed"}`}},
		{request{"POST", "/kv/k", jsonCT, `{}`}, response{405, `{"error":"method POST not allowed"}`}},
		{request{"PUT", "/kv/k", "", ""}, response{405, `{"error":"method PUT not allowed"}`}},
		{request{"POST", "/healthz", "", ""}, response{405, `{"error":"method POST not allowed"}`}},
		{request{"DELETE", "/stats", "", ""}, response{405, `{"error":"method DELETE not allowed"}`}},
		{request{"GET", "/", "", ""}, response{404, `{"error":"not found"}`}},
		{request{"GET", "//kv/a", "", ""}, response{404, `{"error":"not found"}`}}, // ServeMux would 307 it
		{request{"GET", "/healthz/.", "", ""}, response{404, `{"error":"not found"}`}},
		{request{"GET", "/kv/", "", ""}, response{404, `{"error":"not found"}`}},
		{request{"GET", "/nope", "", ""}, response{404, `{"error":"not found"}`}},
		{request{"POST", "/kvx", jsonCT, `{}`}, response{404, `{"error":"not found"}`}},
	}
	for _, tt := range tests {
		w := serve(h, tt.req)
		name := tt.req.method + " " + tt.req.target
		if got, want := w.Code, tt.want.status; got != want {
			t.Errorf("%s: status = %d, want %d (body %s)", name, got, want, w.Body)
		}
		if got, want := w.Body.String(), tt.want.body; got != want {
			t.Errorf("%s: body = %s, want %s", name, got, want)
		}
		if tt.want.body != "" {
			if got := w.Header().Get("Content-Type"); got != jsonCT {
				t.Errorf("%s: Content-Type = %q, want %q", name, got, jsonCT)
			}
		}
	}
}

func TestMethodNotAllowedSetsAllow(t *testing.T) {
	h := newHandler(t)
	tests := []struct {
		method, target, want string
	}{
		{"GET", "/kv", "POST"},
		{"PATCH", "/kv/x", "GET, HEAD, DELETE"},
		{"POST", "/stats", "GET, HEAD"},
	}
	for _, tt := range tests {
		w := serve(h, request{tt.method, tt.target, "", ""})
		if got := w.Header().Get("Allow"); got != tt.want {
			t.Errorf("%s %s: Allow = %q, want %q", tt.method, tt.target, got, tt.want)
		}
	}
}

func TestBodySizeLimit(t *testing.T) {
	h := newHandler(t)
	// A body of exactly n bytes: {"key":"k","value":"xxx…"}.
	body := func(n int) string {
		prefix, suffix := `{"key":"k","value":"`, `"}`
		return prefix + strings.Repeat("x", n-len(prefix)-len(suffix)) + suffix
	}
	tests := []struct {
		name    string
		size    int
		chunked bool
		want    int
	}{
		{"exactly 1 MiB", MaxBodyBytes, false, 201},
		{"1 MiB + 1", MaxBodyBytes + 1, false, 413},
		{"1 MiB + 1, no Content-Length", MaxBodyBytes + 1, true, 413},
		{"exactly 1 MiB, no Content-Length", MaxBodyBytes, true, 201},
	}
	for _, tt := range tests {
		req := httptest.NewRequest("POST", "/kv", strings.NewReader(body(tt.size)))
		req.Header.Set("Content-Type", jsonCT)
		if tt.chunked {
			req.ContentLength = -1
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != tt.want {
			t.Errorf("%s: status = %d, want %d (%s)", tt.name, w.Code, tt.want, w.Body)
		}
		if tt.want == 413 {
			var e struct{ Error string }
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error == "" {
				t.Errorf("%s: body %s is not a JSON error", tt.name, w.Body)
			}
		}
	}
}

// Expired entries are 404 even before the sweep, and still counted by
// /stats until it runs.
func TestExpiredEntryIsNotFound(t *testing.T) {
	now := int64(1_700_000_000_000)
	s, err := store.New(5, store.WithClock(func() int64 { return now }))
	if err != nil {
		t.Fatal(err)
	}
	h := New(s)
	serve(h, request{"POST", "/kv", jsonCT, `{"key":"k","value":1,"ttl":1.5}`})
	now += 1501
	if w := serve(h, request{"GET", "/kv/k", "", ""}); w.Code != 404 {
		t.Errorf("GET expired: status = %d, want 404", w.Code)
	}
	if w := serve(h, request{"GET", "/stats", "", ""}); !strings.HasPrefix(w.Body.String(), `{"keys":1,`) {
		t.Errorf("stats before sweep = %s, want keys 1", w.Body)
	}
}

// Over a real connection: keep-alive works, and the requests net/http
// refuses before any handler runs still get a JSON error (see Listener),
// without affecting other requests.
func TestOverTheWire(t *testing.T) {
	srv := httptest.NewUnstartedServer(newHandler(t))
	srv.Listener = Listener(srv.Listener)
	srv.Start()
	defer srv.Close()

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rd := bufio.NewReader(conn)
	send := func(raw string) (*http.Response, string) {
		t.Helper()
		if _, err := io.WriteString(conn, raw); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(rd, nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(body)
	}
	body := `{"key":"a/b","value":1}`
	tests := []struct {
		raw      string
		want     int
		wantBody string
	}{
		{fmt.Sprintf("POST /kv HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body), 201, ""},
		{"GET /kv/a%2Fb HTTP/1.1\r\nHost: x\r\n\r\n", 200, `{"value":1}`},
		{"GET /kv/a%2fb HTTP/1.1\r\nHost: x\r\n\r\n", 200, `{"value":1}`},
		{"GET /kv/. HTTP/1.1\r\nHost: x\r\n\r\n", 404, `{"error":"key not found"}`},
		{"DELETE /kv/a%2Fb HTTP/1.1\r\nHost: x\r\n\r\n", 204, ""},
		{"GET /kv/%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400, `{"error":"400 Bad Request"}`}, // closes the connection
	}
	for _, tt := range tests {
		resp, got := send(tt.raw)
		line := strings.SplitN(tt.raw, "\r\n", 2)[0]
		if resp.StatusCode != tt.want || got != tt.wantBody {
			t.Errorf("%q: %d %s, want %d %s", line, resp.StatusCode, got, tt.want, tt.wantBody)
		}
		if tt.wantBody != "" && resp.Header.Get("Content-Type") != jsonCT {
			t.Errorf("%q: Content-Type = %q, want %q", line, resp.Header.Get("Content-Type"), jsonCT)
		}
	}

	// Each of these is refused by net/http itself, on a connection of its own.
	refused := []struct {
		name, raw string
		want      int
	}{
		{"bad percent-encoding on DELETE", "DELETE /kv/a%2 HTTP/1.1\r\nHost: x\r\n\r\n", 400},
		{"header without a colon", "GET /healthz HTTP/1.1\r\nHost: x\r\nno colon\r\n\r\n", 400},
		{"missing Host", "GET /healthz HTTP/1.1\r\n\r\n", 400},
		{"headers over 1 MB", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 2<<20) + "\r\n\r\n", 431},
		{"unknown transfer coding", "POST /kv HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400},
		// These net/http takes, and refuseHead refuses.
		{"101 header fields", "GET /healthz HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-H: v\r\n", 100) + "\r\n", 431},
		{"a target over 8 KiB", "GET /healthz?p=" + strings.Repeat("a", MaxTargetBytes) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},
		{"the HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400},
	}
	for _, tt := range refused {
		c, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		go io.WriteString(c, tt.raw) // the server may answer before reading it all
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			c.Close()
			continue
		}
		got, _ := io.ReadAll(resp.Body)
		c.Close()
		var e errorBody
		if resp.StatusCode != tt.want || resp.Header.Get("Content-Type") != jsonCT || json.Unmarshal(got, &e) != nil || e.Error == "" {
			t.Errorf("%s: %d %q %s, want %d with a JSON error", tt.name, resp.StatusCode, resp.Header.Get("Content-Type"), got, tt.want)
		}
	}

	// Another client is unaffected.
	resp, err := http.Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("healthz after bad requests: %d", resp.StatusCode)
	}
}

func TestJSONErrorAfterATimeoutIs408(t *testing.T) {
	plain := []byte("HTTP/1.1 400 Bad Request" + plainErrorHeaders + "400 Bad Request")
	if got, _ := jsonError(plain, false); !bytes.HasPrefix(got, []byte("HTTP/1.1 400 Bad Request\r\n")) {
		t.Errorf("without a timeout: %q", got)
	}
	if got, _ := jsonError(plain, true); !bytes.HasPrefix(got, []byte("HTTP/1.1 408 Request Timeout\r\n")) {
		t.Errorf("after a timeout: %q", got)
	}
}

func TestJSONErrorAnswersAnUnknownTransferCodingWith400(t *testing.T) {
	plain := []byte("HTTP/1.1 501 Not Implemented" + plainErrorHeaders + "Unsupported transfer encoding")
	got, ok := jsonError(plain, false)
	if !ok || !bytes.HasPrefix(got, []byte("HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n")) {
		t.Fatalf("jsonError(501 unsupported TE) = %q, %v", got, ok)
	}
	if !bytes.HasSuffix(got, []byte(`{"error":"400 Bad Request: unsupported Transfer-Encoding (only chunked is read)"}`)) {
		t.Errorf("body: %q", got)
	}
}

func TestJSONErrorLeavesOtherWritesAlone(t *testing.T) {
	tests := []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}",
		"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 21\r\n\r\n{\"error\":\"not found\"}",
		"{\"value\":1}",
		"",
		"HTTP/1.1 4",
	}
	for _, p := range tests {
		if got, ok := jsonError([]byte(p), false); ok {
			t.Errorf("jsonError(%q) rewrote it to %q", p, got)
		}
	}
}

func BenchmarkPut(b *testing.B) {
	s, err := store.New(5)
	if err != nil {
		b.Fatal(err)
	}
	h := New(s)
	body := `{"key":"key-42","value":17,"ttl":1.5}`
	req := httptest.NewRequest("POST", "/kv", nil)
	req.Header.Set("Content-Type", jsonCT)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for range b.N {
		req.Body = io.NopCloser(strings.NewReader(body))
		h.ServeHTTP(w, req)
	}
}

func BenchmarkParsePut(b *testing.B) {
	body := []byte(`{"key":"key-42","value":17,"ttl":1.5}`)
	b.ReportAllocs()
	for range b.N {
		if _, err := parsePut(body); err != nil {
			b.Fatal(err)
		}
	}
}

// nestedValue is a value depth levels deep (see member.depth), arrays and objects
// alternating, with a string at the bottom.
func nestedValue(depth int) string {
	v := `"bottom"`
	for i := range depth {
		if i%2 == 0 {
			v = "[" + v + "]"
		} else {
			v = fmt.Sprintf(`{"level%d":%s}`, i, v)
		}
	}
	return v
}

// TestPutDepthAndSurrogates: a value nested up to 512 levels and a valid
// surrogate pair are stored; 513 levels and a lone surrogate escape, in the
// key or anywhere in the value, are a JSON 400 that says what is wrong.
func TestPutDepthAndSurrogates(t *testing.T) {
	h := newHandler(t)
	accepted := []struct{ name, key, value string }{
		{"512 levels", "deep-512", nestedValue(MaxValueDepth)},
		{"512 empty arrays", "empty-512", strings.Repeat("[", 512) + strings.Repeat("]", 512)},
		{"a surrogate pair in a nested value", "pair-value", `{"a":["x \ud83d\ude00"]}`},
	}
	for _, tt := range accepted {
		body := fmt.Sprintf(`{"key":%q,"value":%s}`, tt.key, tt.value)
		if w := serve(h, request{"POST", "/kv", jsonCT, body}); w.Code != 201 {
			t.Fatalf("%s: POST = %d %s, want 201", tt.name, w.Code, w.Body)
		}
		w := serve(h, request{"GET", "/kv/" + tt.key, "", ""})
		if want := `{"value":` + tt.value + `}`; w.Code != 200 || w.Body.String() != want {
			t.Errorf("%s: GET = %d %.80s, want 200 %.80s", tt.name, w.Code, w.Body, want)
		}
	}
	// A surrogate pair in the key, read back through its UTF-8 percent-encoding.
	if w := serve(h, request{"POST", "/kv", jsonCT, `{"key":"pair-\ud83d\ude00","value":1}`}); w.Code != 201 {
		t.Fatalf("pair in key: POST = %d %s, want 201", w.Code, w.Body)
	}
	if w := serve(h, request{"GET", "/kv/pair-%F0%9F%98%80", "", ""}); w.Code != 200 || w.Body.String() != `{"value":1}` {
		t.Errorf("pair in key: GET = %d %s", w.Code, w.Body)
	}

	refused := []struct{ name, body, reason string }{
		{"513 levels", `{"key":"deep-513","value":` + nestedValue(MaxValueDepth+1) + `}`, `nested 513 levels deep, over the limit of 512`},
		{"513 empty arrays", `{"key":"deep-513","value":` + strings.Repeat("[", 513) + strings.Repeat("]", 513) + `}`, `over the limit of 512`},
		{"100 000 levels", `{"key":"deep-100000","value":` + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + `}`, `max depth`},
		{"lone high surrogate in the key", `{"key":"lone-\ud800","value":1}`, `lone surrogate \ud800`},
		{"lone low surrogate in the key", `{"key":"lone-\udc00","value":1}`, `lone surrogate \udc00`},
		{"lone high surrogate in a nested value", `{"key":"k","value":{"a":[1,"x\uD800y"]}}`, `lone surrogate \uD800`},
		{"lone low surrogate in a nested value", `{"key":"k","value":{"a":[1,"x\uDC00"]}}`, `lone surrogate \uDC00`},
		{"lone surrogate in a nested member name", `{"key":"k","value":{"\ud800":1}}`, `lone surrogate \ud800`},
		{"a pair in the wrong order", `{"key":"k","value":"\ude00\ud83d"}`, `lone surrogate \ude00`},
	}
	for _, tt := range refused {
		w := serve(h, request{"POST", "/kv", jsonCT, tt.body})
		var e errorBody
		if w.Code != 400 || json.Unmarshal(w.Body.Bytes(), &e) != nil || !strings.Contains(e.Error, tt.reason) {
			t.Errorf("%s: POST = %d %s, want 400 with an error containing %q", tt.name, w.Code, w.Body, tt.reason)
		}
	}
	if w := serve(h, request{"GET", "/stats", "", ""}); !strings.HasPrefix(w.Body.String(), `{"keys":4,`) {
		t.Errorf("/stats after the refused writes = %s, want the 4 accepted keys only", w.Body)
	}
}

func BenchmarkParsePutObject(b *testing.B) {
	body := []byte(`{"key":"user:4217","value":{"name":"Ada","tags":["a","b"],"n":[1,2,{"x":null}]},"ttl":60}`)
	b.ReportAllocs()
	for range b.N {
		if _, err := parsePut(body); err != nil {
			b.Fatal(err)
		}
	}
}
