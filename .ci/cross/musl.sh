#!/usr/bin/env bash
# Usage: .ci/cross/musl.sh  (as root or with sudo; needs zig: `zig` or Python's ziglang)
# Builds cshared for x86_64- and aarch64-unknown-linux-musl with zig cc as C
# compiler and linker, and runs the core's tests built for each (aarch64 under
# qemu) against musl's headers, then the smoke test with each build under
# Bun's musl build. Idempotent; fails loudly when a tool is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

OUT=$root/build/cross/musl

log() { printf '\n== musl: %s\n' "$*"; }
die() { printf 'musl: %s\n' "$*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
stage_start=$SECONDS
stage() { printf '   (%ss)\n' $((SECONDS - stage_start)); stage_start=$SECONDS; log "$*"; }

[ "$(uname -m)" = x86_64 ] || die "this script cross-builds from x86_64 (found $(uname -m))"
[ -x node_modules/.bin/napi ] || die "node_modules/.bin/napi not found: run npm ci first"

log "zig"
if command -v zig >/dev/null && zig version >/dev/null 2>&1; then
  zig=(zig)
elif python3 -m ziglang version >/dev/null 2>&1; then
  zig=(python3 -m ziglang)
else
  die "zig not found: install it (pip install ziglang, as .ci/run does)"
fi
echo "zig $("${zig[@]}" version)"

# qemu runs the aarch64 tests; aarch64 gcc links them (zig's linker takes
# no part in rustc's self-contained musl executables).
missing=()
for p in qemu-user gcc-aarch64-linux-gnu; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  as_root apt-get -o DPkg::Lock::Timeout=600 update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v qemu-aarch64 >/dev/null || die "qemu-aarch64 not found after apt-get install qemu-user"
command -v aarch64-linux-gnu-gcc >/dev/null || die "aarch64-linux-gnu-gcc not found after apt-get install gcc-aarch64-linux-gnu"
zig_lib=$("${zig[@]}" env | sed -n 's/.*lib_dir"\{0,1\} *[:=] *"\([^"]*\)".*/\1/p') # JSON or ZON
[ -d "$zig_lib/libc/include/generic-musl" ] || die "zig's musl headers not found (lib_dir: ${zig_lib:-?})"

# zig cc as C compiler (libffi's configure, fixtures) and linker. rustc's
# -lgcc_s is libgcc's unwinder: zig's libunwind stands in for it.
mkdir -p "$OUT/bin"
for arch in x86_64 aarch64; do
  w=$OUT/bin/cc-$arch-linux-musl
  {
    echo '#!/usr/bin/env bash'
    echo 'args=()'
    echo 'for a in "$@"; do case $a in -lgcc_s) args+=(-lunwind) ;; --target=*) ;; *) args+=("$a") ;; esac; done'
    printf 'exec %s cc -target %s-linux-musl -fno-sanitize=all "${args[@]}"\n' "${zig[*]}" "$arch"
  } >"$w"
  chmod +x "$w"
done

stage "Rust targets"
command -v rustup >/dev/null || die "rustup not found (needed to add the musl targets)"
for t in x86_64-unknown-linux-musl aarch64-unknown-linux-musl; do
  rustup target list --installed | grep -qx "$t" || rustup target add "$t"
done

build() { # <rust target> <arch> <napi platform>
  local target=$1 arch=$2 plat=$3 up
  up=$(echo "$target" | tr 'a-z-' 'A-Z_')
  stage "Build for $target"
  # A cdylib needs a dynamically linked C runtime (musl targets link it statically by default).
  env "CC_${target//-/_}=$OUT/bin/cc-$arch-linux-musl" "AR_${target//-/_}=$OUT/bin/ar" \
    "CARGO_TARGET_${up}_LINKER=$OUT/bin/cc-$arch-linux-musl" \
    "CARGO_TARGET_${up}_RUSTFLAGS=-C target-feature=-crt-static" \
    npx napi build --platform --release --target "$target" >/dev/null
  [ -f "cshared.$plat.node" ] || die "the build made no cshared.$plat.node"
  stage "Clippy for $target"
  env "CC_${target//-/_}=$OUT/bin/cc-$arch-linux-musl" "AR_${target//-/_}=$OUT/bin/ar" \
    "CARGO_TARGET_${up}_LINKER=$OUT/bin/cc-$arch-linux-musl" \
    "CARGO_TARGET_${up}_RUSTFLAGS=-C target-feature=-crt-static" \
    cargo clippy --target "$target" --workspace --quiet -- -D warnings || die "FAIL: clippy for $target"
}
printf '#!/usr/bin/env bash\nexec %s ar "$@"\n' "${zig[*]}" >"$OUT/bin/ar"
chmod +x "$OUT/bin/ar"
build x86_64-unknown-linux-musl x86_64 linux-x64-musl
build aarch64-unknown-linux-musl aarch64 linux-arm64-musl

# The core's unit tests (layouts, type sizes such as int_fast16_t, call
# plans, headers) built for musl. Headers are read as a musl machine's: zig's
# musl headers first (C_INCLUDE_PATH), then /usr/include's libraries.
core_tests() { # <rust target> <arch>
  local target=$1 arch=$2 up inc=$zig_lib/libc/include
  up=$(echo "$target" | tr 'a-z-' 'A-Z_')
  stage "Core tests for $target"
  local extra=()
  if [ "$arch" = aarch64 ]; then
    # Rust's __clear_cache for libffi comes from libgcc here.
    extra=("CARGO_TARGET_${up}_LINKER=aarch64-linux-gnu-gcc" "CARGO_TARGET_${up}_RUSTFLAGS=-C link-arg=-lgcc"
      "CARGO_TARGET_${up}_RUNNER=qemu-aarch64")
  fi
  env "CC_${target//-/_}=$OUT/bin/cc-$arch-linux-musl" "AR_${target//-/_}=$OUT/bin/ar" "${extra[@]}" \
    "C_INCLUDE_PATH=$inc/$arch-linux-musl:$inc/generic-musl:$inc/any-linux-any" \
    cargo test -p cshared-core --target "$target" --quiet 2>&1 | grep -v '^[.]*\( *[0-9]*/[0-9]*\)\?$' | tee "$OUT/core-$arch.log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || die "FAIL: the core's tests for $target"
}
core_tests x86_64-unknown-linux-musl x86_64
core_tests aarch64-unknown-linux-musl aarch64

# The smoke test (__test__/smoke/smoke.js) with each musl build, under Bun's
# musl build from npm (npm has no Node for musl). Bun and the C++ runtime it
# needs (libstdc++ and libgcc_s built on Alpine, from numpy's musllinux
# wheel) use DT_RELR relocations, which need musl >= 1.2.4: bookworm's musl
# is 1.2.3, so the loader comes from the next Debian release's musl package,
# unpacked into build/ (nothing is installed system-wide).
bun_version=1.4.5
numpy_version=2.5.5
apt_private() { # <dir> <apt-get args...>: apt-get against trixie, in <dir> only
  local d=$1 uri key
  shift
  uri=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
  key=$(sed -n 's/^Signed-By:[[:space:]]*//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
  [ -n "$uri" ] && [ -n "$key" ] || die "no Debian mirror in /etc/apt/sources.list.d/debian.sources"
  mkdir -p "$d/parts" "$d/lists/partial" "$d/archives/partial"
  printf 'Types: deb\nURIs: %s\nSuites: trixie\nComponents: main\nArchitectures: amd64 arm64\nSigned-By: %s\n' "$uri" "$key" >"$d/parts/trixie.sources"
  (cd "$d" && apt-get -o Dir::Etc::sourcelist=/dev/null -o Dir::Etc::sourceparts="$d/parts" \
    -o Dir::State::Lists="$d/lists" -o Dir::Cache::archives="$d/archives" \
    -o APT::Architectures::=amd64 -o APT::Architectures::=arm64 -o Debug::NoLocking=1 "$@")
}

smoke() { # <arch> <deb arch> <npm arch> <wheel arch> <napi platform>
  local arch=$1 deb=$2 npm_arch=$3 whl=$4 plat=$5 d=$OUT/smoke-$1 ldso bun lib
  stage "Smoke test of cshared.$plat.node under Bun (musl)"
  mkdir -p "$d"
  ldso=$d/musl/usr/lib/$arch-linux-musl/libc.so
  if [ ! -x "$ldso" ]; then
    apt_private "$OUT/apt" update -qq || die "apt-get update (trixie, private) failed"
    rm -f "$OUT/apt"/musl_*_"$deb".deb
    apt_private "$OUT/apt" download -qq "musl:$deb" 2>/dev/null || die "apt-get download musl:$deb failed"
    dpkg -x "$OUT/apt"/musl_*_"$deb".deb "$d/musl"
  fi
  [ -x "$ldso" ] || die "musl's loader is missing from the musl:$deb package ($ldso)"
  lib=$d/lib
  if [ ! -e "$lib/libstdc++.so.6" ]; then
    rm -rf "$d/wheel" "$lib" && mkdir -p "$d/wheel" "$lib"
    python3 -m pip download --quiet --no-deps --only-binary=:all: --platform "musllinux_1_2_$whl" \
      --python-version 3.12 "numpy==$numpy_version" -d "$d/wheel" || die "pip download numpy (musllinux, $whl) failed"
    (cd "$d/wheel" && python3 -m zipfile -e numpy-*.whl .) || die "unpacking numpy's wheel failed"
    cp "$d/wheel"/numpy.libs/libgcc_s-*.so.1 "$lib/" # libstdc++ needs it by this name
    cp "$d/wheel"/numpy.libs/libgcc_s-*.so.1 "$lib/libgcc_s.so.1"
    cp "$d/wheel"/numpy.libs/libstdc++-*.so.6* "$lib/libstdc++.so.6"
  fi
  bun=$d/bun/node_modules/@oven/bun-linux-$npm_arch-musl/bin/bun
  if [ ! -x "$bun" ]; then
    mkdir -p "$d/bun"
    # --force: the package says libc musl, and npm sees this machine's glibc.
    (cd "$d/bun" && echo '{"private":true}' >package.json &&
      npm install --no-audit --no-fund --no-save --loglevel=error --force "@oven/bun-linux-$npm_arch-musl@$bun_version") ||
      die "npm install @oven/bun-linux-$npm_arch-musl failed"
  fi
  [ -x "$bun" ] || die "Bun's musl binary is missing ($bun)"
  # The fixtures, built against musl with zig.
  "$OUT/bin/cc-$arch-linux-musl" -shared -fPIC -O2 -o "$d/libtypes.so" __test__/fixtures/types.c
  "$OUT/bin/cc-$arch-linux-musl" -shared -fPIC -O2 -o "$d/libsmoke_structs.so" __test__/smoke/structs.c
  local run=("$ldso" "$bun")
  [ "$arch" = aarch64 ] && run=(qemu-aarch64 "${run[@]}")
  # index.js decides musl by reading /usr/bin/ldd, which is glibc's on this
  # machine: the run names the musl binary through napi-rs's override.
  local out
  out=$(LD_LIBRARY_PATH=$lib NAPI_RS_NATIVE_LIBRARY_PATH=$root/cshared.$plat.node \
    timeout 300 "${run[@]}" __test__/smoke/smoke.js "$d/libtypes.so" "$d/libsmoke_structs.so" 2>&1) ||
    die "FAIL: the smoke test of cshared.$plat.node under Bun $bun_version (musl):
$out"
  echo "$out" | tail -n 3
  echo "$out" | grep -qx ok || die "FAIL: the smoke test printed no ok line"
}
smoke x86_64 amd64 x64 x86_64 linux-x64-musl
smoke aarch64 arm64 aarch64 aarch64 linux-arm64-musl

printf '   (%ss)\n' $((SECONDS - stage_start))
echo "musl: PASS (cshared.linux-x64-musl.node and cshared.linux-arm64-musl.node built; core tests and the smoke test under Bun pass for both)"
