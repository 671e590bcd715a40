/* device/integrate.c -- see integrate.h. */
#include "device/integrate.h"
#include "core/status.h"
#include "core/xalloc.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv2.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const sim_method_names[] = {"rkf45", "rk8pd", "msbdf", "bsimp", "fixed", NULL};
const char *const sim_spacing_names[] = {"linear", "log", NULL};

int sim_check_grid(const sim_params *sim, double t_stop_s)
{
    if (sim->spacing == SIM_SPACING_LOG && !(sim->t_first_s < t_stop_s))
        return cim_error(CIM_ECONFIG, "spacing \"log\" needs t_first_s (%g s) below the end time (%g s)", sim->t_first_s,
                         t_stop_s);
    return CIM_OK;
}

static int sim_check(const void *v)
{
    const sim_params *p = v;
    if (p->method == SIM_FIXED && p->dt_fixed_s <= 0)
        return cim_error(CIM_ECONFIG, "method \"fixed\" needs dt_fixed_s > 0");
    if (p->t_stop_s > 0) /* else the stimulus's duration, known once it is built (exp_device_prepare) */
        return sim_check_grid(p, p->t_stop_s);
    return CIM_OK;
}

double sim_output_time(const sim_params *sim, double t_stop_s, size_t k, size_t n_out)
{
    if (k == 0)
        return 0.0;
    if (k + 1 == n_out)
        return t_stop_s; /* exactly, not to rounding */
    if (sim->spacing == SIM_SPACING_LOG)
        return sim->t_first_s * pow(t_stop_s / sim->t_first_s, (double)(k - 1) / (double)(n_out - 2));
    return t_stop_s * (double)k / (double)(n_out - 1);
}

static const param_spec sim_spec[] = {
    PARAM_REAL_F(sim_params, t_stop_s, 0, 1e9, 0, "s", "end of the simulation; 0 = the stimulus's own duration"),
    PARAM_INT_F(sim_params, n_points, 2, 1e8, 2001, "samples written to the trace, including t = 0 and the end time"),
    PARAM_CHOICE_F(sim_params, spacing, sim_spacing_names, SIM_SPACING_LINEAR,
                   "output grid: linear (uniform in time) or log (t = 0, then t_first_s to the end time at equal "
                   "ratios: retention and drift over many decades)"),
    PARAM_REAL_F(sim_params, t_first_s, 1e-15, 1e9, 1e-9, "s", "with spacing = \"log\": the first sample after t = 0"),
    PARAM_CHOICE_F(sim_params, method, sim_method_names, SIM_RK8PD,
                   "integrator: adaptive rkf45/rk8pd (explicit), bsimp/msbdf (stiff, implicit; bsimp is the robust one), "
                   "or fixed-step RK4"),
    PARAM_REAL_F(sim_params, rtol, 1e-14, 1e-1, 1e-9, "1", "relative tolerance of the adaptive integrators"),
    PARAM_REAL_F(sim_params, atol, 1e-14, 1e-1, 1e-9, "1",
                 "absolute tolerance, in each state's natural unit (nm for lengths, K, or 1)"),
    PARAM_REAL_F(sim_params, dt_fixed_s, 0, 1e3, 1e-10, "s", "step of the fixed-step method"),
    PARAM_INT_F(sim_params, max_steps, 1, 1e12, 1e8, "step budget; exceeding it is a simulation failure (exit 1)"),
    PARAM_END,
};

const param_group sim_group = {
    .path = "sim",
    .doc = "Time integration: the end time, the output grid, the integrator and its tolerances.",
    .params = sim_spec,
    .size = sizeof(sim_params),
    .check = sim_check,
};

void device_trace_free(device_trace *tr)
{
    free(tr->t_s);
    free(tr->v_V);
    free(tr->i_A);
    free(tr->p_W);
    free(tr->e_J);
    free(tr->x);
    free(tr->obs);
    memset(tr, 0, sizeof *tr);
}

/* ---- the right-hand side ----------------------------------------------------------------------- */

