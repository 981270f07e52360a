'use strict';
// Compares the constants cshared finds in a header with what gcc makes of
// them. For a header it writes a C program that includes the header and
// prints, for every constant cshared reports and for every object-like macro
// the library's own files define (as `gcc -E -dD` lists them), the value gcc
// gives it, with its type class (signed, unsigned, float, double, long
// double, string, pointer) and whether gcc folds it to a constant. The
// program is compiled with the system gcc and run.
//
// The result: every constant cshared reports must have gcc's value (for
// floating constants, the same double; for pointers, the same address), and
// every macro gcc folds to an integer or floating constant must be among
// cshared's constants, or in lib.skipped with a reason. Nothing may differ
// silently.
const { execFileSync, spawnSync } = require('node:child_process');

// $CC when set: a cross run compares with the target's gcc (aarch64-linux-gnu-gcc).
const gcc = process.env.CC || 'gcc';
const fs = require('node:fs');
const path = require('node:path');

const PRINTERS = `
#include <stdio.h>
#include <stdint.h>
static void pi(const char *n, long long v, int k, size_t z) { printf("%s\\ti\\t%lld\\t%d\\n", n, v, k); }
static void pu(const char *n, unsigned long long v, int k, size_t z) { printf("%s\\tu\\t%llu\\t%d\\n", n, v, k); }
static void pf(const char *n, double v, int k, size_t z) { printf("%s\\tf\\t%.17g\\t%d\\n", n, v, k); }
static void pd(const char *n, double v, int k, size_t z) { printf("%s\\td\\t%.17g\\t%d\\n", n, v, k); }
static void pl(const char *n, long double v, int k, size_t z) { printf("%s\\tL\\t%.17g\\t%d\\n", n, (double)v, k); }
static void ps(const char *n, const char *v, int k, size_t z) {
  /* A string literal: its bytes (z is its size), NULs inside included. */
  printf("%s\\ts\\t", n);
  for (size_t i = 0; i + 1 < z; i++) printf("%02x", ((const unsigned char *)v)[i]);
  printf("\\t%d\\n", k);
}
static void pp(const char *n, const void *v, int k, size_t z) { printf("%s\\tp\\t%llu\\t%d\\n", n, (unsigned long long)(uintptr_t)v, k); }
static void pn(const char *n) { printf("%s\\t-\\t-\\t0\\n", n); }
/* Only a constant is evaluated: anything else may call a function (even one
   no library defines, as uv.h's UV__E2BIG does once UV__ERR is undefined). */
#define CSHARED_P(n, x) (__builtin_constant_p(x) ? CSHARED_V(n, x) : pn(n))
#define CSHARED_V(n, x) _Generic((x), \\
  float: pf, double: pd, long double: pl, \\
  char: pi, signed char: pi, short: pi, int: pi, long: pi, long long: pi, \\
  _Bool: pu, unsigned char: pu, unsigned short: pu, unsigned int: pu, unsigned long: pu, unsigned long long: pu, \\
  char *: ps, const char *: ps, \\
  default: pp)(n, (x), 1, sizeof(x))
`;

/** The C flags for a library: -I and -D as its load() options give them. */
function cflags(l) {
  const out = [];
  for (const d of l.includeDirs || []) out.push('-I', d);
  for (const [k, v] of Object.entries(l.defines || {})) out.push(`-D${k}=${v === true ? 1 : v}`);
  return out;
}

