//! Shard files on disk: format, atomic writes, dirty-shard flushing and loading.
//!
//! Format (shared by every server): `<directory>/shard-<i>` holds the shard as
//! one compact JSON object, `\n`, then the MD5 of those JSON bytes as 32
//! lowercase hex characters, and nothing after.

use std::collections::HashMap;
use std::collections::hash_map::Entry as MapEntry;
use std::fmt;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::json;
use crate::store::{Entry, MAX_TTL_MS, NO_TTL, Store, shard_index};

const PREFIX: &str = "shard-";

pub fn shard_file_name(index: usize) -> String {
    format!("{PREFIX}{index}")
}

/// Index of a `shard-<i>` file name. Only the canonical decimal form counts,
/// so temp files and other servers' leftovers (`shard-3.tmp`, `.shard-3.tmp`)
/// are neither loaded nor deleted.
fn parse_shard_file_name(name: &str) -> Option<usize> {
    let digits = name.strip_prefix(PREFIX)?;
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    if canonical { digits.parse().ok() } else { None }
}

/// Appends `\n` and the MD5 hex of `json` to `json`: the complete file body.
pub fn encode_shard(mut json: Vec<u8>) -> Vec<u8> {
    let digest = format!("{:x}", md5::compute(&json));
    json.reserve(1 + digest.len());
    json.push(b'\n');
    json.extend_from_slice(digest.as_bytes());
    json
}

/// An entry as read from disk. Timestamps and ttls are read as numbers of any
/// form (another server may write `1500.0`) and normalized into [`Entry`].
#[derive(Debug, Deserialize)]
pub struct DiskEntry {
    value: Box<RawValue>,
    timestamp: f64,
    ttl: f64,
}

impl From<DiskEntry> for Entry {
    fn from(d: DiskEntry) -> Self {
        let ttl = if d.ttl > 0.0 {
            (d.ttl.ceil() as i64).clamp(1, MAX_TTL_MS)
        } else {
            // The spec only expires entries with ttl > 0: 0 or any negative means none.
            NO_TTL
        };
        Entry {
            value: json::compact(&d.value),
            timestamp: d.timestamp as i64,
            ttl,
        }
    }
}

