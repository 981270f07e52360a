'use strict';
// Where the C library's functions are. POSIX: the process itself,
// load(null). Windows has no process-wide symbol lookup: there they come
// from the C runtime DLL cshared's build links, so that errno and the free()
// of `{ free: true }` are that runtime's: msvcrt.dll for the -gnu build
// (mingw), ucrtbase.dll for -msvc.
const fs = require('node:fs');
const path = require('node:path');
const { load } = require('../..');

/** The C runtime DLL of the cshared binary this process loads (Windows). */
function crtName() {
  const addon =
    process.env.NAPI_RS_NATIVE_LIBRARY_PATH ||
    path.join(__dirname, '..', '..', `cshared.win32-${process.arch}-msvc.node`);
  const bin = fs.readFileSync(addon).toString('latin1').toLowerCase();
  return bin.includes('msvcrt.dll') ? 'msvcrt.dll' : 'ucrtbase.dll';
}

// Names the C runtime DLLs export them under, where they differ.
const C =
  process.platform === 'win32'
    ? { snprintf: '_snprintf', swprintf: '_snwprintf', open: '_open', strdup: '_strdup' }
    : { snprintf: 'snprintf', swprintf: 'swprintf', open: 'open', strdup: 'strdup' };

let lib;
/** A Library with the C library's functions. */
function libc() {
  if (!lib) lib = process.platform === 'win32' ? load(crtName()) : load(null);
  return lib;
}

module.exports = { libc, crtName, C };
