/* core/strbuf.h -- a growable string: the library formats text (config dumps, docs, CSV headers)
 * into one of these and the caller decides where it goes, so library code never prints. */
#ifndef CIM_STRBUF_H
#define CIM_STRBUF_H

#include <stddef.h>

typedef struct strbuf {
    char *s;    /* NUL-terminated contents, never NULL after strbuf_init */
    size_t len; /* strlen(s) */
    size_t cap; /* bytes allocated */
} strbuf;

void strbuf_init(strbuf *b);
void strbuf_destroy(strbuf *b);
void strbuf_clear(strbuf *b);
void strbuf_puts(strbuf *b, const char *s);
void strbuf_putn(strbuf *b, const char *s, size_t n);
void strbuf_printf(strbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Appends each line of text with prefix before it (used to put a config dump into CSV comments). */
void strbuf_prefix_lines(strbuf *b, const char *prefix, const char *text);

#endif
