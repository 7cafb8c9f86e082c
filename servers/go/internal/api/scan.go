package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// errNotObject is returned for valid JSON that is not an object.
var errNotObject = errors.New("body must be a JSON object")

// member is one top-level member of a POST body's object.
type member struct {
	name  []byte // quoted, as written
	value []byte // the raw value, pointing into the body
	depth int    // how deeply the value nests arrays and objects: 0 for a scalar, 1 for [1] or {}
	space bool   // the value holds whitespace outside its strings, to compact away
}

// scanner checks a POST /kv body in one pass: UTF-8, the JSON grammar
// (RFC 8259), and escapes of lone UTF-16 surrogates, while it hands back
// each top-level member's name and value.
//
// One pass, rather than utf8.Valid, json.Valid, a member walk and a
// surrogate scan one after another, so that this server does one pass over
// a body as the others do (docs/kv-spec.md, "Work per request"). encoding/json
// has no call that validates and returns the members' raw spans without
// decoding them into a map (~18 allocations a request).
type scanner struct {
	b      []byte
	i      int
	done   bool // the object's closing brace was read
	open   int  // how many arrays and objects the scan is inside
	depth  int  // the deepest open reached in the current member's value
	spaced bool // whitespace was skipped inside the current member's value
	// inObject has bit k set when the k-th open bracket is an object's: a
	// bitset inside the scanner keeps it on the stack, and a 1 MiB body can
	// nest 512 Ki levels, more than a stack of bytes should hold.
	inObject [(maxNesting + 63) / 64]uint64
}

// maxNesting bounds how deeply any part of a body may nest, as encoding/json
// does; a value is refused long before, at MaxValueDepth.
const maxNesting = 10000

// syntaxError says where a body stops being JSON, and why.
type syntaxError struct {
	at   int
	what string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("invalid JSON at byte %d: %s", e.at, e.what) }

func (s *scanner) fail(what string) error { return &syntaxError{s.i, what} }

// begin positions the scanner at the first member of its body. A body that
// is JSON but not an object is errNotObject, one that is not JSON a
// *syntaxError.
func (s *scanner) begin() error {
	s.skipSpace()
	if s.i < len(s.b) && s.b[s.i] == '{' {
		s.i++
		s.skipSpace()
		if s.i < len(s.b) && s.b[s.i] == '}' {
			s.i++
			s.done = true
			return s.end()
		}
		return nil
	}
	if err := s.value(); err != nil {
		return err
	}
	if err := s.end(); err != nil {
		return err
	}
	return errNotObject
}

// next returns the next member, or ok == false after the last one; err
// says where the body stops being valid.
func (s *scanner) next() (m member, ok bool, err error) {
	if s.done {
		return member{}, false, nil
	}
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return member{}, false, s.fail(`expected a member name in quotes`)
	}
	from := s.i
	if err := s.str(); err != nil {
		return member{}, false, err
	}
	m.name = s.b[from:s.i]
	s.skipSpace()
	if s.i >= len(s.b) || s.b[s.i] != ':' {
		return member{}, false, s.fail(`expected ':' after a member name`)
	}
	s.i++
	s.skipSpace()
	from, s.depth, s.spaced = s.i, 0, false
	if err := s.value(); err != nil {
		return member{}, false, err
	}
	m.value, m.depth, m.space = s.b[from:s.i], s.depth, s.spaced
	s.skipSpace()
	switch {
	case s.i < len(s.b) && s.b[s.i] == ',':
		s.i++
		s.skipSpace()
	case s.i < len(s.b) && s.b[s.i] == '}':
		s.i++
		s.done = true
		if err := s.end(); err != nil {
			return member{}, false, err
		}
	default:
		return member{}, false, s.fail(`expected ',' or '}' after a member`)
	}
	return m, true, nil
}

// end checks that only whitespace follows the top-level value.
func (s *scanner) end() error {
	s.skipSpace()
	if s.i != len(s.b) {
		return s.fail("more after the top-level value")
	}
	return nil
}

