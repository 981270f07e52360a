/** A point. */
typedef struct point { int x, y; } point;
typedef union { int i; float f; unsigned char b[4]; } word;
struct bits { unsigned a : 3; unsigned b : 5; int : 0; signed c : 7; };
struct flex { size_t n; char data[]; };
struct __attribute__((packed)) tight { char c; int i; };
struct aligned { char c; _Alignas(16) int v; } __attribute__((aligned(32)));
#pragma pack(push, 2)
struct p2 { char c; double d; };
#pragma pack(pop)
enum color { RED, GREEN = 5, BLUE, BIG = 0x7fffffff };
typedef enum { OFF, ON } toggle;
typedef void (*callback)(void *user, int code, const char *msg);
typedef int (*binop)(int, int);
extern int version;
extern const char *const names[3];
int area(point p);
point *make_point(int x, int y);
void (*signal(int sig, void (*func)(int)))(int);
int (*get_table(void))[4];
long double ld(long double x);
float _Complex cf(void);
int printf(const char *fmt, ...);
unsigned long long strtoull_like(const char *restrict s, char **restrict end, int base);
static inline int helper(int x) { return x * 2; }
int renamed(void) __asm__("real_symbol");
__declspec(dllexport) int __stdcall win(int);
_Bool flag(void);
wchar_t wide(char16_t a, char32_t b);
void takes_array(int a[static 4], int n, int m[n]);
int8_t i8(uint8_t a, int16_t b, uint16_t c, int32_t d, uint32_t e, int64_t f, uint64_t g, intptr_t h, uintptr_t i, ptrdiff_t j, ssize_t k);
_Static_assert(sizeof(int) == 4, "int");
typedef char check[sizeof(void *) == 8 ? 1 : -1];
