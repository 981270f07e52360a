'use strict';
// "cshared (Node-API)": cshared with CSHARED_FAST=off, so that its calls go
// through Node-API as without the accelerator, timed side by side with the
// other competitors in the same process. CSHARED_FAST is read when an
// environment first binds a function, so it runs in a worker thread of its
// own (a worker gets its own process.env and its own cshared environment,
// the only one on its thread, as the main thread's is). The main thread
// hands it each batch and blocks in Atomics.wait until the batch is done:
// the worker's CPU time counts in process.cpuUsage(), the blocked main
// thread uses none, and the hand-over (tens of µs) is lost in batches of
// tens of ms.
const { Worker, isMainThread, workerData } = require('node:worker_threads');

const IDLE = 0;
const BIND = 1;
const RUN = 2;
const READY = 3;
const BYTES = 1 << 16;

if (isMainThread) {
  /** The adapter (see adapters.js): bind() returns { loop } run in the worker, or { unsupported }. */
  module.exports = function fastOffAdapter(paths) {
    const sab = new SharedArrayBuffer(64 + BYTES);
    const ctrl = new Int32Array(sab, 0, 16);
    const text = new Uint8Array(sab, 64);
    const worker = new Worker(__filename, {
      workerData: { sab, paths },
      env: { ...process.env, CSHARED_FAST: 'off' },
      stdout: false,
      stderr: false,
    });
    worker.unref();
    let dead = null;
    worker.on('error', (e) => {
      dead = e;
    });
    const wait = (state) => {
      for (let spins = 0; Atomics.load(ctrl, 0) === state; spins++) {
        Atomics.wait(ctrl, 0, state, 1000);
        if (spins > 120) throw new Error(`the Node-API worker did not answer${dead ? `: ${dead.message}` : ''}`);
      }
    };
    const request = (cmd, obj) => {
      const bytes = Buffer.from(JSON.stringify(obj));
      text.set(bytes);
      Atomics.store(ctrl, 1, bytes.length);
      Atomics.store(ctrl, 0, cmd);
      Atomics.notify(ctrl, 0);
      wait(cmd);
      return JSON.parse(Buffer.from(text.subarray(0, Atomics.load(ctrl, 1))).toString());
    };
    // Until the worker has loaded cshared.
    for (let spins = 0; Atomics.load(ctrl, 0) !== READY; spins++) {
      Atomics.wait(ctrl, 0, IDLE, 1000);
      if (spins > 120) throw new Error('the Node-API worker did not start');
    }
    const status = request(BIND, { status: true });
    return {
      name: 'cshared (Node-API)',
      status,
      bind(sig) {
        const r = request(BIND, { id: sig.id });
        if (r.unsupported) return { unsupported: r.unsupported };
        return { loop: (n) => request(RUN, { slot: r.slot, n }), checked: true };
      },
    };
  };
} else {
  const { makeAdapters, checkResult } = require('./adapters');
  const { byId } = require('./signatures');
  const { makeLoop } = require('./measure');
  const ctrl = new Int32Array(workerData.sab, 0, 16);
  const text = new Uint8Array(workerData.sab, 64);
  const { cshared } = makeAdapters(['cshared'], workerData.paths);
  const loops = [];
  const reply = (obj) => {
    const bytes = Buffer.from(JSON.stringify(obj));
    text.set(bytes);
    Atomics.store(ctrl, 1, bytes.length);
  };
  Atomics.store(ctrl, 0, READY);
  Atomics.notify(ctrl, 0);
  for (;;) {
    Atomics.wait(ctrl, 0, READY);
    const cmd = Atomics.load(ctrl, 0);
    if (cmd === IDLE) continue;
    const req = JSON.parse(Buffer.from(text.subarray(0, Atomics.load(ctrl, 1))).toString());
    try {
      if (cmd === BIND && req.status) {
        reply(cshared.error ? { error: cshared.error } : cshared.module.fastCalls());
      } else if (cmd === BIND) {
        const sig = byId(req.id);
        const bound = cshared.error ? { unsupported: cshared.error } : cshared.bind(sig);
        if (bound.unsupported) reply({ unsupported: bound.unsupported });
        else {
          const r = bound.fn(...bound.args);
          if (!checkResult(sig, cshared, bound, r)) reply({ unsupported: `returned a wrong result (${String(r)})` });
          else {
            loops.push(makeLoop(bound.fn, bound.args));
            reply({ slot: loops.length - 1 });
          }
        }
      } else if (cmd === RUN) {
        loops[req.slot](req.n);
        reply({});
      }
    } catch (e) {
      reply({ unsupported: String(e && e.message) });
    }
    Atomics.store(ctrl, 0, READY);
    Atomics.notify(ctrl, 0);
  }
}
