/* fit/fit.c -- see fit.h. */
#include "fit/fit.h"
#include "core/rng.h"
#include "core/status.h"
#include "core/threads.h"
#include "core/xalloc.h"
#include "device/integrate.h"
#include "device/stimulus.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fit_opts_default(fit_opts *o)
{
    memset(o, 0, sizeof *o);
    o->residual = FIT_RESID_LINEAR;
    o->i_floor_A = 1e-12;
    o->T_K = 300.0;
    o->trust = FIT_TRUST_LM;
    o->max_iter = 200;
    o->xtol = 1e-8;
    o->gtol = 1e-8;
    o->ftol = 1e-10;
    o->sim_method = SIM_RK8PD;
    o->rtol = 1e-8;
    o->atol = 1e-10;
    o->max_steps = 100000;
    o->fd_step = 0.0; /* auto: fit_fd_step */
    o->n_starts = 1;
    o->seed = 1;
    o->polarity = 1;
    o->n_threads = 1;
}

void fit_result_free(fit_result *res)
{
    free(res->value);
    free(res->std_err);
    free(res->corr);
    free(res->start);
    free(res->model);
    free(res->i_model_A);
    memset(res, 0, sizeof *res);
}

void fit_stats_of(const iv_trace *tr, const double *i_model_A, double i_floor_A, fit_stats *s)
{
    size_t n = tr->n;
    memset(s, 0, sizeof *s);
    s->n = n;
    if (n == 0) {
        s->rms_A = s->rms_log = s->r2 = s->nrmse = NAN;
        return;
    }
    double mean = 0.0, ss_res = 0.0, ss_tot = 0.0, ss_log = 0.0, ss_dat = 0.0;
    for (size_t k = 0; k < n; k++)
        mean += tr->i_A[k];
    mean /= (double)n;
    for (size_t k = 0; k < n; k++) {
        double d = i_model_A[k] - tr->i_A[k];
        double dl = log10(fabs(i_model_A[k]) + i_floor_A) - log10(fabs(tr->i_A[k]) + i_floor_A);
        ss_res += d * d;
        ss_log += dl * dl;
        ss_tot += (tr->i_A[k] - mean) * (tr->i_A[k] - mean);
        ss_dat += tr->i_A[k] * tr->i_A[k];
        s->max_abs_A = fmax(s->max_abs_A, fabs(d));
    }
    s->rms_A = sqrt(ss_res / (double)n);
    s->rms_log = sqrt(ss_log / (double)n);
    s->r2 = ss_tot > 0 ? 1.0 - ss_res / ss_tot : NAN;
    s->nrmse = ss_dat > 0 ? s->rms_A / sqrt(ss_dat / (double)n) : NAN;
}

/* ---- parameter maps ------------------------------------------------------------------------------ */

/* What a fitted parameter sets: a double of the model's block, or a quantity of the measurement circuit. */
enum { PM_MODEL, PM_R_SERIES, PM_I_OFFSET };

typedef struct pmap {
    int kind;      /* PM_MODEL, PM_R_SERIES or PM_I_OFFSET */
    size_t offset; /* PM_MODEL: of the double in the block */
    int log;       /* 1: log map */
    double lo, hi; /* linear: the bounds; log: a, b (ln of the smaller and larger |bound|) */
    double sign;   /* log map: the bounds' sign */
    double start;  /* the given value (start 0) */
} pmap;

static double map_p(const pmap *m, double u)
{
    double s = 0.5 * (1.0 + tanh(u));
    if (!m->log)
        return m->lo + (m->hi - m->lo) * s;
    return m->sign * exp(m->lo + (m->hi - m->lo) * s);
}

/* dp/du */
static double map_dp(const pmap *m, double u)
{
    double t = tanh(u), d = 0.5 * (1.0 - t * t);
    if (!m->log)
        return (m->hi - m->lo) * d;
    return map_p(m, u) * (m->hi - m->lo) * d;
}

