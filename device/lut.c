/* device/lut.c -- lookup-table pulse response: the change of G per pulse read off a measured table of dG against G.
 *
 * Source: the lookup-table devices of Sandia's CrossSim (its lookup-table generation from measured alternating SET and
 * RESET ramps: the step each pulse gave, binned by the conductance before it, per polarity, with the spread of the
 * steps in each bin) and of NeuroSim (its "RealDevice" curves given as measured conductance against pulse number).
 * Nothing is fitted to a formula: the table is the measurement (fit/pulse_lut.c builds one from a pulse-response CSV).
 * Table: bin centres G_j (g_S, increasing), the mean step per potentiating pulse f_p(G_j) (dg_pot_S, signed) and per
 * depressing pulse f_d(G_j) (dg_dep_S, signed: negative for a decrease), and the cycle-to-cycle sd of a step
 * s_p(G_j), s_d(G_j) (sigma_pot_S, sigma_dep_S).  Between centres f and s are linear in G; beyond the end centres
 * they keep the end values; G stays within [g_min_S, g_max_S] (the integrators clamp).
 * Dynamics: pulse number is time while |v| > v_threshold_V (v > 0 potentiates), at 1/t_pulse_s, and the table is
 * the rate dG/dP:
 *   dG/dt = (f(G) + z s(G)) / t_pulse_s,
 * with z ~ N(0, 1) drawn by the caller for each pulse (the c2c hook, device.h) and held over it.  f and s are
 * piecewise linear, so on each segment this is dG/dt = c - q G, solved exactly (pulse_relax.h) from knot to knot:
 * the pulse hook is the exact flow.  One pulse moves G by f(G) + z s(G) up to second order: where f varies, by
 * f (1 + f'/2 + ...) with f' = df/dG per pulse (the tables of measured ramps change by a small fraction over one
 * step).  Linear read, i = G v.
 * Default table: IBM aihwkit's SoftBoundsDevice defaults (dw_min 0.001 on w_max 0.6: alpha = 1/600; dw_min_std 0.3)
 * on 0..25 uS, sampled at 8 bin centres: f_p = (25 uS - G)/600, f_d = -G/600, s = 0.3 |f|.
 * Check value: a table with f_p = 0.01 S at every centre, z = 0: one pulse from 0.5 S gives 0.51 S exactly.
 */
#include "device/device.h"
#include "device/pulse_relax.h"
#include "core/status.h"

#include <math.h>

typedef struct lut_params {
    param_reals g_S;                      /* bin centres, strictly increasing */
    param_reals dg_pot_S, dg_dep_S;       /* mean step per pulse at the centres (signed) */
    param_reals sigma_pot_S, sigma_dep_S; /* cycle-to-cycle sd of a step at the centres */
    double g_min_S, g_max_S;              /* the range G is clamped to */
    double v_threshold_V;                 /* |v| above which the drive counts as a pulse */
    double t_pulse_s;                     /* the pulse width one table step stands for */
    double g0_frac;                       /* initial state */
    long long fit_n_bins;                 /* bins a fit builds (0: chosen from the data) */
    double z;                             /* derived (the c2c hook): the draw for the coming pulse */
} lut_params;

static int lut_check(const void *v)
{
    const lut_params *p = v;
    const param_reals *r[] = {&p->dg_pot_S, &p->dg_dep_S, &p->sigma_pot_S, &p->sigma_dep_S};
    const char *names[] = {"dg_pot_S", "dg_dep_S", "sigma_pot_S", "sigma_dep_S"};
    if (p->g_S.n < 2)
        return cim_error(CIM_ECONFIG, "g_S has %zu entry; a table needs at least 2 bin centres", p->g_S.n);
    for (int k = 0; k < 4; k++)
        if (r[k]->n != p->g_S.n)
            return cim_error(CIM_ECONFIG, "%s has %zu entries, but g_S has %zu (one per bin centre)", names[k], r[k]->n,
                             p->g_S.n);
    for (size_t j = 1; j < p->g_S.n; j++)
        if (!(p->g_S.v[j] > p->g_S.v[j - 1]))
            return cim_error(CIM_ECONFIG, "g_S must increase (entry %zu, \"%g\", follows \"%g\")", j + 1, p->g_S.v[j],
                             p->g_S.v[j - 1]);
    if (!(p->g_min_S < p->g_max_S))
        return cim_error(CIM_ECONFIG, "g_min_S (%g) must be less than g_max_S (%g)", p->g_min_S, p->g_max_S);
    return CIM_OK;
}

