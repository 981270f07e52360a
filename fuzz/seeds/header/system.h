/* The system search path, cshared's compiler headers, GNU extensions. */
#include <stdio.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <limits.h>
#include <float.h>
#include <immintrin.h>
#include <not/there.h>
#include "missing.h"
#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && __SIZEOF_POINTER__ >= 4
#define S_ORDER 1234
#endif
#if __has_include(<stdio.h>) && !__has_include(<nope.h>)
#define S_HAS 1
#endif
typedef __builtin_va_list s_va;
int s_vlog(const char *fmt, va_list ap);
int s_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
FILE *s_open(const char *path);
typedef __typeof__(1.0f) s_float;
typedef unsigned s_byte __attribute__((__mode__(__QI__)));
struct s_pair { char c; double d; int a[3]; };
#define S_OFF offsetof(struct s_pair, a[1])
#define S_MAX SIZE_MAX
#define S_EPS FLT_EPSILON
#define S_EOF EOF
#define S_STMT ({ 1; })
#define S_LINE __LINE__
bool s_ok(uint32_t flags, __pid_t pid, register_t r);
