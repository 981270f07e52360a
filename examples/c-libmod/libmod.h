/* The C twin of the header `go build -buildmode=c-shared` writes. */
#ifndef LIBMOD_H
#define LIBMOD_H

/** The rest of the division of x by y. */
long long ModXY(long long x, long long y);

#endif
