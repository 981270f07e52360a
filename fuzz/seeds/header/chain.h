#define M0 end
#define M1 M0 M0
#define M2 M1 M1
#define M3 M2 M2
#define M4 M3 M3
#define M5 M4 M4
#define M6 M5 M5
#define M7 M6 M6
#define M8 M7 M7
#define f(x) x f
#define g(x) f(x)(x)
M8 g(1)(2)(3)
#define A B B
#define B A A
A
