'use strict';
// Reads back the flags of the handlers libuv installs after Go has loaded:
// process.on('SIGUSR2') and SIGCHLD (on the first child process).
const { load } = require('../..');
const { spawn } = require('node:child_process');
const lib = load(process.argv[2]);
lib.func('void StartSpinners(GoInt n)')(1);
process.on('SIGUSR2', () => {});
const child = spawn('sleep', ['0.5']);
setTimeout(() => {
  check();
  child.kill();
}, 100);

function check() {
  const libc = load(null);
  const sigaction = libc.func('int sigaction(int sig, const void *act, void *old)');
  // glibc and musl on x86-64 and arm64: handler, 128-byte mask, then int flags.
  const SA_ONSTACK = 0x08000000;
  for (const [name, num] of [['SIGUSR2', 12], ['SIGCHLD', 17]]) {
    const old = Buffer.alloc(256);
    if (sigaction(num, null, old) !== 0) throw new Error('sigaction failed');
    const handler = old.readBigUInt64LE(0);
    const flags = old.readInt32LE(136);
    if (handler < 2n) throw new Error(`${name} has no handler installed`);
    console.log(`${name} onstack=${(flags & SA_ONSTACK) !== 0}`);
  }
  console.log('ok');
}