/** Object-like macros defined (and not undefined) at the end of the header by files `files` matches. */
function libraryMacros(l, headers, work) {
  const src = path.join(work, 'macros.c');
  fs.writeFileSync(src, headers.map((h) => `#include "${h}"\n`).join(''));
  const out = execFileSync(gcc, ['-E', '-dD', ...cflags(l), src], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const macros = new Map();
  let file = '';
  for (const line of out.split('\n')) {
    let m = /^# \d+ "([^"]*)"/.exec(line);
    if (m) {
      file = m[1];
      continue;
    }
    m = /^#define ([A-Za-z_][A-Za-z0-9_]*)(\(?)(.*)$/.exec(line);
    if (m) {
      if (m[2] === '(' || !l.files.test(file)) macros.delete(m[1]);
      else macros.set(m[1], m[3].trim());
      continue;
    }
    m = /^#undef ([A-Za-z_][A-Za-z0-9_]*)/.exec(line);
    if (m) macros.delete(m[1]);
  }
  return macros;
}

/**
 * Compiles the lines (`[name, expr]`) into one program, dropping the lines
 * gcc rejects (they are not expressions), and runs it. Returns
 * { results: Map(name -> { cls, text, constant }), rejected: Set(name) }.
 */
function evaluate(l, headers, lines, work) {
  const rejected = new Set();
  let live = lines.slice();
  for (let round = 0; round < 8; round++) {
    const byLine = new Map();
    let text = PRINTERS + headers.map((h) => `#include "${h}"\n`).join('') + 'int main(void) {\n';
    let n = text.split('\n').length;
    for (const [name, expr] of live) {
      text += `  CSHARED_P("${name}", (${expr}));\n`;
      byLine.set(n++, name);
    }
    text += '  return 0;\n}\n';
    const src = path.join(work, 'consts.c');
    const exe = path.join(work, 'consts');
    fs.writeFileSync(src, text);
    const r = spawnSync(gcc, ['-w', '-fmax-errors=0', '-Wl,--unresolved-symbols=ignore-all', '-o', exe, ...cflags(l), src], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    if (r.status === 0) {
      const results = new Map();
      const run = execFileSync(exe, { encoding: 'utf8', maxBuffer: 1 << 28 });
      for (const row of run.split('\n')) {
        if (!row) continue;
        const [name, cls, value, k] = row.split('\t');
        results.set(name, { cls, text: value, constant: k === '1' });
      }
      return { results, rejected };
    }
    const bad = new Set();
    for (const m of r.stderr.matchAll(/consts\.c:(\d+):\d+: /g)) {
      const name = byLine.get(Number(m[1]));
      if (name) bad.add(name);
    }
    if (bad.size === 0) throw new Error(`gcc failed on the program itself:\n${r.stderr.slice(0, 4000)}`);
    for (const b of bad) rejected.add(b);
    live = live.filter(([name]) => !bad.has(name));
  }
  throw new Error('gcc kept rejecting lines');
}

function sameValue(ours, gcc) {
  switch (gcc.cls) {
    case 'i':
    case 'u':
      return (typeof ours === 'number' && Number.isInteger(ours)) || typeof ours === 'bigint'
        ? BigInt(ours) === BigInt(gcc.text)
        : false;
    case 'f':
    case 'd':
    case 'L':
      return typeof ours === 'number' && (ours === Number(gcc.text) || (Number.isNaN(ours) && gcc.text === 'nan'));
    case 's':
      if (ours instanceof Uint8Array) return Buffer.from(ours).toString('hex') === gcc.text;
      return typeof ours === 'string' && Buffer.from(ours, 'utf8').toString('hex') === gcc.text;
    case 'p':
      return ours !== null && typeof ours === 'object' && typeof ours.address === 'bigint'
        ? ours.address === BigInt(gcc.text)
        : ours === null && gcc.text === '0';
    default:
      return false;
  }
}

const show = (v) => (typeof v === 'bigint' ? `${v}n` : v && typeof v === 'object' ? `Pointer(${v.address})` : JSON.stringify(v));

/**
 * Compares cshared's constants for a library (`lib` loaded with its header)
 * with gcc's. Returns { differences: [text], checked, missingButSkipped, gccConstants }.
 */
function compare(l, headers, lib, work) {
  fs.mkdirSync(work, { recursive: true });
  const macros = libraryMacros(l, headers, work);
  const ours = lib.constants;
  const names = new Set([...Object.keys(ours), ...macros.keys()]);
  const lines = [...names].map((n) => [n, n]);
  const { results, rejected } = evaluate(l, headers, lines, work);
  const skipped = new Map(lib.skipped.filter((s) => s.name).map((s) => [s.name, s.reason]));
  const differences = [];
  let checked = 0;
  let missingButSkipped = 0;
  let gccConstants = 0;
  for (const name of names) {
    const has = Object.prototype.hasOwnProperty.call(ours, name);
    const g = results.get(name);
    if (has) {
      checked++;
      if (!g) {
        differences.push(`${name}: cshared says ${show(ours[name])}, gcc does not take it as an expression`);
      } else if (!g.constant) {
        differences.push(`${name}: cshared says ${show(ours[name])}, gcc does not fold it to a constant`);
      } else if (!sameValue(ours[name], g)) {
        differences.push(`${name}: cshared says ${show(ours[name])}, gcc says ${g.text} (${g.cls})`);
      }
      continue;
    }
    // Not among cshared's constants: fine unless gcc folds it to a number.
    if (!g || !g.constant || !'iufdL'.includes(g.cls)) continue;
    gccConstants++;
    if (skipped.has(name)) {
      missingButSkipped++;
      continue;
    }
    differences.push(`${name}: gcc says ${g.text} (${g.cls}), cshared has no constant and did not say why (#define ${name} ${macros.get(name)})`);
  }
  return { differences, checked, missingButSkipped, gccConstants, rejected: rejected.size, macros: macros.size };
}

module.exports = { compare, cflags };
