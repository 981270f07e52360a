'use strict';
// process.exit() inside a callback that a C thread calls during an async
// call: the C thread waits for the JS thread, the thread pool waits for
// the C thread, and exit joins the pool. It must exit, not hang.
const { load, callback } = require('../..');
const lib = load(process.argv[2]);
callback('int int_fn(int x)');
const runInThread = lib.func('int run_in_thread(int_fn *f, int x)');
const mode = process.argv[3];
if (mode === 'exit') {
  runInThread.async((x) => {
    console.log(`in callback ${x}`);
    process.exit(7);
  }, 3);
} else if (mode === 'end') {
  // Two calls: the second callback's thread is still waiting when the
  // first one ends the process.
  runInThread.async(() => {
    process.exit(0);
  }, 1);
  runInThread.async(() => 5, 2);
}
setTimeout(() => console.log('timer'), 10000).unref();