#[derive(Debug)]
pub enum DecodeError {
    MissingHash,
    HashMismatch { stored: String, computed: String },
    Json(serde_json::Error),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingHash => write!(f, "no MD5 line after the JSON"),
            Self::HashMismatch { stored, computed } => {
                write!(
                    f,
                    "MD5 mismatch: file says {stored:?}, content hashes to {computed}"
                )
            }
            Self::Json(e) => write!(f, "bad JSON: {e}"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Checks the MD5 line and parses the JSON object of one shard file.
pub fn decode_shard(bytes: &[u8]) -> Result<HashMap<String, DiskEntry>, DecodeError> {
    let newline = bytes
        .iter()
        .rposition(|&b| b == b'\n')
        .ok_or(DecodeError::MissingHash)?;
    let (json, stored) = (&bytes[..newline], &bytes[newline + 1..]);
    let computed = format!("{:x}", md5::compute(json));
    // Exactly the spec's 32 lowercase hex characters, as every server reads it:
    // an upper-case MD5 is refused like any other mismatch.
    if stored != computed.as_bytes() {
        return Err(DecodeError::HashMismatch {
            stored: String::from_utf8_lossy(stored).into_owned(),
            computed,
        });
    }
    serde_json::from_slice(json).map_err(DecodeError::Json)
}

/// Writes `<dir>/<name>` so that a reader sees the old file or the new one,
/// never a torn one: temp file in the same directory, fsync, rename.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    // Dot-prefixed so it never matches `shard-*`, even if a crash leaves it behind.
    let tmp = dir.join(format!(".{name}.tmp"));
    let result = (|| {
        let mut file = match File::create(&tmp) {
            // The directory was removed under us: recreate it rather than fail forever.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir_all(dir)?;
                File::create(&tmp)?
            }
            other => other?,
        };
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, dir.join(name))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Creates `dir` if need be and proves it can hold a new file, so that a
/// directory no flush could write to (read-only, wrong owner) refuses the
/// start instead of acknowledging writes that are never persisted. The probe
/// is dot-named like a temporary file and removed at once.
pub fn check_writable(dir: &Path) -> Result<(), String> {
    fs::create_dir_all(dir).map_err(|e| format!("directory {}: {e}", dir.display()))?;
    let probe = dir.join(format!(".write-probe-{}", std::process::id()));
    File::create(&probe)
        .map_err(|e| format!("directory {} is not writable: {e}", dir.display()))?;
    fs::remove_file(&probe).map_err(|e| format!("directory {}: {e}", dir.display()))
}

/// Makes renames in `dir` durable.
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Flushes changed shards. Owned by one task at a time, so flushes never overlap.
#[derive(Debug)]
pub struct Persister {
    dir: PathBuf,
    /// Generation of each shard as last written by this process. `None` (the
    /// start state) counts as changed: the first flush writes every shard, so
    /// after a load the files match the current layout, and without a load a
    /// previous run's files are replaced rather than mixed with new ones.
    flushed: Vec<Option<u64>>,
    stale_removed: bool,
}

impl Persister {
    pub fn new(dir: impl Into<PathBuf>, shard_count: usize) -> Self {
        Self {
            dir: dir.into(),
            flushed: vec![None; shard_count],
            stale_removed: false,
        }
    }

    /// Writes every shard changed since its last flush. Each failure is printed
    /// to stderr as one line with the OS's text (`flush shard-3: Too many open
    /// files (os error 24)`) and retried on the next call. Returns the number
    /// of failures.
    pub fn flush(&mut self, store: &Store) -> usize {
        let mut failures = 0;
        let mut wrote = false;
        for index in 0..store.shard_count() {
            // Serializing under the read lock *is* the snapshot: it costs about
            // what cloning the map would (without a clone's allocation per
            // entry), blocks only writers of this one shard, and leaves the
            // hashing and all disk I/O to happen with no lock held.
            let (generation, body) = {
                let shard = store.read_shard(index);
                if self.flushed[index] == Some(shard.generation) {
                    continue;
                }
                let json = serde_json::to_vec(&shard.entries).expect("entries always serialize");
                (shard.generation, json)
            };
            let name = shard_file_name(index);
            match write_atomic(&self.dir, &name, &encode_shard(body)) {
                Ok(()) => {
                    self.flushed[index] = Some(generation);
                    wrote = true;
                }
                Err(e) => {
                    eprintln!("flush {name}: {e}");
                    failures += 1;
                }
            }
        }
        if wrote && let Err(e) = sync_dir(&self.dir) {
            eprintln!("flush: sync directory {}: {e}", self.dir.display());
            failures += 1;
        }
        // Stale files from a larger shard count go only once every current
        // shard is safely on disk: their entries now live in those files.
        if !self.stale_removed && self.flushed.iter().all(Option::is_some) {
            match self.remove_stale(store.shard_count()) {
                0 => self.stale_removed = true,
                n => failures += n,
            }
        }
        failures
    }

    /// Deletes `shard-<i>` files with `i >= shard_count`; returns the number of failures.
    fn remove_stale(&self, shard_count: usize) -> usize {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) => {
                eprintln!("flush: read directory {}: {e}", self.dir.display());
                return 1;
            }
        };
        let mut failures = 0;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(index) = name.to_str().and_then(parse_shard_file_name) else {
                continue;
            };
            if index >= shard_count
                && let Err(e) = fs::remove_file(entry.path())
                && e.kind() != io::ErrorKind::NotFound
            {
                eprintln!("flush: remove stale {}: {e}", entry.path().display());
                failures += 1;
            }
        }
        failures
    }
}

/// Why a `--load` failed; names the file (or directory) at fault.
#[derive(Debug)]
pub struct LoadError {
    pub path: PathBuf,
    pub reason: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "load {}: {}", self.path.display(), self.reason)
    }
}

impl std::error::Error for LoadError {}

