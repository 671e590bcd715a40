/* core/xalloc.h -- allocation that cannot fail: on out-of-memory the process aborts (Redis zmalloc).
 * This is the single place in the library allowed to abort; every caller can then treat allocation
 * as infallible, which keeps _alloc functions free of error paths. */
#ifndef CIM_XALLOC_H
#define CIM_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
/* Grows *p (holding *cap elements of size) to hold at least need elements, doubling. */
void xgrow(void **p, size_t *cap, size_t need, size_t size);
char *xstrdup(const char *s);
/* Returns p, aborting if it is NULL: for library allocators (GSL's) that fail only on out-of-memory. */
void *xoom(void *p);

#endif
