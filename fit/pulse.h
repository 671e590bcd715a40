/* fit/pulse.h -- fitting NeuroSim's nonlinear update (device/neurosim.c) to a measured pulse response.
 *
 * Data: the normalised pulse-response CSV `pulse,g_S,polarity` (the format of the project's measured sets): a running
 * pulse count, the conductance read after that pulse in siemens, +1 for a potentiating and -1 for a depressing
 * pulse.  A file whose second column is `g_norm` (normalised, arbitrary units: the Gong 2018 set) is refused
 * unless the caller passes normalised = 1, and then only such a file is read; the fitted G values are then in
 * the file's units.
 *
 * Method.  On either NeuroSim branch dG/dP = (G_inf - G)/A is linear in G, so one pulse maps
 *   G_{k+1} = a + b G_k,   b = e^{-1/A},   a = G_inf (1 - b),
 * and NeuroSim's cycle-to-cycle noise is added to each pulse's end point, from which the next pulse starts: the
 * branch is an AR(1) process and least squares of G_{k+1} on the measured G_k (gsl_fit_linear, every consecutive
 * pair of reads within a run of same-polarity pulses, over all runs) is its maximum-likelihood fit, where fitting
 * whole curves would count the accumulated random walk as independent errors.  The range [G_min, G_max] is robust
 * (pulse_robust_range: quantiles widened to the clamped reads, outlier spikes left out); reads outside it enter no
 * pair, pairs whose later read sits at the range's ends (a clamped step) are left out, and pairs whose residual
 * exceeds 5 MAD sigmas are outliers.  From (a, b) and the range follow
 *   A = -1/ln b,  B = G_inf - G_min (potentiation) or G_max - G_inf (depression),
 *   P_max = -A ln(1 - (G_max - G_min)/B),  A_norm = A/P_max,
 * and the label NL from A_norm through NeuroSim's table (signed: + saturating potentiation, - saturating
 * depression, as device.neurosim.nl_ltp/nl_ltd).  Standard errors of NL and P_max by the delta method from
 * the covariance of (a, b).  The residuals are the per-pulse noise: c2c_sigma_frac = their standard deviation
 * / (G_max - G_min), NeuroSim's sigma_c2c.  Read noise in G_k biases b toward 0 (errors in the regressor);
 * negligible while it is small against the C2C noise.
 */
#ifndef CIM_FIT_PULSE_H
#define CIM_FIT_PULSE_H

#include "core/param.h"

#include <stddef.h>

typedef struct pulse_data {
    size_t n;          /* rows */
    double *pulse;     /* running pulse count, strictly increasing */
    double *g;         /* conductance (S; the file's units when normalised) */
    int *polarity;     /* +1 potentiating, -1 depressing */
    size_t *line;      /* file line of each row, for messages */
    int normalised;    /* the column was g_norm */
} pulse_data;

/* Reads a pulse-response CSV.  CIM_EIO with FILE:LINE:COLUMN for a non-number or NaN (core/csv.c), a missing or
 * misnamed column, a polarity other than +1/-1, a pulse count that does not increase, fewer than 4 rows, and a
 * g_norm column unless normalised (then a g_S column is refused). */
int pulse_data_read(const char *path, int normalised, pulse_data *d);
void pulse_data_free(pulse_data *d);

