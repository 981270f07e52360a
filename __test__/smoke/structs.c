/* By-value structs for __test__/smoke/smoke.js. */
struct smoke_point { int x; int y; };
struct smoke_mixed { double d; char c; long long n; };

struct smoke_point smoke_move(struct smoke_point p, int dx, int dy) {
  p.x += dx;
  p.y += dy;
  return p;
}

int smoke_area(struct smoke_point p) { return p.x * p.y; }

/* Larger than two registers on x86-64 SysV, so it goes through memory. */
double smoke_mixed_sum(struct smoke_mixed m) { return m.d + m.c + (double)m.n; }