/// Builds a store of `shard_count` shards from every `shard-<i>` file in `dir`,
/// whatever shard count wrote them. Expired entries are dropped; a key found in
/// two files (possible only after a crash between layouts) keeps its newest write.
/// A missing directory is an empty store.
pub fn load(dir: &Path, shard_count: usize, now: i64) -> Result<Store, LoadError> {
    let store = Store::new(shard_count);
    let fail = |path: &Path, reason: String| LoadError {
        path: path.to_owned(),
        reason,
    };
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(store),
        Err(e) => return Err(fail(dir, e.to_string())),
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| fail(dir, e.to_string()))?;
        if let Some(index) = entry.file_name().to_str().and_then(parse_shard_file_name) {
            files.push((index, entry.path()));
        }
    }
    files.sort();

    for (_, path) in files {
        let bytes = fs::read(&path).map_err(|e| fail(&path, e.to_string()))?;
        let decoded = decode_shard(&bytes).map_err(|e| fail(&path, e.to_string()))?;
        for (key, disk) in decoded {
            let entry = Entry::from(disk);
            if entry.is_expired(now) {
                continue;
            }
            let mut shard = store.write_shard(shard_index(&key, shard_count));
            match shard.entries.entry(key.into_boxed_str()) {
                MapEntry::Vacant(slot) => {
                    slot.insert(entry);
                }
                MapEntry::Occupied(mut slot) => {
                    if entry.timestamp > slot.get().timestamp {
                        slot.insert(entry);
                    }
                }
            }
        }
    }
    Ok(store)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::now_ms;

    fn entry(json: &str, timestamp: i64, ttl: i64) -> Entry {
        Entry {
            value: RawValue::from_string(json.to_owned()).unwrap(),
            timestamp,
            ttl,
        }
    }

    fn read(dir: &Path, index: usize) -> Vec<u8> {
        fs::read(dir.join(shard_file_name(index))).unwrap()
    }

    fn get(store: &Store, key: &str) -> Option<String> {
        store.get_with(key, now_ms(), |v| v.get().to_owned())
    }

    fn shard_files(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.starts_with(PREFIX))
            .collect();
        names.sort();
        names
    }

    #[test]
    fn file_format_is_compact_json_newline_md5_and_nothing_after() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(1);
        store.put("k", entry("{\"a\":[1,null]}", 1_700_000_000_000, 1_500));
        Persister::new(dir.path(), 1).flush(&store);

        let bytes = read(dir.path(), 0);
        let text = std::str::from_utf8(&bytes).unwrap();
        let (json, hash) = text.split_once('\n').unwrap();
        assert_eq!(
            json,
            r#"{"k":{"value":{"a":[1,null]},"timestamp":1700000000000,"ttl":1500}}"#
        );
        assert_eq!(hash, format!("{:x}", md5::compute(json)));
        assert_eq!(hash.len(), 32);
        assert!(
            hash.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
        assert!(!hash.contains('\n'), "nothing after the hash");
    }

    #[test]
    fn a_same_size_change_is_flushed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(1);
        let mut persister = Persister::new(dir.path(), 1);
        store.put("k", entry("1", 5, NO_TTL));
        assert_eq!(persister.flush(&store), 0);
        let first = read(dir.path(), 0);

        // Same key, same-length value, same shard size: the blog's bug skipped this.
        store.put("k", entry("2", 5, NO_TTL));
        assert_eq!(persister.flush(&store), 0);
        let second = read(dir.path(), 0);
        assert_eq!(first.len(), second.len());
        assert_ne!(first, second);
        assert!(String::from_utf8(second).unwrap().contains(r#""value":2"#));
    }

    #[test]
    fn unchanged_shards_are_not_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(2);
        let mut persister = Persister::new(dir.path(), 2);
        persister.flush(&store);
        // Mark the on-disk files so a rewrite would be visible.
        for i in 0..2 {
            fs::write(dir.path().join(shard_file_name(i)), b"sentinel").unwrap();
        }
        store.put("key-1", entry("1", 5, NO_TTL));
        persister.flush(&store);
        let changed = shard_index("key-1", 2);
        assert_ne!(read(dir.path(), changed), b"sentinel");
        assert_eq!(read(dir.path(), 1 - changed), b"sentinel");
    }

    #[test]
    fn writes_are_atomic_via_temp_file_and_rename() {
        let dir = tempfile::tempdir().unwrap();
        write_atomic(dir.path(), "shard-0", b"old").unwrap();
        write_atomic(dir.path(), "shard-0", b"new").unwrap();
        assert_eq!(read(dir.path(), 0), b"new");
        // Only the final file remains: the temp file was renamed away.
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["shard-0"]);

        // A failed write leaves the previous file intact and no temp file behind:
        // here the rename fails because the target is a non-empty directory.
        fs::create_dir(dir.path().join("shard-1")).unwrap();
        fs::write(dir.path().join("shard-1").join("x"), b"").unwrap();
        assert!(write_atomic(dir.path(), "shard-1", b"data").is_err());
        assert!(!dir.path().join(".shard-1.tmp").exists());
        assert_eq!(read(dir.path(), 0), b"new");
    }

    #[test]
    fn flush_recreates_a_removed_directory() {
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("data");
        let store = Store::new(1);
        store.put("k", entry("1", 5, NO_TTL));
        assert_eq!(Persister::new(&dir, 1).flush(&store), 0);
        assert!(dir.join("shard-0").exists());
    }

    #[test]
    fn reshard_5_to_3_to_8_round_trips_and_removes_stale_files() {
        let dir = tempfile::tempdir().unwrap();
        let now = now_ms();
        let five = Store::new(5);
        for i in 0..200 {
            five.put(&format!("key-{i}"), entry(&i.to_string(), now, NO_TTL));
        }
        five.put("null-value", entry("null", now, NO_TTL));
        five.put("expired", entry("1", now - 10_000, 1_000));
        Persister::new(dir.path(), 5).flush(&five);
        assert_eq!(
            shard_files(dir.path()),
            ["shard-0", "shard-1", "shard-2", "shard-3", "shard-4"]
        );

        let three = load(dir.path(), 3, now).unwrap();
        assert_eq!(
            three.shard_sizes().iter().sum::<usize>(),
            201,
            "expired entry dropped at load"
        );
        let mut persister = Persister::new(dir.path(), 3);
        assert_eq!(persister.flush(&three), 0);
        assert_eq!(
            shard_files(dir.path()),
            ["shard-0", "shard-1", "shard-2"],
            "shard-3, shard-4 removed"
        );

        let eight = load(dir.path(), 8, now).unwrap();
        assert_eq!(eight.shard_count(), 8);
        for index in 0..8 {
            for key in eight.read_shard(index).entries.keys() {
                assert_eq!(shard_index(key, 8), index, "{key} placed by the new count");
            }
        }
        assert_eq!(get(&eight, "key-1").as_deref(), Some("1"));
        assert_eq!(get(&eight, "null-value").as_deref(), Some("null"));
        assert_eq!(get(&eight, "expired"), None);
        assert_eq!(eight.shard_sizes().iter().sum::<usize>(), 201);
    }

    #[test]
    fn written_with_5_loaded_with_8() {
        let dir = tempfile::tempdir().unwrap();
        let now = now_ms();
        let five = Store::new(5);
        for i in 0..100 {
            five.put(&format!("key-{i}"), entry(&i.to_string(), now, NO_TTL));
        }
        Persister::new(dir.path(), 5).flush(&five);
        // A stale file from an even older 10-shard layout: loaded, then removed.
        let old = Store::new(1);
        old.put("from-shard-9", entry("\"old\"", now, NO_TTL));
        let json = serde_json::to_vec(&old.read_shard(0).entries).unwrap();
        write_atomic(dir.path(), "shard-9", &encode_shard(json)).unwrap();
        fs::write(dir.path().join("shard-9.tmp"), b"junk from someone else").unwrap();

        let eight = load(dir.path(), 8, now).unwrap();
        assert_eq!(eight.shard_sizes().iter().sum::<usize>(), 101);
        for index in 0..8 {
            for key in eight.read_shard(index).entries.keys() {
                assert_eq!(shard_index(key, 8), index);
            }
        }
        assert_eq!(get(&eight, "from-shard-9").as_deref(), Some("\"old\""));

        Persister::new(dir.path(), 8).flush(&eight);
        let expected: Vec<String> = {
            let mut v: Vec<String> = (0..8).map(shard_file_name).collect();
            v.push("shard-9.tmp".into()); // not ours, not canonical: left alone
            v.sort();
            v
        };
        assert_eq!(shard_files(dir.path()), expected);
        let reloaded = load(dir.path(), 8, now).unwrap();
        assert_eq!(reloaded.shard_sizes(), eight.shard_sizes());
    }

    #[test]
    fn bad_md5_refuses_the_load_and_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let json = br#"{"k":{"value":1,"timestamp":1,"ttl":-1}}"#.to_vec();
        let mut body = encode_shard(json);
        let len = body.len();
        body[len - 1] = if body[len - 1] == b'0' { b'1' } else { b'0' };
        fs::write(dir.path().join("shard-2"), body).unwrap();
        let err = load(dir.path(), 5, now_ms()).unwrap_err().to_string();
        assert!(err.contains("shard-2"), "{err}");
        assert!(err.contains("MD5 mismatch"), "{err}");
    }

    #[test]
    fn bad_json_with_matching_md5_refuses_the_load_and_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("shard-0"),
            encode_shard(b"{\"k\": oops}".to_vec()),
        )
        .unwrap();
        let err = load(dir.path(), 5, now_ms()).unwrap_err().to_string();
        assert!(err.contains("shard-0"), "{err}");
        assert!(err.contains("bad JSON"), "{err}");

        // An entry missing its value is bad JSON too.
        fs::write(
            dir.path().join("shard-0"),
            encode_shard(br#"{"k":{"timestamp":1,"ttl":-1}}"#.to_vec()),
        )
        .unwrap();
        assert!(
            load(dir.path(), 5, now_ms())
                .unwrap_err()
                .to_string()
                .contains("shard-0")
        );
    }

    #[test]
    fn missing_hash_line_refuses_the_load() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("shard-0"), b"{}").unwrap();
        let err = load(dir.path(), 5, now_ms()).unwrap_err().to_string();
        assert!(err.contains("shard-0") && err.contains("no MD5"), "{err}");
    }

    #[test]
    fn a_missing_directory_is_an_empty_store() {
        let parent = tempfile::tempdir().unwrap();
        let store = load(&parent.path().join("nope"), 4, now_ms()).unwrap();
        assert_eq!(store.shard_sizes(), [0, 0, 0, 0]);
    }

    #[test]
    fn loads_other_servers_number_forms() {
        let dir = tempfile::tempdir().unwrap();
        let now = now_ms();
        let json = format!(
            r#"{{"a":{{"value":{{"n": 1}},"timestamp":{now}.0,"ttl":1500.0}},"b":{{"value":null,"timestamp":{now},"ttl":0.4}},"c":{{"value":"x","timestamp":1,"ttl":-1}}}}"#
        );
        fs::write(dir.path().join("shard-0"), encode_shard(json.into_bytes())).unwrap();
        let store = load(dir.path(), 1, now).unwrap();
        let shard = store.read_shard(0);
        assert_eq!(shard.entries["a"].ttl, 1_500);
        assert_eq!(shard.entries["a"].timestamp, now);
        assert_eq!(
            shard.entries["a"].value.get(),
            r#"{"n":1}"#,
            "values are compacted"
        );
        assert_eq!(
            shard.entries["b"].ttl, 1,
            "a fractional ms ttl stays an expiring ttl"
        );
        assert_eq!(shard.entries["b"].value.get(), "null");
        assert_eq!(shard.entries["c"].ttl, NO_TTL);
    }

    #[test]
    fn shard_file_names() {
        assert_eq!(parse_shard_file_name("shard-0"), Some(0));
        assert_eq!(parse_shard_file_name("shard-1023"), Some(1023));
        for name in [
            "shard-",
            "shard-01",
            "shard-3.tmp",
            ".shard-3.tmp",
            "shard--1",
            "xshard-1",
        ] {
            assert_eq!(parse_shard_file_name(name), None, "{name}");
        }
    }
}