typedef struct rhs_ctx {
    const device_type *T;
    const void *p;
    double T_K;
    const stimulus *s;
    double r_s;         /* series resistance (0: the device sees the source voltage) */
    double seg_a, seg_b;/* the segment being integrated: no breakpoint strictly inside */
    int no_energy;      /* skip dE/dt (the array path without an energy buffer) */
    int use_v_fixed;    /* 1: the voltage is v_fixed, not the stimulus (the array path) */
    double v_fixed;
    int frozen;         /* a stuck device: no state motion, current and energy as usual */
    double lo[DEVICE_MAX_STATE], hi[DEVICE_MAX_STATE];
} rhs_ctx;

static void clamp(const rhs_ctx *c, double *x)
{
    for (size_t k = 0; k < c->T->n_state; k++) {
        if (x[k] < c->lo[k])
            x[k] = c->lo[k];
        if (x[k] > c->hi[k])
            x[k] = c->hi[k];
    }
}

/* The device voltage v with v_src = v + r_s i(x, v).  For a passive device (i v >= 0) the root
 * lies between 0 and v_src; the residual is increasing in v, so a bracketing secant (Illinois)
 * converges from either side.  r_s = 0 returns v_src. */
double device_voltage(const device_type *T, const void *p, const double *x, double v_src, double r_s)
{
    if (r_s <= 0.0 || v_src == 0.0)
        return v_src;
    double a = 0.0, b = v_src;
    double fa = -v_src, fb = r_s * T->current_A(p, x, v_src);
    if (!(fb * fa < 0))
        return fb == 0 ? v_src : 0.0;
    int side = 0;
    for (int it = 0; it < 200; it++) {
        double m = b - fb * (b - a) / (fb - fa);
        if (!(m > fmin(a, b) && m < fmax(a, b)))
            m = 0.5 * (a + b);
        double fm = m + r_s * T->current_A(p, x, m) - v_src;
        if (fm == 0.0 || fabs(b - a) <= 1e-15 * fabs(v_src))
            return m;
        if ((fm > 0) == (fb > 0)) {
            b = m;
            fb = fm;
            if (side == -1)
                fa *= 0.5;
            side = -1;
        } else {
            a = m;
            fa = fm;
            if (side == 1)
                fb *= 0.5;
            side = 1;
        }
    }
    return 0.5 * (a + b);
}

/* dx/dt and dE/dt at (x, v_src): the model sees a clamped state; no motion out through a bound. */
static int eval(const rhs_ctx *c, const double *y, double v_src, double *f)
{
    double x[DEVICE_MAX_STATE];
    size_t n = c->T->n_state;
    memcpy(x, y, n * sizeof *x);
    clamp(c, x);
    double v = device_voltage(c->T, c->p, x, v_src, c->r_s);
    if (c->T->algebraic != NULL)
        c->T->algebraic(c->p, x, v, c->T_K);
    c->T->dxdt(c->p, x, v, c->T_K, f);
    for (size_t k = 0; k < n; k++)
        if (c->frozen || (x[k] <= c->lo[k] && f[k] < 0) || (x[k] >= c->hi[k] && f[k] > 0))
            f[k] = 0.0;
    f[n] = c->no_energy ? 0.0 : v * c->T->current_A(c->p, x, v);
    /* Not fatal: GSL's evolve halves the step on a failed evaluation (a trial state of an implicit
     * stepper can be far from the solution); a real blow-up ends in a step-size underflow. */
    for (size_t k = 0; k <= n; k++)
        if (!isfinite(f[k]))
            return GSL_FAILURE;
    return GSL_SUCCESS;
}

static int rhs(double t, const double y[], double f[], void *ctx)
{
    const rhs_ctx *c = ctx;
    if (c->use_v_fixed)
        return eval(c, y, c->v_fixed, f);
    /* Within a segment the stimulus is smooth; at its ends it may jump (a zero rise time).  Read it
     * a hair inside the segment, i.e. as its one-sided limits, so that a stage evaluated exactly at
     * an edge does not see the next piece. */
    double d = 1e-9 * (c->seg_b - c->seg_a);
    double te = t < c->seg_a + d ? c->seg_a + d : (t > c->seg_b - d ? c->seg_b - d : t);
    return eval(c, y, stimulus_v(c->s, te), f);
}

