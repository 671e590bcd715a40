/* device/pulse_relax.h -- the closed-form step shared by the behavioural pulse models (neurosim.c, soft_bounds.c, lut.c).
 *
 * Both models are linear in their state G while a pulse is on: dG/dt = c - q G (q = 0: a constant rate), so a
 * rectangular pulse of length t has the exact solution
 *   G(t) = G0 + (c - q G0) phi(t),   phi(t) = (1 - e^{-q t}) / q   (phi = t at q = 0),
 * which moves monotonically; it stops at the bound [lo, hi] it reaches (as the integrators clamp), at
 *   phi(t_b) = y = (G_b - G0) / (c - q G0),   t_b = -ln(1 - q y) / q.
 * The read is linear (i = G v), so the energy of the pulse is v^2 times the integral of G over it:
 *   int_0^t G = G0 t + (c - q G0) (t - phi(t)) / q.
 */
#ifndef CIM_DEVICE_PULSE_RELAX_H
#define CIM_DEVICE_PULSE_RELAX_H

#include <math.h>

/* phi(t) = (1 - e^{-q t}) / q, stably for small q t. */
static inline double pulse_relax_phi(double q, double t)
{
    return fabs(q * t) < 1e-12 ? t : -expm1(-q * t) / q;
}

/* (t - phi(t)) / q, the integral of phi from 0 to t, stably for small q t. */
static inline double pulse_relax_iphi(double q, double t)
{
    double u = q * t;
    if (fabs(u) < 1e-4)
        return t * t * (0.5 - u / 6.0 + u * u / 24.0);
    return (t - pulse_relax_phi(q, t)) / q;
}

/* The time at which phi reaches y >= 0 (a bound (G_b - G0) / (c - q G0) away): -ln(1 - q y) / q, y for q y -> 0,
 * 0 for y <= 0, INFINITY if never (1 - q y <= 0: the relaxation's asymptote lies short of the bound). */
static inline double pulse_relax_time_to(double q, double y)
{
    if (y <= 0)
        return 0;
    if (fabs(q * y) < 1e-12)
        return y;
    if (1.0 - q * y > 0)
        return -log1p(-q * y) / q;
    return INFINITY;
}

/* Moves *g by dG/dt = c - q G for t_s within [lo, hi]; returns the integral of G over the time (for the energy). */
static inline double pulse_relax(double *g, double c, double q, double t_s, double lo, double hi)
{
    double g0 = *g, rate = c - q * g0;
    if (rate == 0.0 || !(t_s > 0))
        return g0 * fmax(t_s, 0.0);
    double gb = rate > 0 ? hi : lo, y = (gb - g0) / rate; /* y >= 0 while g0 is inside the bounds */
    double t_b = pulse_relax_time_to(q, y);               /* time to the bound */
    if (t_s < t_b) {
        *g = g0 + rate * pulse_relax_phi(q, t_s);
        return g0 * t_s + rate * pulse_relax_iphi(q, t_s);
    }
    *g = gb;
    return g0 * t_b + rate * pulse_relax_iphi(q, t_b) + gb * (t_s - t_b);
}

#endif