/* u for p strictly inside the bounds. */
static double map_u(const pmap *m, double p)
{
    double z = m->log ? (log(fabs(p)) - m->lo) / (m->hi - m->lo) : (p - m->lo) / (m->hi - m->lo);
    return atanh(2.0 * z - 1.0);
}

/* u for z in (-1, 1) of the image (a drawn start). */
static double map_u_of_z(double z) { return atanh(z); }

/* ---- the model along the trace ------------------------------------------------------------------- */

typedef struct fit_ctx {
    const device_type *T;
    const iv_trace *tr;
    const fit_opts *o;
    size_t n, np;
    pmap *maps;
    void *block;        /* working parameter block */
    stimulus stim;
    sim_params sim;
    double *t_out;      /* times from 0 */
    double *y_log;      /* log10(|i_data| + floor) */
    double i_scale;     /* RMS measured current (linear residuals) */
    double i_offset;    /* the current offset of this evaluation (fit_opts' or a fitted one) */
    double fd_step;     /* relative finite-difference step in u (fit_fd_step) */
    double *i_model;    /* last evaluation's currents */
    size_t n_eval;
    /* the last f, for the Jacobian at the same point */
    double *u_last, *f_last;
    int have_last;
} fit_ctx;

/* The currents at block; CIM_OK or the failure (a check or the integrator). */
static int run_model(fit_ctx *c, const void *block, double *i_A)
{
    const param_group *g = c->T->params;
    if (g->check != NULL && g->check(block) != CIM_OK)
        return CIM_EINVAL;
    double x[DEVICE_MAX_STATE];
    c->T->init(block, c->o->T_K, x);
    device_sim_opts so;
    memset(&so, 0, sizeof so);
    so.t_out_s = c->t_out;
    so.n_t_out = c->n;
    device_trace out;
    c->n_eval++;
    int st = device_simulate(c->T, block, c->o->T_K, x, &c->stim, &c->sim, NULL, &so, &out, NULL);
    if (st != CIM_OK)
        return st;
    double pol = c->o->polarity < 0 ? -1.0 : 1.0;
    for (size_t k = 0; k < c->n; k++)
        i_A[k] = pol * out.i_A[k] + c->i_offset;
    device_trace_free(&out);
    for (size_t k = 0; k < c->n; k++)
        if (!isfinite(i_A[k]))
            return CIM_ESIM;
    return CIM_OK;
}

/* Sets the model block and the circuit to u.  The series resistor lives in the stimulus, which the integrator reads
 * afresh at every run (device_simulate builds its right-hand side from s->p.r_series_ohm). */
static void set_block(fit_ctx *c, const double *u)
{
    for (size_t j = 0; j < c->np; j++) {
        double p = map_p(&c->maps[j], u[j]);
        if (c->maps[j].kind == PM_R_SERIES)
            c->stim.p.r_series_ohm = p;
        else if (c->maps[j].kind == PM_I_OFFSET)
            c->i_offset = p;
        else
            memcpy((char *)c->block + c->maps[j].offset, &p, sizeof p);
    }
}

static double w_sqrt(const fit_ctx *c, size_t k) { return c->o->weight != NULL ? sqrt(c->o->weight[k]) : 1.0; }

/* Residuals at u into f; returns 0 if the model ran, else fills f with a large penalty (a trial step there is
 * refused) and returns the failure. */
static int residuals(fit_ctx *c, const double *u, double *f)
{
    set_block(c, u);
    int st = run_model(c, c->block, c->i_model);
    for (size_t k = 0; k < c->n; k++) {
        double r;
        if (st != CIM_OK)
            r = 1e3;
        else if (c->o->residual == FIT_RESID_LOG)
            r = log10(fabs(c->i_model[k]) + c->o->i_floor_A) - c->y_log[k];
        else
            r = (c->i_model[k] - c->tr->i_A[k]) / c->i_scale;
        f[k] = w_sqrt(c, k) * r;
    }
    return st;
}

