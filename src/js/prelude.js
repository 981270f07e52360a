// Evaluated once per environment by src/env.rs. It returns the helpers every
// generated wrapper closes over. Kept in JS because the hot path is JS: the
// wrappers validate arguments and write them into the shared buffer, and
// TurboFan inlines these small helpers into them.
(function prelude(buffer, inv, invo, inva, invv, invb) {
  'use strict';
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
    add(bytes) {
      const a = BigInt.asUintN(64, this.address + BigInt(bytes));
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

  function argName(meta, k) {
    const p = meta.params[k];
    return `${meta.name}(): argument ${k + 1}${p.name ? ` (${p.name})` : ''}`;
  }

  // Thrown by generated wrappers. Each never returns.
  const E = {
    count(meta, got) {
      const n = meta.params.length;
      fail(TypeError, 'ERR_ARG_COUNT', `${meta.name}() takes ${n} argument${n === 1 ? '' : 's'}, got ${got}`);
    },
    type(meta, k, v) {
      fail(TypeError, 'ERR_ARG_TYPE', `${argName(meta, k)} must be ${meta.params[k].expect}, got ${describe(v)}`);
    },
    range(meta, k, v) {
      const p = meta.params[k];
      const what = typeof v === 'number' && !Number.isInteger(v) ? 'an integer' : `in range ${p.range}`;
      fail(RangeError, 'ERR_ARG_RANGE', `${argName(meta, k)} (${p.type}) must be ${what}, got ${describe(v)}`);
    },
    unsupported(meta, what) {
      fail(Error, 'ERR_UNSUPPORTED', `${meta.name}(): ${what} is not supported`);
    },
  };

  // The slow paths of integer arguments, out of line so that the wrappers
  // stay small enough for TurboFan to inline: a bigint, or an error.
  const S = {
    // An integer of at most 32 bits, into i32[w].
    int(meta, k, v, w) {
      const p = meta.params[k];
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

  const views = { i32, u32, f32, f64, b64, u64, inv, invo, inva, invv, invb, P: Pointer, mk: makePtr, E, S };

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

  // A stand-in for a function that could not be bound: calling it throws why.
  function failing(name, error) {
    const f = function () {
      throw error;
    };
    Object.defineProperty(f, 'name', { value: name });
    return f;
  }

  return {
    views,
    Pointer,
    makePtr,
    isPointer: Pointer.is,
    put: Pointer.put,
    describe,
    declare,
    failing,
    // Compiles a wrapper factory generated by src/call/codegen.rs.
    compile: (body) => new Function('V', 'R', body),
  };
});
