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

/* "Bs<k> 0 s<k> I=...": the source that moves state node s<k> (a unit capacitor) at the rate d (an expression,
 * node units per second) and stops it at its bounds [lo, hi] (node units), as the integrators' clamp does.
 * Not the clamp itself, "(at a bound and moving out) ? 0 : d": that rate jumps from d to 0 at the bound, and a
 * state driven into it (an abrupt SET) has no solution of ngspice's implicit step, x_new = x_old + h d(x_new)
 * (on one side it lands past the bound, on the other it does not move), so ngspice halves its step until
 * "timestep too small".  Here the outward rate falls linearly to 0 across a layer of SPICE_BOUND_LAYER node
 * units inside each bound: continuous in the state, so the step always has a solution (the state approaches the
 * bound exponentially, with time constant layer / |d|).  The state differs from the clamped one only inside the
 * layer, by 1e-6 of a node unit (1 fm of a gap in nm), which no current resolves. */
#define SPICE_BOUND_LAYER 1e-6
static inline void spice_bounded_rate(strbuf *out, int k, const char *d, double lo, double hi)
{
    double w = SPICE_BOUND_LAYER * (hi - lo < 1.0 ? hi - lo : 1.0);
    strbuf_printf(out,
                  "Bs%d 0 s%d I=(%s)>0 ? (%s)*min(max((" SPICE_G "-V(s%d))/" SPICE_G ",0),1) : (%s)*min(max((V(s%d)-"
                  SPICE_G ")/" SPICE_G ",0),1)\n",
                  k, k, d, d, hi, k, w, d, k, lo, w);
}

#endif