static int gsl_f(const gsl_vector *x, void *params, gsl_vector *f)
{
    fit_ctx *c = params;
    double *u = xmalloc(c->np * sizeof *u);
    for (size_t j = 0; j < c->np; j++)
        u[j] = gsl_vector_get(x, j);
    residuals(c, u, c->f_last);
    memcpy(c->u_last, u, c->np * sizeof *u);
    c->have_last = 1;
    for (size_t k = 0; k < c->n; k++)
        gsl_vector_set(f, k, c->f_last[k]);
    free(u);
    return GSL_SUCCESS;
}

/* Forward differences in u with step fd_step max(|u|, 1) (fit_fd_step); a failed forward point is tried
 * backward. */
static void jacobian(fit_ctx *c, const double *u, const double *f0, gsl_matrix *J)
{
    double *up = xmalloc(c->np * sizeof *up), *f1 = xmalloc(c->n * sizeof *f1);
    for (size_t j = 0; j < c->np; j++) {
        memcpy(up, u, c->np * sizeof *up);
        double h = c->fd_step * fmax(fabs(u[j]), 1.0);
        up[j] = u[j] + h;
        h = up[j] - u[j]; /* the step actually taken */
        int st = residuals(c, up, f1);
        if (st != CIM_OK) {
            up[j] = u[j] - h;
            h = up[j] - u[j];
            st = residuals(c, up, f1);
        }
        for (size_t k = 0; k < c->n; k++)
            gsl_matrix_set(J, k, j, st == CIM_OK ? (f1[k] - f0[k]) / h : 0.0);
    }
    free(up);
    free(f1);
}

static int gsl_df(const gsl_vector *x, void *params, gsl_matrix *J)
{
    fit_ctx *c = params;
    double *u = xmalloc(c->np * sizeof *u), *f0 = xmalloc(c->n * sizeof *f0);
    for (size_t j = 0; j < c->np; j++)
        u[j] = gsl_vector_get(x, j);
    if (c->have_last && memcmp(u, c->u_last, c->np * sizeof *u) == 0)
        memcpy(f0, c->f_last, c->n * sizeof *f0);
    else
        residuals(c, u, f0);
    jacobian(c, u, f0, J);
    free(u);
    free(f0);
    return GSL_SUCCESS;
}

/* ---- setting up ------------------------------------------------------------------------------------ */

/* The forward-difference step in u.  The model's residuals carry the integrator's error, a relative eps ~ rtol
 * that does not vary smoothly with the parameters (a perturbed run takes other steps); a forward difference of
 * step h is then off by ~ eps / h (that error, divided by h) plus h f'' / 2 (truncation).  In u the residuals
 * are O(1) functions with O(1) curvature (the tanh map puts the bounds at u = +-inf and the RMS or log scaling
 * makes f O(1)), so the sum is smallest near h = sqrt(eps): 1e-4 at the default rtol 1e-8, where either error
 * is ~1e-4 of the derivative -- far below the 2% noise of a measured trace.  Floored at machine precision for a
 * model with no integration error to speak of. */
double fit_fd_step(const fit_opts *o)
{
    if (o->fd_step > 0)
        return o->fd_step;
    return sqrt(fmax(o->rtol, DBL_EPSILON));
}