/* Jacobian by forward differences, for the implicit steppers (models need not supply one). */
static int jac(double t, const double y[], double *dfdy, double dfdt[], void *ctx)
{
    const rhs_ctx *c = ctx;
    size_t n = c->T->n_state + 1;
    double f0[DEVICE_MAX_STATE + 1], f1[DEVICE_MAX_STATE + 1], yp[DEVICE_MAX_STATE + 1];
    int st = rhs(t, y, f0, ctx);
    if (st != GSL_SUCCESS)
        return st;
    for (size_t j = 0; j < n; j++) {
        memcpy(yp, y, n * sizeof *yp);
        double scale = j < c->T->n_state ? c->T->state[j].spice_scale : 1e-18;
        double h = 1.5e-8 * fmax(fabs(y[j]), scale);
        yp[j] += h;
        if ((st = rhs(t, yp, f1, ctx)) != GSL_SUCCESS)
            return st;
        for (size_t i = 0; i < n; i++)
            dfdy[i * n + j] = (f1[i] - f0[i]) / h;
    }
    double ht = 1e-8 * fmax(fabs(t), 1e-15);
    if ((st = rhs(t + ht, y, f1, ctx)) != GSL_SUCCESS)
        return st;
    for (size_t i = 0; i < n; i++)
        dfdt[i] = (f1[i] - f0[i]) / ht;
    return GSL_SUCCESS;
}

/* ---- adaptive and fixed single-device runs ------------------------------------------------------- */

static void record(device_trace *tr, size_t k, const rhs_ctx *c, double t, const double *y)
{
    size_t n = c->T->n_state;
    double x[DEVICE_MAX_STATE];
    memcpy(x, y, n * sizeof *x);
    clamp(c, x);
    double v = device_voltage(c->T, c->p, x, stimulus_v(c->s, t), c->r_s);
    if (c->T->algebraic != NULL)
        c->T->algebraic(c->p, x, v, c->T_K);
    tr->t_s[k] = t;
    tr->v_V[k] = v;
    tr->i_A[k] = c->T->current_A(c->p, x, v);
    tr->p_W[k] = v * tr->i_A[k];
    tr->e_J[k] = y[n];
    memcpy(tr->x + k * n, x, n * sizeof *x);
    if (tr->obs != NULL)
        tr->obs[k] = c->T->observable.value(c->p, x);
}

static void alloc_trace(device_trace *tr, const device_type *T, size_t n_out, size_t n_state)
{
    memset(tr, 0, sizeof *tr);
    tr->n = n_out;
    tr->n_state = n_state;
    tr->t_s = xmalloc(n_out * sizeof(double));
    tr->v_V = xmalloc(n_out * sizeof(double));
    tr->i_A = xmalloc(n_out * sizeof(double));
    tr->p_W = xmalloc(n_out * sizeof(double));
    tr->e_J = xmalloc(n_out * sizeof(double));
    tr->x = xmalloc(n_out * n_state * sizeof(double));
    tr->obs = T->observable.value != NULL ? xmalloc(n_out * sizeof(double)) : NULL;
}

