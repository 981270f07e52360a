'use strict';
// Runs under Node 26 with --experimental-ffi: measures the competitors named
// in the job (cshared, koffi, node:ffi, ...) side by side (interleaved
// rounds in this one process) on the signatures named in the job, and
// prints the results as JSON, with what cshared's fastCalls() said.
//   node --experimental-ffi node26-child.js '<job JSON>'
// job: { paths, sigs: [id], names: [FFI], rounds, ms, clock }
const { makeAdapters, checkResult } = require('./adapters');
const { byId } = require('./signatures');
const { makeLoop, interleaved } = require('./measure');

const job = JSON.parse(process.argv[2]);
const adapters = makeAdapters(job.names || ['cshared', 'node:ffi'], job.paths);
const out = { version: process.version, results: {}, unsupported: {}, errors: {} };
for (const a of Object.values(adapters)) if (a.error) out.errors[a.name] = a.error;

for (const id of job.sigs) {
  const sig = byId(id);
  const competitors = [];
  for (const a of Object.values(adapters)) {
    if (a.error) continue;
    let bound;
    try {
      bound = a.bind(sig);
    } catch (e) {
      bound = { unsupported: e.message.split('\n')[0] };
    }
    if (!bound.unsupported && !bound.checked) {
      const r = bound.array ? bound.fn(bound.args) : bound.fn(...bound.args);
      if (!checkResult(sig, a, bound, r)) bound = { unsupported: `wrong result: ${String(r)}` };
    }
    if (bound.unsupported) {
      (out.unsupported[id] ??= {})[a.name] = bound.unsupported;
      continue;
    }
    competitors.push({ name: a.name, loop: bound.loop || makeLoop(bound.fn, bound.args, bound.array) });
  }
  if (competitors.length) out.results[id] = interleaved(competitors, { rounds: job.rounds, ms: job.ms, clock: job.clock });
}
if (adapters.cshared && !adapters.cshared.error) out.fast = adapters.cshared.module.fastCalls();
process.stdout.write(JSON.stringify(out));
