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
 *    published table (docs/parameters.md#pulse-programming-metrics), interpolated in log-log.  u > 0:
 *    saturating (the usual case); u < 0: accelerating.  Labels follow NeuroSim's sign convention: + for a saturating
 *    potentiation, - for a saturating depression;
 *  - asymmetry |NL_pot| - |NL_dep|; mean energy per pulse per branch.
 * The whole potentiation + depression cycle is repeated n_cycles times on the same device (each pulse
 * a switching event: cycle-to-cycle redraws, ageing; every read with read noise, device/variability.h).
 * The fits use the mean curve over cycles; the spread over cycles gives
 *  - distinguishable levels per branch: walking the mean state curve from the branch's start, a state is
 *    a new level when its mean differs from the last level's by at least n_sigma (sigma_a + sigma_b), i.e.
 *    their +-n_sigma bands do not overlap.  sigma is what a read of that state scatters by: the state's
 *    cycle-to-cycle spread (the standard deviation over cycles of the noiseless reads, counted when
 *    variability.c2c is configured and n_cycles >= 2) and the read noise at the mean state (the closed form
 *    variability_read_sigma_A, when variability.read is configured), added in quadrature.  The spread of
 *    the noisy reads already holds the read noise once; the noiseless one keeps it from being counted twice,
 *    and gives read noise its full weight with a single cycle.  With neither, nothing separates two states
 *    but a difference in the last digit: the levels are undefined (null, with the reason), not a count;
 *  - the NeuroSim C2C sigma: the standard deviation over cycles of the per-pulse step Delta G, RMS over
 *    the branch, as a fraction of G_max - G_min (NeuroSim's sigma_C2C, docs/parameters.md).
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
    double v_pot_step_V; /* added to the potentiation amplitude after each pulse (non-identical pulses) */
    double v_dep_step_V; /* added to the depression amplitude after each pulse */
    double t_width_s;   /* plateau */
    double t_rise_s;    /* rise and fall time */
    double t_gap_s;     /* time at 0 V after each pulse */
    long long n_cycles; /* repetitions of the potentiation + depression cycle */
    int closed_form;    /* use the model's closed-form pulse response where it applies */
    double levels_n_sigma; /* separation of distinguishable levels, in standard deviations */
} pulses_params;

extern const param_group pulses_group;

typedef struct pulse_curve {
    size_t n;          /* 2 n_pulses + 1 reads per cycle: before the cycle's first pulse, then after each */
    size_t n_cycles;
    double *v_V;       /* [n] amplitude of the pulse before read k (0 for the first) */
    double *g_S;       /* [n_cycles][n] conductance read after pulse k of cycle c */
    double *e_J;       /* [n_cycles][n] energy of pulse k of cycle c */
    double *g_mean_S;  /* [n] mean over cycles */
    double *g_std_S;   /* [n] standard deviation over cycles (0 for one cycle) */
    double *e_mean_J;  /* [n] */
    double *g_state_S; /* [n_cycles][n] the same reads without read noise: the state's own conductance */
    double *g_state_mean_S; /* [n] mean over cycles */
    double *g_state_std_S;  /* [n] standard deviation over cycles (0 for one cycle) */
    double *g_read_sd_S;    /* [n] read-noise sigma of a read at the mean state, in S (0 without read noise) */
    int c2c_spread;    /* the state's spread counts: variability.c2c configured and n_cycles >= 2 */
    int c2c_configured;/* variability.c2c configured (with one cycle its spread cannot be measured) */
    int read_noise;    /* variability.read configured (bandwidth > 0 and a noise source on) */
    int stuck;         /* the device was stuck (0, +1 ON, -1 OFF) at the end */
    size_t n_fast;     /* pulses computed by the closed form (the rest were integrated) */
} pulse_curve;

/* Runs the cycles on e's device (e prepared; its stimulus is not used).  Random streams of run.seed:
 * "pulses.c2c" (switching events), "pulses.read" (read noise). */
int exp_pulses_run(exp_device *e, const pulses_params *p, pulse_curve *out, progress *prog);
/* prog (may be NULL) is started here and counts the run's units of work (pulses, cycle-grid points, targets). */
void pulse_curve_free(pulse_curve *c);

/* Fits the NeuroSim form to g[0..n] (n pulses); returns u = P_max / A; *sse gets the residual. */
double pulses_fit_u(const double *g, size_t n, double *sse);
/* The NeuroSim NL label for |A_norm| from the published table (NAN outside it). */
double pulses_nl_label(double a_norm);
/* Distinguishable levels along mean[0..n] with standard deviations sd[0..n] (rule above).  The rule alone:
 * with sd all 0 it counts every distinct value, so callers decide first whether a spread exists
 * (pulses_level_sigma). */
size_t pulses_levels(const double *mean, const double *sd, size_t n, double n_sigma);
/* The sigma of the level rule for reads first..first+n of c into sd[0..n] (rule above).  Returns which parts
 * it holds, PULSES_SIGMA_C2C | PULSES_SIGMA_READ, or 0 when there is no spread: the levels are undefined and
 * *why (if not NULL) gets the reason. */
enum { PULSES_SIGMA_C2C = 1, PULSES_SIGMA_READ = 2 };
int pulses_level_sigma(const pulse_curve *c, size_t first, size_t n, double *sd, const char **why);

/* The summary (new reference). */
json_t *exp_pulses_summary(const pulse_curve *c, const pulses_params *p);

#endif
