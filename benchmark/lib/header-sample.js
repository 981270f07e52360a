'use strict';
// One sample of the header scenario, in a fresh process:
//   node header-sample.js '<job JSON>'  → prints { cold, warm: [...] }, each { wall, cpu } in ms
// "cold" is the first time in this process (after cshared itself is loaded
// and has bound one function, so its one-time setup is not counted); "warm"
// repeats the same work in the same process.
const path = require('node:path');
const { now, cpuNow } = require('./measure');
const { manyPrototypes } = require('./build');

const job = JSON.parse(process.argv[2]);
const prototypes = manyPrototypes().map((p) => p.text);
const cs = require(path.join(__dirname, '..', '..'));
cs.load(null).func('int abs(int x)')(-1);

// Both clocks (see measure.js): { wall, cpu } in ms since start().
const start = () => ({ wall: Number(now()), cpu: cpuNow() });
const ms = (t0) => {
  const cpu = cpuNow();
  const wall = Number(now());
  return { wall: (wall - t0.wall) / 1e6, cpu: (cpu - t0.cpu) / 1e6 };
};

const tasks = {
  // Preprocess and parse sqlite3.h; functions are bound on first use.
  sqliteParse() {
    const t0 = start();
    const s = cs.load(job.sqlite.lib, { header: job.sqlite.header });
    const t = ms(t0);
    if (typeof s.sqlite3_libversion() !== 'string') throw new Error('sqlite3_libversion() did not return a string');
    return t;
  },
  // Parse sqlite3.h and bind every function it declares.
  sqliteBindAll() {
    const t0 = start();
    const s = cs.load(job.sqlite.lib, { header: job.sqlite.header });
    let n = 0;
    for (const name of Object.keys(s.functions)) {
      try {
        if (typeof s.functions[name] === 'function') n++;
      } catch {
        // a declared function the library does not export
      }
    }
    const t = ms(t0);
    if (n < 100) throw new Error(`only ${n} sqlite3 functions bound`);
    return t;
  },
  // Preprocess and parse a library's header (with the system headers it includes).
  parse() {
    const t0 = start();
    const lib = cs.load(job.parse.lib, job.parse.options);
    const t = ms(t0);
    if (Object.keys(lib.functions).length < 5) throw new Error(`only ${Object.keys(lib.functions).length} functions`);
    return t;
  },
  // 1,000 lib.func() calls of varied signatures against one library.
  bind1000() {
    const lib = cs.load(job.many.lib);
    const t0 = start();
    for (const p of prototypes) lib.func(p);
    return ms(t0);
  },
  // The same 1,000 functions from a generated header, each bound.
  header1000() {
    const t0 = start();
    const lib = cs.load(job.many.lib, { header: job.many.header });
    let n = 0;
    for (const name of Object.keys(lib.functions)) if (typeof lib.functions[name] === 'function') n++;
    const t = ms(t0);
    if (n !== prototypes.length) throw new Error(`${n} functions bound from many.h`);
    return t;
  },
};

const run = tasks[job.task];
const cold = run();
const warm = [];
for (let i = 0; i < job.warm; i++) warm.push(run());
process.stdout.write(JSON.stringify({ cold, warm }));
