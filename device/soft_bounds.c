/* device/soft_bounds.c -- soft-bounds pulse response: each pulse moves G a fixed fraction of the way to its bound.
 *
 * Source: IBM aihwkit's SoftBoundsDevice (Rasch et al., AICAS 2021; aihwkit simulator/configs/devices.py; in its C++
 * core a LinearStep device with the slope set to vanish at the bounds, rpu_linearstep_device.h/.cpp): a potentiating
 * pulse adds dG = alpha_pot (G_max - G), a depressing one subtracts alpha_dep (G - G_min), so steps shrink toward
 * either bound (Fuller et al. and Gong et al. fit such curves to ECRAM and ReRAM).  In aihwkit's weight units the up
 * step is dw_min (1 - w/w_max) and the down step dw_min (1 - w/w_min), so alpha = dw_min/w_max (dw_min/|w_min|).
 * aihwkit's cycle-to-cycle noise (dw_min_std, multiplicative by default: mult_noise) scales each step by
 * (1 + sigma_c2c z) with a fresh z ~ N(0,1) per pulse, drawn here by the caller from its own stream and handed over
 * through the c2c hook (device.h).  As in aihwkit the factor is not clipped: 1 + sigma z < 0 reverses the step; a
 * step reaching past the bound ends at it (aihwkit clips the weight there).
 * As a rate while |v| > v_threshold_V (v > 0 potentiates), with k = -ln(1 - alpha (1 + sigma_c2c z)) / t_pulse_s,
 *   dG/dt = k (G_max - G)   or   dG/dt = -k (G - G_min),
 * so one pulse of t_pulse_s gives exactly aihwkit's step, and the closed form is pulse_relax.h.  Linear read.
 * Defaults: aihwkit PulsedDevice, dw_min 0.001 on a weight bound of 0.6, i.e. alpha = 0.001/0.6 = 1/600 per pulse,
 * dw_min_std 0.3; G range 0..25 uS (aihwkit's g_max for weight-to-conductance mapping).
 * Check value: alpha 0.1, G 0..1 S, from G_min: k pulses give G = 1 - 0.9^k (two pulses: 0.19 S).
 */
#include "device/device.h"
#include "device/pulse_relax.h"
#include "core/status.h"

#include <math.h>

typedef struct soft_bounds_params {
    double g_min_S, g_max_S;       /* the bounds */
    double alpha_pot, alpha_dep;   /* fraction of the distance to the bound covered by one pulse */
    double v_threshold_V;          /* |v| above which the drive counts as a pulse */
    double t_pulse_s;              /* the pulse width one step stands for */
    double sigma_c2c;              /* relative cycle-to-cycle sigma of each step */
    double g0_frac;                /* initial state */
    double z;                      /* derived (the c2c hook): the draw for the coming pulse */
} soft_bounds_params;

static int soft_bounds_check(const void *v)
{
    const soft_bounds_params *p = v;
    if (!(p->g_min_S < p->g_max_S))
        return cim_error(CIM_ECONFIG, "g_min_S (%g) must be less than g_max_S (%g)", p->g_min_S, p->g_max_S);
    return CIM_OK;
}

static const param_spec soft_bounds_spec[] = {
    PARAM_REAL_F(soft_bounds_params, g_min_S, 0, 1e3, 0, "S", "lower bound of G (aihwkit maps weight 0 to G = 0) [aihwkit-pcm]"),
    PARAM_REAL_F(soft_bounds_params, g_max_S, 1e-15, 1e3, 25e-6, "S", "upper bound of G (g_max 25 uS) [aihwkit-pcm]"),
    PARAM_REAL_F(soft_bounds_params, alpha_pot, 0, 0.999, 1.0 / 600, "1",
                 "fraction of G_max - G added per potentiating pulse (dw_min 0.001 / w_max 0.6) [aihwkit-devices]"),
    PARAM_REAL_F(soft_bounds_params, alpha_dep, 0, 0.999, 1.0 / 600, "1",
                 "fraction of G - G_min removed per depressing pulse (symmetric: up_down 0) [aihwkit-devices]"),
    PARAM_REAL_F(soft_bounds_params, v_threshold_V, 0, 1e3, 1.0, "V",
                 "|v| above which the drive is a pulse, v > 0 potentiating (aihwkit counts pulses; any level above "
                 "the read voltage)"),
    PARAM_REAL_F(soft_bounds_params, t_pulse_s, 1e-15, 1e3, 10e-9, "s",
                 "drive time that counts as one pulse (the pulses experiment's default width; aihwkit has no time)"),
    PARAM_REAL_F(soft_bounds_params, sigma_c2c, 0, 100, 0.3, "1",
                 "relative cycle-to-cycle sigma of each step (dw_min_std; above 1 steps often reverse, as in "
                 "noise-dominated data) [aihwkit-devices]"),
    PARAM_REAL_F(soft_bounds_params, g0_frac, 0, 1, 0, "1", "initial conductance, fraction of the range above g_min_S"),
    PARAM_END,
};

