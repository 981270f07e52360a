// Evaluated once per environment by src/prelude.rs, after
// codegen::prelude() has filled in the scalar table's section. It returns the helpers every
// generated wrapper closes over. Kept in JS because the hot path is JS: the
// wrappers validate arguments and write them into the shared buffer, and
// TurboFan inlines these small helpers into them.
(function prelude(buffer, baseLo, baseHi, area, inv, invo, inva, invv, invb, invn, addr, metaOf, kindOf, peek) {
  'use strict';
  const u8 = new Uint8Array(buffer);
  const i8 = new Int8Array(buffer);
  const u16 = new Uint16Array(buffer);
  const i16 = new Int16Array(buffer);
  const i32 = new Int32Array(buffer);
  const u32 = new Uint32Array(buffer);
  const f32 = new Float32Array(buffer);
  const f64 = new Float64Array(buffer);
  const b64 = new BigInt64Array(buffer);
  const u64 = new BigUint64Array(buffer);
  const TOKEN = Symbol('cshared.pointer');
  const inspect = Symbol.for('nodejs.util.inspect.custom');

  // A C address. Only cshared makes them (from results, symbols and
  // allocations), so a number or a forged object can never be taken for one.
  class Pointer {
    #lo;
    #hi;
    constructor(token, lo, hi) {
      if (token !== TOKEN) {
        const e = new TypeError('Pointers are made by cshared only (results, lib.symbol(), alloc(), makePointer()).');
        e.code = 'ERR_ARG_TYPE';
        throw e;
      }
      this.#lo = lo;
      this.#hi = hi;
    }
    /** The address as a bigint. */
    get address() {
      return (BigInt(this.#hi) << 32n) | BigInt(this.#lo);
    }
    /** A pointer `bytes` further on (C's `p + n` on a `char *`). */
    // An address that would wrap around is an error, not a silent wrap.
    add(bytes) {
      let n;
      if (typeof bytes === 'bigint') n = bytes;
      else if (typeof bytes === 'number' && Number.isSafeInteger(bytes)) n = BigInt(bytes);
      else if (typeof bytes === 'number') fail(RangeError, 'ERR_ARG_RANGE', `Pointer.add(): the offset must be a safe integer, got ${describe(bytes)}`);
      else fail(TypeError, 'ERR_ARG_TYPE', `Pointer.add(): the offset must be a number or bigint, got ${describe(bytes)}`);
      const a = this.address + n;
      if (a < 0n || a > 0xffffffffffffffffn) {
        fail(RangeError, 'ERR_ARG_RANGE', `Pointer.add(): ${this.toString()} + ${n} is outside the address space`);
      }
      return a === 0n ? null : new Pointer(TOKEN, Number(a & 0xffffffffn), Number(a >> 32n));
    }
    equals(other) {
      return other instanceof Pointer && other.#lo === this.#lo && other.#hi === this.#hi;
    }
    toString() {
      return '0x' + this.address.toString(16).padStart(12, '0');
    }
    toJSON() {
      return this.toString();
    }
    [inspect]() {
      return `Pointer <${this.toString()}>`;
    }
    // Writes p's address at u32[i], u32[i+1]; false if p is not a Pointer.
    static put(p, i) {
      if (!(#lo in p)) return false;
      u32[i] = p.#lo;
      u32[i + 1] = p.#hi;
      return true;
    }
    static is(p) {
      return typeof p === 'object' && p !== null && #lo in p;
    }
  }
  Object.defineProperty(Pointer.prototype, Symbol.toStringTag, { value: 'Pointer' });
  Object.freeze(Pointer.prototype);

  const makePtr = (lo, hi) => (lo === 0 && hi === 0 ? null : new Pointer(TOKEN, lo, hi));

  function describe(v) {
    if (v === null) return 'null';
    switch (typeof v) {
      case 'undefined':
        return 'undefined';
      case 'string':
        return `a string (${JSON.stringify(v.length > 24 ? v.slice(0, 24) + '…' : v)})`;
      case 'number':
        return `the number ${Object.is(v, -0) ? '-0' : String(v)}`;
      case 'bigint':
        return `the bigint ${v}n`;
      case 'boolean':
        return `${v}`;
      case 'symbol':
        return 'a symbol';
      case 'function':
        return 'a function';
      default: {
        if (Pointer.is(v)) return 'a Pointer';
        if (Array.isArray(v)) return 'an array';
        let name;
        try {
          name = Object.getPrototypeOf(v)?.constructor?.name;
        } catch {
          name = undefined;
        }
        return typeof name === 'string' && name !== 'Object' ? `an instance of ${name}` : 'an object';
      }
    }
  }

  function fail(Ctor, code, message) {
    const e = new Ctor(message);
    e.code = code;
    throw e;
  }

  // What error messages say about a function's parameters. A wrapper's
  // is made on first need (binding stays cheap): `{ id, meta }` until then.
  function info(m) {
    if (m.params !== undefined) return m;
    if (m.meta === undefined) m.meta = metaOf(m.id);
    return m.meta;
  }

  function argName(meta, k) {
    const p = meta.params[k];
    return `${meta.name}(): argument ${k + 1}${p.name ? ` (${p.name})` : ''}`;
  }

  // Thrown by generated wrappers. Each never returns.
  const E = {
    count(meta, got) {
      meta = info(meta);
      const n = meta.params.length;
      fail(TypeError, 'ERR_ARG_COUNT', `${meta.name}() takes ${n} argument${n === 1 ? '' : 's'}, got ${got}`);
    },
    type(meta, k, v) {
      meta = info(meta);
      fail(TypeError, 'ERR_ARG_TYPE', `${argName(meta, k)} must be ${meta.params[k].expect}, got ${describe(v)}`);
    },
    range(meta, k, v) {
      meta = info(meta);
      const p = meta.params[k];
      const what = typeof v === 'number' && !Number.isInteger(v) ? 'an integer' : `in range ${p.range}`;
      fail(RangeError, 'ERR_ARG_RANGE', `${argName(meta, k)} (${p.type}) must be ${what}, got ${describe(v)}`);
    },
    unsupported(meta, what) {
      meta = info(meta);
      fail(Error, 'ERR_UNSUPPORTED', `${meta.name}(): ${what} is not supported`);
    },
  };

  // The slow paths of integer arguments, out of line so that the wrappers
  // stay small enough for TurboFan to inline: a bigint, or an error.
  const S = {
    // An integer of at most 32 bits, into i32[w].
    int(meta, k, v, w) {
      const p = info(meta).params[k];
      if (typeof v === 'bigint') {
        if (v < p.lo || v > p.hi) E.range(meta, k, v);
        i32[w] = Number(v);
        return;
      }
      if (typeof v === 'number') E.range(meta, k, v);
      E.type(meta, k, v);
    },
    // A 64-bit integer, into b64[q] / u64[q].
    i64(meta, k, v, q) {
      if (typeof v === 'bigint') {
        if (v < -9223372036854775808n || v > 9223372036854775807n) E.range(meta, k, v);
        b64[q] = v;
        return;
      }
      if (typeof v === 'number') E.range(meta, k, v);
      E.type(meta, k, v);
    },
    u64(meta, k, v, q) {
      if (typeof v === 'bigint') {
        if (v < 0n || v > 18446744073709551615n) E.range(meta, k, v);
        u64[q] = v;
        return;
      }
      if (typeof v === 'number') E.range(meta, k, v);
      E.type(meta, k, v);
    },
  };

  // 64-bit integer results at u32[w], u32[w+1]: a number when exact, else a bigint.
  S.ri64 = (w) => {
    const v = i32[w + 1] * 4294967296 + u32[w];
    return v <= 9007199254740991 && v >= -9007199254740991 ? v : b64[w >> 1];
  };
  S.ru64 = (w) => {
    const v = u32[w + 1] * 4294967296 + u32[w];
    return v <= 9007199254740991 ? v : u64[w >> 1];
  };

  // The string area: the buffer's bytes from `area` on. u32[1] is its top.
  // A wrapper with string arguments saves the top and restores it when the
  // call returns, so a nested call (from a callback) stacks above it.
  u32[1] = area;
  const end = buffer.byteLength;
  // Writes `s` there as a NUL-terminated C string and its address at
  // u32[w], u32[w+1]; false (nothing to undo) when it cannot, and native
  // code converts it (and explains a NUL inside). Short strings are copied
  // by a loop if they are plain ASCII, whose UTF-8 is their char codes;
  // longer ones, ASCII or not, by V8's UTF-8 encoder, which costs more to
  // call but little per character (even at 24 characters by callgrind).
  // Lone surrogates become U+FFFD there, as in the native conversion.
  const encoder = new TextEncoder();
  const encodeInto = TextEncoder.prototype.encodeInto;
  const areaView = u8.subarray(area, end);
  function T(s, w) {
    const n = s.length;
    const p = u32[1];
    let q = p;
    if (n < 24) {
      if (p + n + 1 > end) return false;
      for (let i = 0; i < n; i++, q++) {
        const c = s.charCodeAt(i);
        if ((c - 1) >>> 0 > 126) return false; // NUL, or not ASCII
        u8[q] = c;
      }
    } else {
      if (n > 16384 || s.indexOf('\0') !== -1) return false;
      const r = encodeInto.call(encoder, s, p === area ? areaView : u8.subarray(p, end));
      q = p + r.written;
      if (r.read !== n || q + 1 > end) return false;
    }
    u8[q] = 0;
    u32[1] = q + 1;
    const lo = baseLo + p;
    u32[w] = lo;
    u32[w + 1] = lo > 4294967295 ? baseHi + 1 : baseHi;
    return true;
  }

  // TypedArrays passed as pointers: the first time, `addr` (native) gives
  // the data's address and it is stamped on the array; later calls write it
  // from the stamp. The intrinsic byteLength getter (a subclass cannot lie)
  // is 0 once the buffer is detached, and then native code takes over.
  const TypedArray = Object.getPrototypeOf(Uint8Array.prototype);
  const viewLength = Object.getOwnPropertyDescriptor(TypedArray, 'byteLength').get;
  const viewBuffer = Object.getOwnPropertyDescriptor(TypedArray, 'buffer').get;
  const viewOffset = Object.getOwnPropertyDescriptor(TypedArray, 'byteOffset').get;
  class Stampable {
    constructor(o) {
      return o;
    }
  }
  class View extends Stampable {
    #lo;
    #hi;
    #dv;
    #dvn;
    constructor(o, lo, hi) {
      super(o);
      this.#lo = lo;
      this.#hi = hi;
      this.#dv = null;
      this.#dvn = -1;
    }
    static put(a, w) {
      if (!(#lo in a) || viewLength.call(a) === 0) return false;
      u32[w] = a.#lo;
      u32[w + 1] = a.#hi;
      return true;
    }
    static has(a) {
      return #lo in a;
    }
    // A DataView of stamped array `a` and, in `at`, the byte offset of
    // address (lo, hi) in it, if `size` bytes from there are inside it;
    // else null. (A length-tracking view of a resizable buffer changes
    // length, and a DataView of the old length may be out of bounds, so the
    // length is compared rather than read from the view.)
    static data(a, lo, hi, size) {
      if (hi !== a.#hi) return null;
      const d = lo - a.#lo;
      if (d < 0) return null;
      const n = viewLength.call(a);
      if (d + size > n) return null;
      at = d;
      if (a.#dvn !== n) {
        a.#dv = new DataView(viewBuffer.call(a), viewOffset.call(a), n);
        a.#dvn = n;
      }
      return a.#dv;
    }
  }
  // The last few arrays passed by address. A callback that reads memory
  // they hold (qsort's comparator reading the array being sorted) reads it
  // here, with no native call. An address inside a live, attached array is
  // that array's memory for as long as the array lives, which this keeps;
  // only arrays over buffers of at most RECENT_MAX bytes, so what is kept
  // alive after the program drops it stays small.
  const RECENT_MAX = 1 << 20;
  const recent = [null, null, null, null];
  let next = 0;
  let at = 0; // the offset View.data() found
  // Writes the address of TypedArray `a` at u32[w], u32[w+1]; false if `a` is
  // not one JS can pass itself.
  function B(a, w) {
    if (!View.put(a, w)) {
      if (!ArrayBuffer.isView(a) || View.has(a) || !addr(a)) return false;
      try {
        new View(a, u32[2], u32[3]);
      } catch {
        return false; // not extensible
      }
      if (!View.put(a, w)) return false;
    }
    if (
      recent[0] !== a &&
      recent[1] !== a &&
      recent[2] !== a &&
      recent[3] !== a &&
      viewBuffer.call(a).byteLength <= RECENT_MAX
    ) {
      recent[next] = a;
      next = (next + 1) & 3;
    }
    return true;
  }
  const little = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  // 64-bit integers: a number when exact, else a bigint; pointers: a Pointer.
  function readI64(dv, d) {
    const v = dv.getInt32(d + (little ? 4 : 0), little) * 4294967296 + dv.getUint32(d + (little ? 0 : 4), little);
    return v <= 9007199254740991 && v >= -9007199254740991 ? v : dv.getBigInt64(d, little);
  }
  function readU64(dv, d) {
    const v = dv.getUint32(d + (little ? 4 : 0), little) * 4294967296 + dv.getUint32(d + (little ? 0 : 4), little);
    return v <= 9007199254740991 ? v : dv.getBigUint64(d, little);
  }
  function readPtr(dv, d) {
    return makePtr(dv.getUint32(d + (little ? 0 : 4), little), dv.getUint32(d + (little ? 4 : 0), little));
  }
  /* scalar table (codegen::prelude) */
  // Value kind k at address (lo, hi) from a recent array, or undefined when
  // the address is not in one.
  function fromRecent(k, lo, hi) {
    const size = sizes[k];
    for (let i = 0; i < 4; i++) {
      const a = recent[i];
      if (a === null) continue;
      const dv = View.data(a, lo, hi, size);
      if (dv !== null) return readKind(dv, at, k);
    }
    return undefined;
  }

  // Argument writers for the generated wrappers, one per kind: small enough
  // that TurboFan inlines them into each wrapper (whose call sites each see
  // one target), and the wrappers' sources stay short, so binding is cheap.
  // Each checks its argument and writes it at u32[w] (f64[q]); those for
  // pointers return what native code must convert, or undefined.
  const W = {
    wi8(m, k, a, w) {
      if (typeof a === 'number' && (a | 0) === a && a >= -128 && a <= 127) i32[w] = a;
      else S.int(m, k, a, w);
    },
    wu8(m, k, a, w) {
      if (typeof a === 'number' && (a | 0) === a && a >= 0 && a <= 255) i32[w] = a;
      else S.int(m, k, a, w);
    },
    wi16(m, k, a, w) {
      if (typeof a === 'number' && (a | 0) === a && a >= -32768 && a <= 32767) i32[w] = a;
      else S.int(m, k, a, w);
    },
    wu16(m, k, a, w) {
      if (typeof a === 'number' && (a | 0) === a && a >= 0 && a <= 65535) i32[w] = a;
      else S.int(m, k, a, w);
    },
    wi32(m, k, a, w) {
      if (typeof a === 'number' && (a | 0) === a) i32[w] = a;
      else S.int(m, k, a, w);
    },
    wu32(m, k, a, w) {
      if (typeof a === 'number' && a >>> 0 === a) i32[w] = a;
      else S.int(m, k, a, w);
    },
    // Doubles compare exactly against 2^63 and 2^64.
    wi64(m, k, a, w) {
      // int32 values, the common case, with no floating-point math.
      if (typeof a === 'number' && (a | 0) === a) {
        i32[w] = a;
        i32[w + 1] = a >> 31;
      } else if (typeof a === 'number' && a >= -9223372036854775808 && a < 9223372036854775808 && Number.isInteger(a)) {
        i32[w] = a;
        i32[w + 1] = Math.floor(a / 4294967296);
      } else S.i64(m, k, a, w >> 1);
    },
    wu64(m, k, a, w) {
      if (typeof a === 'number' && a >>> 0 === a) {
        u32[w] = a;
        u32[w + 1] = 0;
      } else if (typeof a === 'number' && a >= 0 && a < 18446744073709551616 && Number.isInteger(a)) {
        u32[w] = a;
        u32[w + 1] = Math.floor(a / 4294967296);
      } else S.u64(m, k, a, w >> 1);
    },
    wb(m, k, a, w) {
      if (a === true) i32[w] = 1;
      else if (a === false) i32[w] = 0;
      else E.type(m, k, a);
    },
    wf(m, k, a, w) {
      if (typeof a === 'number') f32[w] = a;
      else E.type(m, k, a);
    },
    wd(m, k, a, q) {
      if (typeof a === 'number') f64[q] = a;
      else E.type(m, k, a);
    },
    wp(m, k, a, w) {
      if (a === null) {
        u32[w] = 0;
        u32[w + 1] = 0;
        return undefined;
      }
      if (typeof a === 'object') return Pointer.put(a, w) || B(a, w) ? undefined : a;
      E.type(m, k, a);
    },
    wc(m, k, a, w) {
      if (typeof a === 'string') return T(a, w) ? undefined : a;
      if (a === null) {
        u32[w] = 0;
        u32[w + 1] = 0;
        return undefined;
      }
      if (typeof a === 'object') return Pointer.put(a, w) || B(a, w) ? undefined : a;
      E.type(m, k, a);
    },
    // Wide strings (char16_t *, char32_t *): a string goes to native code.
    ws(m, k, a, w) {
      if (typeof a === 'string') return a;
      if (a === null) {
        u32[w] = 0;
        u32[w + 1] = 0;
        return undefined;
      }
      if (typeof a === 'object') return Pointer.put(a, w) || B(a, w) ? undefined : a;
      E.type(m, k, a);
    },
    wk(m, k, a, w) {
      if (a === null) {
        u32[w] = 0;
        u32[w + 1] = 0;
        return undefined;
      }
      if (typeof a === 'function') return a;
      if (typeof a === 'object') return Pointer.put(a, w) ? undefined : a;
      E.type(m, k, a);
    },
  };

  // fn.async and fn.batch, the same for every function: their arguments
  // are converted natively. Argument errors reject rather than throw.
  const later = (id) =>
    function (...args) {
      try {
        u32[0] = id;
        return inva(...args);
      } catch (e) {
        return Promise.reject(e);
      }
    };
  const batch = (id) =>
    function (...args) {
      u32[0] = id;
      return invb(...args);
    };

  // Whether the own enumerable keys of object `o` are exactly `names`, a
  // struct's fields, in any order: then its fields are own properties and
  // none is misspelled, and the generated wrapper writes the struct itself.
  // Otherwise native code converts it (a missing field is zero, an
  // inherited one missing) or explains the unknown field (src/marshal/codec.rs).
  // Keys are distinct, so as many as the names, each one of them, are all of them.
  // for-in, not Object.keys(): over a plain object it walks V8's enum cache
  // and allocates nothing, and TurboFan folds `hasOwnProperty` of a for-in
  // key of the object itself (inherited enumerable keys fail it).
  const keysOf = Object.keys;
  const hasOwn = Object.hasOwn;
  const hop = Object.prototype.hasOwnProperty;
  function K(o, names) {
    const n = names.length;
    let i = 0;
    for (const key in o) {
      if (i >= n || (key !== names[i] && !names.includes(key)) || !hop.call(o, key)) return false;
      i++;
    }
    return i === n;
  }

  // For native code converting an object to a struct or union
  // (src/marshal/codec.rs): the values of the object's own properties named
  // in array `names` (the fields), undefined for those it does not have;
  // or, if it has an own enumerable key that is not a field, that key.
  // Every value is read before any is converted.
  function ownFields(o, names) {
    const keys = keysOf(o);
    const n = names.length;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if ((i >= n || key !== names[i]) && !names.includes(key)) return key;
    }
    const values = new Array(n);
    for (let i = 0; i < n; i++) {
      const name = names[i];
      values[i] = hasOwn(o, name) ? o[name] : undefined;
    }
    return values;
  }

  // Reverses the n bytes at byte d of u8 (an integer in the other byte order).
  function X(a, d, n) {
    for (let i = d, j = d + n - 1; i < j; i++, j--) {
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  // `invf`: the accelerator's fast function once src/fast.rs has loaded it
  // (`accelerate`); until then one that always leaves the call to `inv`.
  const views = { i32, u32, u8, i8, u16, i16, f32, f64, b64, u64, inv, invf: () => 0, invo, inva, invv, invb, invn, P: Pointer, mk: makePtr, E, S, T, B, K, X, ...W };

  // A bound function from its shape's maker (crates/core/src/call/codegen.rs): named
  // as in C, with fn.async and fn.batch unless the maker made its own.
  const defineProperty = Object.defineProperty;
  // Bound functions by their ids (for disposable()'s free function).
  const ids = new WeakMap();
  function finish(make, id, name) {
    const f = make(id, { id, meta: undefined });
    ids.set(f, id);
    defineProperty(f, 'name', { value: name });
    if (f.async === undefined) {
      f.async = later(id);
      f.batch = batch(id);
    }
    return f;
  }

  // The exported decode(): one value of a scalar type named by a string (a
  // comparator's `decode(a, 'int')`) is read by `peek`, a native function
  // with no arguments, and converted here; everything else goes to the
  // native decode, which also explains every error.
  const kinds = new Map();
  const bufView = new DataView(buffer);
  let lastType = '';
  let lastKind = -1;
  function fastDecode(native) {
    return function decode(p, type, count, more) {
      if (count === undefined && typeof type === 'string' && typeof p === 'object' && p !== null) {
        let k = type === lastType ? lastKind : kinds.get(type);
        if (k === undefined) {
          k = kindOf(type);
          // 15 and up: a name made of keywords and built-in names only, which
          // only cdef() can change (then forgetKinds() runs); -1 + 16: not a scalar.
          if (k >= 15) {
            k -= 16;
            if (kinds.size < 256) kinds.set(type, k);
            lastType = type;
            lastKind = k;
          }
        }
        if (k >= 0 && Pointer.put(p, 2)) {
          const v = fromRecent(k, u32[2], u32[3]);
          if (v !== undefined) return v;
          u32[0] = k;
          peek();
          return readKind(bufView, 8, k);
        }
      }
      return native(p, type, count, more);
    };
  }

  // call(ptr, type, ...args): the function at ptr, called once.
  function makeCall(func) {
    return function call(ptr, type, ...args) {
      return func(ptr, type)(...args);
    };
  }

  // The functions of a header, bound on first use: `lib.functions.NAME`, and
  // `lib.NAME` for names the Library does not use itself.
  function declare(lib, names, bind, reserved) {
    const functions = Object.create(null);
    for (const name of names) {
      let f;
      const get = () => (f === undefined ? (f = bind.call(lib, name)) : f);
      Object.defineProperty(functions, name, { get, enumerable: true });
      if (!reserved.includes(name) && !(name in lib)) Object.defineProperty(lib, name, { get, enumerable: true });
    }
    Object.defineProperty(lib, 'functions', { value: Object.freeze(functions), enumerable: false });
  }

  // Header files are read through the runtime's own fs module, so that
  // whatever the runtime serves (Electron's app.asar) is read as it reads it:
  // only regular files, at most `max` bytes (a device such as /dev/zero never
  // ends, a FIFO waits for a writer). Returns the bytes, a string saying why
  // not, or undefined when there is no fs module to use (then cshared reads
  // the file itself). Never throws.
  let headerFs;
  let readBuf = null;
  function readHeader(path, max) {
    if (headerFs === undefined) {
      headerFs = null;
      try {
        const p = globalThis.process;
        if (p && typeof p.getBuiltinModule === 'function') headerFs = p.getBuiltinModule('fs') || null;
      } catch {
        headerFs = null;
      }
    }
    const fs = headerFs;
    if (!fs) return undefined;
    const tooLarge = `larger than ${max} bytes`;
    let fd = -1;
    try {
      const st = fs.statSync(path, { throwIfNoEntry: false });
      if (st === undefined) return 'ENOENT: no such file or directory';
      if (!st.isFile()) return 'not a regular file';
      if (st.size > max) return tooLarge;
      const c = fs.constants || {};
      // With O_NONBLOCK, a path swapped for a FIFO after the check opens at
      // once (and fails the next one); for a regular file it changes nothing.
      fd = fs.openSync(path, (c.O_RDONLY || 0) | (c.O_NONBLOCK || 0));
      const st2 = fs.fstatSync(fd);
      if (!st2.isFile()) return 'not a regular file';
      if (st2.size > max) return tooLarge;
      // One buffer for every header read (native code copies the bytes at
      // once), kept while small: a new one per file would leave native
      // memory to the garbage collector on every load().
      const want = Math.min(st2.size, max) + 1;
      let buf = readBuf !== null && readBuf.length >= want ? readBuf : new Uint8Array(want);
      if (buf.length <= 1 << 20) readBuf = buf;
      let n = 0;
      for (;;) {
        if (n === buf.length) {
          if (buf.length > max) return tooLarge;
          const bigger = new Uint8Array(Math.min(buf.length * 2, max + 1));
          bigger.set(buf);
          buf = bigger;
          if (buf.length <= 1 << 20) readBuf = buf;
        }
        const got = fs.readSync(fd, buf, n, buf.length - n, null);
        if (got <= 0) break;
        n += got;
      }
      if (n > max) return tooLarge;
      return buf.subarray(0, n);
    } catch (e) {
      return e && typeof e.message === 'string' ? e.message : String(e);
    } finally {
      if (fd !== -1) {
        try {
          fs.closeSync(fd);
        } catch {
          // nothing to do
        }
      }
    }
  }

  // A stand-in for a function that could not be bound: calling it throws why.
  function failing(name, error) {
    const f = function () {
      throw error;
    };
    Object.defineProperty(f, 'name', { value: name });
    return f;
  }

  // Unregistered callbacks by their JS function: [type id, code address
  // (low, high), ...]. The same function registered again with the same
  // type gets its slot back (src/callback.rs, `register`, which checks the
  // address); a function collected takes its entries with it.
  const buried = new WeakMap();
  function buryCallback(f, type, lo, hi) {
    const list = buried.get(f);
    if (list === undefined) buried.set(f, [type, lo, hi]);
    else list.push(type, lo, hi);
  }
  function reviveCallback(f, type) {
    const list = buried.get(f);
    if (list === undefined) return undefined;
    for (let i = 0; i < list.length; i += 3) {
      if (list[i] === type) {
        const at = [list[i + 1], list[i + 2]];
        list.splice(i, 3);
        if (list.length === 0) buried.delete(f);
        return at;
      }
    }
    return undefined;
  }

  return {
    views,
    buryCallback,
    reviveCallback,
    Pointer,
    makePtr,
    isPointer: Pointer.is,
    put: Pointer.put,
    describe,
    declare,
    readHeader,
    failing,
    fastDecode,
    finish,
    makeCall,
    idOf: (f) => (typeof f === 'function' && ids.has(f) ? ids.get(f) : -1),
    ownFields,
    // src/fast.rs: wrappers made from now on call `f` (they name `invf`
    // only when the accelerator is active, so none made before do).
    accelerate(f) {
      views.invf = f;
    },
    // The registry changed (src/env.rs, EnvState::registry_mut): a type name may mean another type.
    forgetKinds() {
      kinds.clear();
      lastType = '';
      lastKind = -1;
    },
  };
});