/* One branch's fit. */
typedef struct pulse_branch_fit {
    int polarity;                /* +1 potentiation, -1 depression */
    size_t n_runs, n_steps;      /* runs of this polarity, pulse pairs used */
    double a, b, cov_aa, cov_ab, cov_bb; /* the one-pulse map G' = a + b G and its covariance */
    double A_pulses, A_se;       /* A in pulses */
    double g_inf, g_inf_se;      /* the asymptote of the exponential (S) */
    double n_levels, n_levels_se; /* P_max: pulses across the range on the fitted curve */
    double a_norm;               /* A / P_max */
    double nl, nl_se;            /* signed NeuroSim label (NAN outside its table: 0.04 <= |NL| <= 9 extended) */
    double rms;                  /* RMS of the one-pulse residuals (S) */
    double r2;                   /* 1 - SS_res / SS_tot of the steps G_{k+1} - G_k */
    double c2c_sigma_frac;       /* residual standard deviation / (G_max - G_min) */
    double resid_sd;             /* residual standard deviation (S; of the weighted residuals in a weighted fit) */
    double resid_lag1;           /* correlation of the residuals of consecutive pulses: ~0 for pulse-to-pulse (AR(1))
                                    noise, toward -0.5 when read noise dominates (then the map is biased) */
    size_t n_rejected;           /* pairs left out as outliers (residual beyond 5 MAD sigmas) */
    int curve;                   /* 1: read noise dominated (resid_lag1 < PULSE_READ_NOISE_LAG1) and (a, b) are from
                                    the whole-curve fit (pulse_fit_neurosim) */
    double read_sigma_frac;      /* the read-noise sd / (G_max - G_min) (curve fits; 0 otherwise) */
} pulse_branch_fit;

typedef struct pulse_fit {
    double g_min, g_max;         /* the robust range (S; pulse_robust_range) */
    size_t n_outside;            /* reads outside it (outliers, left out of every pair) */
    pulse_branch_fit ltp, ltd;
} pulse_fit;

/* The robust conductance range of the data: the PULSE_RANGE_QUANTILE and 1 - PULSE_RANGE_QUANTILE quantiles of all
 * reads, widened to the most extreme reads within PULSE_RANGE_FENCE robust sigmas of the one-pulse steps beyond
 * them.  Clamped reads at a device's bounds lie within a few steps of the quantiles, so the range reaches them
 * (the bounds of data made by a model are recovered exactly); an outlier spike lies further out and is left out.
 * *n_outside (may be NULL): the reads outside the range. */
#define PULSE_RANGE_QUANTILE 0.01
#define PULSE_RANGE_FENCE 5.0
#define PULSE_READ_NOISE_LAG1 (-0.25)
void pulse_robust_range(const pulse_data *d, double *g_min, double *g_max, size_t *n_outside);

/* 1.4826 times the median absolute deviation of v[0..n) (reorders v): a standard deviation that outliers do not move. */
double pulse_mad_sigma(double *v, size_t n);

/* The one-pulse map G' = a + b G of one branch (polarity pol) over the pairs inside [g_min, g_max], without the
 * NeuroSim quantities: least squares, or (weighted) weights 1/(gap to the fitted asymptote)^2 for noise
 * proportional to the step (soft bounds).  Fills a, b, the covariance, n_runs, n_steps, rms, r2, resid_sd,
 * resid_lag1, n_rejected. */
int pulse_fit_branch_map(const pulse_data *d, int pol, double g_min, double g_max, int weighted, pulse_branch_fit *f);

/* The whole-curve fit of one branch (below): a, b and their covariance, n_steps (reads), rms, resid_sd (the
 * pulse-to-pulse sd s_c, S), read_sigma_frac (s_r / (g_max - g_min)), curve = 1; [*c_lo, *c_hi] the fitted curves'
 * extent. */
int pulse_fit_branch_curve(const pulse_data *d, int pol, double g_min, double g_max, pulse_branch_fit *f,
                           double *c_lo, double *c_hi);

/* Fits both branches.  A branch whose one-pulse residuals anticorrelate (resid_lag1 < PULSE_READ_NOISE_LAG1: the
 * noise is mostly in the reads, not carried from pulse to pulse, and the errors in the regressor bias b toward 0) is
 * fitted instead as whole curves: every run of the polarity follows G_k = G_0 b^k + a (1 + b + ... + b^{k-1}) (k
 * pulses after its first read G_0, a start of its own per run), by least squares profiled over b (golden section
 * on ln b after a grid; a and the starts are linear); covariance of (a, b) from the Jacobian.  The noise is then
 * split by the moments of the differenced curve residuals: with reads y = m + w (white, sd s_r) plus a pulse-to-pulse
 * walk (sd s_c), var(dr) = 2 s_r^2 + s_c^2 and cov(dr_k, dr_k+1) = -s_r^2; c2c_sigma_frac = s_c/(range),
 * read_sigma_frac = s_r/(range).  CIM_EINVAL (naming the branch) when a branch has fewer than 3 usable steps or its steps
 * do not move toward their bound. */
