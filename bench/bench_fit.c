/* bench/bench_fit.c -- device-model fitting speed (issue 17).
 *  1. Time to fit VTEAM (4 parameters: k_on, k_off, v_on, v_off; 8 starts; log-current residuals with a 1 uA
 *     floor) to the Knowm W-SDC 100 Hz capture, driven by the rebuilt source voltage through 5 kohm, polarity -1
 *     (docs/fitting.md).  The capture is GPL data and not shipped: it is read from the folder $CIM_MEASURED_DIR
 *     (docs/fitting.md says where to get it); without it the bench fits a synthetic VTEAM trace of the same length
 *     and waveform (generated here, 2% multiplicative noise) and says so.  Reference in the same run: the
 *     fit's model evaluations timed one by one (ratio = fit time / (evaluations x one evaluation): what the
 *     least-squares machinery costs beyond running the model).
 *  2. Model evaluations per second along the measured waveform: fit_eval_iv at the fitted parameters with the
 *     fit's integrator settings (rk8pd, rtol 1e-8, atol 1e-10), against a plain loop of the same VTEAM equations
 *     written here (fixed-step RK4, the source interpolated between the samples as the library's PWL source, the
 *     device voltage of the divider in closed form).  Like is compared with like: both are measured against a
 *     very fine RK4 reference, and the plain loop runs at the coarsest step (a power of 2 per sample interval)
 *     whose error is no larger than the library's.  Ratio = plain-loop time / library time (1: no overhead). */
#include "bench/bench.h"
#include "core/param.h"
#include "core/rng.h"
#include "core/status.h"
#include "device/device.h"
#include "fit/fit.h"
#include "fit/iv.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846
#define KNOWM_100HZ "knowm_wsdc_M1_5kohm_0p8V_100Hz_iv.csv"

static const double R_S = 5000.0, I_FLOOR = 1e-6;
enum { N_STARTS = 8, N_PAR = 4 };

static void set_key(void *b, const char *key, double v)
{
    memcpy((char *)b + param_find(device_vteam.params, key)->offset, &v, sizeof v);
}

static double get_key(const void *b, const char *key)
{
    double v;
    memcpy(&v, (const char *)b + param_find(device_vteam.params, key)->offset, sizeof v);
    return v;
}

/* The study's starting block: R_on and R_off read off the capture (2.1 kohm ON, ~140 kohm OFF), linear
 * thresholds (alpha 1), the device ON at the first sample. */
static void start_block(void *b)
{
    param_defaults(device_vteam.params, b);
    set_key(b, "r_on_ohm", 2100);
    set_key(b, "r_off_ohm", 1.4e5);
    set_key(b, "alpha_on", 1);
    set_key(b, "alpha_off", 1);
    set_key(b, "x0_m", 0);
    set_key(b, "k_on_m_per_s", -1e-5);
    set_key(b, "k_off_m_per_s", 1e-5);
    set_key(b, "v_on_V", -0.15);
    set_key(b, "v_off_V", 0.2);
}

static const fit_param PARS[N_PAR] = {{"k_on_m_per_s", -1e-2, -1e-8, FIT_MAP_AUTO},
                                      {"k_off_m_per_s", 1e-8, 1e-2, FIT_MAP_AUTO},
                                      {"v_on_V", -0.4, -0.05, FIT_MAP_AUTO},
                                      {"v_off_V", 0.05, 0.5, FIT_MAP_AUTO}};

static void opts(fit_opts *o)
{
    fit_opts_default(o);
    o->r_series_ohm = R_S;
    o->polarity = -1;
    o->residual = FIT_RESID_LOG;
    o->i_floor_A = I_FLOOR;
    o->n_starts = N_STARTS;
}

/* The capture with v_V turned into the source voltage (v_src = v_V + R_s i_A), or 0 if the file is absent. */
static int load_knowm(iv_trace *tr, char *path, size_t n_path)
{
    const char *dir = getenv("CIM_MEASURED_DIR");
    if (dir == NULL || dir[0] == '\0') {
        snprintf(path, n_path, "$CIM_MEASURED_DIR/" KNOWM_100HZ);
        return 0;
    }
    snprintf(path, n_path, "%s/" KNOWM_100HZ, dir);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    fclose(f);
    if (iv_read(path, N_PAR + 1, tr) != CIM_OK) {
        printf("bench_fit: %s\n", cim_errmsg());
        return 0;
    }
    for (size_t k = 0; k < tr->n; k++)
        tr->v_V[k] += R_S * tr->i_A[k];
    return 1;
}

/* A stand-in of the same length and waveform: one period of a 0.8 V, 100 Hz source sine in 200 samples starting
 * at the capture's phase (v_src = -0.246 V, falling), the current of VTEAM at the parameters the fit found on the
 * capture (docs/fitting.md) times (1 + 0.02 N(0, 1)). */
