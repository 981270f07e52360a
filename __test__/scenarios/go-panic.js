'use strict';
// A Go panic inside an exported function aborts the host process.
const { load } = require('../..');
const lib = load(process.argv[2]);
const panic = lib.func('void Panic(GoString msg)');
try {
  panic('boom');
} catch {
  // Not reached: Go aborts the process before returning.
}
console.log('unreachable');