static const param_spec lut_spec[] = {
    PARAM_REALS_F(lut_params, g_S, 0, 1e3,
                  "[1.5625e-06, 4.6875e-06, 7.8125e-06, 1.09375e-05, 1.40625e-05, 1.71875e-05, 2.03125e-05, 2.34375e-05]",
                  "S", "bin centres of the table, increasing (8 bins on 0..25 uS) [aihwkit-devices]"),
    PARAM_REALS_F(lut_params, dg_pot_S, -1e3, 1e3,
                  "[3.90625e-08, 3.385417e-08, 2.864583e-08, 2.34375e-08, 1.822917e-08, 1.302083e-08, 7.8125e-09, "
                  "2.604167e-09]",
                  "S", "mean change of G per potentiating pulse at each centre (aihwkit soft bounds: (25 uS - G)/600) "
                       "[aihwkit-devices]"),
    PARAM_REALS_F(lut_params, dg_dep_S, -1e3, 1e3,
                  "[-2.604167e-09, -7.8125e-09, -1.302083e-08, -1.822917e-08, -2.34375e-08, -2.864583e-08, "
                  "-3.385417e-08, -3.90625e-08]",
                  "S", "mean change of G per depressing pulse at each centre, negative for a decrease (aihwkit soft "
                       "bounds: -G/600) [aihwkit-devices]"),
    PARAM_REALS_F(lut_params, sigma_pot_S, 0, 1e3,
                  "[1.171875e-08, 1.015625e-08, 8.59375e-09, 7.03125e-09, 5.46875e-09, 3.90625e-09, 2.34375e-09, "
                  "7.8125e-10]",
                  "S", "cycle-to-cycle sd of a potentiating step at each centre (0.3 of the step: dw_min_std) "
                       "[aihwkit-devices]"),
    PARAM_REALS_F(lut_params, sigma_dep_S, 0, 1e3,
                  "[7.8125e-10, 2.34375e-09, 3.90625e-09, 5.46875e-09, 7.03125e-09, 8.59375e-09, 1.015625e-08, "
                  "1.171875e-08]",
                  "S", "cycle-to-cycle sd of a depressing step at each centre (0.3 of the step: dw_min_std) "
                       "[aihwkit-devices]"),
    PARAM_REAL_F(lut_params, g_min_S, 0, 1e3, 0, "S", "lower bound of G (aihwkit maps weight 0 to G = 0) [aihwkit-pcm]"),
    PARAM_REAL_F(lut_params, g_max_S, 1e-15, 1e3, 25e-6, "S", "upper bound of G (g_max 25 uS) [aihwkit-pcm]"),
    PARAM_REAL_F(lut_params, v_threshold_V, 0, 1e3, 1.0, "V",
                 "|v| above which the drive is a pulse, v > 0 potentiating (a table counts pulses; any level above "
                 "the read voltage)"),
    PARAM_REAL_F(lut_params, t_pulse_s, 1e-15, 1e3, 10e-9, "s",
                 "drive time that counts as one table step (the pulses experiment's default width; a table has no "
                 "time)"),
    PARAM_REAL_F(lut_params, g0_frac, 0, 1, 0, "1", "initial conductance, fraction of the range above g_min_S"),
    PARAM_INT_F(lut_params, fit_n_bins, 0, 64, 0,
                "bins `cimsim fit` builds the table with (0: from the data, about sqrt(steps)/2, 4 to 32)"),
    PARAM_END,
};

static const param_group lut_group = {
    .path = "device.lut",
    .doc = "Lookup-table pulse response (CrossSim's and NeuroSim's measured-table devices): the step of G per "
           "potentiating or depressing pulse and its cycle-to-cycle sd against G, interpolated linearly; linear read. "
           "State G_S.",
    .params = lut_spec,
    .size = sizeof(lut_params),
    .check = lut_check,
};

static const device_var lut_state[] = {{"G_S", "S", 1e-6}};

static void lut_bounds(const void *v, double *lo, double *hi)
{
    const lut_params *p = v;
    lo[0] = p->g_min_S;
    hi[0] = p->g_max_S;
}

static void lut_init(const void *v, double T_K, double *x)
{
    const lut_params *p = v;
    (void)T_K;
    x[0] = p->g_min_S + p->g0_frac * (p->g_max_S - p->g_min_S);
}

static double lut_current(const void *v, const double *x, double v_V)
{
    (void)v;
    return x[0] * v_V;
}

/* The step per pulse at knot j for the polarity (with the held draw z). */
static double knot(const lut_params *p, int pot, size_t j)
{
    return pot ? p->dg_pot_S.v[j] + p->z * p->sigma_pot_S.v[j] : p->dg_dep_S.v[j] + p->z * p->sigma_dep_S.v[j];
}

