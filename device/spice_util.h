/* device/spice_util.h -- small helpers the models share when writing ngspice B-source expressions. */
#ifndef CIM_DEVICE_SPICE_UTIL_H
#define CIM_DEVICE_SPICE_UTIL_H

#include "core/strbuf.h"

/* "(e)*(e)*...": an integer power without pow(), which ngspice defines only for positive bases. */
static inline void spice_ipow(strbuf *out, const char *e, int n)
{
    strbuf_puts(out, "(");
    for (int i = 0; i < n; i++)
        strbuf_printf(out, "%s(%s)", i ? "*" : "", e);
    if (n == 0)
        strbuf_puts(out, "1");
    strbuf_puts(out, ")");
}

/* A real number with 17 significant digits (SPICE reads it back exactly). */
#define SPICE_G "%.17g"

#endif
