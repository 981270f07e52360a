'use strict';
// worker_threads: each loads cshared and the Go library itself and calls
// into Go at the same time as the main thread.
const { Worker, isMainThread, workerData, parentPort } = require('node:worker_threads');
const { load } = require('../..');

function work(path, n) {
  const lib = load(path);
  const ModXY = lib.func('GoInt ModXY(GoInt x, GoInt y)');
  const len = lib.func('GoInt Len(GoString s)');
  const churn = lib.func('GoInt Churn(GoInt n)');
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += ModXY(i, 5);
    if (i % 1000 === 0) acc += len('héllo') + churn(10) - 6 - 45;
  }
  return acc;
}

if (isMainThread) {
  const path = process.argv[2];
  // GO_CALLS: the calls of all five threads together (fewer under Wine).
  const n = Math.floor(Number(process.env.GO_CALLS || 1e6) / 5 / 1000) * 1000;
  const expected = 10 * (n / 5);
  const workers = Array.from({ length: 4 }, () => new Worker(__filename, { workerData: { path, n } }));
  const results = workers.map(
    (w) =>
      new Promise((resolve, reject) => {
        w.on('message', resolve);
        w.on('error', reject);
        w.on('exit', (code) => code !== 0 && reject(new Error(`worker exit ${code}`)));
      }),
  );
  const mine = work(path, n);
  Promise.all(results).then((rs) => {
    for (const r of [mine, ...rs]) if (r !== expected) throw new Error(`got ${r}, expected ${expected}`);
    console.log('ok', rs.length + 1, 'threads');
  });
} else {
  parentPort.postMessage(work(workerData.path, workerData.n));
}
