package persist

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"kvbench/servers/go/internal/store"
)

// golden is a shard file whose hash was computed independently (Python's
// hashlib.md5 over the JSON line).
const golden = `{"a\"b":{"value":[1,"<&>"],"timestamp":1700000000000,"ttl":-1},` +
	`"key-1":{"value":null,"timestamp":1700000000123,"ttl":1500}}` +
	"\nac09484f4d198c8f461a157ca0888ec6"

func goldenItems() []store.Item {
	return []store.Item{
		{Key: `a"b`, Entry: store.Entry{Value: json.RawMessage(`[1,"<&>"]`), Timestamp: 1700000000000, TTL: store.NoExpiry}},
		{Key: "key-1", Entry: store.Entry{Value: json.RawMessage(`null`), Timestamp: 1700000000123, TTL: 1500}},
	}
}

func TestEncodeGolden(t *testing.T) {
	got, want := string(Encode(goldenItems())), golden
	if got != want {
		t.Errorf("Encode =\n%s\nwant\n%s", got, want)
	}
}

func TestEncodeEmpty(t *testing.T) {
	got, want := string(Encode(nil)), "{}\n99914b932bd37a50b983c5e7c90ae93b"
	if got != want {
		t.Errorf("Encode(nil) = %q, want %q", got, want)
	}
}

func TestEncodeKeyEscaping(t *testing.T) {
	keys := []string{"plain", `q"uote`, `back\slash`, "new\nline", "tab\t", "ctl\x01", "<html>&", "é日本", "\u2028"}
	var items []store.Item
	for _, k := range keys {
		items = append(items, store.Item{Key: k, Entry: store.Entry{Value: json.RawMessage(`1`), TTL: -1}})
	}
	data := Encode(items)
	body := data[:strings.LastIndexByte(string(data), '\n')]

	// The JSON must be readable by any JSON parser, giving the same keys.
	var parsed map[string]json.RawMessage
	if err := json.Unmarshal(body, &parsed); err != nil {
		t.Fatalf("encoded shard is not JSON: %v\n%s", err, body)
	}
	for _, k := range keys {
		if _, ok := parsed[k]; !ok {
			t.Errorf("key %q lost in encoding", k)
		}
	}
	if !strings.Contains(string(body), `"<html>&"`) {
		t.Errorf("HTML characters escaped needlessly: %s", body)
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	items, err := Decode([]byte(golden))
	if err != nil {
		t.Fatal(err)
	}
	sortItems(items)
	want := goldenItems()
	sortItems(want)
	if len(items) != len(want) {
		t.Fatalf("Decode gave %d items, want %d", len(items), len(want))
	}
	for i := range want {
		got := items[i]
		if got.Key != want[i].Key || string(got.Value) != string(want[i].Value) ||
			got.Timestamp != want[i].Timestamp || got.TTL != want[i].TTL {
			t.Errorf("item %d = %+v, want %+v", i, got, want[i])
		}
	}
}

// withHash builds a well-hashed file around body, to test what comes after
// the hash check.
func withHash(body string) string {
	sum := md5.Sum([]byte(body))
	return body + "\n" + hex.EncodeToString(sum[:])
}

func TestDecodeForeignNumbersAndSpacing(t *testing.T) {
	// Another server may compute ttl as 1.5 * 1000 = 1500.0000000000002,
	// or pretty-print values.
	file := withHash(`{"k":{"value":[1, 2],"timestamp":1700000000000.0,"ttl":1500.0000000000002},` +
		`"n":{"value":"x","timestamp":1,"ttl":0},"t":{"value":1,"timestamp":1,"ttl":0.2}}`)
	items, err := Decode([]byte(file))
	if err != nil {
		t.Fatal(err)
	}
	sortItems(items)
	tests := []struct {
		got, want store.Item
	}{
		{items[0], store.Item{Key: "k", Entry: store.Entry{Value: json.RawMessage(`[1,2]`), Timestamp: 1700000000000, TTL: 1500}}},
		{items[1], store.Item{Key: "n", Entry: store.Entry{Value: json.RawMessage(`"x"`), Timestamp: 1, TTL: store.NoExpiry}}},
		{items[2], store.Item{Key: "t", Entry: store.Entry{Value: json.RawMessage(`1`), Timestamp: 1, TTL: 1}}},
	}
	for _, tt := range tests {
		if tt.got.Key != tt.want.Key || string(tt.got.Value) != string(tt.want.Value) ||
			tt.got.Timestamp != tt.want.Timestamp || tt.got.TTL != tt.want.TTL {
			t.Errorf("got %+v, want %+v", tt.got, tt.want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		wantErr string
	}{
		{"flipped hash digit", strings.Replace(golden, "ac09484f", "ac09484e", 1), "md5 mismatch"},
		{"edited JSON", strings.Replace(golden, "1500", "1501", 1), "md5 mismatch"},
		{"uppercase hash", golden[:len(golden)-32] + strings.ToUpper(golden[len(golden)-32:]), "md5 mismatch"},
		{"no newline", `{}`, "no hash line"},
		{"short hash", "{}\n99914b93", "hash line is 8 bytes"},
		{"trailing newline after hash", "{}\n99914b932bd37a50b983c5e7c90ae93b\n", "hash line is 0 bytes"},
		{"bad JSON, good hash", withHash(`{"k":`), "bad JSON"},
		{"array, good hash", withHash(`[1]`), "bad JSON"},
		{"null, good hash", withHash(`null`), "bad JSON"},
		{"missing value", withHash(`{"k":{"timestamp":1,"ttl":-1}}`), `bad entry "k": missing value`},
		{"missing timestamp", withHash(`{"k":{"value":1,"ttl":-1}}`), `bad entry "k": missing timestamp`},
		{"string timestamp", withHash(`{"k":{"value":1,"timestamp":"1","ttl":-1}}`), "bad JSON"},
		{"invalid UTF-8", withHash("{\"k\xff\":{\"value\":1,\"timestamp\":1,\"ttl\":-1}}"), "not valid UTF-8"},
	}
	for _, tt := range tests {
		_, err := Decode([]byte(tt.file))
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: Decode error = %v, want one containing %q", tt.name, err, tt.wantErr)
		}
	}
}

func TestParseFileName(t *testing.T) {
	tests := []struct {
		name   string
		want   int
		wantOK bool
	}{
		{"shard-0", 0, true},
		{"shard-7", 7, true},
		{"shard-1023", 1023, true},
		{"shard-", 0, false},
		{"shard-03", 0, false},
		{"shard-3.tmp", 0, false},
		{".shard-3.tmp-123", 0, false},
		{"shard--1", 0, false},
		{"shard-+1", 0, false},
		{"Shard-1", 0, false},
		{"notes.txt", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseFileName(tt.name)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("parseFileName(%q) = %d, %v; want %d, %v", tt.name, got, ok, tt.want, tt.wantOK)
		}
	}
}

func sortItems(items []store.Item) {
	slices.SortFunc(items, func(a, b store.Item) int { return strings.Compare(a.Key, b.Key) })
}