// value scans one JSON value without recursing: s.open and s.inObject say
// which arrays and objects it is inside.
func (s *scanner) value() error {
	b := s.b
	for {
		// A value starts here.
		if s.i >= len(b) {
			return s.fail("unexpected end, expected a value")
		}
		switch c := b[s.i]; {
		case c == '{' || c == '[':
			if s.open == maxNesting {
				return s.fail(fmt.Sprintf("exceeded max depth of %d", maxNesting))
			}
			s.i++
			s.push(c == '{')
			s.skipSpaceInValue()
			if s.i < len(b) && b[s.i] == c+2 { // '{'+2 is '}', '['+2 is ']'
				s.i++
				s.open--
				break // an empty array or object: the value after it
			}
			if c == '{' {
				if err := s.memberName(); err != nil {
					return err
				}
			}
			continue
		case c == '"':
			if err := s.str(); err != nil {
				return err
			}
		case c == '-' || c >= '0' && c <= '9':
			if err := s.number(); err != nil {
				return err
			}
		case c == 't':
			if err := s.literal("true"); err != nil {
				return err
			}
		case c == 'f':
			if err := s.literal("false"); err != nil {
				return err
			}
		case c == 'n':
			if err := s.literal("null"); err != nil {
				return err
			}
		default:
			return s.fail(fmt.Sprintf("unexpected %q, expected a value", c))
		}
		// A value ended: close the brackets it ends, up to a ',' that starts another.
		for {
			if s.open == 0 {
				return nil
			}
			s.skipSpaceInValue()
			closing := byte(']')
			if s.innermostIsObject() {
				closing = '}'
			}
			switch {
			case s.i < len(b) && b[s.i] == closing:
				s.i++
				s.open--
				continue
			case s.i < len(b) && b[s.i] == ',':
				s.i++
				s.skipSpaceInValue()
				if closing == '}' {
					if err := s.memberName(); err != nil {
						return err
					}
				}
			default:
				return s.fail(fmt.Sprintf("expected ',' or %q", closing))
			}
			break
		}
	}
}

func (s *scanner) push(object bool) {
	word, bit := s.open/64, uint(s.open%64)
	if object {
		s.inObject[word] |= 1 << bit
	} else {
		s.inObject[word] &^= 1 << bit
	}
	s.open++
	s.depth = max(s.depth, s.open)
}

func (s *scanner) innermostIsObject() bool {
	k := s.open - 1
	return s.inObject[k/64]&(1<<uint(k%64)) != 0
}

// memberName scans `"name" :` inside a value's object, and the space after.
func (s *scanner) memberName() error {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return s.fail("expected a member name in quotes")
	}
	if err := s.str(); err != nil {
		return err
	}
	s.skipSpaceInValue()
	if s.i >= len(s.b) || s.b[s.i] != ':' {
		return s.fail("expected ':' after a member name")
	}
	s.i++
	s.skipSpaceInValue()
	return nil
}

// str scans the string at s.b[s.i] == '"': escapes, control characters,
// UTF-8, and that every \u surrogate escape is half of a high-low pair (a
// lone one decodes to U+FFFD in Go but is an error in the other servers'
// JSON readers, so a shard file holding one would not load there).
func (s *scanner) str() error {
	b := s.b
	for s.i++; s.i < len(b); {
		switch c := b[s.i]; {
		case c == '"':
			s.i++
			return nil
		case c == '\\':
			if err := s.escape(); err != nil {
				return err
			}
		case c < 0x20:
			return s.fail(fmt.Sprintf("control character %q in a string", c))
		case c < utf8.RuneSelf:
			s.i++
		default:
			r, size := utf8.DecodeRune(b[s.i:])
			if r == utf8.RuneError && size == 1 {
				return s.fail("body is not valid UTF-8")
			}
			s.i += size
		}
	}
	return s.fail("unexpected end inside a string")
}

