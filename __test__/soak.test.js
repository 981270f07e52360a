'use strict';
// A shortened soak: RSS after GC must stay flat while calls mixing every
// kind of argument run (the full 10-million-call run is in TESTING.md).
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { cLibrary, root } = require('./helpers/fixtures');
const { rssUnmeasurable } = require('./helpers/rss');

test('no leak: RSS stays flat over a soak of mixed calls', (t) => {
  const layoutDir = path.join(root, 'fixtures', 'layout');
  const calls = process.env.SOAK_CALLS || '2000000';
  const r = spawnSync(
    process.execPath,
    [
      '--expose-gc',
      // A fixed young generation, so RSS shows memory kept, not V8 resizing it.
      '--min-semi-space-size=16',
      '--max-semi-space-size=16',
      path.join(__dirname, 'scenarios', 'soak.js'),
      calls,
      cLibrary('types'),
      cLibrary('callbacks', ['-pthread']),
      cLibrary('layout', ['-I', layoutDir], path.join(layoutDir, 'layout.c')),
      path.join(layoutDir, 'layout.h'),
    ],
    { encoding: 'utf8', timeout: 600000 },
  );
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.check, true);
  const why = rssUnmeasurable();
  if (why) return t.skip(why);
  // From the first tenth to the last, after GC.
  assert.ok(out.growthMiB < 5, `RSS grew ${out.growthMiB} MiB: ${out.rssMiB.join(' ')}`);
});