int pulse_fit_neurosim(const pulse_data *d, pulse_fit *out);

/* ---- fitting a pulse-response device type (the `cimsim fit` pulse path) ------------------------------------ */

struct device_type;

/* One fitted quantity: a key of the model's group ("nl_ltp"), or a derived one ("ltp.a_norm"). */
typedef struct pulse_fit_value {
    char name[48];
    const char *unit; /* "S", "1", ... (static) */
    double value, se; /* se NAN where none */
} pulse_fit_value;

#define PULSE_LUT_MAX 64      /* PARAM_REALS_MAX: the lut device's table length */
#define PULSE_LUT_MIN_COUNT 5 /* steps a bin needs for its own median; fewer: interpolated */

/* One bin of a fitted lookup table (lut): the steps of one polarity whose earlier read fell in the bin. */
typedef struct pulse_lut_bin {
    double g_S;          /* the bin's centre */
    double dg_S, se_S;   /* the median step and its standard error (1.2533 sigma / sqrt(count)) */
    double sigma_S;      /* the steps' spread about the table: 1.4826 MAD */
    size_t count;        /* steps in the bin */
    int interpolated;    /* 1: fewer than PULSE_LUT_MIN_COUNT steps; the values interpolate the neighbours */
} pulse_lut_bin;

typedef struct pulse_model_fit {
    pulse_fit_value v[32];
    size_t n;
    double rms_S;     /* RMS of the configured model's one-pulse prediction, over both branches (the data's units) */
    double r2;        /* of the steps G_{k+1} - G_k over both branches (about each branch's mean step) */
    double g_min_S, g_max_S; /* the range used (robust: pulse_robust_range) */
    size_t n_pairs;   /* the consecutive same-polarity pairs rms_S and r2 are over */
    size_t n_bins;    /* lut only: the table, per polarity */
    pulse_lut_bin pot[PULSE_LUT_MAX], dep[PULSE_LUT_MAX];
} pulse_model_fit;

/* Fits the pulse-response type T (neurosim, soft_bounds, lut) to d: block (T->params->size bytes) holds the
 * config's values on entry and the fitted ones on return (keys not fitted keep theirs).  CIM_EINVAL naming the model
 * for a type that is not a pulse-response model or data it cannot be fitted to. */
int pulse_fit_device(const struct device_type *T, const pulse_data *d, void *block, pulse_model_fit *out);

/* The model's conductance along the data's pulse sequence from the data's first G, with no cycle-to-cycle noise
 * (the overlay a plot draws): n values into g_model. */
int pulse_model_trace(const struct device_type *T, const void *block, const pulse_data *d, double *g_model);

/* ---- shared by fit/pulse*.c ---- */

/* The field of key in T's parameter block if it has that kind, else NULL. */
void *pulse_field(const struct device_type *T, void *block, const char *key, param_kind kind);
/* Appends a value to out (silently full at 32). */
void pulse_fit_add(pulse_model_fit *out, const char *name, const char *unit, double value, double se);
/* rms_S, r2 and n_pairs of the configured model's noiseless one-pulse prediction (through T->pulse) over the
 * consecutive same-polarity pairs with both reads inside [g_min, g_max]. */
int pulse_model_stats(const struct device_type *T, const void *block, const pulse_data *d, double g_min, double g_max,
                      pulse_model_fit *out);
/* The lut fit (fit/pulse_lut.c). */
int pulse_fit_lut(const struct device_type *T, const pulse_data *d, void *block, pulse_model_fit *out);

/* NeuroSim's label for A/P_max (|a_norm|), log-log between table entries and extended beyond them. */
double pulse_nl_of_a_norm(double a_norm);

#endif