// escape scans the escape at s.b[s.i] == '\\'.
func (s *scanner) escape() error {
	b := s.b
	if s.i+1 >= len(b) {
		return s.fail("unexpected end inside a string")
	}
	switch b[s.i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		s.i += 2
		return nil
	case 'u':
	default:
		return s.fail(fmt.Sprintf("invalid escape \\%c", b[s.i+1]))
	}
	r, ok := hex4(b, s.i+2)
	if !ok {
		return s.fail(`\u must be followed by four hex digits`)
	}
	switch {
	case r >= 0xd800 && r < 0xdc00: // high: a low must follow at once
		if s.i+12 <= len(b) && b[s.i+6] == '\\' && b[s.i+7] == 'u' {
			if lo, ok := hex4(b, s.i+8); ok && lo >= 0xdc00 && lo < 0xe000 {
				s.i += 12
				return nil
			}
		}
		return s.fail(fmt.Sprintf("lone surrogate %s in a string", b[s.i:s.i+6]))
	case r >= 0xdc00 && r < 0xe000:
		return s.fail(fmt.Sprintf("lone surrogate %s in a string", b[s.i:s.i+6]))
	}
	s.i += 6
	return nil
}

// hex4 decodes the four hex digits at b[at:], if there are four.
func hex4(b []byte, at int) (rune, bool) {
	if at+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[at : at+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// number scans -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() error {
	b := s.b
	if b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(b) && b[s.i] == '0':
		s.i++
	case s.i < len(b) && b[s.i] >= '1' && b[s.i] <= '9':
		s.digits()
	default:
		return s.fail("expected a digit")
	}
	if s.i < len(b) && b[s.i] == '.' {
		s.i++
		if s.digits() == 0 {
			return s.fail("expected a digit after '.'")
		}
	}
	if s.i < len(b) && (b[s.i] == 'e' || b[s.i] == 'E') {
		s.i++
		if s.i < len(b) && (b[s.i] == '+' || b[s.i] == '-') {
			s.i++
		}
		if s.digits() == 0 {
			return s.fail("expected a digit in the exponent")
		}
	}
	return nil
}

func (s *scanner) digits() int {
	from := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i - from
}

func (s *scanner) literal(word string) error {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return s.fail(fmt.Sprintf("expected %s", word))
	}
	s.i += len(word)
	return nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// skipSpace skips whitespace between the top-level members.
func (s *scanner) skipSpace() {
	for s.i < len(s.b) && isSpace(s.b[s.i]) {
		s.i++
	}
}

// skipSpaceInValue skips whitespace inside a value, and notes that it had to.
func (s *scanner) skipSpaceInValue() {
	from := s.i
	s.skipSpace()
	s.spaced = s.spaced || s.i > from
}

// unquote decodes a quoted JSON string (a member name or a string value)
// that the scanner accepted.
func unquote(quoted []byte) (string, error) {
	for _, c := range quoted {
		if c == '\\' {
			var s string
			err := json.Unmarshal(quoted, &s)
			return s, err
		}
	}
	return string(quoted[1 : len(quoted)-1]), nil // no escapes: the bytes are the string
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
	name, _ := unquote(quoted) // cannot fail: the scanner accepted it
	return name
}

// compactCopy returns a copy of raw, a value the scanner accepted, without
// insignificant whitespace (spaced says it has some), so the value is stored
// and returned in one spelling, and owns its bytes: raw points into a pooled
// request buffer.
func compactCopy(raw []byte, spaced bool) json.RawMessage {
	if !spaced {
		return append(json.RawMessage(nil), raw...)
	}
	out := make(json.RawMessage, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case isSpace(c):
		case c == '"':
			from := i
			for i++; raw[i] != '"'; i++ {
				if raw[i] == '\\' {
					i++
				}
			}
			out = append(out, raw[from:i+1]...)
		default:
			out = append(out, c)
		}
	}
	return out
}
