/* fit/fit.h -- fitting a device model's parameters to a measured I-V trace.
 *
 * The model (any device_type) is driven by the measured voltage waveform -- a piecewise-linear source through the
 * trace's (t, v) samples, optionally behind a series resistor -- and its current is computed at the measured times
 * (device_simulate lands on them).  A chosen subset of the model's real parameters is tuned, the others stay at the
 * values of the block given (the config's); each fitted parameter starts at its value there.
 *
 * Method: GSL nonlinear least squares (gsl_multifit_nlinear, trust region; Levenberg-Marquardt by default).  Each
 * parameter p in [lo, hi] is fitted through an unbounded u:
 *   linear map  p = lo + (hi - lo) (1 + tanh u) / 2
 *   log map     |p| = exp(a + (b - a) (1 + tanh u) / 2),  a, b = ln of the smaller and larger |bound|
 *               (bounds of one sign; the default for a range of 100x or more, as for rates and resistances).
 * Residuals are the current difference (divided by the RMS measured current, so O(1)) or the difference of
 * log10(|i| + i_floor_A) (currents spanning decades; multiplicative noise), each times sqrt(weight).  The Jacobian
 * is by forward differences in u with step h max(|u|, 1), h = sqrt(rtol) unless fd_step overrides it: the
 * integrator's relative error eps ~ rtol makes a difference quotient off by ~ eps / h, its truncation by ~ h, and
 * the sum is least near h = sqrt(eps) (fit_fd_step).  Multi-start: start 0 is the given block; starts 1.. are drawn
 * across the bounds (uniform in u's image: uniform, or log-uniform for the log map) from the stream "fit.starts" of
 * seed, all drawn before any fit runs; they run on n_threads threads (core/threads.h's pool), each thread with a
 * context of its own, and each start's run depends on its start point alone; the lowest cost wins (the earliest
 * start on a tie), so the result is the same bits for any thread count.
 * The circuit keys FIT_KEY_R_SERIES and FIT_KEY_I_OFFSET may be fitted beside the model's: the series resistor
 * changes the device's voltage (the stimulus is updated per evaluation), the offset adds to the current.
 * Uncertainties: at the optimum, cov_u = s^2 (J^T J)^-1 with s^2 = sum r^2 / (n - p), mapped back through the
 * transforms' derivatives: cov_p = D cov_u D, D = diag(dp/du).  They assume independent residuals of equal
 * variance (weights make them so), as the usual least-squares standard errors do.  Noise proportional to the current
 * (a meter's percentage error) is of equal variance in log residuals, not in linear ones: tests/test_fit_models.c
 * measures 94-96% coverage of the 95% intervals with log residuals, and 45% / 100% / 100% with unweighted linear
 * ones, on the same data.  resid_lag1 tells residuals that are noise from a model that misses the data's shape. 
 * The library never prints; bad input is a cim_status with a message.  A fit that stops without converging still
 * returns CIM_OK with its best point, converged = 0 and the reason in stop (the caller decides what that means).
 */
#ifndef CIM_FIT_FIT_H
#define CIM_FIT_FIT_H

#include "device/device.h"
#include "fit/iv.h"

#include <stddef.h>
#include <stdint.h>

enum { FIT_RESID_LINEAR, FIT_RESID_LOG };
enum { FIT_TRUST_LM, FIT_TRUST_LMACCEL, FIT_TRUST_DOGLEG, FIT_TRUST_DDOGLEG, FIT_TRUST_SUBSPACE2D };
enum { FIT_MAP_AUTO, FIT_MAP_LINEAR, FIT_MAP_LOG };

/* Keys of the measurement circuit that a fit_param may name besides the model's own. */
#define FIT_KEY_R_SERIES "r_series_ohm"
#define FIT_KEY_I_OFFSET "i_offset_A"

/* One fitted parameter. */
typedef struct fit_param {
    const char *key; /* a real key of the model's group ("r_on_ohm" of device.vteam), or one of the measurement
                        circuit's: FIT_KEY_R_SERIES ("r_series_ohm", start fit_opts.r_series_ohm) or
                        FIT_KEY_I_OFFSET ("i_offset_A", start fit_opts.i_offset_A) */
    double lo, hi;   /* bounds: lo < start < hi, within the key's range in the table */
    int map;         /* FIT_MAP_AUTO, _LINEAR or _LOG (bounds of one sign, neither 0) */
} fit_param;

