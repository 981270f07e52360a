#include "a.h"
#include "a.h"
#include "guard.h"
#include "./guard.h"
#include "macros.h"
#include "sub/inner.h"
#include <a.h>
#include <pkg/b.h>
#include "/abs/z.h"
#include <stdio.h>
#include <sys/types.h>
#define HDR "guard.h"
#include HDR
#define ANGLE(x) <x.h>
#include ANGLE(a)
#if __has_include("guard.h") && !__has_include(<nothere.h>) && __has_include_next(<a.h>)
int has_include_works(void);
#endif
int g_use(g_handle h, enum g_mode m);
