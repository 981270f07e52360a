'use strict';
// RSS over 100k calls of a Go function that returns a fresh *C.char of 1 KiB
// (C.CString): bound through the header, with { free } (mode 'free') or
// without (mode 'leak', the control that shows the measurement sees a leak).
// Prints `ok <MB of RSS growth>`.
const { load } = require('../..');
const [lib, header, mode] = process.argv.slice(2);
const opts = { header };
if (mode === 'free') opts.free = { Pad: true };
const l = load(lib, opts);
const N = 100000;
const SIZE = 1024;
for (let i = 0; i < 2000; i++) l.Pad(SIZE);
global.gc();
const before = process.memoryUsage.rss();
let total = 0;
for (let i = 0; i < N; i++) total += l.Pad(SIZE).length;
global.gc();
const grown = (process.memoryUsage.rss() - before) / (1 << 20);
if (total !== N * SIZE) throw new Error(`read ${total} bytes`);
console.log(`ok ${grown.toFixed(1)}`);
