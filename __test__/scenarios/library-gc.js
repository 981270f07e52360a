'use strict';
// A Library object (and every function bound from it) is dropped and
// collected while something of the library is still in use: only close()
// unloads, so this must not crash. Run with --expose-gc.
const { load, decode, callback, register } = require('../..');
const [lib1, lib2, mode] = process.argv.slice(2);

async function main() {
  if (mode === 'symbol') {
    let p = load(lib1).symbol('global_value');
    for (let i = 0; i < 5; i++) {
      global.gc();
      await new Promise((r) => setImmediate(r));
    }
    console.log(`value ${decode(p, 'int')}`);
  } else if (mode === 'thread') {
    // A library thread calling a registered callback in a loop, with the
    // Library dropped.
    const intFn = callback('int int_fn(int x)');
    let calls = 0;
    const ptr = register(() => ++calls, intFn);
    (() => {
      const lib = load(lib2);
      lib.func('void start_thread(int_fn *f, int x)')(ptr, 1);
      globalThis.join = lib.func('int join_thread(void)');
    })();
    for (let i = 0; i < 5; i++) {
      global.gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    console.log(`joined ${globalThis.join()} calls ${calls}`);
  }
  console.log('done');
}
main();
