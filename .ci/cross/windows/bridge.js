'use strict';
// The Linux side of bridge.c: runs the C compiler, go or tsc for tests under Wine
// and streams back their output and exit code. Usage:
//   node bridge.js PORT_FILE WINEPREFIX
// Listens on 127.0.0.1 only and runs only the tools named in TOOLS.
const net = require('node:net');
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');

const [portFile, prefix] = process.argv.slice(2);
if (!portFile || !prefix) {
  console.error('usage: node bridge.js PORT_FILE WINEPREFIX');
  process.exit(2);
}

// Each tool: the command, and its environment from the caller's (Windows) one.
const TOOLS = {
  'x86_64-w64-mingw32-gcc': { cmd: 'x86_64-w64-mingw32-gcc', env: () => ({}) },
  // Go as a Windows toolchain: it builds for windows/amd64 with mingw, and
  // takes the caller's GO* and CGO_* settings. `go run` runs its program
  // here, on Linux, so it builds for Linux unless told otherwise.
  go: {
    cmd: 'go',
    env: (args, theirs) => {
      const go = Object.fromEntries(Object.entries(theirs).filter(([k]) => /^(GO|CGO_)/.test(k)));
      const target = args[0] === 'run' ? {} : { GOOS: 'windows', GOARCH: 'amd64', CC: 'x86_64-w64-mingw32-gcc' };
      return { ...target, ...go };
    },
  },
  // TypeScript 7's tsc is a native program: npm installed the Linux one.
  tsc: { cmd: path.join(__dirname, '..', '..', '..', 'node_modules', '.bin', 'tsc'), env: () => ({}) },
};

// A Windows path (X:\a\b or X:/a/b) anywhere in an argument, as Wine maps it:
// through the prefix's dosdevices links (z: is /).
const dos = path.join(prefix, 'dosdevices');
function unixPaths(arg) {
  // After an option letter (-IZ:\x), `=` or `,` (-Wl,Z:\x), or alone.
  const m = /^(-[A-Za-z]+|.*[=,])?([A-Za-z]):([\\/].*)?$/.exec(arg);
  if (!m) return arg;
  const root = fs.realpathSync(path.join(dos, `${m[2].toLowerCase()}:`));
  return (m[1] || '') + path.join(root, (m[3] || '/').replace(/\\/g, '/'));
}

function frame(sock, kind, data) {
  const head = Buffer.alloc(5);
  head[0] = kind;
  head.writeUInt32LE(kind === 3 ? data >>> 0 : data.length, 1);
  sock.write(kind === 3 ? head : Buffer.concat([head, data]));
}

function run(sock, strings, envStrings) {
  const [name, cwd, ...args] = strings;
  const theirs = {};
  for (const e of envStrings) {
    const eq = e.indexOf('=', 1);
    if (eq > 0) theirs[e.slice(0, eq).toUpperCase()] = e.slice(eq + 1);
  }
  const tool = Object.hasOwn(TOOLS, name) ? TOOLS[name] : null;
  if (!tool) {
    frame(sock, 2, Buffer.from(`wine bridge: no tool named ${name}\n`));
    return sock.end(Buffer.from([3, 127, 0, 0, 0]));
  }
  const child = spawn(tool.cmd, args.map(unixPaths), {
    cwd: unixPaths(cwd),
    env: { ...process.env, ...tool.env(args, theirs) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => frame(sock, 1, d));
  child.stderr.on('data', (d) => frame(sock, 2, d));
  child.on('error', (e) => {
    frame(sock, 2, Buffer.from(`wine bridge: ${tool.cmd}: ${e.message}\n`));
    frame(sock, 3, 127);
    sock.end();
  });
  child.on('close', (code, signal) => {
    frame(sock, 3, code ?? (signal ? 128 + 9 : 1));
    sock.end();
  });
}

const server = net.createServer((sock) => {
  let buf = Buffer.alloc(0);
  sock.on('error', () => {});
  sock.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    // Two lists of strings, each a count and then length-prefixed strings.
    const lists = [];
    let at = 0;
    for (let l = 0; l < 2; l++) {
      if (buf.length < at + 4) return;
      const count = buf.readUInt32LE(at);
      at += 4;
      const strings = [];
      for (let i = 0; i < count; i++) {
        if (buf.length < at + 4) return;
        const len = buf.readUInt32LE(at);
        if (buf.length < at + 4 + len) return;
        strings.push(buf.toString('utf8', at + 4, at + 4 + len));
        at += 4 + len;
      }
      lists.push(strings);
    }
    sock.removeAllListeners('data');
    run(sock, lists[0], lists[1]);
  });
});
server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync(portFile, String(server.address().port));
});