static int setup_ctx(fit_ctx *c, const device_type *T, const void *model, const iv_trace *tr, const fit_opts *o)
{
    memset(c, 0, sizeof *c);
    c->T = T;
    c->tr = tr;
    c->o = o;
    c->n = tr->n;
    if (tr->n == 0)
        return cim_error(CIM_EINVAL, "the I-V trace is empty");
    if (tr->t_s == NULL && !(o->dt_s > 0))
        return cim_error(CIM_EINVAL, "the I-V trace has no t_s column: a quasi-static sweep needs a sample step "
                                     "dt_s > 0");
    if (!(o->r_series_ohm >= 0) || !isfinite(o->r_series_ohm))
        return cim_error(CIM_EINVAL, "r_series_ohm (%g) must be finite and not negative", o->r_series_ohm);
    if (o->residual == FIT_RESID_LOG && !(o->i_floor_A > 0))
        return cim_error(CIM_EINVAL, "log-current residuals need i_floor_A > 0 (got %g)", o->i_floor_A);
    if (!(o->fd_step >= 0 && o->fd_step < 1))
        return cim_error(CIM_EINVAL, "fd_step (%g) must lie in [0, 1) (0: chosen from rtol)", o->fd_step);
    if (!(o->rtol > 0))
        return cim_error(CIM_EINVAL, "rtol (%g) must be positive", o->rtol);
    c->fd_step = fit_fd_step(o);
    /* a trace built in memory has not been through iv_parse's checks */
    for (size_t k = 0; k < tr->n; k++) {
        double t = tr->t_s != NULL ? tr->t_s[k] : 0.0;
        if (!isfinite(t) || !isfinite(tr->v_V[k]) || !isfinite(tr->i_A[k]))
            return cim_error(CIM_EINVAL, "line %zu: the sample (t %g s, v %g V, i %g A) is not finite",
                             tr->line != NULL ? tr->line[k] : k + 1, t, tr->v_V[k], tr->i_A[k]);
    }
    if (o->weight != NULL)
        for (size_t k = 0; k < tr->n; k++)
            if (!(o->weight[k] >= 0) || !isfinite(o->weight[k]))
                return cim_error(CIM_EINVAL, "weight %zu (%g, line %zu) must be finite and non-negative", k,
                                 o->weight[k], tr->line != NULL ? tr->line[k] : k + 1);
    c->t_out = xmalloc(c->n * sizeof *c->t_out);
    for (size_t k = 0; k < c->n; k++)
        c->t_out[k] = tr->t_s != NULL ? tr->t_s[k] - tr->t_s[0] : (double)k * o->dt_s;
    if (tr->t_s != NULL) /* differences of increasing times can still tie after rounding */
        for (size_t k = 1; k < c->n; k++)
            if (!(c->t_out[k] > c->t_out[k - 1]))
                return cim_error(CIM_EINVAL, "line %zu: time %g s is not after the one before",
                                 tr->line != NULL ? tr->line[k] : k + 1,
                                 tr->t_s[k]);
    if (o->polarity != 1 && o->polarity != -1)
        return cim_error(CIM_EINVAL, "polarity (%d) must be +1 or -1", o->polarity);
    if (!isfinite(o->i_offset_A))
        return cim_error(CIM_EINVAL, "i_offset_A (%g) must be finite", o->i_offset_A);
    c->i_offset = o->i_offset_A;
    /* a reversed device sees -v; the stimulus is built from the voltages it sees */
    double *v_dev = xmalloc(c->n * sizeof *v_dev);
    for (size_t k = 0; k < c->n; k++)
        v_dev[k] = o->polarity < 0 ? -tr->v_V[k] : tr->v_V[k];
    int st = stimulus_init_pwl(&c->stim, c->t_out, v_dev, c->n, o->r_series_ohm);
    free(v_dev);
    if (st != CIM_OK)
        return st;
    param_defaults(&sim_group, &c->sim);
    c->sim.method = o->sim_method;
    c->sim.rtol = o->rtol;
    c->sim.atol = o->atol;
    c->sim.max_steps = o->max_steps;
    c->block = xmalloc(T->params->size);
    memcpy(c->block, model, T->params->size);
    c->i_model = xmalloc(c->n * sizeof *c->i_model);
    c->y_log = xmalloc(c->n * sizeof *c->y_log);
    double ss = 0.0;
    for (size_t k = 0; k < c->n; k++) {
        c->y_log[k] = log10(fabs(tr->i_A[k]) + o->i_floor_A);
        ss += tr->i_A[k] * tr->i_A[k];
    }
    c->i_scale = sqrt(ss / (double)c->n);
    if (!(c->i_scale > 0))
        c->i_scale = 1.0;
    return CIM_OK;
}

static void free_ctx(fit_ctx *c)
{
    stimulus_destroy(&c->stim);
    free(c->t_out);
    free(c->block);
    free(c->i_model);
    free(c->y_log);
    free(c->maps);
    free(c->u_last);
    free(c->f_last);
}