static void synthetic(iv_trace *tr, double *truth_rms_log)
{
    size_t n = 200;
    double dt = 1.0 / (200 * 100.0), phase = PI + asin(0.246 / 0.8);
    *tr = (iv_trace){n, malloc(n * sizeof(double)), malloc(n * sizeof(double)), malloc(n * sizeof(double)),
                     malloc(n * sizeof(size_t)), 0, NULL};
    for (size_t k = 0; k < n; k++) {
        tr->t_s[k] = (double)k * dt;
        tr->v_V[k] = 0.8 * sin(2 * PI * 100.0 * tr->t_s[k] + phase);
        tr->line[k] = k + 2;
    }
    char truth[4096];
    start_block(truth);
    set_key(truth, "k_on_m_per_s", -1.53e-4);
    set_key(truth, "k_off_m_per_s", 2.03e-6);
    set_key(truth, "v_on_V", -0.151);
    set_key(truth, "v_off_V", 0.152);
    fit_opts o;
    opts(&o);
    if (fit_eval_iv(&device_vteam, truth, tr, &o, tr->i_A) != CIM_OK)
        printf("bench_fit: synthetic trace: %s\n", cim_errmsg());
    double *clean = malloc(n * sizeof *clean);
    memcpy(clean, tr->i_A, n * sizeof *clean);
    gsl_rng *r = rng_alloc(1, "bench.fit.noise");
    for (size_t k = 0; k < n; k++)
        tr->i_A[k] *= 1.0 + 0.02 * gsl_ran_gaussian(r, 1.0);
    rng_free(r);
    fit_stats s;
    fit_stats_of(tr, clean, I_FLOOR, &s); /* what the generating parameters leave: the noise */
    *truth_rms_log = s.rms_log;
    free(clean);
}

/* ---- the plain loop: VTEAM (no window, linear I-V) behind R_s, reversed, fixed-step RK4 ------------------- */

typedef struct vteam_plain {
    double r_on, r_off, x_on, x_off, k_on, k_off, a_on, a_off, v_on, v_off, x0;
} vteam_plain;

static void plain_from(const void *b, vteam_plain *p)
{
    *p = (vteam_plain){get_key(b, "r_on_ohm"), get_key(b, "r_off_ohm"), get_key(b, "x_on_m"), get_key(b, "x_off_m"),
                       get_key(b, "k_on_m_per_s"), get_key(b, "k_off_m_per_s"), get_key(b, "alpha_on"),
                       get_key(b, "alpha_off"), get_key(b, "v_on_V"), get_key(b, "v_off_V"), get_key(b, "x0_m")};
}

static inline double plain_r(const vteam_plain *p, double x)
{
    return p->r_on + (p->r_off - p->r_on) * (x - p->x_on) / (p->x_off - p->x_on);
}

/* dx/dt with the model's source u (already reversed): the device voltage of the divider, the threshold law, no
 * motion out through a bound. */
static inline double plain_rate(const vteam_plain *p, double x, double u)
{
    x = x < p->x_on ? p->x_on : (x > p->x_off ? p->x_off : x);
    double r = plain_r(p, x), v = u * r / (r + R_S), f = 0;
    if (v > p->v_off)
        f = p->k_off * pow(v / p->v_off - 1.0, p->a_off);
    else if (v < p->v_on)
        f = p->k_on * pow(v / p->v_on - 1.0, p->a_on);
    if ((x <= p->x_on && f < 0) || (x >= p->x_off && f > 0))
        f = 0;
    return f;
}

/* The measured current at the trace's times with m RK4 steps per sample interval. */
static void plain_run(const vteam_plain *p, const iv_trace *tr, long m, double *i_A)
{
    double x = p->x0;
    for (size_t k = 0;; k++) {
        double u0 = -tr->v_V[k], r = plain_r(p, x);
        i_A[k] = -(u0 / (r + R_S));
        if (k + 1 == tr->n)
            break;
        double T = tr->t_s[k + 1] - tr->t_s[k], du = -tr->v_V[k + 1] - u0, h = T / (double)m;
        for (long s = 0; s < m; s++) {
            double a = (double)s / (double)m, ua = u0 + du * a, um = u0 + du * (a + 0.5 / (double)m),
                   ub = u0 + du * (a + 1.0 / (double)m);
            double k1 = plain_rate(p, x, ua), k2 = plain_rate(p, x + 0.5 * h * k1, um),
                   k3 = plain_rate(p, x + 0.5 * h * k2, um), k4 = plain_rate(p, x + h * k3, ub);
            x += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
            x = x < p->x_on ? p->x_on : (x > p->x_off ? p->x_off : x);
        }
    }
}

typedef struct eval_job {
    const void *model;
    const iv_trace *tr;
    const fit_opts *o;
    vteam_plain p;
    long m;
    double *i_A;
} eval_job;

static void lib_eval(void *v)
{
    eval_job *j = v;
    fit_eval_iv(&device_vteam, j->model, j->tr, j->o, j->i_A);
}

static void plain_eval(void *v)
{
    eval_job *j = v;
    plain_run(&j->p, j->tr, j->m, j->i_A);
}

/* Largest |a - b| over the largest |b|. */
static double rel_err(const double *a, const double *b, size_t n) { return bench_max_rel(a, b, n); }

