package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"kvbench/servers/go/internal/store"
)

func TestParsePutAccepts(t *testing.T) {
	long := strings.Repeat("é", MaxKeyBytes/2) // 1024 UTF-8 bytes, 512 characters
	tests := []struct {
		body      string
		wantKey   string
		wantValue string
		wantTTL   int64
	}{
		{`{"key":"key-42","value":17,"ttl":1.5}`, "key-42", "17", 1500},
		{`{"key":"k","value":null}`, "k", "null", store.NoExpiry},
		{`{"key":"k","value":1,"ttl":null}`, "k", "1", store.NoExpiry},
		{`{"value": {"b": [1, 2, {"c": "x y"}]}, "key": "k"}`, "k", `{"b":[1,2,{"c":"x y"}]}`, store.NoExpiry},
		{` {"key":"a/b","value":"<&>","ttl":2} `, "a/b", `"<&>"`, 2000},
		{`{"key":"k","value":1,"ttl":0.0001}`, "k", "1", 1}, // never rounds to 0 (= no expiry)
		{`{"key":"k","value":1,"ttl":1.1}`, "k", "1", 1100}, // 1100.0000000000002 in floating point
		{`{"key":"k","value":1,"ttl":2E1}`, "k", "1", 20000},
		{`{"k\u0065y":"k","value":1}`, "k", "1", store.NoExpiry}, // escaped name is still "key"
		{`{"key":"k","value":{"s":"}],\"{","n":[[]]},"ttl":1}`, "k", `{"s":"}],\"{","n":[[]]}`, 1000},
		{`{"key":"k","value":"\ud83d\udd11 \\ud800 \u00e9"}`, "k", `"\ud83d\udd11 \\ud800 \u00e9"`, store.NoExpiry}, // a pair, an escaped backslash
		{`{"key":"\uD83D\uDD11","value":1}`, "🔑", "1", store.NoExpiry},
		{"{\n\t\"key\" : \"k\" ,\r\n \"value\" : [ 1 , 2 ] \n}", "k", "[1,2]", store.NoExpiry},
		{`{"key":"k","value":1,"ttl":1e300}`, "k", "1", maxTTLms},
		{`{"key":"k","value":12345678901234567890123}`, "k", "12345678901234567890123", store.NoExpiry},
		{`{"key":"\u00e9\n","value":true}`, "é\n", "true", store.NoExpiry},
		{`{"key":"` + long + `","value":1}`, long, "1", store.NoExpiry},
	}
	for _, tt := range tests {
		got, err := parsePut([]byte(tt.body))
		if err != nil {
			t.Errorf("parsePut(%s) error: %v", tt.body, err)
			continue
		}
		if got.Key != tt.wantKey || string(got.Value) != tt.wantValue || got.TTL != tt.wantTTL {
			t.Errorf("parsePut(%s) = {%q %s %d}, want {%q %s %d}",
				tt.body, got.Key, got.Value, got.TTL, tt.wantKey, tt.wantValue, tt.wantTTL)
		}
	}
}

func TestParsePutRejects(t *testing.T) {
	tooLong := strings.Repeat("k", MaxKeyBytes+1)
	tests := []struct {
		name    string
		body    string
		wantErr string
	}{
		{"empty body", ``, "invalid JSON"},
		{"not JSON", `key=k`, "invalid JSON"},
		{"truncated", `{"key":"k","value":`, "invalid JSON"},
		{"trailing garbage", `{"key":"k","value":1} x`, "invalid JSON"},
		{"array", `[1]`, "must be a JSON object"},
		{"string", `"k"`, "must be a JSON object"},
		{"null", `null`, "must be a JSON object"},
		{"invalid UTF-8", "{\"key\":\"k\",\"value\":\"\xff\"}", "not valid UTF-8"},
		{"missing key", `{"value":1}`, `missing "key"`},
		{"null key", `{"key":null,"value":1}`, `"key" must be a string`},
		{"number key", `{"key":1,"value":1}`, `"key" must be a string`},
		{"empty key", `{"key":"","value":1}`, `"key" must not be empty`},
		{"key over 1024 bytes", `{"key":"` + tooLong + `","value":1}`, "over the limit of 1024"},
		{"key over 1024 UTF-8 bytes", `{"key":"` + strings.Repeat("é", 513) + `","value":1}`, "over the limit of 1024"},
		{"missing value", `{"key":"k"}`, `missing "value"`},
		{"missing value with ttl", `{"key":"k","ttl":1}`, `missing "value"`},
		{"unknown field", `{"key":"k","value":1,"extra":1}`, `unknown field "extra"`},
		{"empty field name", `{"key":"k","value":1,"":0}`, `unknown field ""`},
		{"duplicate key", `{"key":"a","key":"b","value":1}`, `duplicate field "key"`},
		{"duplicate value", `{"key":"a","value":1,"value":2}`, `duplicate field "value"`},
		{"duplicate through an escape", `{"key":"a","k\u0065y":"b","value":1}`, `duplicate field "key"`},
		{"lone high surrogate in key", `{"key":"lone-\ud800","value":1}`, `lone surrogate \ud800`},
		{"lone low surrogate in value", `{"key":"k","value":["\uDC00"]}`, `lone surrogate \uDC00`},
		{"high surrogate then a non-low escape", `{"key":"k","value":"\ud800\u0041"}`, "lone surrogate"},
		{"high surrogate at the end of a string", `{"key":"k","value":"\ud800"}`, "lone surrogate"},
		{"value nested 513 levels", `{"key":"k","value":` + strings.Repeat("[", 513) + "1" + strings.Repeat("]", 513) + `}`, `"value" is nested 513 levels deep`},
		{"deeply nested value", `{"key":"k","value":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`, "invalid JSON"},
		{"field in other case", `{"Key":"k","value":1}`, `unknown field "Key"`},
		{"ttl zero", `{"key":"k","value":1,"ttl":0}`, "greater than 0"},
		{"ttl negative", `{"key":"k","value":1,"ttl":-1}`, "greater than 0"},
		{"ttl negative zero", `{"key":"k","value":1,"ttl":-0}`, "greater than 0"},
		{"ttl string", `{"key":"k","value":1,"ttl":"1"}`, `"ttl" must be a number`},
		{"ttl NaN string", `{"key":"k","value":1,"ttl":"NaN"}`, `"ttl" must be a number`},
		{"ttl NaN literal", `{"key":"k","value":1,"ttl":NaN}`, "invalid JSON"},
		{"ttl Infinity literal", `{"key":"k","value":1,"ttl":Infinity}`, "invalid JSON"},
		{"ttl overflowing to infinity", `{"key":"k","value":1,"ttl":1e400}`, "finite"},
		{"ttl bool", `{"key":"k","value":1,"ttl":true}`, `"ttl" must be a number`},
		{"ttl object", `{"key":"k","value":1,"ttl":{}}`, `"ttl" must be a number`},
	}
	for _, tt := range tests {
		_, err := parsePut([]byte(tt.body))
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: parsePut error = %v, want one containing %q", tt.name, err, tt.wantErr)
		}
	}
}