int fit_eval_iv(const device_type *T, const void *model, const iv_trace *tr, const fit_opts *o, double *i_A)
{
    fit_ctx c;
    int st = setup_ctx(&c, T, model, tr, o);
    if (st == CIM_OK) {
        st = run_model(&c, model, i_A);
        if (st == CIM_EINVAL)
            st = cim_error(CIM_EINVAL, "the parameter block fails its check: %s", cim_errmsg());
    }
    free_ctx(&c);
    return st;
}

/* The maps of par; each map's start is the model block's value, or fit_opts' for a circuit key.  Circuit keys
 * are checked like the model's against a range of their own: a series resistor is >= 0, an offset any finite
 * current (its bounds may straddle 0: then the map is linear). */
static int make_maps(fit_ctx *c, const void *model, const fit_param *par, size_t n_par)
{
    const param_group *g = c->T->params;
    c->np = n_par;
    c->maps = xcalloc(n_par, sizeof *c->maps);
    for (size_t j = 0; j < n_par; j++) {
        const fit_param *f = &par[j];
        pmap *m = &c->maps[j];
        char name[192];
        double start, min, max;
        if (f->key != NULL && strcmp(f->key, FIT_KEY_R_SERIES) == 0) {
            m->kind = PM_R_SERIES;
            snprintf(name, sizeof name, "%s (the series resistor)", f->key);
            start = c->o->r_series_ohm;
            min = 0.0;
            max = 1e12; /* stimulus.r_series_ohm's range */
        } else if (f->key != NULL && strcmp(f->key, FIT_KEY_I_OFFSET) == 0) {
            m->kind = PM_I_OFFSET;
            snprintf(name, sizeof name, "%s (the current offset)", f->key);
            start = c->o->i_offset_A;
            min = -INFINITY;
            max = INFINITY;
        } else {
            const param_spec *s = f->key != NULL ? param_find(g, f->key) : NULL;
            if (s == NULL)
                return cim_error(CIM_EINVAL, "%s is not a parameter of model %s (group %s)", f->key ? f->key : "(null)",
                                 c->T->name, g->path);
            if (s->kind != PARAM_REAL)
                return cim_error(CIM_EINVAL, "%s.%s is not a real number, so it cannot be fitted", g->path, f->key);
            m->kind = PM_MODEL;
            m->offset = s->offset;
            snprintf(name, sizeof name, "%s.%s", g->path, f->key);
            memcpy(&start, (const char *)model + s->offset, sizeof start);
            min = s->min;
            max = s->max;
        }
        for (size_t q = 0; q < j; q++)
            if (strcmp(par[q].key, f->key) == 0)
                return cim_error(CIM_EINVAL, "%s is listed twice", name);
        if (!(f->lo < f->hi) || !isfinite(f->lo) || !isfinite(f->hi))
            return cim_error(CIM_EINVAL, "%s: the bounds [%g, %g] must be finite with lo < hi", name, f->lo, f->hi);
        if (f->lo < min || f->hi > max)
            return cim_error(CIM_EINVAL, "%s: the bounds [%g, %g] leave the key's range [%g, %g]", name, f->lo, f->hi,
                             min, max);
        if (!(start > f->lo && start < f->hi))
            return cim_error(CIM_EINVAL, "%s: the bounds [%g, %g] exclude the start value %g (it must lie strictly "
                                         "inside)", name, f->lo, f->hi, start);
        int one_sign = (f->lo > 0) || (f->hi < 0);
        int log_map = f->map == FIT_MAP_LOG ||
                      (f->map == FIT_MAP_AUTO && one_sign && fmax(fabs(f->lo), fabs(f->hi)) >= 100.0 *
                                                                 fmin(fabs(f->lo), fabs(f->hi)));
        if (f->map == FIT_MAP_LOG && !one_sign)
            return cim_error(CIM_EINVAL, "%s: a log map needs bounds of one sign, neither 0 (got [%g, %g])", name,
                             f->lo, f->hi);
        m->log = log_map;
        m->start = start;
        if (log_map) {
            m->sign = f->lo > 0 ? 1.0 : -1.0;
            m->lo = log(fmin(fabs(f->lo), fabs(f->hi)));
            m->hi = log(fmax(fabs(f->lo), fabs(f->hi)));
        } else {
            m->lo = f->lo;
            m->hi = f->hi;
        }
    }
    return CIM_OK;
}

