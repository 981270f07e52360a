#define str(s) # s
#define xstr(s) str(s)
#define glue(a, b) a ## b
#define xglue(a, b) glue(a, b)
#define HIGHLOW "hello"
#define LOW LOW ", world"
#define debug(...) fprintf(stderr, __VA_ARGS__)
#define showlist(...) puts(#__VA_ARGS__)
#define F(a, ...) g(a __VA_OPT__(,) __VA_ARGS__)
#define E(fmt, ...) f(fmt, ## __VA_ARGS__)
#define G(args...) h(args)
#define x (4 + y)
#define y (2 * x)
#define hash_hash # ## #
#define mkstr(a) # a
#define in_between(a) mkstr(a)
#define join(c, d) in_between(c hash_hash d)
const char *p = join(x, y);
const char *q = xstr(xglue(HIGH, LOW));
int v = F(1) + F(1, 2, 3) + E(a) + E(a, b) + G(1, 2) + x + y;
#define N 10
#define ADD(a, b) ((a) + (b))
#define VERSION "1.2" ".3"
#define NEG (-2.5)
#define PTR ((void *)-1)
#define CH 'x'
#define BIG 0xffffffffffffffffULL
#define SHIFT (1 << 62)
enum e { E0 = ADD(N, 2), E1, E2 = -1, E3 = sizeof(int) * 2 };
#pragma push_macro("N")
#undef N
#define N 20
#pragma pop_macro("N")
int arr[N];
const char *file = __FILE__; int line = __LINE__;
