'use strict';
// Widely used C libraries whose headers and shared libraries Debian's -dev
// packages install (.ci/run installs them). Each entry: the header to load,
// the library to load it with, the options a C program would compile it
// with (`pkg-config --cflags`), and which files are the library's own (for
// the gcc comparison, which lists the macros those files define).
const fs = require('node:fs');
const path = require('node:path');

const multiarch = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' }[process.arch] || '';
const inc = (p) => path.join('/usr/include', p);
const arch = (p) => path.join('/usr/include', multiarch, p);

const libraries = [
  { id: 'zlib', pkg: 'zlib1g-dev', header: inc('zlib.h'), lib: 'libz.so', files: /\/z(lib|conf)\.h$/ },
  { id: 'sqlite3', pkg: 'libsqlite3-dev', header: inc('sqlite3.h'), lib: 'libsqlite3.so', files: /\/sqlite3\.h$/ },
  { id: 'libuv', pkg: 'libuv1-dev', header: inc('uv.h'), lib: 'libuv.so', files: /\/uv(\.h$|\/)/ },
  { id: 'libgit2', pkg: 'libgit2-dev', header: inc('git2.h'), lib: 'libgit2.so', files: /\/git2(\.h$|\/)/ },
  {
    id: 'lua',
    pkg: 'liblua5.4-dev',
    header: inc('lua5.4/lauxlib.h'),
    lib: 'liblua5.4.so',
    files: /\/(lua5\.4\/|lua5\.4-deb-multiarch\.h$)/,
    also: [inc('lua5.4/lualib.h')],
  },
  { id: 'openssl', pkg: 'libssl-dev', header: inc('openssl/evp.h'), lib: 'libcrypto.so', files: /\/openssl\// },
  { id: 'libffi', pkg: 'libffi-dev', header: arch('ffi.h'), lib: 'libffi.so', files: /\/ffi(target)?\.h$/ },
  { id: 'libpng', pkg: 'libpng-dev', header: inc('png.h'), lib: 'libpng16.so', files: /\/(png|pngconf|pnglibconf)\.h$/ },
  {
    id: 'libarchive',
    pkg: 'libarchive-dev',
    header: inc('archive_entry.h'),
    lib: 'libarchive.so',
    files: /\/archive(_entry)?\.h$/,
    also: [inc('archive.h')],
  },
  {
    id: 'pcre2',
    pkg: 'libpcre2-dev',
    header: inc('pcre2.h'),
    lib: 'libpcre2-8.so',
    defines: { PCRE2_CODE_UNIT_WIDTH: 8 },
    files: /\/pcre2\.h$/,
  },
  { id: 'curl', pkg: 'libcurl4-openssl-dev', header: arch('curl/curl.h'), lib: 'libcurl.so', files: /\/curl\// },
  {
    id: 'sdl2',
    pkg: 'libsdl2-dev',
    header: inc('SDL2/SDL.h'),
    lib: 'libSDL2.so',
    defines: { _REENTRANT: 1 },
    files: /\/SDL2\//,
  },
  { id: 'zstd', pkg: 'libzstd-dev', header: inc('zstd.h'), lib: 'libzstd.so', files: /\/zstd(_errors)?\.h$/ },
  { id: 'libsodium', pkg: 'libsodium-dev', header: inc('sodium.h'), lib: 'libsodium.so', files: /\/sodium(\.h$|\/)/ },
  { id: 'jansson', pkg: 'libjansson-dev', header: inc('jansson.h'), lib: 'libjansson.so', files: /\/jansson(_config)?\.h$/ },
  { id: 'expat', pkg: 'libexpat1-dev', header: inc('expat.h'), lib: 'libexpat.so', files: /\/expat(_external)?\.h$/ },
  {
    id: 'libxml2',
    pkg: 'libxml2-dev',
    header: inc('libxml2/libxml/parser.h'),
    lib: 'libxml2.so',
    includeDirs: [inc('libxml2')],
    files: /\/libxml2\/libxml\//,
  },
  { id: 'lzma', pkg: 'liblzma-dev', header: inc('lzma.h'), lib: 'liblzma.so', files: /\/lzma(\.h$|\/)/ },
];

/** The headers a C program includes for the library. */
function headers(l) {
  return [l.header, ...(l.also || [])];
}

/** The load() options a library's header needs (more than one header: a header text that includes them). */
function options(l) {
  const o = {
    header: l.also ? { text: headers(l).map((h) => `#include "${h}"\n`).join('') } : l.header,
  };
  if (l.includeDirs) o.includeDirs = l.includeDirs;
  if (l.defines) o.defines = l.defines;
  return o;
}

/** Whether this machine has the library's header (Linux with its -dev package). */
function available(l) {
  return process.platform === 'linux' && fs.existsSync(l.header);
}

module.exports = { libraries, options, available, headers };
