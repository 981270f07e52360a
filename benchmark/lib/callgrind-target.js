'use strict';
// The small script callgrind runs: one signature through one FFI.
//   valgrind --tool=callgrind node callgrind-target.js '<job JSON>'
// job: { adapter, sig, warm, n1, n2, paths, helper }
// It makes `warm` calls (so the JIT has settled), then with the helper addon
// dumps the counts ("warm"), makes n1 calls and dumps ("n1"), makes n2 calls
// and dumps ("n2"). Without the helper it makes warm + n1 calls and exits,
// and the caller runs it twice (n1, then n2).
const { makeAdapters, checkResult } = require('./adapters');
const { byId } = require('./signatures');
const { makeLoop } = require('./measure');

const job = JSON.parse(process.argv[2]);
const sig = byId(job.sig);
const a = makeAdapters([job.adapter], job.paths)[job.adapter];
if (a.error) throw new Error(a.error);
const bound = a.bind(sig);
if (bound.unsupported) throw new Error(bound.unsupported);
const first = bound.array ? bound.fn(bound.args) : bound.fn(...bound.args);
if (!checkResult(sig, a, bound, first)) throw new Error(`wrong result ${String(first)}`);
const loop = makeLoop(bound.fn, bound.args, bound.array);
const helper = job.helper ? require(job.helper) : null;

if (helper) helper.start();
loop(job.warm);
if (helper) {
  helper.dump('warm');
  loop(job.n1);
  helper.dump('n1');
  loop(job.n2);
  helper.dump('n2');
} else {
  loop(job.n1);
}