/* dG/dt = c - q G on the segment of the table that G lies in, moving in direction dir (+1 up, -1 down: at a knot the
 * segment ahead), and that segment's ends [*s_lo, *s_hi] (infinite beyond the end centres). */
static void segment(const lut_params *p, int pot, double g, int dir, double *c, double *q, double *s_lo, double *s_hi)
{
    const double *x = p->g_S.v;
    size_t n = p->g_S.n;
    double tp = p->t_pulse_s;
    if (g < x[0] || (g == x[0] && dir < 0)) {
        *c = knot(p, pot, 0) / tp, *q = 0, *s_lo = -INFINITY, *s_hi = x[0];
        return;
    }
    if (g > x[n - 1] || (g == x[n - 1] && dir > 0)) {
        *c = knot(p, pot, n - 1) / tp, *q = 0, *s_lo = x[n - 1], *s_hi = INFINITY;
        return;
    }
    size_t j = 0; /* x[j] <= g <= x[j+1], the one ahead at a knot */
    while (j + 2 < n && (dir > 0 ? g >= x[j + 1] : g > x[j + 1]))
        j++;
    double f0 = knot(p, pot, j), s = (knot(p, pot, j + 1) - f0) / (x[j + 1] - x[j]);
    *c = (f0 - s * x[j]) / tp;
    *q = -s / tp;
    *s_lo = x[j];
    *s_hi = x[j + 1];
}

/* The rate at G for drive v (0 below the threshold). */
static double lut_rate(const lut_params *p, double g, double v_V)
{
    if (!(fabs(v_V) > p->v_threshold_V))
        return 0;
    double c, q, lo, hi;
    segment(p, v_V > 0, g, +1, &c, &q, &lo, &hi);
    return c - q * g;
}

static void lut_dxdt(const void *v, const double *x, double v_V, double T_K, double *dx)
{
    (void)T_K;
    dx[0] = lut_rate(v, x[0], v_V);
}

/* The exact flow for t_s, knot to knot; returns the integral of G over the time. */
static double lut_flow(const lut_params *p, double *g, double v_V, double t_s, double lo, double hi)
{
    double integral = 0, t = t_s;
    int pot = v_V > 0;
    for (size_t iter = 0; iter < p->g_S.n + 3 && t > 0; iter++) {
        double g0 = *g, r0 = lut_rate(p, g0, v_V);
        if (r0 == 0 || !(fabs(v_V) > p->v_threshold_V))
            break;
        int dir = r0 > 0 ? 1 : -1;
        double c, q, s_lo, s_hi;
        segment(p, pot, g0, dir, &c, &q, &s_lo, &s_hi);
        double rate = c - q * g0;
        if (rate == 0) /* a fixed point at the knot itself */
            break;
        double target = rate > 0 ? fmin(s_hi, hi) : fmax(s_lo, lo);
        double t_b = pulse_relax_time_to(q, (target - g0) / rate);
        if (t < t_b) {
            *g = g0 + rate * pulse_relax_phi(q, t);
            integral += g0 * t + rate * pulse_relax_iphi(q, t);
            t = 0;
            break;
        }
        integral += g0 * t_b + rate * pulse_relax_iphi(q, t_b);
        *g = target;
        t -= t_b;
        if (target == hi || target == lo)
            break; /* at the device's bound: it stays */
    }
    return integral + *g * fmax(t, 0.0);
}

static int lut_pulse(const void *v, double *x, const double *lo, const double *hi, double v_V, double t_s, double T_K,
                     double *e_J)
{
    (void)T_K;
    *e_J = v_V * v_V * lut_flow(v, &x[0], v_V, t_s, lo[0], hi[0]);
    return 1;
}

static void lut_c2c(void *v, double z) { ((lut_params *)v)->z = z; }

const device_type device_lut = {
    .name = "lut",
    .title = "Lookup-table pulse response: measured dG per pulse against G for each polarity, C2C noise",
    .citation = "Sandia CrossSim lookup-table devices (github.com/sandialabs/cross-sim); NeuroSim RealDevice (Chen, Peng & "
                "Yu, IEEE TCAD 37, 3067 (2018)); default table from IBM aihwkit's SoftBoundsDevice defaults",
    .params = &lut_group,
    .n_state = 1,
    .state = lut_state,
    .bounds = lut_bounds,
    .init = lut_init,
    .dxdt = lut_dxdt,
    .current_A = lut_current,
    .pulse = lut_pulse,
    .c2c = lut_c2c,
};
