// Package persist reads and writes the shared shard file format:
//
//	{"<key>":{"value":V,"timestamp":MS,"ttl":MS},...}\n<md5 hex of the JSON>
//
// Every server writes and reads the same bytes, so a directory written by one
// loads in the others.
package persist

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"kvbench/servers/go/internal/store"
)

// Encode renders items as a shard file, in the order given: no server sorts
// its keys (the spec's flush policy), so a flush costs the same everywhere.
func Encode(items []store.Item) []byte {
	size := 2 + 1 + md5.Size*2
	for _, it := range items {
		size += len(it.Key) + len(it.Value) + 64
	}
	buf := make([]byte, 0, size)
	buf = append(buf, '{')
	for i, it := range items {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendString(buf, it.Key)
		buf = append(buf, `:{"value":`...)
		buf = append(buf, it.Value...)
		buf = append(buf, `,"timestamp":`...)
		buf = strconv.AppendInt(buf, it.Timestamp, 10)
		buf = append(buf, `,"ttl":`...)
		buf = strconv.AppendInt(buf, it.TTL, 10)
		buf = append(buf, '}')
	}
	buf = append(buf, '}')
	sum := md5.Sum(buf)
	buf = append(buf, '\n')
	return hex.AppendEncode(buf, sum[:])
}

// appendString appends s as a JSON string. Unlike encoding/json it leaves
// <, > and & alone: the file is data, not HTML. s is valid UTF-8 (keys come
// from decoded JSON), so only quotes, backslashes and control bytes need
// escaping.
func appendString(buf []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		buf = append(buf, s[start:i]...)
		switch c {
		case '"', '\\':
			buf = append(buf, '\\', c)
		case '\n':
			buf = append(buf, '\\', 'n')
		case '\r':
			buf = append(buf, '\\', 'r')
		case '\t':
			buf = append(buf, '\\', 't')
		default:
			buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}

// fileEntry is an entry as it appears on disk. Numbers are read as float64
// because other servers may write a computed TTL such as 1500.0000000000002.
type fileEntry struct {
	Value     json.RawMessage `json:"value"`
	Timestamp *float64        `json:"timestamp"`
	TTL       *float64        `json:"ttl"`
}

// Decode checks a shard file's hash and parses its entries. Errors do not
// name the file; the caller adds that.
func Decode(data []byte) ([]store.Item, error) {
	nl := bytes.LastIndexByte(data, '\n')
	if nl < 0 {
		return nil, errors.New("no hash line (missing newline after the JSON)")
	}
	body, want := data[:nl], data[nl+1:]
	if len(want) != md5.Size*2 {
		return nil, fmt.Errorf("hash line is %d bytes, want %d hex characters", len(want), md5.Size*2)
	}
	sum := md5.Sum(body)
	if got := hex.EncodeToString(sum[:]); got != string(want) {
		return nil, fmt.Errorf("md5 mismatch: file says %.32q, content hashes to %s", want, got)
	}
	if !utf8.Valid(body) {
		return nil, errors.New("bad JSON: not valid UTF-8")
	}

	var raw map[string]fileEntry
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("bad JSON: %w", err)
	}
	if raw == nil {
		return nil, errors.New("bad JSON: top level is null, want an object")
	}
	items := make([]store.Item, 0, len(raw))
	for k, fe := range raw {
		e, err := fe.entry()
		if err != nil {
			return nil, fmt.Errorf("bad entry %q: %w", k, err)
		}
		items = append(items, store.Item{Key: k, Entry: e})
	}
	return items, nil
}

func (fe fileEntry) entry() (store.Entry, error) {
	if fe.Value == nil {
		return store.Entry{}, errors.New("missing value")
	}
	if fe.Timestamp == nil {
		return store.Entry{}, errors.New("missing timestamp")
	}
	var value bytes.Buffer
	if err := json.Compact(&value, fe.Value); err != nil {
		return store.Entry{}, err
	}
	e := store.Entry{Value: value.Bytes(), Timestamp: toInt(*fe.Timestamp), TTL: store.NoExpiry}
	if fe.TTL != nil && *fe.TTL > 0 {
		// Another server may have kept a fractional TTL; a positive one
		// must not round to 0, which means no expiry.
		e.TTL = max(toInt(*fe.TTL), 1)
	}
	return e, nil
}

// toInt converts a JSON number to int64, clamping what does not fit.
func toInt(f float64) int64 {
	switch {
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	default:
		return int64(math.Round(f))
	}
}
