/* The C interface between cshared's Node-API addon and its accelerator
 * (accel/accel.cc). cshared hands the accelerator the address of this
 * table (src/fast.rs, `TABLE`); the accelerator's V8 fast function calls
 * `call`. Both sides check `magic` and `version`; src/fast.rs declares the
 * same struct, and __test__/fast.test.js checks that the two agree. */
#ifndef CSHARED_FAST_H_
#define CSHARED_FAST_H_

#include <stdint.h>

#define CSHARED_FAST_MAGIC 0x43534654u /* "CSFT" */
#define CSHARED_FAST_VERSION 1u

typedef struct cshared_fast_table {
  uint32_t magic;
  uint32_t version;
  /* Makes the call whose id and arguments the wrapper wrote into the
   * shared buffer, if it can be made with no JS, no allocation and no
   * exception: returns 1 when it made it (the result is in the buffer),
   * 0 when it did nothing and the wrapper must call the Node-API invoker.
   * `via`: 1 from V8's fast path, 0 from the accelerator's slow callback
   * (cshared counts both). Never throws, allocates on the JS heap or runs JS. */
  int32_t (*call)(int32_t via);
} cshared_fast_table;

#endif
