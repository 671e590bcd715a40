/* device/neurosim.c -- NeuroSim's behavioural analog synapse: conductance against pulse number, exponential.
 *
 * Source: P.-Y. Chen, X. Peng & S. Yu, "NeuroSim: a circuit-level macro model for benchmarking neuro-inspired
 * architectures in online learning", IEEE TCAD 37, 3067 (2018), and the NeuroSim MLP code (formula.cpp,
 * Cell.cpp: NonlinearWeight, InvNonlinearWeight, getParamA).  After P potentiating pulses from G_min,
 *   G_ltp(P) = B_p (1 - e^{-P/A_p}) + G_min,           B_p = (G_max - G_min) / (1 - e^{-P_max/A_p}),
 * and after P depressing pulses from G_max the mirror
 *   G_ltd(P) = G_max - B_d (1 - e^{-P/A_d}),            B_d = (G_max - G_min) / (1 - e^{-P_max/A_d}),
 * so P_max = n_levels pulses cross the whole range (depression: n_levels_ltd when set, as NeuroSim's separate
 * maxNumLevelLTP and maxNumLevelLTD).  A = A_norm(|NL|) P_max, A_norm from NeuroSim's table of the
 * nonlinearity label NL (Nonlinearity-NormA.htm; log-log interpolated between entries, and the first segment
 * extended below NL = 0.04, where A_norm ~ 1.26/NL -> the linear limit at NL = 0).  Sign convention as
 * NeuroSim's labels: NL_ltp > 0 and NL_ltd < 0 are the usual saturating curves (A > 0); the other signs give
 * accelerating ones (A < 0, same formulas).
 * NeuroSim steps a device by inverting the curve at its present G and advancing P; since dG/dP on either curve
 * is linear in G,
 *   dG/dP = (G_inf - G) / A,   G_inf = G_min + B_p (potentiation), G_max - B_d (depression),
 * the same update is this ODE, and the state is G itself.  Pulse number is time while the drive is on: |v| above
 * v_threshold_V advances P at 1/t_pulse_s (v > 0 potentiates, v < 0 depresses), so a pulse of t_pulse_s is one
 * NeuroSim pulse and the closed form (pulse_relax.h) equals the integration.  The read is linear, i = G v.
 * Cycle-to-cycle noise as NeuroSim's sigmaCtoC: each pulse's end point moves by N(0, sigma_c2c (G_max - G_min));
 * z ~ N(0,1) comes through the c2c hook (device.h) from the caller's stream and enters the ODE as the constant
 * rate n = sigma_c2c (G_max - G_min) z / (A (1 - e^{-1/A})) per pulse, which moves one full pulse's end point by
 * exactly sigma_c2c (G_max - G_min) z.
 * Defaults: NeuroSim's Ag:a-Si synapse ("RealDevice", Jo et al. 2010): G 3.08-38.46 nS, NL +2.4 / -4.88, 100
 * levels (NeuroSim uses 97 for LTP; one count here), 300 us pulses, C2C 3.5 % of the range.
 * Check value: NL = 1 (A_norm 1.252), P_max = 100, G 0..1 S: one pulse from G_min gives
 * G = (1 - e^{-1/125.2}) / (1 - e^{-1/1.252}) = 0.0144618 S (tests/test_pulse_models.c).
 */
#include "device/device.h"
#include "device/pulse_relax.h"
#include "core/status.h"

#include <math.h>

typedef struct neurosim_params {
    double g_min_S, g_max_S; /* conductance range */
    double nl_ltp, nl_ltd;   /* NeuroSim nonlinearity labels */
    long long n_levels;      /* P_max: pulses across the whole range (potentiation; depression too unless below) */
    long long n_levels_ltd;  /* P_max of depression (NeuroSim's maxNumLevelLTD); 0: n_levels */
    double v_threshold_V;    /* |v| above which the drive counts as a pulse */
    double t_pulse_s;        /* the pulse width one NeuroSim pulse stands for */
    double sigma_c2c;        /* per-pulse C2C sigma, fraction of G_max - G_min */
    double g0_frac;          /* initial state, fraction of the range above G_min */
    double z;                /* derived (the c2c hook): the standard normal draw for the coming pulse */
} neurosim_params;