static const param_group soft_bounds_group = {
    .path = "device.soft_bounds",
    .doc = "Soft-bounds pulse response (aihwkit SoftBoundsDevice): each pulse moves G the fraction alpha of the way "
           "to its bound, with multiplicative cycle-to-cycle noise on the step; linear read.  State G_S.",
    .params = soft_bounds_spec,
    .size = sizeof(soft_bounds_params),
    .check = soft_bounds_check,
};

static const device_var soft_bounds_state[] = {{"G_S", "S", 1e-6}};

static void soft_bounds_bounds(const void *v, double *lo, double *hi)
{
    const soft_bounds_params *p = v;
    lo[0] = p->g_min_S;
    hi[0] = p->g_max_S;
}

static void soft_bounds_init(const void *v, double T_K, double *x)
{
    const soft_bounds_params *p = v;
    (void)T_K;
    x[0] = p->g_min_S + p->g0_frac * (p->g_max_S - p->g_min_S);
}

static double soft_bounds_current(const void *v, const double *x, double v_V)
{
    (void)v;
    return x[0] * v_V;
}

/* dG/dt = c - q G for drive v. */
static void soft_bounds_rate(const soft_bounds_params *p, double v_V, double *c, double *q)
{
    *c = *q = 0;
    if (!(fabs(v_V) > p->v_threshold_V))
        return;
    int pot = v_V > 0;
    double a = (pot ? p->alpha_pot : p->alpha_dep) * (1.0 + p->sigma_c2c * p->z);
    a = fmin(a, 0.999999); /* a >= 1 would overshoot: aihwkit clips at the bound, here the step ends there; a < 0
                              (1 + sigma z < 0) reverses the step, as aihwkit's factor is not clipped */
    double k = -log1p(-a) / p->t_pulse_s;
    *q = k;
    *c = k * (pot ? p->g_max_S : p->g_min_S);
}

static void soft_bounds_dxdt(const void *v, const double *x, double v_V, double T_K, double *dx)
{
    double c, q;
    (void)T_K;
    soft_bounds_rate(v, v_V, &c, &q);
    dx[0] = c - q * x[0];
}

static int soft_bounds_pulse(const void *v, double *x, const double *lo, const double *hi, double v_V, double t_s,
                             double T_K, double *e_J)
{
    double c, q;
    (void)T_K;
    soft_bounds_rate(v, v_V, &c, &q);
    *e_J = v_V * v_V * pulse_relax(&x[0], c, q, t_s, lo[0], hi[0]);
    return 1;
}

static void soft_bounds_c2c(void *v, double z) { ((soft_bounds_params *)v)->z = z; }

const device_type device_soft_bounds = {
    .name = "soft_bounds",
    .title = "Soft-bounds pulse response (aihwkit SoftBounds): dG = alpha (G_max - G) per pulse, C2C noise",
    .citation = "Rasch et al., AICAS 2021 (IBM aihwkit SoftBoundsDevice, PulsedDevice defaults); Gong et al., "
                "Nat. Commun. 9, 2102 (2018)",
    .params = &soft_bounds_group,
    .n_state = 1,
    .state = soft_bounds_state,
    .bounds = soft_bounds_bounds,
    .init = soft_bounds_init,
    .dxdt = soft_bounds_dxdt,
    .current_A = soft_bounds_current,
    .pulse = soft_bounds_pulse,
    .c2c = soft_bounds_c2c,
};
