package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

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

// parsePut validates a POST /kv body, in one scan (see scanner). Every
// error it returns is a 400 whose message is fit for the client. Member names
// are matched exactly, so an unknown or differently-cased field ("Key") is
// rejected.
func parsePut(body []byte) (putRequest, error) {
	s := scanner{b: body}
	if err := s.begin(); err != nil {
		return putRequest{}, err
	}
	var key, value, ttl member
	for {
		m, ok, err := s.next()
		if err != nil {
			return putRequest{}, err
		}
		if !ok {
			break
		}
		var field *member
		switch fieldName(m.name) {
		case "key":
			field = &key
		case "value":
			field = &value
		case "ttl":
			field = &ttl
		default:
			return putRequest{}, fmt.Errorf("unknown field %q", fieldName(m.name))
		}
		// JSON parsers disagree on which duplicate wins; refuse to guess.
		if field.value != nil {
			return putRequest{}, fmt.Errorf("duplicate field %q", fieldName(m.name))
		}
		*field = m
	}

	var req putRequest
	var err error
	if req.Key, err = parseKey(key.value); err != nil {
		return putRequest{}, err
	}
	if value.value == nil {
		return putRequest{}, errors.New(`missing "value"`)
	}
	if value.depth > MaxValueDepth {
		return putRequest{}, fmt.Errorf(`"value" is nested %d levels deep, over the limit of %d`, value.depth, MaxValueDepth)
	}
	req.Value = compactCopy(value.value, value.space)
	if req.TTL, err = parseTTL(ttl.value); err != nil {
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
