package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net"
	"os"
	"strconv"
)

// Listener wraps ln so that the few responses net/http writes by itself,
// before any handler runs, carry the spec's JSON error body too.
//
// When a request line or its headers do not parse (a request target with
// bad percent-encoding such as /kv/%zz, a malformed header, headers over
// the size limit), net/http answers with a fixed plain-text response that
// it writes straight to the connection in one Write, then closes it. No
// hook changes that text, so the connection recognises exactly that
// response and re-spells it. Any other write passes through untouched.
//
// net/http also answers a request whose headers ran out of time half-way
// (ReadHeaderTimeout) with its plain 400; a connection whose last read timed
// out re-spells that one as the 408 it is.
func Listener(ln net.Listener) net.Listener {
	return jsonErrorListener{ln}
}

type jsonErrorListener struct{ net.Listener }

// Accept returns the listener's errors unchanged: net/http needs them as
// they are to back off on EMFILE and log "http: Accept error: ...".
func (l jsonErrorListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &jsonErrorConn{Conn: c}, nil
}

type jsonErrorConn struct {
	net.Conn
	timedOut bool
}

// Read notes whether this read timed out. Only the last read counts:
// net/http also ends a background read after each request by moving the
// deadline into the past.
func (c *jsonErrorConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.timedOut = err != nil && errors.Is(err, os.ErrDeadlineExceeded)
	return n, err
}

// plainErrorHeaders is what net/http's server puts between the status line
// and the text of the errors it writes itself (net/http/server.go, conn.serve).
const plainErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

func (c *jsonErrorConn) Write(p []byte) (int, error) {
	if rewritten, ok := jsonError(p, c.timedOut); ok {
		if _, err := c.Conn.Write(rewritten); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// CloseWrite keeps net/http's graceful close (shut the write side, let the
// client read the answer, then close) working through the wrapper.
func (c *jsonErrorConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// jsonError turns one of net/http's own plain-text error responses into the
// same status with a JSON body (a 400 after a read timed out into a 408, a
// 501 for an unknown transfer coding into the spec's 400).
// Any other bytes are left alone (ok false); the first comparison already
// rules out every ordinary response.
func jsonError(p []byte, timedOut bool) ([]byte, bool) {
	const proto = "HTTP/1.1 "
	if len(p) < len(proto)+3 || p[len(proto)] < '4' || !bytes.HasPrefix(p, []byte(proto)) {
		return nil, false
	}
	statusLine, text, found := bytes.Cut(p, []byte(plainErrorHeaders))
	if !found {
		return nil, false
	}
	if timedOut && bytes.Equal(statusLine, []byte(proto+"400 Bad Request")) {
		statusLine, text = []byte(proto+"408 Request Timeout"), []byte("408 Request Timeout: headers not received within the header timeout")
	}
	// net/http answers any transfer coding but a lone chunked with 501 (RFC
	// 9112 §6.1's SHOULD for a coding it does not know). Without chunked as
	// the final coding the body's length cannot be known, and §6.3 says 400
	// and close: the answer the other servers give (docs/kv-spec.md).
	if bytes.Equal(statusLine, []byte(proto+"501 Not Implemented")) && bytes.Equal(text, []byte("Unsupported transfer encoding")) {
		statusLine, text = []byte(proto+"400 Bad Request"), []byte("400 Bad Request: unsupported Transfer-Encoding (only chunked is read)")
	}
	body, _ := json.Marshal(errorBody{Error: string(text)})
	out := make([]byte, 0, len(statusLine)+len(body)+96)
	out = append(out, statusLine...)
	out = append(out, "\r\nContent-Type: application/json\r\nContent-Length: "...)
	out = strconv.AppendInt(out, int64(len(body)), 10)
	out = append(out, "\r\nConnection: close\r\n\r\n"...)
	return append(out, body...), true
}
