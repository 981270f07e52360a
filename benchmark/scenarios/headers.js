'use strict';
// Header parsing and binding: sqlite3.h through load(lib, { header }), and
// 1,000 declarations of varied signatures. Every sample runs in a fresh
// process; "first" is the first time in that process, "again" the median of
// repeating the same work there.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { median } = require('../lib/measure');
const { fmtMs } = require('../lib/format');

// The libraries of the header tests (their Debian -dev packages): each header is parsed as it is installed.
const { libraries, options, available } = require('../../__test__/helpers/libraries');

const SQLITE_HEADER = '/usr/include/sqlite3.h';
const SQLITE_LIB = process.platform === 'darwin' ? 'libsqlite3.dylib' : 'libsqlite3.so.0';

function sample(ctx, task, parse) {
  const job = { task, clock: ctx.clock, warm: ctx.quick ? 3 : 5, sqlite: { lib: SQLITE_LIB, header: SQLITE_HEADER }, many: ctx.paths.many, parse };
  const r = spawnSync(process.execPath, [path.join(__dirname, '..', 'lib', 'header-sample.js'), JSON.stringify(job)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.status !== 0) throw new Error(`${task}: ${(r.stderr || '').trim().split('\n').slice(-2).join(' ')}`);
  return JSON.parse(r.stdout);
}

module.exports = {
  id: 'headers',
  title: 'Header parsing and binding',
  about:
    'Milliseconds (by the clock the run uses, see Method). Each sample is a fresh process that has loaded cshared and bound one function (so its one-time setup is not counted); ' +
    '"first" = the first time in that process (the median over the samples), "again" = the median of repeating it in the same process. ' +
    'The goals are judged on "first". The 1,000 declarations are generated: fn_0 … fn_999 with 0–6 parameters of 16 scalar and pointer types.',
  goals: ['parse sqlite3.h < 50 ms', 'parse any library header < 250 ms', 'bind 1,000 declarations < 10 ms'],
  run(ctx) {
    const samples = ctx.quick ? 3 : 7;
    const cases = [
      { task: 'sqliteParse', label: `load('${SQLITE_LIB}', { header: sqlite3.h })`, goal: 50, goalText: 'parse sqlite3.h < 50 ms', needs: 'sqlite' },
      { task: 'bind1000', label: '1,000 × lib.func(prototype), varied signatures', goal: 10, goalText: 'bind 1,000 declarations < 10 ms' },
      { task: 'sqliteBindAll', label: 'sqlite3.h: load + bind every function it declares', needs: 'sqlite' },
      { task: 'header1000', label: 'many.h (1,000 prototypes): load + bind every function' },
    ];
    // Every library header of the tests, with the system headers it includes.
    for (const l of libraries) {
      const o = options(l);
      const name = typeof o.header === 'string' ? o.header.replace('/usr/include/', '') : `${l.id} (${l.header.replace('/usr/include/', '')} and more)`;
      cases.push({
        task: 'parse',
        parse: { lib: l.lib, options: o },
        label: `load('${l.lib}', { header: ${name} })`,
        goal: 250,
        goalText: 'parse any library header < 250 ms',
        needs: available(l) ? null : l.pkg,
      });
    }
    const notes = [];
    const rows = [];
    const otherClock = ctx.clock === 'wall' ? 'cpu' : 'wall';
    const checks = [];
    const sqliteOk = fs.existsSync(SQLITE_HEADER);
    if (!sqliteOk) notes.push(`${SQLITE_HEADER} is not installed (Debian: libsqlite3-dev), so the sqlite3.h cases are skipped.`);
    for (const c of cases) {
      if (c.needs && c.needs !== 'sqlite') {
        notes.push(`${c.label}: not installed (Debian: ${c.needs}), skipped.`);
        rows.push([c.label, '—', '—', '—', '—', 'skipped']);
        continue;
      }
      if (c.needs === 'sqlite' && !sqliteOk) {
        rows.push([c.label, '—', '—', '—', '—', 'skipped']);
        if (c.goal) checks.push({ case: c.label, goal: c.goalText, value: null, met: false, text: 'not measured' });
        continue;
      }
      ctx.log(`  ${c.label}`);
      const first = [];
      const firstOther = [];
      const again = [];
      for (let i = 0; i < samples; i++) {
        const s = sample(ctx, c.task, c.parse);
        first.push(s.cold[ctx.clock]);
        firstOther.push(s.cold[otherClock]);
        again.push(...s.warm.map((w) => w[ctx.clock]));
      }
      const f = median(first);
      const fo = median(firstOther);
      const met = c.goal ? f < c.goal : null;
      rows.push([c.label, fmtMs(f), fmtMs(median(again)), `${fmtMs(Math.min(...first))}–${fmtMs(Math.max(...first))}`, fmtMs(fo), c.goal ? `< ${c.goal} ms ${met ? '✓' : '✗'}` : '']);
      if (c.goal) checks.push({ case: c.label, goal: c.goalText, value: f, met, text: fmtMs(f), other: { clock: otherClock, value: fo, met: fo < c.goal, text: fmtMs(fo) } });
    }
    notes.push(`${samples} fresh processes per case.`);
    return { columns: ['case', 'first', 'again', 'first: range', `first, ${otherClock === 'wall' ? 'wall time' : 'CPU time'}`, 'goal'], rows, checks, notes };
  },
};
