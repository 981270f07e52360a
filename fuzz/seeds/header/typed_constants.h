/* Constant expressions with C's types. */
#define T_A (~(size_t)0)
#define T_B ~0u
#define T_C (-1 + 0u)
#define T_D (1 << 31)
#define T_E 0xffffffffffffffff
#define T_F (7u / -2)
#define T_G (0 && (1 / 0))
#define T_H (1 ? -1 : 2u)
#define T_I 9.80665f
#define T_J (1.0f / 3)
#define T_K 0x1.8p-3
#define T_L ((float)0.1)
#define T_M ((void *)-1)
#define T_N '\xff'
#define T_O 'ab'
#define T_P (sizeof(long) * 8)
#define T_Q "caf\u00e9" "\xff\0"
#define T_R (1 << 40)
#define T_S 1.2.3
#define T_T (__extension__ 0x7fffffffffffffffLL)
#define T_U ((unsigned char)300)
#define T_V (-9223372036854775807LL - 1)
enum t_big { T_BIG = 0xffffffffffffffffULL, T_NEG = -1 };
#if -1 < 0u
#error "#if compares as uintmax_t"
#endif
#if (0xffffffff + 1) != 0x100000000
#error "#if is 64-bit"
#endif
void t_f(pid_t);
void t_g(const mode_t, jmp_buf);
