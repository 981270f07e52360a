'use strict';
// Buffers passed to async calls and then dropped by JS must stay alive
// until the call is done, however often GC runs meanwhile.
const { load } = require('../..');
const lib = load(process.argv[2]);
const fill = lib.func('void fill_later(uint8_t *buf, size_t n)');
async function main() {
  const pending = [];
  for (let i = 0; i < 200; i++) {
    const b = Buffer.alloc(4096);
    pending.push(fill.async(b, 4096).then(() => b.every((v, j) => v === ((255 - j) & 0xff))));
    if (i % 10 === 0) global.gc();
  }
  global.gc();
  const results = await Promise.all(pending);
  // Also with buffers nobody else references.
  const dropped = [];
  for (let i = 0; i < 200; i++) dropped.push(fill.async(Buffer.alloc(1 << 16), 1 << 16));
  for (let i = 0; i < 20; i++) global.gc();
  await Promise.all(dropped);
  if (!results.every(Boolean)) throw new Error('a buffer was not filled');
  console.log('ok');
}
main();
