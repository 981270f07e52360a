/* The C twin of the seed's Go libmod (examples/go-libmod), for machines
 * without a Go toolchain. */
#include "libmod.h"

long long ModXY(long long x, long long y) { return x % y; }