static int neurosim_check(const void *v)
{
    const neurosim_params *p = v;
    if (!(p->g_min_S < p->g_max_S))
        return cim_error(CIM_ECONFIG, "g_min_S (%g) must be less than g_max_S (%g)", p->g_min_S, p->g_max_S);
    return CIM_OK;
}

static const param_spec neurosim_spec[] = {
    PARAM_REAL_F(neurosim_params, g_min_S, 0, 1e3, 3.0769e-9, "S",
                 "minimum conductance (Ag:a-Si, 1/325 Mohm) [NeuroSim-MLP-Cell]"),
    PARAM_REAL_F(neurosim_params, g_max_S, 1e-15, 1e3, 3.8462e-8, "S",
                 "maximum conductance (Ag:a-Si, 1/26 Mohm; on/off 12.5) [NeuroSim-MLP-Cell]"),
    PARAM_REAL_F(neurosim_params, nl_ltp, -9, 9, 2.4, "1",
                 "potentiation nonlinearity label NL (> 0 saturating; Ag:a-Si) [NeuroSim-V3-manual]"),
    PARAM_REAL_F(neurosim_params, nl_ltd, -9, 9, -4.88, "1",
                 "depression nonlinearity label NL (< 0 saturating; Ag:a-Si) [NeuroSim-V3-manual]"),
    PARAM_INT_F(neurosim_params, n_levels, 1, 1e9, 100,
                "P_max: pulses across the whole range (Ag:a-Si LTD; NeuroSim has 97 for LTP) [NeuroSim-V3-manual]"),
    PARAM_INT_F(neurosim_params, n_levels_ltd, 0, 1e9, 0,
                "P_max of depression when it differs (NeuroSim's maxNumLevelLTD; Ag:a-Si 100); 0: n_levels "
                "[NeuroSim-V3-manual]"),
    PARAM_REAL_F(neurosim_params, v_threshold_V, 0, 1e3, 1.0, "V",
                 "|v| above which the drive is a pulse, v > 0 potentiating (between NeuroSim's 0.5 V read and its "
                 "+3.2/-2.8 V Ag:a-Si writes) [NeuroSim-MLP-Cell]"),
    PARAM_REAL_F(neurosim_params, t_pulse_s, 1e-15, 1e3, 300e-6, "s",
                 "drive time that counts as one pulse (Ag:a-Si write pulse width) [NeuroSim-V3-manual]"),
    PARAM_REAL_F(neurosim_params, sigma_c2c, 0, 1, 0.035, "1",
                 "cycle-to-cycle sigma of each pulse's end point, fraction of g_max - g_min (sigmaCtoC) "
                 "[NeuroSim-MLP-Cell]"),
    PARAM_REAL_F(neurosim_params, g0_frac, 0, 1, 0, "1", "initial conductance, fraction of the range above g_min_S"),
    PARAM_END,
};

static const param_group neurosim_group = {
    .path = "device.neurosim",
    .doc = "NeuroSim's behavioural synapse (Chen, Peng & Yu, IEEE TCAD 2018): G against pulse number, exponential "
           "with the nonlinearity labels NL_ltp, NL_ltd; linear read; cycle-to-cycle noise per pulse.  State G_S.",
    .params = neurosim_spec,
    .size = sizeof(neurosim_params),
    .check = neurosim_check,
};

static const device_var neurosim_state[] = {{"G_S", "S", 1e-6}};

/* NeuroSim's table: NL label -> A / P_max (Nonlinearity-NormA.htm, getParamA in Cell.cpp). */
static const double nl_tab[] = {0.04, 0.1, 0.2, 0.5, 1.0, 1.46, 1.75, 2.0, 2.4, 3.0, 3.68, 4.88, 6.76, 9.0};
static const double a_tab[] = {31.57, 12.63, 6.311, 2.520, 1.252, 0.849, 0.702, 0.609, 0.499, 0.387, 0.301, 0.200,
                               0.100, 0.023};