static const gsl_multifit_nlinear_trs *trs_of(int k)
{
    switch (k) {
    case FIT_TRUST_LMACCEL: return gsl_multifit_nlinear_trs_lmaccel;
    case FIT_TRUST_DOGLEG: return gsl_multifit_nlinear_trs_dogleg;
    case FIT_TRUST_DDOGLEG: return gsl_multifit_nlinear_trs_ddogleg;
    case FIT_TRUST_SUBSPACE2D: return gsl_multifit_nlinear_trs_subspace2D;
    default: return gsl_multifit_nlinear_trs_lm;
    }
}

static void stop_reason(int status, int info, char *buf, size_t len)
{
    if (status == GSL_SUCCESS)
        snprintf(buf, len, "%s", info == 1   ? "converged: the step is below xtol"
                                 : info == 2 ? "converged: the gradient is below gtol"
                                             : "converged");
    else if (status == GSL_EMAXITER)
        snprintf(buf, len, "not converged: the iteration limit was reached");
    else if (status == GSL_ENOPROG)
        snprintf(buf, len, "not converged: no step decreased the cost (the trust region collapsed; the cost may be "
                           "flat to within the model's numerical noise)");
    else
        snprintf(buf, len, "not converged: %s", gsl_strerror(status));
}

/* Lag-1 autocorrelation of r[0..n) about its mean (NAN for a constant r). */
static double lag1(const double *r, size_t n)
{
    double mean = 0.0, ss = 0.0, s1 = 0.0;
    for (size_t k = 0; k < n; k++)
        mean += r[k];
    mean /= (double)n;
    for (size_t k = 0; k < n; k++) {
        ss += (r[k] - mean) * (r[k] - mean);
        if (k + 1 < n)
            s1 += (r[k] - mean) * (r[k + 1] - mean);
    }
    return ss > 0 ? s1 / ss : NAN;
}

/* ---- the starts ------------------------------------------------------------------------------------ */

typedef struct start_out {
    double cost;       /* at the final point, from a fresh evaluation */
    int ok;            /* the model ran there */
    size_t iterations;
    int gs, info;      /* the driver's status and why it stopped */
} start_out;

typedef struct starts_job {
    fit_ctx *ctx;      /* one per slot */
    const double *u0;  /* ns x np starts */
    double *u_end;     /* ns x np final points */
    start_out *out;    /* ns */
} starts_job;

/* One start from u0 to its end point, on context c, with a workspace of its own. */
static void run_start(fit_ctx *c, const double *u0, double *u_end, start_out *so)
{
    const fit_opts *o = c->o;
    size_t n = c->n, np = c->np;
    gsl_multifit_nlinear_fdf fdf = {gsl_f, gsl_df, NULL, n, np, c, 0, 0, 0};
    gsl_multifit_nlinear_parameters fp = gsl_multifit_nlinear_default_parameters();
    fp.trs = trs_of(o->trust);
    gsl_multifit_nlinear_workspace *w = xoom(gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &fp, n, np));
    gsl_vector_const_view x0 = gsl_vector_const_view_array(u0, np);
    c->have_last = 0;
    gsl_multifit_nlinear_init(&x0.vector, &fdf, w);
    so->info = 0;
    so->gs = gsl_multifit_nlinear_driver(o->max_iter, o->xtol, o->gtol, o->ftol, NULL, NULL, &so->info, w);
    so->iterations = gsl_multifit_nlinear_niter(w);
    gsl_vector *x = gsl_multifit_nlinear_position(w);
    for (size_t j = 0; j < np; j++)
        u_end[j] = gsl_vector_get(x, j);
    gsl_multifit_nlinear_free(w);
    so->ok = residuals(c, u_end, c->f_last) == CIM_OK;
    c->have_last = 0;
    so->cost = 0.0;
    for (size_t k = 0; k < n; k++)
        so->cost += c->f_last[k] * c->f_last[k];
}

