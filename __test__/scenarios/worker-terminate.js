'use strict';
// A worker whose async call has a C thread waiting on a JS callback is
// terminated: the C thread gets the zero result, the thread pool is not
// blocked, and the process ends normally.
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');
if (isMainThread) {
  const lib = process.argv[2];
  const w = new Worker(__filename, { workerData: lib });
  w.on('message', async (m) => {
    if (m === 'waiting') {
      await w.terminate();
      // The pool must still run other async work.
      const { load, callback } = require('../..');
      const l = load(lib);
      callback('int int_fn(int x)');
      const r = await l.func('int run_in_thread(int_fn *f, int x)').async((x) => x * 2, 21);
      console.log(`after terminate ${r}`);
    }
  });
} else {
  const { load, callback } = require('../..');
  const l = load(workerData);
  callback('int int_fn(int x)');
  const run = l.func('int run_in_thread(int_fn *f, int x)');
  run.async(() => {
    parentPort.postMessage('waiting');
    // Block this worker's JS thread until it is terminated.
    for (;;) {}
  }, 1);
}
