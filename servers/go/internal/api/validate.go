package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"kvbench/servers/go/internal/store"
)

const (
	// MaxBodyBytes is the largest accepted POST body (1 MiB); one byte more
	// is a 413.
	MaxBodyBytes = 1 << 20
	// MaxKeyBytes bounds a key's UTF-8 length.
	MaxKeyBytes = 1024
	// MaxValueDepth bounds how deeply a value nests arrays and objects (a
	// scalar is depth 0, [1] depth 1). encoding/json reads up to 10000
	// levels, but other servers' readers and writers recurse, and every
	// server must load what any server wrote.
	MaxValueDepth = 512
	// maxTTLms keeps a TTL within the integers every server's JSON reader
	// holds exactly (2^53-1), so a file round-trips across languages. That is
	// still about 285,000 years.
	maxTTLms = 1<<53 - 1
)

// putRequest is a validated POST /kv body.
type putRequest struct {
	Key   string
	Value json.RawMessage // compact, owned by the request
	TTL   int64           // ms, store.NoExpiry for none
}

// isJSONContentType accepts application/json in any letter case, whatever
// parameters follow a ';' (RFC 8259 §11 defines none; charset changes
// nothing), so a malformed parameter is ignored too, as in the other
// servers. Another media type whose syntax is JSON (application/vnd.api+json,
// application/problem+json) is not this API's: 415 (docs/kv-spec.md).
func isJSONContentType(ct string) bool {
	essence, _, _ := strings.Cut(ct, ";")
	return strings.EqualFold(strings.Trim(essence, " \t"), "application/json")
}

// parsePut validates a POST /kv body. Every error it returns is a 400 whose
// message is fit for the client. Member names are matched exactly, so an
// unknown or differently-cased field ("Key") is rejected.
func parsePut(body []byte) (putRequest, error) {
	// encoding/json passes invalid UTF-8 inside strings through untouched;
	// such a value could not be written to a shard file other servers read.
	if !utf8.Valid(body) {
		return putRequest{}, errors.New("invalid JSON: body is not valid UTF-8")
	}
	obj, err := newObjectReader(body)
	if err != nil {
		return putRequest{}, err
	}
	var key, value, ttl []byte
	valueDepth := 0
	for {
		name, raw, depth, ok := obj.next()
		if !ok {
			break
		}
		var field *[]byte
		switch fieldName(name) {
		case "key":
			field = &key
		case "value":
			field = &value
			valueDepth = depth
		case "ttl":
			field = &ttl
		default:
			return putRequest{}, fmt.Errorf("unknown field %q", fieldName(name))
		}
		// JSON parsers disagree on which duplicate wins; refuse to guess.
		if *field != nil {
			return putRequest{}, fmt.Errorf("duplicate field %q", fieldName(name))
		}
		*field = raw
	}
	// A lone surrogate (\ud800) decodes to U+FFFD in Go but is an error in
	// other servers' JSON readers, so a shard file holding one would not
	// load there. Backslashes are rare in keys and values: check only then.
	if bytes.IndexByte(body, '\\') >= 0 {
		if err := checkSurrogates(body); err != nil {
			return putRequest{}, err
		}
	}

	var req putRequest
	if req.Key, err = parseKey(key); err != nil {
		return putRequest{}, err
	}
	if value == nil {
		return putRequest{}, errors.New(`missing "value"`)
	}
	if valueDepth > MaxValueDepth {
		return putRequest{}, fmt.Errorf(`"value" is nested %d levels deep, over the limit of %d`, valueDepth, MaxValueDepth)
	}
	req.Value = compactCopy(value)
	if req.TTL, err = parseTTL(ttl); err != nil {
		return putRequest{}, err
	}
	return req, nil
}

func parseKey(raw []byte) (string, error) {
	if raw == nil {
		return "", errors.New(`missing "key"`)
	}
	if raw[0] != '"' { // null, numbers, objects...
		return "", errors.New(`"key" must be a string`)
	}
	key, err := unquote(raw) // same decoding as a member name
	if err != nil {
		return "", fmt.Errorf(`"key": %v`, err)
	}
	if key == "" {
		return "", errors.New(`"key" must not be empty`)
	}
	if len(key) > MaxKeyBytes {
		return "", fmt.Errorf(`"key" is %d bytes long, over the limit of %d UTF-8 bytes`, len(key), MaxKeyBytes)
	}
	return key, nil
}

// parseTTL turns the ttl field (seconds) into ms. Absent or null means no
// expiry; otherwise it must be a finite number greater than 0.
func parseTTL(raw []byte) (int64, error) {
	if raw == nil || string(raw) == "null" {
		return store.NoExpiry, nil
	}
	if c := raw[0]; c != '-' && (c < '0' || c > '9') {
		return 0, errors.New(`"ttl" must be a number of seconds or null`)
	}
	secs, err := strconv.ParseFloat(string(raw), 64) // no allocation: the conversion does not escape
	if err != nil || math.IsInf(secs, 0) || math.IsNaN(secs) {
		return 0, errors.New(`"ttl" must be a finite number of seconds`)
	}
	if secs <= 0 {
		return 0, errors.New(`"ttl" must be greater than 0`)
	}
	// Round to the nearest ms (1.1 s is 1100.0000000000002 ms in floating
	// point), but never down to 0, which would mean no expiry.
	ms := math.Round(secs * 1000)
	switch {
	case ms < 1:
		ms = 1
	case ms > maxTTLms:
		ms = maxTTLms
	}
	return int64(ms), nil
}

// compactCopy returns a copy of raw, which is valid JSON, without
// insignificant whitespace, so the value is stored (and returned) in one
// spelling, and owns its bytes: raw points into a pooled request buffer.
func compactCopy(raw []byte) json.RawMessage {
	if bytes.IndexAny(raw, " \t\r\n") < 0 {
		return bytes.Clone(raw)
	}
	var b bytes.Buffer
	b.Grow(len(raw))
	if err := json.Compact(&b, raw); err != nil {
		return bytes.Clone(raw) // unreachable: raw was validated
	}
	return b.Bytes()
}

// checkSurrogates reports a \u escape of a UTF-16 surrogate that is not
// half of a high-low pair. body is valid JSON, so every backslash in it
// starts an escape inside a string.
func checkSurrogates(body []byte) error {
	for i := 0; i < len(body); i++ {
		if body[i] != '\\' {
			continue
		}
		if body[i+1] != 'u' {
			i++ // a one-character escape such as \" or \\
			continue
		}
		r := hex4(body[i+2 : i+6])
		switch {
		case r >= 0xd800 && r < 0xdc00: // high: a low must follow at once
			if i+12 <= len(body) && body[i+6] == '\\' && body[i+7] == 'u' {
				if lo := hex4(body[i+8 : i+12]); lo >= 0xdc00 && lo < 0xe000 {
					i += 11
					continue
				}
			}
			return fmt.Errorf("invalid JSON: lone surrogate %s in a string", body[i:i+6])
		case r >= 0xdc00 && r < 0xe000:
			return fmt.Errorf("invalid JSON: lone surrogate %s in a string", body[i:i+6])
		}
		i += 5
	}
	return nil
}

// hex4 decodes four hex digits, known valid.
func hex4(b []byte) rune {
	var r rune
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}