static void starts_chunk(void *v, int slot, size_t k0, size_t k1)
{
    starts_job *j = v;
    fit_ctx *c = &j->ctx[slot];
    for (size_t k = k0; k < k1; k++)
        run_start(c, j->u0 + k * c->np, j->u_end + k * c->np, &j->out[k]);
}

int fit_iv(const device_type *T, const void *model, const iv_trace *tr, const fit_param *par, size_t n_par,
           const fit_opts *o, fit_result *res)
{
    memset(res, 0, sizeof *res);
    cim_gsl_errors_off();
    if (n_par == 0)
        return cim_error(CIM_EINVAL, "no parameters to fit");
    if (tr->n < n_par + 1)
        return cim_error(CIM_EINVAL, "%zu data points, but fitting %zu parameters needs at least %zu", tr->n, n_par,
                         n_par + 1);
    if (o->n_starts == 0)
        return cim_error(CIM_EINVAL, "n_starts must be at least 1");
    fit_ctx c;
    int st = setup_ctx(&c, T, model, tr, o);
    if (st == CIM_OK)
        st = make_maps(&c, model, par, n_par);
    if (st != CIM_OK) {
        free_ctx(&c);
        return st;
    }
    size_t n = c.n, np = n_par, ns = o->n_starts;

    /* Every start drawn up front, in order: start 0 the given values. */
    double *u0 = xmalloc(ns * np * sizeof *u0);
    for (size_t j = 0; j < np; j++)
        u0[j] = map_u(&c.maps[j], c.maps[j].start);
    if (ns > 1) {
        gsl_rng *r = rng_alloc(o->seed, "fit.starts");
        for (size_t s = 1; s < ns; s++)
            for (size_t j = 0; j < np; j++)
                u0[s * np + j] = map_u_of_z(0.98 * (2.0 * gsl_rng_uniform(r) - 1.0));
        rng_free(r);
    }

    /* The starts, over n_threads slots, each with a context of its own (working block, stimulus, buffers); slot 0
     * is c, kept for the result below.  Each start's run depends on its u0 alone, so which slot runs it does not
     * matter. */
    size_t n_slots = o->n_threads > 1 ? o->n_threads : 1;
    if (n_slots > ns)
        n_slots = ns;
    fit_ctx *ctx = xcalloc(n_slots, sizeof *ctx);
    ctx[0] = c;
    for (size_t q = 1; q < n_slots; q++) {
        st = setup_ctx(&ctx[q], T, model, tr, o); /* as for slot 0, so it succeeds */
        if (st == CIM_OK)
            st = make_maps(&ctx[q], model, par, n_par);
        if (st != CIM_OK) { /* not reached: the same checks passed for slot 0 */
            for (size_t k = 0; k <= q; k++)
                free_ctx(&ctx[k]);
            free(ctx);
            free(u0);
            return st;
        }
    }
    for (size_t q = 0; q < n_slots; q++) {
        ctx[q].u_last = xmalloc(np * sizeof *ctx[q].u_last);
        ctx[q].f_last = xmalloc(n * sizeof *ctx[q].f_last);
    }
    start_out *out = xcalloc(ns, sizeof *out);
    double *u_end = xmalloc(ns * np * sizeof *u_end);
    starts_job job = {ctx, u0, u_end, out};
    cim_parallel_for((int)n_slots, ns, 1, starts_chunk, &job);
    size_t n_eval = 0;
    for (size_t q = 1; q < n_slots; q++) {
        n_eval += ctx[q].n_eval;
        free_ctx(&ctx[q]);
    }
    c = ctx[0];
    free(ctx);

    /* The lowest cost wins, the earliest start on a tie: the same choice for any thread count. */
    double *best_u = xmalloc(np * sizeof *best_u);
    double best_cost = INFINITY;
    int any = 0;
    for (size_t s = 0; s < ns; s++)
        if (out[s].ok && out[s].cost < best_cost) {
            any = 1;
            best_cost = out[s].cost;
            memcpy(best_u, u_end + s * np, np * sizeof *best_u);
            res->best_start = s;
            res->iterations = out[s].iterations;
            res->gsl_status = out[s].gs;
            res->converged = out[s].gs == GSL_SUCCESS;
            stop_reason(out[s].gs, out[s].info, res->stop, sizeof res->stop);
        }
    free(out);
    free(u_end);
    if (!any) {
        st = cim_error(CIM_ESIM, "the model could not be evaluated at the end of any of the %zu start%s", ns,
                       ns == 1 ? "" : "s");
        free(best_u);
        free(u0);
        free_ctx(&c);
        return st;
    }

    /* The result at best_u: values, currents, statistics. */
    res->n_par = np;
    res->n = n;
    res->n_starts = ns;
    res->cost = best_cost;
    res->value = xmalloc(np * sizeof *res->value);
    res->std_err = xmalloc(np * sizeof *res->std_err);
    res->corr = xmalloc(np * np * sizeof *res->corr);
    res->start = xmalloc(np * sizeof *res->start);
    res->i_model_A = xmalloc(n * sizeof *res->i_model_A);
    double *f0 = xmalloc(n * sizeof *f0);
    residuals(&c, best_u, f0);
    memcpy(res->i_model_A, c.i_model, n * sizeof *c.i_model);
    res->r_series_ohm = c.stim.p.r_series_ohm;
    res->i_offset_A = c.i_offset;
    res->resid_lag1 = lag1(f0, n);
    res->model = xmalloc(T->params->size);
    memcpy(res->model, c.block, T->params->size);
    for (size_t j = 0; j < np; j++) {
        res->value[j] = map_p(&c.maps[j], best_u[j]);
        /* start 0 as given, not through the map and back (which is not exact) */
        res->start[j] = res->best_start == 0 ? c.maps[j].start : map_p(&c.maps[j], u0[res->best_start * np + j]);
    }
    fit_stats fs;
    fit_stats_of(tr, res->i_model_A, o->i_floor_A, &fs);
    res->rms_A = fs.rms_A;
    res->rms_log = fs.rms_log;
    res->r2 = fs.r2;

    /* Covariance from the Jacobian at the optimum, mapped back through dp/du. */
    gsl_matrix *J = gsl_matrix_alloc(n, np), *C = gsl_matrix_alloc(np, np);
    jacobian(&c, best_u, f0, J);
    gsl_multifit_nlinear_covar(J, 1e-12, C);
    double s2 = n > np ? best_cost / (double)(n - np) : NAN;
    for (size_t i = 0; i < np; i++) {
        double cii = gsl_matrix_get(C, i, i);
        res->std_err[i] = cii > 0 ? fabs(map_dp(&c.maps[i], best_u[i])) * sqrt(s2 * cii) : NAN;
    }
    for (size_t i = 0; i < np; i++)
        for (size_t j = 0; j < np; j++) {
            double cii = gsl_matrix_get(C, i, i), cjj = gsl_matrix_get(C, j, j);
            double r = cii > 0 && cjj > 0 ? gsl_matrix_get(C, i, j) / sqrt(cii * cjj) : NAN;
            /* dp/du may be negative (a log map of negative bounds): the correlation keeps the sign of p's */
            double sgn = (map_dp(&c.maps[i], best_u[i]) < 0) != (map_dp(&c.maps[j], best_u[j]) < 0) ? -1.0 : 1.0;
            res->corr[i * np + j] = sgn * r;
        }
    gsl_matrix_free(J);
    gsl_matrix_free(C);
    res->n_eval = c.n_eval + n_eval;
    free(f0);
    free(best_u);
    free(u0);
    free_ctx(&c);
    return CIM_OK;
}