/* One RK4 step of the augmented system for a single device at time t. */
static int rk4_step(const rhs_ctx *c, double t, double h, double *y)
{
    size_t n = c->T->n_state + 1;
    double k1[DEVICE_MAX_STATE + 1], k2[DEVICE_MAX_STATE + 1], k3[DEVICE_MAX_STATE + 1], k4[DEVICE_MAX_STATE + 1],
        yt[DEVICE_MAX_STATE + 1];
    int st = rhs(t, y, k1, (void *)c);
    for (size_t i = 0; i < n; i++)
        yt[i] = y[i] + 0.5 * h * k1[i];
    st = st ? st : rhs(t + 0.5 * h, yt, k2, (void *)c);
    for (size_t i = 0; i < n; i++)
        yt[i] = y[i] + 0.5 * h * k2[i];
    st = st ? st : rhs(t + 0.5 * h, yt, k3, (void *)c);
    for (size_t i = 0; i < n; i++)
        yt[i] = y[i] + h * k3[i];
    st = st ? st : rhs(t + h, yt, k4, (void *)c);
    if (st != GSL_SUCCESS)
        return st;
    for (size_t i = 0; i < n; i++)
        y[i] += h / 6.0 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
    return GSL_SUCCESS;
}

/* Euler-Maruyama increment of the model's noise over a step h at device voltage v. */
static void add_noise(const device_type *T, const void *p, double *y, double v, double T_K, double h, gsl_rng *rng)
{
    if (rng == NULL || T->noise == NULL)
        return;
    double sigma[DEVICE_MAX_STATE];
    T->noise(p, y, v, T_K, sigma);
    for (size_t k = 0; k < T->n_state; k++)
        if (sigma[k] != 0.0)
            y[k] += sigma[k] * sqrt(h) * gsl_ran_gaussian_ziggurat(rng, 1.0);
}

/* The sign of v, with 0 counted as "no polarity yet". */
static int polarity(double v) { return (v > 0) - (v < 0); }

