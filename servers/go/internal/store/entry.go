// Package store holds the sharded in-memory map behind the KV server.
package store

import "encoding/json"

// NoExpiry is the TTL of an entry that never expires (the disk format's -1).
const NoExpiry int64 = -1

// Entry is one stored value. Timestamp and TTL are milliseconds, as in the
// shared disk format, so entries move between memory and disk unchanged.
type Entry struct {
	// Value is compact JSON text. It is never mutated after it is stored,
	// which lets snapshots share it without copying.
	Value     json.RawMessage
	Timestamp int64 // ms since the Unix epoch, at write
	TTL       int64 // ms; NoExpiry (or any value <= 0) means none
}

// Expired reports whether the entry is past its TTL at now (ms since epoch).
func (e Entry) Expired(now int64) bool {
	return e.TTL > 0 && now-e.Timestamp > e.TTL
}
