/* core/xalloc.c -- see xalloc.h. */
#include "core/xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void *oom(void *p)
{
    if (p == NULL)
        abort(); /* out of memory: the one sanctioned abort (see core/status.h) */
    return p;
}

void *xmalloc(size_t n) { return oom(malloc(n ? n : 1)); }

void *xcalloc(size_t count, size_t size) { return oom(calloc(count ? count : 1, size ? size : 1)); }

void *xrealloc(void *p, size_t n) { return oom(realloc(p, n ? n : 1)); }

void xgrow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return;
    size_t c = *cap ? *cap : 16;
    while (c < need) {
        if (c > SIZE_MAX / 2 / size)
            oom(NULL); /* request exceeds the address space: treat as out of memory */
        c *= 2;
    }
    *p = xrealloc(*p, c * size);
    *cap = c;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

void *xoom(void *p) { return oom(p); }
