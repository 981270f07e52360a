'use strict';
// The crash the signal fix exists for: goroutines running, a handler
// registered with process.on() after Go loaded, an external SIGUSR2 flood
// and child processes spawning (SIGCHLD), while JS calls into Go.
const { load } = require('../..');
const { spawn } = require('node:child_process');
const lib = load(process.argv[2]);
const ms = Number(process.argv[3] || 4000);
const ModXY = lib.func('GoInt ModXY(GoInt x, GoInt y)');
lib.func('void StartSpinners(GoInt n)')(4);
let sigs = 0;
let spawns = 0;
let calls = 0;
let running = true;
process.on('SIGUSR2', () => sigs++);
const flood = spawn('sh', ['-c', `while kill -USR2 ${process.pid} 2>/dev/null; do :; done`], { stdio: 'ignore' });
function lane() {
  if (!running) return;
  const c = spawn('/bin/true', [], { stdio: 'ignore' });
  c.on('exit', () => {
    spawns++;
    setTimeout(lane, 1);
  });
}
for (let i = 0; i < 8; i++) lane();
const calling = setInterval(() => {
  for (let i = 0; i < 1000; i++) calls += ModXY(i, 7) >= 0 ? 1 : 0;
}, 1);
setTimeout(() => {
  running = false;
  flood.kill('SIGKILL');
  clearInterval(calling);
  const spins = lib.func('GoInt64 Spins(void)')();
  console.log('ok', JSON.stringify({ sigs, spawns, calls, spins }));
  process.exit(0);
}, ms);
