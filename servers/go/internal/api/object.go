package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// errNotObject is returned for valid JSON that is not an object.
var errNotObject = errors.New("body must be a JSON object")

// objectReader walks the top-level members of a JSON object.
//
// It exists for speed on the POST /kv hot path: encoding/json decoding into
// a map costs ~18 allocations per request, while json.Valid plus this walk
// costs none. Because the body is validated first, the walk only needs to
// find where each name and value end, not to check the grammar.
type objectReader struct {
	b []byte
	i int
}

// newObjectReader checks that body is a JSON object and positions the
// reader at its first member.
func newObjectReader(body []byte) (objectReader, error) {
	if !json.Valid(body) {
		// Decode again only to get encoding/json's description of the error.
		err := json.Unmarshal(body, new(json.RawMessage))
		return objectReader{}, fmt.Errorf("invalid JSON: %v", err)
	}
	i := skipSpace(body, 0)
	if body[i] != '{' {
		return objectReader{}, errNotObject
	}
	return objectReader{b: body, i: i + 1}, nil
}

// next returns the next member's name (quoted, as written), raw value and
// the value's nesting depth (see valueEnd), or ok == false after the last
// one.
func (r *objectReader) next() (name, value []byte, depth int, ok bool) {
	b := r.b
	i := skipSpace(b, r.i)
	if b[i] == '}' {
		return nil, nil, 0, false
	}
	end := stringEnd(b, i)
	name = b[i:end]
	i = skipSpace(b, end)
	i = skipSpace(b, i+1) // past ':'
	end, depth = valueEnd(b, i)
	value = b[i:end]
	i = skipSpace(b, end)
	if b[i] == ',' {
		i++
	}
	r.i = i
	return name, value, depth, true
}

// unquote decodes a quoted JSON string (a member name or a string
// value). The body was checked to be valid UTF-8 before.
func unquote(quoted []byte) (string, error) {
	if bytes.IndexByte(quoted, '\\') < 0 {
		return string(quoted[1 : len(quoted)-1]), nil // no escapes: the bytes are the string
	}
	var s string
	err := json.Unmarshal(quoted, &s)
	return s, err
}

// fieldName decodes a quoted member name. The names parsePut knows come back
// without allocating. Names are compared exactly: unlike encoding/json's
// struct matching, "KEY" is not "key".
func fieldName(quoted []byte) string {
	raw := quoted[1 : len(quoted)-1]
	switch string(raw) { // compiled without a conversion
	case "key":
		return "key"
	case "value":
		return "value"
	case "ttl":
		return "ttl"
	}
	name, _ := unquote(quoted) // cannot fail: the body is valid JSON
	return name
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index just past the string starting at b[i] == '"'.
func stringEnd(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++ // skip the escaped character
		case '"':
			return i + 1
		}
	}
	return i
}

// valueEnd returns the index just past the value starting at b[i], and how
// deeply the value nests arrays and objects: 0 for a scalar, 1 for [1] or
// {}, 2 for [[1]]. The depth costs one comparison per bracket of a walk that
// has to look at every bracket anyway.
func valueEnd(b []byte, i int) (end, maxDepth int) {
	switch b[i] {
	case '"':
		return stringEnd(b, i), 0
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = stringEnd(b, i)
				continue
			case '{', '[':
				depth++
				if depth > maxDepth {
					maxDepth = depth
				}
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, maxDepth
				}
			}
			i++
		}
		return i, maxDepth
	default: // number, true, false, null
		for i < len(b) {
			switch b[i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return i, 0
			}
			i++
		}
		return i, 0
	}
}