int device_simulate(const device_type *T, const void *params, double T_K, double *x, const stimulus *s,
                    const sim_params *sim, gsl_rng *rng, const device_sim_opts *opt, device_trace *out,
                    progress *prog)
{
    cim_gsl_errors_off(); /* GSL must report, never abort */
    rhs_ctx c = {T, params, T_K, s, s->p.r_series_ohm, 0.0, 0.0, 0, 0, 0.0, 0, {0}, {0}};
    T->bounds(params, c.lo, c.hi);
    if (opt != NULL && opt->lo != NULL) {
        memcpy(c.lo, opt->lo, T->n_state * sizeof *c.lo);
        memcpy(c.hi, opt->hi, T->n_state * sizeof *c.hi);
    }
    c.frozen = opt != NULL && opt->frozen;
    int last_pol = polarity(stimulus_v(s, 0.0));
    size_t n = T->n_state, dim = n + 1;
    const double *tx = opt != NULL ? opt->t_out_s : NULL; /* explicit output times, or NULL: sim's grid */
    double t_stop = sim->t_stop_s > 0 ? sim->t_stop_s : stimulus_duration(s);
    size_t n_out = (size_t)sim->n_points;
    int status = CIM_OK;
    if (tx != NULL) {
        n_out = opt->n_t_out;
        if (n_out == 0)
            status = cim_error(CIM_EINVAL, "explicit output times: none given");
        for (size_t k = 0; k < n_out && status == CIM_OK; k++)
            if (!isfinite(tx[k]) || tx[k] < 0 || (k > 0 && !(tx[k] > tx[k - 1])))
                status = cim_error(CIM_EINVAL, "explicit output time %zu (%g s) is not finite, non-negative and after "
                                               "the one before", k, tx[k]);
        if (status == CIM_OK)
            t_stop = tx[n_out - 1];
    } else {
        status = sim_check_grid(sim, t_stop);
    }
    if (status != CIM_OK) {
        memset(out, 0, sizeof *out); /* freeable, as after any failure */
        return status;
    }
    double y[DEVICE_MAX_STATE + 1];
    memcpy(y, x, n * sizeof *y);
    clamp(&c, y);
    y[n] = 0.0;
    alloc_trace(out, T, n_out, n);

    gsl_odeiv2_system sys = {rhs, jac, dim, &c};
    const gsl_odeiv2_step_type *st_type = sim->method == SIM_RKF45   ? gsl_odeiv2_step_rkf45
                                          : sim->method == SIM_MSBDF ? gsl_odeiv2_step_msbdf
                                          : sim->method == SIM_BSIMP ? gsl_odeiv2_step_bsimp
                                                                     : gsl_odeiv2_step_rk8pd;
    gsl_odeiv2_driver *drv = NULL;
    gsl_odeiv2_step *step = NULL;
    gsl_odeiv2_control *ctrl = NULL;
    gsl_odeiv2_evolve *ev = NULL;
    double scale_abs[DEVICE_MAX_STATE + 1];
    for (size_t k = 0; k < n; k++)
        scale_abs[k] = T->state[k].spice_scale;
    scale_abs[n] = 1e-18; /* energy: relative accuracy governs; an attojoule floor */
    if (sim->method != SIM_FIXED) {
        /* Allocated through a driver because msbdf needs one; we call evolve_apply ourselves so that
         * every step is bounded by breakpoints and output times. */
        drv = xoom(gsl_odeiv2_driver_alloc_scaled_new(&sys, st_type, 1e-12, sim->atol, sim->rtol, 1.0, 0.0, scale_abs));
        step = drv->s;
        ctrl = drv->c;
        ev = drv->e;
    }
    double hmax = stimulus_max_step(s);
    double t_first = tx != NULL ? (tx[0] > 0 ? tx[0] : (n_out > 1 ? tx[1] : t_stop))
                                : sim_output_time(sim, t_stop, 1, n_out);
    double t = 0.0, h = fmin(t_first > 0 ? t_first : hmax, hmax) * 1e-3;
    size_t steps = 0;
    /* k = 0 is t = 0 on sim's grid (recorded at once); explicit times may start later. */
    for (size_t k = 0; k < n_out && status == CIM_OK; k++) {
        double t_out = tx != NULL ? tx[k] : sim_output_time(sim, t_stop, k, n_out);
        while (t < t_out && status == CIM_OK) {
            double t_break = stimulus_next_break(s, t);
            double t_seg = fmin(t_out, t_break);
            double t_target = fmin(t_seg, t + hmax);
            if (t_target - t <= 1e-14 * fmax(fabs(t), t_stop * 1e-6)) {
                /* A sliver left by rounding (an edge a few ulp ahead): below GSL's step resolution and
                 * too short to change the state, so step onto the target. */
                t = t_target;
                continue;
            }
            c.seg_a = t;
            c.seg_b = t_target;
            if (sim->method == SIM_FIXED) {
                double hh = fmin(sim->dt_fixed_s, t_target - t);
                int gs = rk4_step(&c, t, hh, y);
                if (gs != GSL_SUCCESS) {
                    status = cim_error(CIM_ESIM, "integration failed at t = %g s: the model returned a non-finite "
                                                 "derivative", t);
                    break;
                }
                add_noise(T, params, y, device_voltage(T, params, y, stimulus_v(s, t), c.r_s), T_K, hh, rng);
                t = (t_target - (t + hh) < 1e-15 * fabs(t_target)) ? t_target : t + hh;
            } else {
                if (h > t_target - t)
                    h = t_target - t;
                int gs = gsl_odeiv2_evolve_apply(ev, ctrl, step, &sys, &t, t_target, &h, y);
                if (gs != GSL_SUCCESS) {
                    status = cim_error(CIM_ESIM,
                                       "integration failed at t = %.6g s (%s)%s", t,
                                       gs == GSL_FAILURE ? "the step fell below the resolution of t: the solution "
                                                           "changes too fast to follow, or the derivative is not finite"
                                                         : gsl_strerror(gs),
                                       sim->method == SIM_MSBDF || sim->method == SIM_BSIMP
                                           ? "; try a looser sim.rtol"
                                           : "; the model may need a stiff method (sim.method = \"bsimp\")");
                    break;
                }
            }
            /* Clamp to the bounds.  A clamp within the error tolerance (a multistep predictor
             * overshooting a bound by a hair) is not a jump; resetting a multistep method for it
             * would drop it to first order at every step.  A larger clamp invalidates the history. */
            double jump = 0.0;
            for (size_t q = 0; q < n; q++) {
                double before = y[q];
                y[q] = fmin(fmax(y[q], c.lo[q]), c.hi[q]);
                double tol = sim->atol * scale_abs[q] + sim->rtol * fabs(y[q]);
                jump = fmax(jump, fabs(y[q] - before) / tol);
            }
            if (ev != NULL && jump > 1.0) {
                gsl_odeiv2_evolve_reset(ev); /* the state jumped: cached derivatives are stale */
                gsl_odeiv2_step_reset(step);
            }
            if (ev != NULL && t >= t_break) { /* derivative discontinuity at an edge */
                gsl_odeiv2_evolve_reset(ev);
                gsl_odeiv2_step_reset(step);
            }
            if (++steps > (size_t)sim->max_steps)
                status = cim_error(CIM_ESIM,
                                   "integration stopped at t = %.6g s after sim.max_steps = %lld steps; %s", t,
                                   sim->max_steps,
                                   sim->method == SIM_MSBDF || sim->method == SIM_BSIMP
                                       ? "try the other implicit method (sim.method = \"bsimp\" or \"msbdf\"); the "
                                         "solution may also chatter on a discontinuity of the model"
                                       : "the model may be stiff (try sim.method = \"bsimp\") or sim.rtol too tight");
        }
        if (status == CIM_OK)
            record(out, k, &c, t_out, y);
        int pol = polarity(stimulus_v(s, t_out));
        if (status == CIM_OK && opt != NULL && opt->on_reversal != NULL && pol != 0 && pol != last_pol) {
            if (last_pol != 0) { /* a switching event: the callback may change parameters and bounds */
                status = opt->on_reversal(opt->ctx, t_out, y);
                if (opt->lo != NULL) {
                    memcpy(c.lo, opt->lo, T->n_state * sizeof *c.lo);
                    memcpy(c.hi, opt->hi, T->n_state * sizeof *c.hi);
                }
                c.frozen = opt->frozen;
                if (ev != NULL) { /* the right-hand side changed: cached derivatives are stale */
                    gsl_odeiv2_evolve_reset(ev);
                    gsl_odeiv2_step_reset(step);
                }
            }
        }
        if (pol != 0)
            last_pol = pol;
        progress_update(prog, t / t_stop);
    }
    out->n_steps = steps;
    if (ev != NULL)
        out->n_failed = ev->failed_steps;
    memcpy(x, y, n * sizeof *y);
    if (drv != NULL)
        gsl_odeiv2_driver_free(drv);
    if (status != CIM_OK)
        device_trace_free(out);
    return status;
}

