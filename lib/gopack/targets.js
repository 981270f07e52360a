'use strict';
// The targets `cshared go pack` builds: npm's os/cpu/libc, Go's GOOS/GOARCH,
// zig's target triple for cross-compiling, the library's file name, and the
// GitHub Actions runner that builds it natively.

const TARGETS = {
  'linux-x64-gnu': { os: 'linux', cpu: 'x64', libc: 'glibc', goos: 'linux', goarch: 'amd64', zig: 'x86_64-linux-gnu', runner: 'ubuntu-22.04' },
  'linux-arm64-gnu': { os: 'linux', cpu: 'arm64', libc: 'glibc', goos: 'linux', goarch: 'arm64', zig: 'aarch64-linux-gnu', runner: 'ubuntu-22.04-arm' },
  // Both macOS libraries are built on an Apple silicon runner; the x64 one
  // with Apple's clang -arch x86_64, which links against the same SDK.
  'darwin-x64': { os: 'darwin', cpu: 'x64', goos: 'darwin', goarch: 'amd64', clangArch: 'x86_64', runner: 'macos-latest' },
  'darwin-arm64': { os: 'darwin', cpu: 'arm64', goos: 'darwin', goarch: 'arm64', clangArch: 'arm64', runner: 'macos-latest' },
  'win32-x64': { os: 'win32', cpu: 'x64', goos: 'windows', goarch: 'amd64', zig: 'x86_64-windows-gnu', runner: 'windows-latest' },
  // The Windows arm64 runner has no MinGW gcc: the workflow installs zig,
  // which go pack uses when Go's C compiler is missing.
  'win32-arm64': { os: 'win32', cpu: 'arm64', goos: 'windows', goarch: 'arm64', zig: 'aarch64-windows-gnu', runner: 'windows-11-arm', needsZig: true },
};

const ALL = Object.keys(TARGETS);

/** The library's file name for a target: libNAME.so, libNAME.dylib, NAME.dll. */
function libraryFile(base, target) {
  const { os } = TARGETS[target];
  if (os === 'win32') return `${base}.dll`;
  return `lib${base}${os === 'darwin' ? '.dylib' : '.so'}`;
}

function isMusl() {
  if (process.platform !== 'linux') return false;
  const report = process.report && process.report.getReport();
  return !(report && report.header && report.header.glibcVersionRuntime);
}

/** The target of the running machine, or null when it is none of them (linux with musl, say). */
function hostTarget() {
  const libc = process.platform === 'linux' ? (isMusl() ? '-musl' : '-gnu') : '';
  const t = `${process.platform}-${process.arch}${libc}`;
  return TARGETS[t] ? t : null;
}

module.exports = { TARGETS, ALL, libraryFile, hostTarget };
