#define A 2
#if defined(A) && A > 1 && (A << 2) == 8 && -1 < 0 && 0x10 == 16 && 'a' == 97
int yes1(void);
#elif 1/0
#else
#error no
#endif
#if defined B || !defined(A)
#elifdef A
int yes2(void);
#elifndef A
#endif
#ifdef __x86_64__
typedef long ssize_like;
#endif
#if 0
#if ((
it's "unterminated
#include <nothing>
#endif
#endif
#if __has_attribute(packed) || __has_builtin(__builtin_expect) || __STDC_VERSION__ < 199901L
#else
int yes3(void);
#endif
#if LONG_MAX > INT_MAX && UINT64_MAX == 18446744073709551615ULL && FUZZ_LEVEL == 3 && defined ZLIB_CONST
int yes4(void);
#endif
#line 42 "elsewhere.h"
int at_line_42;
# 7 "gnu-marker.h" 1
int marker;
