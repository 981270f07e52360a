'use strict';
// Real calls into widely used C libraries, each loaded with its installed
// header as it is (helpers/libraries.js lists them; .ci/run installs their
// Debian -dev packages). Every header loads without includeDirs (besides
// what pkg-config would add), its constants are gcc's (gcc.test.js), and
// its functions work.
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { load, alloc, decode, readCString, sizeof } = require('..');
const { libraries, options, available } = require('./helpers/libraries');

const libc = load(null);

const calls = {
  zlib(z, C) {
    assert.equal(z.zlibVersion(), C.ZLIB_VERSION);
    assert.equal(z.adler32(1, Buffer.from('abc'), 3), 0x024d0127);
  },
  sqlite3(s, C) {
    assert.equal(s.sqlite3_libversion(), C.SQLITE_VERSION);
    assert.equal(s.sqlite3_libversion_number(), C.SQLITE_VERSION_NUMBER);
    assert.equal(C.SQLITE_TRANSIENT.address, 2n ** 64n - 1n);
  },
  libuv(uv, C) {
    assert.equal(uv.uv_version_string(), `${C.UV_VERSION_MAJOR}.${C.UV_VERSION_MINOR}.${C.UV_VERSION_PATCH}`);
    // Error codes come from errno.h, as in C: UV_ENOENT is -ENOENT.
    assert.equal(C.UV_ENOENT, -2);
    assert.equal(C.UV_EAGAIN, -11);
    assert.equal(C.UV_FS_O_CREAT, 0o100);
    assert.equal(uv.uv_strerror(C.UV_ENOENT), 'no such file or directory');
    assert.equal(uv.uv_err_name(C.UV_EAGAIN), 'EAGAIN');
    const loop = alloc('uint8_t', Number(uv.uv_loop_size()));
    assert.equal(uv.uv_loop_init(loop), 0);
    assert.equal(uv.uv_run(loop, C.UV_RUN_DEFAULT), 0);
    assert.equal(uv.uv_loop_close(loop), 0);
    assert.equal(sizeof(uv.types.uv_loop_t), Number(uv.uv_loop_size()));
  },
  libgit2(git, C) {
    assert.ok(git.git_libgit2_init() >= 1);
    const [major, minor, rev] = [[0], [0], [0]];
    assert.equal(git.git_libgit2_version(major, minor, rev), 0);
    assert.deepEqual([major[0], minor[0], rev[0]], [C.LIBGIT2_VER_MAJOR, C.LIBGIT2_VER_MINOR, C.LIBGIT2_VER_REVISION]);
    assert.equal(typeof C.LIBGIT2_VERSION, 'string');
    git.git_libgit2_shutdown();
  },
  lua(lua, C) {
    assert.equal(C.LUA_REGISTRYINDEX, -1001000);
    const L = lua.luaL_newstate();
    lua.luaL_openlibs(L);
    assert.equal(lua.luaL_loadstring(L, 'return string.rep("ab", 3), 6 * 7'), C.LUA_OK);
    assert.equal(lua.lua_pcallk(L, 0, 2, 0, 0, null), C.LUA_OK);
    assert.equal(lua.lua_tointegerx(L, -1, null), 42);
    assert.equal(lua.lua_tolstring(L, -2, null), 'ababab');
    lua.lua_close(L);
  },
  openssl(ssl, C) {
    assert.match(ssl.OpenSSL_version(C.OPENSSL_VERSION), /^OpenSSL 3\./);
    const data = Buffer.from('cshared');
    const md = Buffer.alloc(C.EVP_MAX_MD_SIZE);
    const len = [0];
    assert.equal(ssl.EVP_Digest(data, data.length, md, len, ssl.EVP_sha256(), null), 1);
    assert.equal(md.subarray(0, len[0]).toString('hex'), crypto.createHash('sha256').update(data).digest('hex'));
  },
  libffi(ffi, C) {
    // libffi calls getpid() for us.
    const cif = alloc(ffi.types.ffi_cif);
    assert.equal(ffi.ffi_prep_cif(cif, C.FFI_DEFAULT_ABI, 0, ffi.symbol('ffi_type_sint32'), null), C.FFI_OK);
    const result = new BigInt64Array(1);
    ffi.ffi_call(cif, libc.symbol('getpid'), result, null);
    assert.equal(Number(result[0]), process.pid);
  },
  libpng(png, C) {
    assert.equal(png.png_access_version_number(), C.PNG_LIBPNG_VER);
    assert.equal(png.png_get_libpng_ver(null), C.PNG_LIBPNG_VER_STRING);
    const p = png.png_create_read_struct(C.PNG_LIBPNG_VER_STRING, null, null, null);
    assert.ok(p);
    png.png_destroy_read_struct([p], null, null);
  },
  libarchive(a, C) {
    assert.equal(a.archive_version_number(), C.ARCHIVE_VERSION_NUMBER);
    const e = a.archive_entry_new();
    a.archive_entry_set_pathname(e, 'dir/ré.txt');
    assert.equal(a.archive_entry_pathname(e), 'dir/ré.txt');
    a.archive_entry_set_size(e, 2 ** 40);
    assert.equal(a.archive_entry_size(e), 2 ** 40);
    a.archive_entry_set_filetype(e, C.AE_IFREG);
    assert.equal(a.archive_entry_filetype(e), C.AE_IFREG);
    // dev_t, from sys/types.h.
    a.archive_entry_set_dev(e, 0x1234);
    assert.equal(a.archive_entry_dev(e), 0x1234);
    a.archive_entry_free(e);
  },
  pcre2(re, C) {
    assert.equal(C.PCRE2_ZERO_TERMINATED, 2n ** 64n - 1n);
    // pcre2_compile is a macro for pcre2_compile_8: both names are bound.
    assert.equal(re.pcre2_compile.name, 'pcre2_compile');
    const err = [0];
    const off = [0n];
    // PCRE2_SPTR is const uint8_t *: bytes, not a string.
    const pattern = Buffer.from('(\\d+)-(\\d+)\0');
    const code = re.pcre2_compile(pattern, C.PCRE2_ZERO_TERMINATED, 0, err, off, null);
    assert.ok(code, `error ${err[0]}`);
    const md = re.pcre2_match_data_create_from_pattern(code, null);
    const subject = Buffer.from('ab 12-345');
    assert.equal(re.pcre2_match(code, subject, subject.length, 0, 0, md, null), 3);
    assert.deepEqual([...decode(re.pcre2_get_ovector_pointer(md), 'size_t', 6)].map(Number), [3, 9, 3, 5, 6, 9]);
    re.pcre2_match_data_free_8(md);
    re.pcre2_code_free(code);
  },
  curl(curl, C) {
    assert.match(curl.curl_version(), /^libcurl\//);
    assert.equal(C.CURLAUTH_ANY, 2n ** 64n - 1n - 16n);
    const h = curl.curl_easy_init();
    // The header's typedefs name variadic arguments' types.
    assert.equal(curl.curl_easy_setopt(h, C.CURLOPT_MAXFILESIZE_LARGE, 'curl_off_t', 10n ** 12n), C.CURLE_OK);
    assert.equal(curl.curl_easy_setopt(h, C.CURLOPT_HTTPAUTH, 'unsigned long', C.CURLAUTH_ANY), C.CURLE_OK);
    assert.equal(curl.curl_easy_setopt(h, C.CURLOPT_URL, 'const char *', 'http://localhost/'), C.CURLE_OK);
    assert.equal(curl.curl_easy_strerror(C.CURLE_OK), 'No error');
    curl.curl_easy_cleanup(h);
  },
  sdl2(sdl, C) {
    // Little-endian, from endian.h: AUDIO_S16SYS is AUDIO_S16LSB.
    assert.equal(C.AUDIO_S16SYS, process.arch === 's390x' ? 0x9010 : 0x8010);
    assert.equal(C.SDL_MUTEX_MAXWAIT, 4294967295);
    const v = {};
    sdl.SDL_GetVersion(v);
    assert.deepEqual(v, { major: C.SDL_MAJOR_VERSION, minor: C.SDL_MINOR_VERSION, patch: C.SDL_PATCHLEVEL });
    assert.equal(sdl.SDL_GetPlatform(), 'Linux');
    assert.equal(sdl.SDL_strlen('héllo'), 6);
  },
  zstd(z, C) {
    assert.equal(z.ZSTD_versionNumber(), C.ZSTD_VERSION_NUMBER);
    const src = Buffer.from('cshared '.repeat(100));
    const dst = Buffer.alloc(Number(z.ZSTD_compressBound(src.length)));
    const n = z.ZSTD_compress(dst, dst.length, src, src.length, 3);
    assert.equal(z.ZSTD_isError(n), 0);
    assert.equal(z.ZSTD_getFrameContentSize(dst, n), src.length);
    const back = Buffer.alloc(src.length);
    assert.equal(z.ZSTD_decompress(back, back.length, dst, n), src.length);
    assert.ok(back.equals(src));
  },
  libsodium(na, C) {
    assert.ok(na.sodium_init() >= 0);
    assert.equal(na.sodium_version_string(), C.SODIUM_VERSION_STRING);
    const data = Buffer.from('cshared');
    const out = Buffer.alloc(64);
    assert.equal(na.crypto_generichash(out, 64, data, data.length, null, 0), 0);
    assert.equal(out.toString('hex'), crypto.createHash('blake2b512').update(data).digest('hex'));
  },
  jansson(j, C) {
    const doc = j.json_loads('{"a": [1, 2, 3], "b": "x"}', 0, null);
    assert.ok(doc);
    const a = j.json_object_get(doc, 'a');
    assert.equal(j.json_array_size(a), 3);
    assert.equal(j.json_integer_value(j.json_array_get(a, 1)), 2);
    // json_dumps() returns memory the caller frees: bound again with { free: true }.
    const dumps = j.func('char *json_dumps(const json_t *json, size_t flags)', { free: true });
    assert.equal(dumps(doc, C.JSON_COMPACT | C.JSON_SORT_KEYS), '{"a":[1,2,3],"b":"x"}');
    j.json_delete(doc);
  },
  expat(x, C) {
    assert.equal(x.XML_ExpatVersion(), `expat_${C.XML_MAJOR_VERSION}.${C.XML_MINOR_VERSION}.${C.XML_MICRO_VERSION}`);
    const p = x.XML_ParserCreate(null);
    const doc = Buffer.from('<a><b x="1"/></a>');
    assert.equal(x.XML_Parse(p, doc, doc.length, 1), C.XML_STATUS_OK);
    const bad = Buffer.from('<a></b>');
    const q = x.XML_ParserCreate(null);
    assert.equal(x.XML_Parse(q, bad, bad.length, 1), C.XML_STATUS_ERROR);
    assert.equal(x.XML_ErrorString(x.XML_GetErrorCode(q)), 'mismatched tag');
    x.XML_ParserFree(p);
    x.XML_ParserFree(q);
  },
  libxml2(xml, C) {
    xml.xmlCheckVersion(C.LIBXML_VERSION);
    const text = Buffer.from('<root><item/></root>');
    const doc = xml.xmlReadMemory(text, text.length, 'x.xml', null, C.XML_PARSE_NONET);
    assert.ok(doc);
    const root = decode(xml.xmlDocGetRootElement(doc), xml.types.xmlNode);
    assert.equal(readCString(root.name), 'root');
    assert.equal(root.type, C.XML_ELEMENT_NODE);
    xml.xmlFreeDoc(doc);
  },
  lzma(x, C) {
    assert.equal(x.lzma_version_number(), C.LZMA_VERSION);
    assert.equal(x.lzma_version_string(), C.LZMA_VERSION_STRING);
    assert.equal(x.lzma_crc32(Buffer.from('abc'), 3, 0), 0x352441c2);
  },
};

for (const l of libraries) {
  test(`${l.id}: its header loads as it is installed, and calls work`, (t) => {
    if (!available(l)) {
      if (process.env.CI === 'true' && process.platform === 'linux') throw new Error(`${l.header} is required in CI (apt install ${l.pkg})`);
      return t.skip(`${l.header} is not installed (${l.pkg})`);
    }
    const lib = load(l.lib, options(l));
    // Nothing the header includes is missing, and nothing could not be read.
    const missing = lib.skipped.filter((s) => /file not found|could not read/.test(s.reason));
    assert.deepEqual(missing, []);
    assert.ok(Object.keys(lib.functions).length > 10);
    calls[l.id](lib, lib.constants);
    t.diagnostic(
      `${Object.keys(lib.functions).length} functions, ${Object.keys(lib.constants).length} constants, ${Object.keys(lib.types).length} types, ${lib.skipped.length} skipped`,
    );
  });
}

// ----- typings -----

const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { typings } = require('..');
const { buildDir, root } = require('./helpers/fixtures');

// What a TypeScript program does with each library (as the calls above do).
const usage = {
  zlib: `const v: string | null = lib.zlibVersion(); const a: number | bigint = lib.adler32(1, new Uint8Array(3), 3)`,
  sqlite3: `const db: [Pointer | null] = [null]; const rc: number = lib.sqlite3_open(':memory:', db); const t: Pointer = lib.constants.SQLITE_TRANSIENT`,
  libuv: `const loop = alloc('uint8_t', Number(lib.uv_loop_size())); const rc: number = lib.uv_loop_init(loop); const e: -2 = lib.constants.UV_ENOENT; const s: string | null = lib.uv_strerror(e)`,
  libgit2: `const major = [0]; lib.git_libgit2_version(major, [0], [0]); const n: number = lib.git_libgit2_init()`,
  lua: `const L = lib.luaL_newstate(); lib.luaL_openlibs(L); const r: number = lib.lua_pcallk(L, 0, 1, 0, 0, null); const k: number | bigint = lib.lua_tointegerx(L, -1, null)`,
  openssl: `const md = new Uint8Array(64); const n = [0]; const ok: number = lib.EVP_Digest(new TextEncoder().encode('x'), 1, md, n, lib.EVP_sha256(), null)`,
  libffi: `const cif = alloc(lib.types.ffi_cif); const rc: number = lib.ffi_prep_cif(cif, lib.constants.FFI_DEFAULT_ABI, 0, lib.symbol('ffi_type_sint32'), null)`,
  libpng: `const v: number = lib.png_access_version_number(); const p = lib.png_create_read_struct(lib.constants.PNG_LIBPNG_VER_STRING, null, null, null)`,
  libarchive: `const e = lib.archive_entry_new(); lib.archive_entry_set_pathname(e, 'a'); const s: number | bigint = lib.archive_entry_size(e)`,
  pcre2: `const err = [0]; const off = [0n]; const code: Pointer | null = lib.pcre2_compile(new TextEncoder().encode('a\\0'), lib.constants.PCRE2_ZERO_TERMINATED, 0, err, off, null)`,
  curl: `const h = lib.curl_easy_init(); const rc: number = lib.curl_easy_setopt(h, lib.constants.CURLOPT_MAXFILESIZE_LARGE, 'curl_off_t', 10n)`,
  sdl2: `const v = {}; lib.SDL_GetVersion(v); const p: string | null = lib.SDL_GetPlatform(); const w: 4294967295 = lib.constants.SDL_MUTEX_MAXWAIT`,
  zstd: `const n: number | bigint = lib.ZSTD_compressBound(10); const e: number = lib.ZSTD_isError(n)`,
  libsodium: `const out = new Uint8Array(64); const rc: number = lib.crypto_generichash(out, 64, new Uint8Array(1), 1, null, 0)`,
  jansson: `const doc = lib.json_loads('{}', 0, null); const n: number | bigint = lib.json_array_size(doc); lib.json_delete(doc)`,
  expat: `const p = lib.XML_ParserCreate(null); const st: number = lib.XML_Parse(p, new TextEncoder().encode('<a/>'), 4, 1); lib.XML_ParserFree(p)`,
  libxml2: `const doc = lib.xmlReadMemory(new TextEncoder().encode('<a/>'), 4, 'x.xml', null, 0); const root: Pointer | null = lib.xmlDocGetRootElement(doc)`,
  lzma: `const v: number = lib.lzma_version_number(); const c: number = lib.lzma_crc32(new Uint8Array(3), 3, 0)`,
};

test('typings for every library type-check with tsc --strict, and its calls with them', (t) => {
  const dir = fs.mkdtempSync(path.join(buildDir, 'ts-libs-'));
  const files = [];
  let use = `import { load, alloc, type Pointer } from 'cshared'\n`;
  for (const l of libraries) {
    if (!available(l)) continue;
    const o = options(l);
    const name = `Lib_${l.id}`;
    // With the library: only the functions it exports, as load() binds them.
    const dts = typings(o.header, { includeDirs: o.includeDirs, defines: o.defines, library: l.lib, name });
    fs.writeFileSync(path.join(dir, `${l.id}.d.ts`), dts);
    const header = typeof o.header === 'string' ? JSON.stringify(o.header) : `{ text: ${JSON.stringify(o.header.text)} }`;
    use += `import type { ${name} } from './${l.id}'\n{\n  const lib = load<${name}>('${l.lib}', { header: ${header} })\n  ${usage[l.id]}\n}\n`;
    files.push(`${l.id}.d.ts`);
  }
  if (files.length === 0) return t.skip('no library headers here');
  fs.writeFileSync(path.join(dir, 'use.ts'), use);
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: 'es2022',
        module: 'commonjs',
        types: [],
        skipLibCheck: false,
        paths: { cshared: [path.join(root, '..', 'index.d.ts')] },
      },
      files: [...files, 'use.ts'],
    }),
  );
  const tsc = path.join(root, '..', 'node_modules', '.bin', process.platform === 'win32' ? 'tsc.cmd' : 'tsc');
  let out = '';
  try {
    execFileSync(tsc, ['-p', dir], { encoding: 'utf8', stdio: 'pipe' });
  } catch (e) {
    out = `${e.stdout}${e.stderr}`;
  }
  assert.equal(out, '', out.split('\n').slice(0, 30).join('\n'));
  t.diagnostic(`${files.length} libraries' typings type-check`);
});
