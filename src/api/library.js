// The Library class (src/api/library.rs), made once per environment. A
// library's native state is wrapped on its object by load() and taken off
// and freed by close(), so a closed Library holds no native memory.
(function (func, symbol, close, bind) {
  'use strict';
  const TOKEN = Symbol('cshared.library');

  class Library {
    #path;
    #closed = false;
    constructor(token, path) {
      if (token !== TOKEN) {
        const e = new TypeError('Libraries are made by load().');
        e.code = 'ERR_ARG_TYPE';
        throw e;
      }
      this.#path = path;
    }
    /** The path the library was loaded from; null for the running process. */
    get path() {
      return this.#path;
    }
    /** Whether `close()` was called. */
    get closed() {
      return this.#closed;
    }
    /** Binds a function: `lib.func(prototype, options?)` or `lib.func(name, result, params, options?)`. */
    func(...args) {
      return func(this, ...args);
    }
    /** The address of a symbol (a function or a global variable). */
    symbol(...args) {
      return symbol(this, ...args);
    }
    /** Unloads the library (after calls in flight). Safe to call twice. */
    close() {
      if (this.#closed) return;
      close(this);
      this.#closed = true;
    }
    // Binds a function of the header on first use (the getters of
    // lib.functions; src/api/header.rs).
    __bind(name) {
      return bind(this, name);
    }
  }

  return { Library, make: (path) => new Library(TOKEN, path) };
});