/* A / P_max of the label |nl|: log-log between entries, the end segments extended; INFINITY at 0 (linear). */
static double a_norm_of(double nl)
{
    nl = fabs(nl);
    if (nl == 0)
        return INFINITY;
    size_t n = sizeof nl_tab / sizeof *nl_tab, i = 1;
    while (i < n - 1 && nl > nl_tab[i])
        i++;
    double f = log(nl / nl_tab[i - 1]) / log(nl_tab[i] / nl_tab[i - 1]);
    return exp(log(a_tab[i - 1]) + f * log(a_tab[i] / a_tab[i - 1]));
}

static void neurosim_bounds(const void *v, double *lo, double *hi)
{
    const neurosim_params *p = v;
    lo[0] = p->g_min_S;
    hi[0] = p->g_max_S;
}

static void neurosim_init(const void *v, double T_K, double *x)
{
    const neurosim_params *p = v;
    (void)T_K;
    x[0] = p->g_min_S + p->g0_frac * (p->g_max_S - p->g_min_S);
}

static double neurosim_current(const void *v, const double *x, double v_V)
{
    (void)v;
    return x[0] * v_V;
}

/* dG/dt = c - q G for drive v (0, 0 below the threshold). */
static void neurosim_rate(const neurosim_params *p, double v_V, double *c, double *q)
{
    *c = *q = 0;
    if (!(fabs(v_V) > p->v_threshold_V))
        return;
    int pot = v_V > 0;
    double range = p->g_max_S - p->g_min_S, tp = p->t_pulse_s;
    double P = (double)(!pot && p->n_levels_ltd > 0 ? p->n_levels_ltd : p->n_levels);
    double sign = pot ? (p->nl_ltp >= 0 ? 1 : -1) : (p->nl_ltd <= 0 ? 1 : -1);
    double A = sign * a_norm_of(pot ? p->nl_ltp : p->nl_ltd) * P, noise = p->sigma_c2c * range * p->z;
    if (isinf(A)) { /* NL = 0: linear */
        *c = ((pot ? 1 : -1) * range / P + noise) / tp;
        return;
    }
    double B = range / -expm1(-P / A), g_inf = pot ? p->g_min_S + B : p->g_max_S - B;
    noise /= -A * expm1(-1.0 / A);
    *c = (g_inf / A + noise) / tp;
    *q = 1.0 / (A * tp);
}

static void neurosim_dxdt(const void *v, const double *x, double v_V, double T_K, double *dx)
{
    double c, q;
    (void)T_K;
    neurosim_rate(v, v_V, &c, &q);
    dx[0] = c - q * x[0];
}

static int neurosim_pulse(const void *v, double *x, const double *lo, const double *hi, double v_V, double t_s,
                          double T_K, double *e_J)
{
    double c, q;
    (void)T_K;
    neurosim_rate(v, v_V, &c, &q);
    *e_J = v_V * v_V * pulse_relax(&x[0], c, q, t_s, lo[0], hi[0]);
    return 1;
}

static void neurosim_c2c(void *v, double z) { ((neurosim_params *)v)->z = z; }

const device_type device_neurosim = {
    .name = "neurosim",
    .title = "NeuroSim behavioural synapse: exponential G against pulse number, nonlinearity labels, C2C noise",
    .citation = "Chen, Peng & Yu, IEEE TCAD 37, 3067 (2018); NeuroSim MLP code (formula.cpp, Cell.cpp) and V3.0 "
                "manual (Ag:a-Si defaults, Jo et al., Nano Lett. 10, 1297 (2010))",
    .params = &neurosim_group,
    .n_state = 1,
    .state = neurosim_state,
    .bounds = neurosim_bounds,
    .init = neurosim_init,
    .dxdt = neurosim_dxdt,
    .current_A = neurosim_current,
    .pulse = neurosim_pulse,
    .c2c = neurosim_c2c,
};
