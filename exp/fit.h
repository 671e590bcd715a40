/* exp/fit.h -- the `fit` experiment: a device model's parameters tuned to a measured trace (fit/fit.h), with
 * standard errors, correlations, fit statistics and, optionally, the error of predicting a second measurement
 * with the fitted parameters.
 *
 * Configuration: `device` (the model and its group: the fixed values and the starts of the fitted ones) and the
 * group `fit`.  Its sub-group fit.bounds names the fitted keys, as spelled in the model's group, each with its
 * bounds -- `r_on_ohm = [500.0, 5000.0];` -- or, to force the map from bounds to the unbounded fit variable,
 * `k_off_m_per_s = (1e-9, 1e-3, "log");` ("log" or "linear"; default: log for one-signed bounds spanning 100x or
 * more).  Besides the model's keys, r_series_ohm and i_offset_A (the measurement circuit, FIT_KEY_*) may be fitted;
 * their starts are fit.r_series_ohm and fit.i_offset_A.  Because the keys depend on the model, fit.bounds is read
 * by hand (exp_fit_select, like the sweep spec), not through a param table: it is removed from the tree before
 * the configuration resolves, so it cannot be changed with --set.
 *
 * Data: fit.data (relative to the config's folder) or exp_inputs.data (as given); the same for fit.predict /
 * exp_inputs.predict.  kind = "iv" reads t_s,v_V,i_A (fit/iv.h).  kind = "pulse" reads pulse,g_S,polarity (or g_norm,
 * normalised units) and fits a pulse-response model (neurosim, soft_bounds, lut) in closed form (pulse_fit_device,
 * fit/pulse.h): no bounds, no starts; the prediction is the fitted model's one-pulse error on the second file.
 *
 * Summary (named metrics): model, data, params.<key>.{value, se, start, lo, hi, at_bound}, fit.{rms_A, rms_log,
 * nrmse, r2, max_abs_A, cost, iterations, n_eval, best_start, n_starts, converged, n_points}, fit.stop (a string),
 * correlation {keys, matrix} (arrays: not metrics), prediction.{rms_A, rms_log, nrmse, r2, max_abs_A, n_points}
 * when a second trace is given.  Pulse fits: params.<name>.{value, se} (the model's keys and derived quantities such
 * as ltp.a_norm), fit.{rms_S, r2, n_pairs, g_min_S, g_max_S, n_points, converged}, prediction.{rms_S, r2, n_pairs,
 * n_points}.
 */
#ifndef CIM_EXP_FIT_H
#define CIM_EXP_FIT_H

#include "core/cfg.h"
#include "core/run.h"
#include "core/strbuf.h"
#include "device/binding.h"
#include "exp/experiment.h"
#include "fit/fit.h"
#include "fit/iv.h"
#include "fit/pulse.h"

#include <jansson.h>

enum { FIT_KIND_IV, FIT_KIND_PULSE };

/* The group `fit`. */
typedef struct fit_exp_params {
    param_string data;       /* the measurement (relative to the config's folder) */
    int kind;                /* FIT_KIND_IV, FIT_KIND_PULSE */
    int residual;            /* FIT_RESID_LINEAR, FIT_RESID_LOG */
    double i_floor_A;
    double r_series_ohm;
    double i_offset_A;
    long long polarity;      /* +1 or -1 */
    double dt_s;             /* sample step of a trace without times */
    long long n_starts;
    long long max_iter;
    int trust;               /* FIT_TRUST_* */
    double xtol, gtol, ftol;
    double rtol, atol;
    long long max_steps;
    double fd_step;
    param_string predict;    /* a second measurement, or "" */
} fit_exp_params;

extern const param_group fit_group;

#define EXP_FIT_MAX_KEYS 32

/* One entry of fit.bounds, as read from the file. */
typedef struct exp_fit_bound {
    char key[64];
    double lo, hi;
    int map;                 /* FIT_MAP_* */
    char where[300];         /* "FILE:LINE" */
} exp_fit_bound;

typedef struct exp_fit {
    experiment_key key;
    run_params run;
    device_binding b;        /* `device` and the model's group (b.type, b.model); no variability */
    fit_exp_params p;
    exp_fit_bound bounds[EXP_FIT_MAX_KEYS];
    size_t n_bounds;
    char bounds_error[1200]; /* the first error met reading fit.bounds ("" if none), reported by prepare */
    int bounds_given;        /* the file has fit.bounds */
    /* prepare */
    char data_path[1100], predict_path[1100];
    iv_trace tr, pred;
    int have_pred;
    fit_param par[EXP_FIT_MAX_KEYS];
    size_t n_par;
    double start[EXP_FIT_MAX_KEYS]; /* each key's start (the config's value) */
    fit_opts o;
    /* run */
    fit_result res;
    fit_stats stats;          /* of the fit */
    fit_opts o_fitted;        /* o with fitted circuit keys: the conventions the fitted model runs with */
    double *i_pred_A;         /* the prediction's model currents */
    fit_stats pred_stats;
    int at_bound[EXP_FIT_MAX_KEYS];
    /* kind = "pulse" */
    pulse_data pd, ppd;       /* the data and the prediction's */
    uint64_t pd_fnv, ppd_fnv; /* their files' fingerprints */
    void *fitted;             /* the fitted parameter block */
    pulse_model_fit pf, pred_pf;
    double *g_model_S, *g_pred_S; /* the fitted model along each file's pulse sequence (no noise) */
} exp_fit;

void exp_fit_init(exp_fit *e, cfg *c);
/* After the file and --set are read: the model's group, and fit.bounds read and removed from the tree. */
void exp_fit_select(cfg *c, exp_fit *e);
/* After cfg_resolve: checks the bounds against the model (FILE:LINE and the key), reads the data (and the
 * prediction's).  CIM_ECONFIG / CIM_EIO with the file, the line and the key or column. */
/* For `cimsim config --dump`, which binds the groups itself: removes fit.bounds from the tree c and appends its
 * entries to text in config syntax, one a line ("    r_on_ohm = [200.0, 20000.0];"; nothing if absent). */
void exp_fit_take_bounds(cfg *c, strbuf *text);
int exp_fit_prepare(exp_fit *e, const exp_inputs *in, const cfg *c);
/* The fit, then the prediction.  A fit that does not converge is CIM_OK with fit.converged = 0. */
int exp_fit_run(exp_fit *e);
json_t *exp_fit_summary(const exp_fit *e);
void exp_fit_free(exp_fit *e);

/* Where a fitted value sits in its bounds, in the fit's variable: 0 at lo, 1 at hi (linear, or in log|p| for a log
 * map).  A value within 1e-3 of either end is pinned by a bound, not at an optimum (its standard error means
 * nothing). */
double exp_fit_bound_position(const fit_param *par, double value);

/* The fitted model as a device config (`cimsim device` runs it): device.<model> with every key (the fitted ones
 * commented with their standard errors), the measured waveform as a PWL stimulus read from pwl_name (written by
 * exp_fit_pwl beside it), the fit's integrator settings, and the data's provenance in comments. */
void exp_fit_config(const exp_fit *e, const char *pwl_name, const char *invocation, strbuf *out);
/* kind = "pulse": the fitted model as a pulses-experiment config (`cimsim device --pulses` runs it): device.<model>
 * with every key, trains of the data's longest run at twice the model's threshold, one model pulse wide. */
void exp_fit_pulse_config(const exp_fit *e, const char *invocation, strbuf *out);
/* The PWL file of that config: t_s,v_V, times from 0, the voltage the model sees (polarity applied). */
void exp_fit_pwl(const exp_fit *e, strbuf *out);

#endif
