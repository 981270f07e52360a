'use strict';
// worker_threads: every worker loads cshared itself and calls into C at the
// same time (sync, async, callbacks); workers terminated while their async
// calls are in flight; the addon loaded again after environments are gone.
const { Worker, isMainThread, workerData, parentPort } = require('node:worker_threads');
const { load, callback, decode } = require('../..');

async function work({ types, cbs, n }) {
  const t = load(types);
  const c = load(cbs);
  const id = t.func('int64_t id_int64(int64_t x)');
  const s = t.func('const char *join(const char *a, const char *b)');
  const slowAdd = c.func('int slow_add(int a, int b)');
  const cmp = callback('int wcmp(const void *a, const void *b)');
  const qsort = require('../helpers/libc').libc().func('void qsort(void *base, size_t n, size_t size, wcmp *f)');
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += id(i) - i;
    if (i % 1000 === 0) {
      if (s('x', String(i)) !== `x+${i}`) throw new Error('join');
      const arr = new Int32Array([3, 1, 2, i]);
      qsort(arr, 4, 4, (a, b) => decode(a, 'int') - decode(b, 'int'));
      if (arr[0] > arr[1] || arr[1] > arr[2] || arr[2] > arr[3]) throw new Error('qsort');
    }
  }
  const sums = await Promise.all(Array.from({ length: 50 }, (_, k) => slowAdd.async(k, 1)));
  sums.forEach((v, k) => {
    if (v !== k + 1) throw new Error('async');
  });
  return acc;
}

async function terminateMidway(data, rounds) {
  for (let r = 0; r < rounds; r++) {
    const w = new Worker(__filename, { workerData: { ...data, mode: 'flood' } });
    await new Promise((resolve) => w.once('message', resolve));
    await w.terminate();
  }
}

if (isMainThread) {
  const [types, cbs] = process.argv.slice(2);
  const data = { types, cbs, n: 50000 };
  (async () => {
    const workers = Array.from({ length: 4 }, () => new Worker(__filename, { workerData: { ...data, mode: 'work' } }));
    const results = workers.map((w) => new Promise((res, rej) => {
      w.on('message', res);
      w.on('error', rej);
    }));
    const mine = await work(data);
    const all = [mine, ...(await Promise.all(results))];
    if (!all.every((x) => x === 0)) throw new Error(`results ${all}`);
    const before = process.memoryUsage().rss;
    await terminateMidway(data, 10);
    const mid = process.memoryUsage().rss;
    await terminateMidway(data, 20);
    const after = process.memoryUsage().rss;
    // And the addon still works in a new worker after all that.
    const last = new Worker(__filename, { workerData: { ...data, mode: 'work' } });
    const again = await new Promise((res, rej) => {
      last.on('message', res);
      last.on('error', rej);
    });
    if (again !== 0) throw new Error('again');
    console.log('ok', JSON.stringify({ threads: all.length, rssMiB: [before, mid, after].map((x) => Math.round(x / 1048576)) }));
  })().catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else if (workerData.mode === 'flood') {
  const c = load(workerData.cbs);
  const slowAdd = c.func('int slow_add(int a, int b)');
  for (let i = 0; i < 400; i++) slowAdd.async(i, i).catch(() => {});
  parentPort.postMessage('started');
} else {
  work(workerData).then((r) => parentPort.postMessage(r));
}