typedef struct fit_opts {
    int residual;         /* FIT_RESID_LINEAR or FIT_RESID_LOG */
    double i_floor_A;     /* > 0: added to |i| in log residuals and in rms_log (the instrument's floor) */
    const double *weight; /* n per-sample weights >= 0, or NULL: all 1 */
    double r_series_ohm;  /* resistor between source and device; > 0: the trace's v_V is the source voltage */
    double i_offset_A;    /* the instrument's current offset: the measured current is i_model + i_offset_A */
    int polarity;         /* +1, or -1 for a device connected the other way round (the model is driven by -v and
                             the measured current is -i_model): a model's SET polarity against the measurement's */
    double dt_s;          /* sample step for a trace without times (a quasi-static sweep); unused otherwise */
    double T_K;           /* ambient temperature */
    int trust;            /* trust-region subproblem: FIT_TRUST_LM (Levenberg-Marquardt) ... */
    size_t max_iter;      /* iterations per start */
    double xtol, gtol, ftol; /* gsl_multifit_nlinear_driver's tests */
    int sim_method;       /* integrator (SIM_RK8PD, SIM_BSIMP, ...: device/integrate.h) */
    double rtol, atol;    /* integrator tolerances: tight, so finite differences see the model, not its noise */
    long long max_steps;  /* integrator step budget per evaluation */
    double fd_step;       /* finite-difference step in u (relative for |u| > 1); 0: sqrt(rtol) (fit_fd_step) */
    size_t n_starts;      /* starts, >= 1 (start 0 is the given block) */
    uint64_t seed;        /* seed of the "fit.starts" stream */
    size_t n_threads;     /* threads the starts are spread over (0: 1); the result is the same bits for any count */
} fit_opts;

/* LM, linear residuals, i_floor 1e-12 A, no series resistor, no offset, polarity +1, one thread, 300 K, 200
 * iterations, xtol 1e-8, gtol 1e-8, ftol 1e-10, rk8pd at rtol 1e-8 and atol 1e-10, 1e5 steps per evaluation (a
 * trial point in a stiff corner of the bounds fails fast instead of taking seconds), fd_step 0 (auto: 1e-4 at that
 * rtol), one start, seed 1. */
void fit_opts_default(fit_opts *o);

/* The finite-difference step a fit uses: fd_step if > 0, else sqrt(max(rtol, DBL_EPSILON)). */
double fit_fd_step(const fit_opts *o);

typedef struct fit_result {
    size_t n_par, n;     /* fitted parameters, data points */
    double *value;       /* n_par fitted values */
    double *std_err;     /* n_par standard errors (NAN where J^T J is singular in that direction) */
    double *corr;        /* n_par x n_par correlation matrix, row-major (NAN where std_err is) */
    double *start;       /* n_par values of the winning start */
    void *model;         /* the fitted parameter block (the type's params->size bytes) */
    double *i_model_A;   /* n model currents at the measured times, at the fitted values */
    double rms_A;        /* RMS of i_model - i_data */
    double rms_log;      /* RMS of log10(|i_model| + i_floor) - log10(|i_data| + i_floor), decades */
    double r2;           /* 1 - SS_res / SS_tot of the currents */
    double cost;         /* sum of the squared residuals that were minimised */
    size_t iterations;   /* of the winning start */
    size_t n_eval;       /* model evaluations over all starts */
    size_t best_start;   /* which start won */
    size_t n_starts;
    int converged;       /* 1 if the winning start met xtol or gtol */
    int gsl_status;      /* the driver's status for the winning start */
    char stop[160];      /* why the winning start stopped */
    double r_series_ohm; /* the series resistor of the fitted circuit (fitted, or fit_opts' if not fitted) */
    double i_offset_A;   /* the current offset likewise */
    double resid_lag1;   /* lag-1 autocorrelation of the minimised residuals in trace order: ~0 (+-2/sqrt(n)) when
                            they are the noise, near 1 when the model misses a feature of the data (a misfit) */
} fit_result;

/* Fits par[0..n_par) of model (a block of type T: T->params->size bytes, not modified) to tr.  On CIM_OK res holds
 * the result (free with fit_result_free); on error res is empty and the message names the bad input (a key not in
 * the model, bounds that exclude the start, too few points, ...) or, CIM_ESIM, why no start could be evaluated. */
int fit_iv(const device_type *T, const void *model, const iv_trace *tr, const fit_param *par, size_t n_par,
           const fit_opts *o, fit_result *res);

void fit_result_free(fit_result *res);

/* Agreement of model currents with a trace (a fit's, or a prediction of a second measurement). */
typedef struct fit_stats {
    size_t n;
    double rms_A;      /* RMS of i_model - i_data */
    double rms_log;    /* RMS of the log10(|i| + i_floor_A) difference, decades */
    double r2;         /* 1 - SS_res / SS_tot (NAN for a constant trace) */
    double max_abs_A;  /* largest |i_model - i_data| */
    double nrmse;      /* rms_A / RMS of the measured current */
} fit_stats;

void fit_stats_of(const iv_trace *tr, const double *i_model_A, double i_floor_A, fit_stats *s);

/* The model's current along the trace with the parameter block given (what fit_iv compares with the data): n
 * values into i_A.  Same conventions as fit_iv (series resistor, times, dt_s for a trace without times). */
int fit_eval_iv(const device_type *T, const void *model, const iv_trace *tr, const fit_opts *o, double *i_A);

#endif
