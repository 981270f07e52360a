'use strict';
// The signal fix as it works on macOS (CSHARED_GO_SIGNALS=listen makes
// Linux do the same): handlers are re-checked after each process.on(signal).
// A handler added after Go loaded, removed (libuv resets it) and added
// again, each time checked for SA_ONSTACK and then flooded with signals,
// which land on Go's threads too, while goroutines spin and JS calls Go.
// SIGWINCH, whose default action is to do nothing: signals still pending
// when the listener is removed must not end the process. No child
// processes: on Linux libuv's SIGCHLD handler is outside this mode (macOS's
// libuv watches children with kqueue instead).
const { load } = require('../..');
const lib = load(process.argv[2]);
const ModXY = lib.func('GoInt ModXY(GoInt x, GoInt y)');
lib.func('void StartSpinners(GoInt n)')(4);
const libc = load(null);
const sigaction = libc.func('int sigaction(int sig, const void *act, void *old)');
const tgkill = libc.func('int tgkill(int tgid, int tid, int sig)');
const SA_ONSTACK = 0x08000000;
const SIGWINCH = 28; // x86-64 and arm64 Linux
// Signals sent to the process land on the thread that sends them; these go
// to every other thread, Go's among them.
const others = () => require('node:fs').readdirSync('/proc/self/task').map(Number).filter((t) => t !== process.pid);

function onstack(num) {
  // glibc and musl on x86-64 and arm64: handler, 128-byte mask, then int flags.
  const old = Buffer.alloc(256);
  if (sigaction(num, null, old) !== 0) throw new Error('sigaction failed');
  if (old.readBigUInt64LE(0) < 2n) throw new Error(`signal ${num} has no handler installed`);
  return (old.readInt32LE(136) & SA_ONSTACK) !== 0;
}

let sigs = 0;
const onSig = () => sigs++;
const rounds = [];
for (const round of [1, 2]) {
  process.on('SIGWINCH', onSig);
  rounds.push(onstack(SIGWINCH));
  const tids = others();
  for (let i = 0; i < 2000; i++) {
    for (const tid of tids) tgkill(process.pid, tid, SIGWINCH);
    if (ModXY(i, 7) !== i % 7) throw new Error('ModXY');
  }
  if (round === 1) process.removeListener('SIGWINCH', onSig);
}
setTimeout(() => {
  const spins = lib.func('GoInt64 Spins(void)')();
  console.log(`onstack=${rounds.join(',')}`);
  console.log('ok', JSON.stringify({ sigs, spins }));
  process.exit(0);
}, 200);