/* ---- array path ---------------------------------------------------------------------------------- */

void device_step_array(const device_type *T, const void *params, size_t p_stride, size_t n, double *x,
                       const double *v_V, double T_K, double dt, double *e_J, gsl_rng *rng)
{
    size_t ns = T->n_state;
    rhs_ctx ctx = {T, params, T_K, NULL, 0.0, 0.0, 0.0, e_J == NULL, 1, 0.0, 0, {0}, {0}};
    T->bounds(params, ctx.lo, ctx.hi);
    for (size_t c = 0; c < n; c++) {
        const void *p = p_stride ? (const char *)params + c * p_stride : params;
        if (p_stride) { /* per-cell parameters (device-to-device variation) */
            ctx.p = p;
            T->bounds(p, ctx.lo, ctx.hi);
        }
        double y[DEVICE_MAX_STATE + 1];
        for (size_t k = 0; k < ns; k++)
            y[k] = x[k * n + c];
        y[ns] = 0.0;
        /* Constant voltage over the step: the same RK4 as the single-device fixed path. */
        ctx.v_fixed = v_V[c];
        rk4_step(&ctx, 0.0, dt, y);
        add_noise(T, p, y, v_V[c], T_K, dt, rng);
        clamp(&ctx, y);
        for (size_t k = 0; k < ns; k++)
            x[k * n + c] = y[k];
        if (e_J != NULL)
            e_J[c] += y[ns];
    }
}