func TestValueDepth(t *testing.T) {
	tests := []struct {
		value string
		want  int
	}{
		{`1`, 0}, {`"[{"`, 0}, {`null`, 0},
		{`[]`, 1}, {`{}`, 1}, {`[1]`, 1}, {`{"a":1,"b":[]}`, 2},
		{`[[1]]`, 2}, {`[[1],[[2]],3]`, 3}, {`["]]]","[[["]`, 1}, {`{"[":"\"[[["}`, 1},
		{strings.Repeat("[", 512) + strings.Repeat("]", 512), 512},
	}
	for _, tt := range tests {
		s := scanner{b: []byte(`{"value":` + tt.value + `,"key":"k"}`)}
		if err := s.begin(); err != nil {
			t.Fatalf("begin: %v", err)
		}
		m, ok, err := s.next()
		if !ok || err != nil || string(m.value) != tt.value || m.depth != tt.want {
			t.Errorf("value %s: got %s, depth %d (%v, %v); want depth %d", tt.value, m.value, m.depth, ok, err, tt.want)
		}
	}
}

func TestIsJSONContentType(t *testing.T) {
	tests := []struct {
		ct   string
		want bool
	}{
		{"application/json", true},
		{"application/json; charset=utf-8", true},
		{"Application/JSON", true},
		{"application/json;charset=UTF-8", true},
		{"", false},
		{"text/plain", false},
		{"application/x-www-form-urlencoded", false},
		{"application/jsonx", false},
		{"text/json", false},
		{"application/json; =broken", true}, // parameters are ignored, well-formed or not
		{" application/json\t;charset", true},
		{"application/vnd.api+json", false}, // JSON syntax, another media type
		{"application/problem+json", false},
	}
	for _, tt := range tests {
		if got := isJSONContentType(tt.ct); got != tt.want {
			t.Errorf("isJSONContentType(%q) = %v, want %v", tt.ct, got, tt.want)
		}
	}
}

// FuzzParsePut checks the hand-written scanner against encoding/json and
// unicode/utf8: whatever parsePut accepts, encoding/json decodes to the same
// key and value; whatever it calls invalid JSON, they refuse too, unless the
// reason is a lone surrogate escape (which encoding/json decodes to U+FFFD).
func FuzzParsePut(f *testing.F) {
	for _, seed := range []string{
		`{"key":"k","value":1}`,
		`{"key":"a\"b","value":{"x":["}",{"y":"\\"}]},"ttl":1.5}`,
		` { "value" : [ ] , "key" : "\u00e9" } `,
		`{"k\u0065y":"k","value":null,"ttl":null}`,
		`[1,2]`, `{"key":"k","value":1,}`, `{"key":"k"`,
		`{"key":"k","value":[-0.5e+3,true,false,null,{"a":{}},[[]],"\u00e9\ud83d\ude00"]}`,
		`{"key":"k","value":01}`, `{"key":"k","value":1.}`, `{"key":"k","value":[1,]}`, `{"key":"k","value":{"a" 1}}`,
		"{\"key\":\"k\",\"value\":\"\t\"}", "{\"key\":\"\xed\xa0\x80\",\"value\":1}",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := parsePut(body) // must not panic, whatever the input
		var syntax *syntaxError
		if errors.As(err, &syntax) && !strings.Contains(err.Error(), "lone surrogate") && utf8.Valid(body) && json.Valid(body) {
			t.Fatalf("parsePut called %q invalid (%v), encoding/json and utf8 accept it", body, err)
		}
		if err != nil {
			return
		}
		var ref map[string]json.RawMessage
		if err := json.Unmarshal(body, &ref); err != nil {
			t.Fatalf("parsePut accepted %q, encoding/json refuses it: %v", body, err)
		}
		var key string
		if err := json.Unmarshal(ref["key"], &key); err != nil || key != got.Key {
			t.Errorf("key = %q, encoding/json says %q (%v)", got.Key, key, err)
		}
		var want bytes.Buffer
		if err := json.Compact(&want, ref["value"]); err != nil || want.String() != string(got.Value) {
			t.Errorf("value = %s, encoding/json says %s (%v)", got.Value, want.String(), err)
		}
	})
}
