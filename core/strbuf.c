/* core/strbuf.c -- see strbuf.h. */
#include "core/strbuf.h"
#include "core/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void strbuf_init(strbuf *b)
{
    b->cap = 256;
    b->len = 0;
    b->s = xmalloc(b->cap);
    b->s[0] = '\0';
}

void strbuf_destroy(strbuf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

void strbuf_clear(strbuf *b)
{
    b->len = 0;
    b->s[0] = '\0';
}

void strbuf_putn(strbuf *b, const char *s, size_t n)
{
    size_t cap = b->cap;
    void *p = b->s;
    xgrow(&p, &cap, b->len + n + 1, 1);
    b->s = p;
    b->cap = cap;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void strbuf_puts(strbuf *b, const char *s) { strbuf_putn(b, s, strlen(s)); }

void strbuf_printf(strbuf *b, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n > 0) {
        size_t cap = b->cap;
        void *p = b->s;
        xgrow(&p, &cap, b->len + (size_t)n + 1, 1);
        b->s = p;
        b->cap = cap;
        vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap2);
        b->len += (size_t)n;
    }
    va_end(ap2);
}

void strbuf_prefix_lines(strbuf *b, const char *prefix, const char *text)
{
    while (*text != '\0') {
        const char *nl = strchr(text, '\n');
        size_t n = nl ? (size_t)(nl - text) : strlen(text);
        strbuf_puts(b, prefix);
        strbuf_putn(b, text, n);
        strbuf_puts(b, "\n");
        text += n + (nl ? 1 : 0);
    }
}
