// Finds and loads cshared's accelerator (accel/) for this Node. Evaluated by
// src/fast.rs once per environment, when the first function the fast path
// can call is bound (not at load: Node does not load an addon while it is
// loading another). `self` is the path of cshared's own .node file,
// `lo`/`hi` the address of its table (accel/cshared-fast.h). Returns
// `{ invf, path }`, or `{ reason }` saying why there is no fast path; it
// never throws. Looked for, for Node ABI N (process.versions.modules) and
// cshared's platform P (from its file name, cshared.P.node):
//   1. CSHARED_FAST=<a path to a .node file>: that file only;
//   2. cshared-fast.P.abiN.node next to cshared's .node;
//   3. the optional package cshared-fast-P-abiN, resolved from cshared's .node.
// CSHARED_FAST=off (or 0, false) turns the fast path off.
(function loadAccelerator(self, lo, hi) {
  'use strict';
  const proc = globalThis.process;
  const versions = proc && proc.versions;
  if (!versions || typeof proc.dlopen !== 'function' || typeof versions.modules !== 'string') {
    return { reason: 'not Node.js' };
  }
  for (const other of ['bun', 'deno', 'electron']) {
    if (versions[other]) return { reason: `not Node.js (${other} ${versions[other]}): the accelerator is built for Node's V8` };
  }
  const setting = (proc.env && proc.env.CSHARED_FAST) || '';
  if (/^(off|0|false|no)$/i.test(setting)) return { reason: `CSHARED_FAST=${setting}` };
  const abi = versions.modules;
  const builtin = typeof proc.getBuiltinModule === 'function' ? (name) => proc.getBuiltinModule(name) : () => undefined;
  const fs = builtin('fs');
  const cut = Math.max(self.lastIndexOf('/'), self.lastIndexOf('\\'));
  const dir = self.slice(0, cut + 1);
  const m = /^cshared\.(.+)\.node$/.exec(self.slice(cut + 1));
  const candidates = [];
  if (setting !== '' && !/^(on|1|true|yes)$/i.test(setting)) {
    candidates.push(setting);
  } else if (m) {
    const platform = m[1];
    const file = `cshared-fast.${platform}.abi${abi}.node`;
    candidates.push(dir + file);
    const pkg = `cshared-fast-${platform}-abi${abi}`;
    const mod = builtin('module');
    if (mod && typeof mod.createRequire === 'function') {
      try {
        candidates.push(mod.createRequire(self).resolve(`${pkg}/${file}`));
      } catch {
        // not installed
      }
    }
  } else {
    return { reason: `cshared's file name (${self}) does not name its platform` };
  }
  const failures = [];
  for (const path of candidates) {
    if (fs && typeof fs.existsSync === 'function' && !fs.existsSync(path)) continue;
    try {
      const module = { exports: {} };
      proc.dlopen(module, path);
      const accel = module.exports;
      if (typeof accel.error === 'string') throw new Error(accel.error);
      if (typeof accel.make !== 'function') throw new Error('not a cshared accelerator');
      const invf = accel.make(lo, hi);
      if (typeof invf !== 'function') throw new Error('make() returned no function');
      return { invf, path };
    } catch (e) {
      failures.push(`${path}: ${e && e.message ? e.message.replace(/\s+/g, ' ') : String(e)}`);
    }
  }
  if (failures.length > 0) return { reason: `the accelerator could not be loaded: ${failures.join('; ')}` };
  return { reason: `no accelerator for Node ABI ${abi} is installed (looked for ${candidates.join(', ')})` };
});
