#!/usr/bin/env bash
# Installs what kvbench needs on a fresh Debian/Ubuntu machine with Node 20, Go and Rust already present:
# pnpm, the workspace's npm packages (among them packages/runtimes: Node 22 and 24, Bun and Deno for servers/ts, at
# the versions the lockfile holds), and — from Debian — prlimit/taskset (util-linux), wrk, and with --browser
# Chromium for the report's browser test. Safe to run again: it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

browser=0
for arg in "$@"; do
  case "$arg" in
    --browser) browser=1 ;;
    *) echo "setup.sh: unknown option $arg (known: --browser)" >&2; exit 2 ;;
  esac
done

missing=()
for tool in node go cargo; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup.sh: missing toolchains: ${missing[*]} — install Node 20.15+ (or 22.2+), Go 1.22+ and Rust (rustup) first" >&2
  exit 1
fi

apt_packages=()
command -v wrk >/dev/null || apt_packages+=(wrk)
command -v prlimit >/dev/null || apt_packages+=(util-linux)
command -v taskset >/dev/null || apt_packages+=(util-linux)
command -v setpriv >/dev/null || apt_packages+=(util-linux)
if [ "$browser" = 1 ] && [ ! -x /usr/bin/chromium ]; then apt_packages+=(chromium); fi
if [ ${#apt_packages[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "setup.sh: installing ${apt_packages[*]} from Debian's packages"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${apt_packages[@]}" >/dev/null
fi

# pnpm 10: 9.x exits 0 when Ctrl-C stops the script it runs (pnpm/pnpm#9626, fixed in 10.x by #9938), so
# `pnpm kvbench` and `pnpm bench` could not report an interrupted run to a shell or a CI step.
pnpm_version=$(node -p 'require("./package.json").packageManager.split("@")[1]')
if ! command -v pnpm >/dev/null || [ "$(pnpm --version)" != "$pnpm_version" ]; then
  echo "setup.sh: installing pnpm $pnpm_version"
  npm install -g --silent "pnpm@$pnpm_version"
fi
pnpm install --frozen-lockfile --reporter=silent
# Every server entry with the version its toolchain or runtime reports: a runtime that did not install shows here.
pnpm --silent kvbench list | sed -n '/^servers/,$p'
echo "setup.sh: ready"