int main(void)
{
    iv_trace tr;
    char path[1024];
    int real = load_knowm(&tr, path, sizeof path);
    if (!real) {
        printf("bench_fit: skipped the measured capture: %s not found (GPL data not shipped; set CIM_MEASURED_DIR "
               "to the folder holding " KNOWM_100HZ ", docs/fitting.md)\n",
               path);
        double noise;
        synthetic(&tr, &noise);
        printf("  generated with k_on -1.53e-4 m/s, k_off 2.03e-6 m/s, v_on -0.151 V, v_off 0.152 V; those leave "
               "rms_log %.3f decades (the noise)\n", noise);
    }
    printf("bench_fit 1: VTEAM, %d parameters, %d starts, log residuals (floor %g A), %g ohm in series, polarity -1, "
           "on %s (%zu samples)\n",
           N_PAR, N_STARTS, I_FLOOR, R_S, real ? "the Knowm 100 Hz capture" : "a SYNTHETIC VTEAM trace", tr.n);
    char start[4096];
    start_block(start);
    fit_opts o;
    opts(&o);
    fit_result res;
    double t_fit = 1e300;
    for (int rep = 0; rep < 2; rep++) { /* best of 2 */
        double t0 = progress_now_s();
        int st = fit_iv(&device_vteam, start, &tr, PARS, N_PAR, &o, &res);
        double t = progress_now_s() - t0;
        if (st != CIM_OK) {
            printf("bench_fit: the fit failed: %s\n", cim_errmsg());
            iv_trace_free(&tr);
            return 1;
        }
        t_fit = fmin(t_fit, t);
        if (rep == 0)
            fit_result_free(&res);
    }
    for (size_t j = 0; j < N_PAR; j++)
        printf("  %-14s %12.5g +- %.2g\n", PARS[j].key, res.value[j], res.std_err[j]);
    printf("  R^2 %.4f, rms_log %.3f decades, best start %zu, %zu iterations, %s\n", res.r2, res.rms_log,
           res.best_start, res.iterations, res.stop);

    /* The reference: one evaluation at the fitted point, as the fit's own evaluations are timed by bench_time. */
    double *i_lib = malloc(tr.n * sizeof(double)), *i_ref = malloc(tr.n * sizeof(double)),
           *i_pl = malloc(tr.n * sizeof(double)), *i_tight = malloc(tr.n * sizeof(double));
    eval_job j = {.model = res.model, .tr = &tr, .o = &o, .i_A = i_lib};
    plain_from(res.model, &j.p);
    double t_eval = bench_time(lib_eval, &j);
    printf("%12s %10s %14s %14s %10s\n", "fit (s)", "evals", "eval (s)", "evals x eval", "ratio");
    printf("%12.3g %10zu %14.3g %14.3g %10.2f\n", t_fit, res.n_eval, t_eval, (double)res.n_eval * t_eval,
           t_fit / ((double)res.n_eval * t_eval));

    /* 2. Accuracy first: a fine RK4 reference (4096 steps per sample interval; its own error estimated against
     * 2048), the library at the fit's settings and at rtol 1e-12. */
    printf("bench_fit 2: evaluations of the fitted VTEAM along the %s waveform (%zu samples)\n",
           real ? "measured" : "synthetic", tr.n);
    plain_run(&j.p, &tr, 4096, i_ref);
    plain_run(&j.p, &tr, 2048, i_pl);
    double e_ref = rel_err(i_pl, i_ref, tr.n);
    fit_eval_iv(&device_vteam, res.model, &tr, &o, i_lib);
    double e_lib = rel_err(i_lib, i_ref, tr.n);
    fit_opts tight = o;
    tight.rtol = 1e-12;
    tight.atol = 1e-14;
    double e_tight = NAN;
    if (fit_eval_iv(&device_vteam, res.model, &tr, &tight, i_tight) == CIM_OK)
        e_tight = rel_err(i_tight, i_ref, tr.n);
    printf("  reference RK4 x 4096 vs x 2048: %.2g; library at rtol 1e-12 vs reference: %.2g (the same equations)\n",
           e_ref, e_tight);
    long m = 1;
    double e_pl = 0;
    for (; m <= 4096; m *= 2) {
        plain_run(&j.p, &tr, m, i_pl);
        e_pl = rel_err(i_pl, i_ref, tr.n);
        if (e_pl <= e_lib)
            break;
    }
    j.m = m;
    j.i_A = i_pl;
    double t_plain = bench_time(plain_eval, &j);
    printf("%28s %14s %14s %12s\n", "", "evals/s", "error", "");
    printf("%28s %14.4g %14.2g\n", "fit_eval_iv (rk8pd, 1e-8)", 1 / t_eval, e_lib);
    printf("%18s x %-7ld %14.4g %14.2g\n", "plain RK4", m, 1 / t_plain, e_pl);
    printf("  ratio (plain-loop time / library time): %.3f\n", t_plain / t_eval);
    fit_result_free(&res);
    free(i_lib);
    free(i_ref);
    free(i_pl);
    free(i_tight);
    iv_trace_free(&tr);
    return 0;
}
