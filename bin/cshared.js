#!/usr/bin/env node
'use strict';
// The cshared command line: `cshared typings <header> [-o out.d.ts] [-I dir]... [-D NAME[=value]]... [--name Name] [--go dir] [--library path] [--bigint]`,
// and `cshared go pack <dir> ...` (lib/gopack).
const fs = require('node:fs');
const path = require('node:path');

const usage = `Usage:
  cshared typings <header.h> [-o <out.d.ts>] [-I <dir>]... [-D <NAME[=value]>]... [--name <Interface>]
                  [--go <package dir or .go file>] [--library <path>] [--bigint]

Writes TypeScript typings for a C header: one interface whose methods are the
header's functions, for load<Interface>(libraryPath, { header }).
  --go <dir>        (for the header go build wrote) the Go source's //export
                    signatures type slices by element, name multiple results as
                    Go does, and add Go's doc comments, as load(path, { header,
                    goSource }) does
  --library <path>  list only the functions the library exports, as load() does
  --bigint          type 64-bit results as bigint by default, for { bigint: true }

  cshared go pack <dir> [--name <npm name>] [--targets <t,...>] [--out <dir>] [--version <semver>] ...

Builds a Go package as a c-shared library per platform and writes npm
packages for it, with a loader, typings and a release workflow
(\`cshared go pack --help\` says more).`;

function fail(msg) {
  process.stderr.write(`cshared: ${msg}\n\n${usage}\n`);
  process.exit(2);
}

function main(argv) {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '-h' || cmd === '--help') {
    process.stdout.write(`${usage}\n`);
    return;
  }
  if (cmd === 'go') {
    require(path.join(__dirname, '..', 'lib', 'gopack')).main(rest);
    return;
  }
  if (cmd !== 'typings') fail(`unknown command '${cmd}'`);
  let header;
  let out;
  let name;
  let goSource;
  let library;
  let bigint = false;
  const includeDirs = [];
  const defines = {};
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const next = () => {
      if (i + 1 >= rest.length) fail(`${a} needs a value`);
      return rest[++i];
    };
    if (a === '-o' || a === '--out') out = next();
    else if (a === '--name') name = next();
    else if (a === '--go') goSource = next();
    else if (a === '--library' || a === '-l') library = next();
    else if (a === '--bigint') bigint = true;
    else if (a === '-I') includeDirs.push(next());
    else if (a.startsWith('-I')) includeDirs.push(a.slice(2));
    else if (a === '-D' || a.startsWith('-D')) {
      const d = a === '-D' ? next() : a.slice(2);
      const eq = d.indexOf('=');
      if (eq < 0) defines[d] = '1';
      else defines[d.slice(0, eq)] = d.slice(eq + 1);
    } else if (a.startsWith('-')) fail(`unknown option ${a}`);
    else if (header === undefined) header = a;
    else fail(`unexpected argument ${a}`);
  }
  if (header === undefined) fail('typings needs a header file');
  const { typings } = require(path.join(__dirname, '..'));
  let text;
  try {
    text = typings(header, { includeDirs, defines, name, goSource, library, bigint });
  } catch (e) {
    process.stderr.write(`cshared: ${e.message}\n`);
    process.exit(1);
  }
  if (out) fs.writeFileSync(out, text);
  else process.stdout.write(text);
}

main(process.argv.slice(2));
