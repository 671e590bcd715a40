/* exp/pulses.h -- the pulse-programming experiment (`cimsim device --pulses`).
 *
 * From the device's initial state: n_pulses potentiation pulses (v_pot_V), then n_pulses
 * depression pulses (v_dep_V), each a trapezoid (t_rise_s, t_width_s, t_rise_s) followed by t_gap_s
 * at 0 V, integrated with the device integrator.  After every pulse the conductance is read,
 * G = i(x, v_read) / v_read (an ideal, non-disturbing read), and the pulse's energy recorded.
 *
 * Metrics, as device papers report them:
 *  - G_max / G_min over both branches (dynamic range);
 *  - per branch, the NeuroSim nonlinearity: the normalised change from the branch's start,
 *    h = (G_k - G_0) / (G_n - G_0), fitted against p = k/n by h(p) = (1 - exp(-u p)) / (1 - exp(-u)),
 *    u = P_max / A (Chen, Peng & Yu, IEEE TCAD 2018; the LTD formula written in the depression-pulse
 *    count is this same form); A_norm = A / P_max = 1/u is mapped to the NL label through NeuroSim's
 *    published table (PARAMETERS.md section 4), interpolated in log-log.  u > 0: saturating (the usual
 *    case); u < 0: accelerating.  Labels follow NeuroSim's sign convention: + for a saturating
 *    potentiation, - for a saturating depression;
 *  - asymmetry |NL_pot| - |NL_dep|; mean energy per pulse per branch.
 * The number of distinguishable levels needs the cycle-to-cycle spread, which arrives with the
 * variability models (not yet built): it is reported as null.
 */
#ifndef CIM_EXP_PULSES_H
#define CIM_EXP_PULSES_H

#include "core/param.h"
#include "exp/device.h"

#include <jansson.h>

typedef struct pulses_params {
    long long n_pulses; /* pulses per branch */
    double v_pot_V;     /* potentiation pulse amplitude */
    double v_dep_V;     /* depression pulse amplitude */
    double t_width_s;   /* plateau */
    double t_rise_s;    /* rise and fall time */
    double t_gap_s;     /* time at 0 V after each pulse */
} pulses_params;

extern const param_group pulses_group;

typedef struct pulse_curve {
    size_t n;          /* 2 n_pulses + 1 reads: before any pulse, then after each */
    double *v_V;       /* amplitude of the pulse before read k (0 for the first) */
    double *g_S;       /* conductance read after pulse k */
    double *e_J;       /* energy of pulse k */
} pulse_curve;

/* Runs the trains on e's device (e prepared; its stimulus is not used). */
int exp_pulses_run(exp_device *e, const pulses_params *p, pulse_curve *out);
void pulse_curve_free(pulse_curve *c);

/* Fits the NeuroSim form to g[0..n] (n pulses); returns u = P_max / A; *sse gets the residual. */
double pulses_fit_u(const double *g, size_t n, double *sse);
/* The NeuroSim NL label for |A_norm| from the published table (NAN outside it). */
double pulses_nl_label(double a_norm);

/* The summary (new reference). */
json_t *exp_pulses_summary(const pulse_curve *c, const pulses_params *p);

#endif
