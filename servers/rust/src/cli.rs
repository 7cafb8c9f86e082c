//! Command-line flags: the same set and defaults in every kvbench server.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use clap::error::ErrorKind;

use crate::serve::Timeouts;

#[derive(Debug, Clone, Parser)]
#[command(
    name = "kvserver-rust",
    version,
    about = "kvbench KV server (Rust: axum on tokio)"
)]
pub struct Cli {
    /// Address to bind
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,

    /// Port; 0 lets the OS pick one
    #[arg(long, default_value_t = 8000)]
    pub port: u16,

    /// Number of shards (1 to 1024)
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub shards: u32,

    /// Where shard files are written (created if missing)
    #[arg(long, default_value = ".kvdata")]
    pub directory: PathBuf,

    /// Load the store from --directory at start
    #[arg(long)]
    pub load: bool,

    /// Milliseconds between flushes to disk
    #[arg(long, default_value_t = 1000, value_parser = positive_ms)]
    pub flush_interval: u64,

    /// Milliseconds between sweeps of expired entries
    #[arg(long, default_value_t = 500, value_parser = positive_ms)]
    pub cleanup_interval: u64,

    /// Milliseconds a request's line and headers may take to arrive
    #[arg(long, default_value_t = 10_000, value_parser = positive_ms)]
    pub header_timeout: u64,

    /// Milliseconds a keep-alive connection may wait for its next request
    #[arg(long, default_value_t = 65_000, value_parser = positive_ms)]
    pub idle_timeout: u64,

    /// Milliseconds a whole request, body included, may take to arrive
    #[arg(long, default_value_t = 30_000, value_parser = positive_ms)]
    pub request_timeout: u64,
}

/// An interval in ms: a whole number, at least 1 (a zero period would make
/// the background jobs spin).
fn positive_ms(text: &str) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(ms) if ms >= 1 => Ok(ms),
        _ => Err("expected a whole number of milliseconds, at least 1".to_owned()),
    }
}

impl Cli {
    pub fn shard_count(&self) -> usize {
        self.shards as usize
    }

    pub fn flush_every(&self) -> Duration {
        Duration::from_millis(self.flush_interval)
    }

    pub fn cleanup_every(&self) -> Duration {
        Duration::from_millis(self.cleanup_interval)
    }

    pub fn timeouts(&self) -> Timeouts {
        Timeouts {
            header: Duration::from_millis(self.header_timeout),
            idle: Duration::from_millis(self.idle_timeout),
            request: Duration::from_millis(self.request_timeout),
        }
    }
}

/// What to do instead of running: print `text` (to stdout for help/version,
/// stderr otherwise) and exit with `code`.
#[derive(Debug)]
pub struct EarlyExit {
    pub code: u8,
    pub text: String,
}

/// Parses `args` (program name first). A bad flag or value becomes a single
/// line, exit 2; clap's own rendering adds usage and tips on further lines,
/// which a harness counting error lines would miscount.
pub fn parse<I, T>(args: I) -> Result<Cli, EarlyExit>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    Cli::try_parse_from(args).map_err(|err| match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => EarlyExit {
            code: 0,
            text: err.to_string(),
        },
        _ => {
            let rendered = err.to_string();
            let first = rendered
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("error: invalid arguments");
            EarlyExit {
                code: 2,
                text: first.trim_end().to_owned(),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_args(args: &[&str]) -> Result<Cli, EarlyExit> {
        parse(std::iter::once("kvserver-rust").chain(args.iter().copied()))
    }

    #[test]
    fn defaults_match_the_spec() {
        let cli = parse_args(&[]).unwrap();
        assert_eq!(cli.host, "127.0.0.1");
        assert_eq!(cli.port, 8000);
        assert_eq!(cli.shard_count(), 5);
        assert_eq!(cli.directory, PathBuf::from(".kvdata"));
        assert!(!cli.load);
        assert_eq!(cli.flush_every(), Duration::from_millis(1000));
        assert_eq!(cli.cleanup_every(), Duration::from_millis(500));
        let timeouts = cli.timeouts();
        assert_eq!(
            (timeouts.header, timeouts.idle, timeouts.request),
            (
                Duration::from_secs(10),
                Duration::from_secs(65),
                Duration::from_secs(30)
            )
        );
    }

    #[test]
    fn all_flags() {
        let cli = parse_args(&[
            "--host",
            "::1",
            "--port",
            "0",
            "--shards",
            "1024",
            "--directory",
            "/tmp/x",
            "--load",
            "--flush-interval",
            "20",
            "--cleanup-interval",
            "30",
            "--header-timeout",
            "2000",
            "--idle-timeout",
            "3000",
            "--request-timeout",
            "4000",
        ])
        .unwrap();
        assert_eq!(
            (cli.host.as_str(), cli.port, cli.shard_count()),
            ("::1", 0, 1024)
        );
        assert!(cli.load);
        assert_eq!((cli.flush_interval, cli.cleanup_interval), (20, 30));
        assert_eq!(
            (cli.header_timeout, cli.idle_timeout, cli.request_timeout),
            (2000, 3000, 4000)
        );
    }

    #[test]
    fn bad_flags_are_one_line_and_exit_2() {
        for args in [
            &["--nope"][..],
            &["--shards", "0"],
            &["--shards", "1025"],
            &["--shards", "x"],
            &["--port", "65536"],
            &["--port", "-1"],
            &["--flush-interval", "0"],
            &["--cleanup-interval", "abc"],
            &["--header-timeout", "0"],
            &["--idle-timeout", "soon"],
            &["--request-timeout", "-1"],
            &["--port"],
            &["positional"],
        ] {
            let exit = parse_args(args).unwrap_err();
            assert_eq!(exit.code, 2, "{args:?}");
            assert!(!exit.text.contains('\n'), "{args:?}: {:?}", exit.text);
            assert!(exit.text.starts_with("error:"), "{args:?}: {:?}", exit.text);
        }
    }

    #[test]
    fn help_and_version_exit_0() {
        let help = parse_args(&["--help"]).unwrap_err();
        assert_eq!(help.code, 0);
        assert!(help.text.contains("--flush-interval"));
        assert_eq!(parse_args(&["--version"]).unwrap_err().code, 0);
    }
}
