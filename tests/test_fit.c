/* tests/test_fit.c -- fit/: the I-V trace reader's errors, the integrator's explicit output times and the in-memory
 * PWL source the fit drives models with, and parameter recovery: traces generated with known parameters under a
 * 0.8 V, 100 Hz sine through 5 kohm (the Knowm Memristor Discovery set-up), 2% multiplicative Gaussian noise, fits
 * started 35-45% off.  The references are the known parameters, the injected noise level and hand arithmetic. */
#include "core/rng.h"
#include "core/status.h"
#include "device/integrate.h"
#include "device/stimulus.h"
#include "fit/fit.h"
#include "fit/iv.h"
#include "tests/util.h"

#include <criterion/criterion.h>
#include <float.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <string.h>

#define PI 3.14159265358979323846

/* ---- the trace reader ------------------------------------------------------------------------------ */

static int parse(const char *text, size_t min_points, iv_trace *tr)
{
    return iv_parse("iv.csv", text, strlen(text), min_points, tr);
}

static void expect_error(const char *text, size_t min_points, const char *message)
{
    iv_trace tr;
    int st = parse(text, min_points, &tr);
    cr_expect_eq(st, CIM_EIO, "accepted: %s", text);
    cr_expect_str_eq(cim_errmsg(), message);
    cr_expect_null(tr.v_V, "nothing returned on failure");
}

Test(fit_iv, reads_columns_in_any_order_and_keeps_lines)
{
    iv_trace tr;
    cr_assert_eq(parse("# probe station\ni_A,t_s,v_V\n1e-6,0,0.1\n\n-2e-6,1e-3,-0.2\n3e-6,2e-3,0.3\n", 3, &tr), CIM_OK,
                 "%s", cim_errmsg());
    cr_expect_eq(tr.n, 3);
    cr_assert_not_null(tr.t_s);
    cr_expect_eq(tr.t_s[1], 1e-3);
    cr_expect_eq(tr.v_V[1], -0.2);
    cr_expect_eq(tr.i_A[2], 3e-6);
    cr_expect_eq(tr.line[0], 3);
    cr_expect_eq(tr.line[1], 5);
    iv_trace_free(&tr);
}

Test(fit_iv, time_is_optional_for_quasi_static_sweeps)
{
    iv_trace tr;
    cr_assert_eq(parse("v_V,i_A\n0,0\n0.5,1e-6\n", 2, &tr), CIM_OK, "%s", cim_errmsg());
    cr_expect_null(tr.t_s);
    cr_expect_eq(tr.n, 2);
    iv_trace_free(&tr);
}

Test(fit_iv, errors_name_file_line_and_column)
{
    expect_error("t_s,v_V,i_A\n0,0.1,1e-6\n1e-3,nan,2e-6\n", 2,
                 "iv.csv:3:6: 'nan' is not a finite number (NaN and infinities are not allowed)");
    expect_error("t_s,v_V,i_A\n0,0.1,1e-6\n1e-3,0.2,2e-6\n", 3,
                 "iv.csv: 2 data points, but the fit needs at least 3 (one more than its parameters)");
    expect_error("t_s,v_V,i_A\n0,0.1,1e-6\n2e-3,0.2,2e-6\n1e-3,0.3,3e-6\n", 2,
                 "iv.csv:4: t_s (column 1) must increase, but 0.001 s follows 0.002 s on line 3");
    expect_error("t_s,v_V,i_A\n0,0.1,1e-6\n0,0.2,2e-6\n", 2,
                 "iv.csv:3: t_s (column 1) must increase, but 0 s follows 0 s on line 2");
    expect_error("# header next\nt_s,i_A\n0,1e-6\n1,2e-6\n", 2,
                 "iv.csv:2: missing column v_V (the header has t_s (optional), v_V and i_A)");
    expect_error("t_s,V,i_A\n0,0.1,1e-6\n1,0.2,2e-6\n", 2,
                 "iv.csv:1: column 2 is \"V\"; an I-V trace has the columns t_s (optional), v_V, i_A and weight (optional)");
    expect_error("v_V,i_A,v_V\n0.1,1e-6,0.1\n0.2,2e-6,0.2\n", 2, "iv.csv:1: column 3 repeats \"v_V\" (column 1)");
    expect_error("0,0.1,1e-6\n1,0.2,2e-6\n", 2, "iv.csv:1: expected a header line of column names, got data");
}

Test(fit_iv, reads_a_file_and_names_it)
{
    char dir[] = "/tmp/cimsim_fit_XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/bad.csv", dir);
    util_write(path, "t_s,v_V,i_A\n0,0.1,1e-6\n1e-3,0.2,inf\n");
    iv_trace tr;
    cr_expect_eq(iv_read(path, 2, &tr), CIM_EIO);
    char want[512];
    snprintf(want, sizeof want, "%s:3:10: 'inf' is not a finite number", path);
    cr_expect(strncmp(cim_errmsg(), want, strlen(want)) == 0, "message: %s", cim_errmsg());
    remove(path);
    rmdir(dir);
}

/* ---- the integrator's explicit output times and the in-memory PWL source ------------------------------ */

Test(fit_sim, pwl_in_memory_interpolates_its_knots)
{
    double t[] = {0, 1e-3, 3e-3}, v[] = {0, 1.0, -1.0};
    stimulus s;
    cr_assert_eq(stimulus_init_pwl(&s, t, v, 3, 50.0), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(s.p.kind, STIM_PWL);
    cr_expect_eq(s.p.r_series_ohm, 50.0);
    cr_expect_eq(stimulus_v(&s, 0.5e-3), 0.5);
    cr_expect(fabs(stimulus_v(&s, 2.5e-3) - (-0.5)) < 1e-15); /* 1 - 2 * (1.5 / 2) */
    cr_expect_eq(stimulus_v(&s, 9.0), -1.0, "held after the last knot");
    cr_expect_eq(stimulus_next_break(&s, 1e-3), 3e-3);
    stimulus_destroy(&s);
    double tb[] = {0, 1e-3, 1e-3};
    cr_expect_eq(stimulus_init_pwl(&s, tb, v, 3, 0.0), CIM_EINVAL);
    cr_expect_str_eq(cim_errmsg(), "knot 2: times must increase, but t = 0.001 s follows t = 0.001 s");
    stimulus_destroy(&s);
}

/* A VTEAM run under a sine, sampled on sim's grid and at the same times given explicitly: the same numbers, bit for
 * bit (the integrator is bounded by the same targets); times starting after 0 agree to the tolerance. */
Test(fit_sim, explicit_output_times_land_on_the_grid)
{
    const device_type *T = &device_vteam;
    void *p = malloc(T->params->size);
    param_defaults(T->params, p);
    stimulus_params sp;
    param_defaults(&stimulus_group, &sp);
    sp.kind = STIM_SINE;
    sp.amplitude_V = 0.5;
    sp.freq_Hz = 1e3;
    stimulus s;
    cr_assert_eq(stimulus_init(&s, &sp, NULL), CIM_OK);
    sim_params sim;
    param_defaults(&sim_group, &sim);
    sim.t_stop_s = 2e-3;
    sim.n_points = 41;
    double x[DEVICE_MAX_STATE];
    T->init(p, 300, x);
    device_trace a, b, c;
    cr_assert_eq(device_simulate(T, p, 300, x, &s, &sim, NULL, NULL, &a, NULL), CIM_OK, "%s", cim_errmsg());
    double t[41];
    for (size_t k = 0; k < 41; k++)
        t[k] = sim_output_time(&sim, sim.t_stop_s, k, 41);
    device_sim_opts so;
    memset(&so, 0, sizeof so);
    so.t_out_s = t;
    so.n_t_out = 41;
    T->init(p, 300, x);
    cr_assert_eq(device_simulate(T, p, 300, x, &s, &sim, NULL, &so, &b, NULL), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(b.n, 41);
    cr_expect(memcmp(a.i_A, b.i_A, 41 * sizeof *a.i_A) == 0, "explicit times equal to the grid give the grid's run");
    cr_expect(memcmp(a.t_s, b.t_s, 41 * sizeof *a.t_s) == 0);
    /* from the 11th sample on: the first output is not at t = 0 */
    so.t_out_s = t + 10;
    so.n_t_out = 31;
    T->init(p, 300, x);
    cr_assert_eq(device_simulate(T, p, 300, x, &s, &sim, NULL, &so, &c, NULL), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(c.t_s[0], t[10]);
    double worst = 0, scale = 0;
    for (size_t k = 0; k < 31; k++) {
        worst = fmax(worst, fabs(c.i_A[k] - a.i_A[k + 10]));
        scale = fmax(scale, fabs(a.i_A[k + 10]));
    }
    cr_expect_lt(worst, 1e-6 * scale, "off by %g of %g", worst, scale);
    device_trace_free(&c); /* an output argument: a failed call leaves it empty, not freed */
    double bad[] = {0, 2e-3, 1e-3};
    so.t_out_s = bad;
    so.n_t_out = 3;
    cr_expect_eq(device_simulate(T, p, 300, x, &s, &sim, NULL, &so, &c, NULL), CIM_EINVAL);
    device_trace_free(&a);
    device_trace_free(&b);
    device_trace_free(&c);
    stimulus_destroy(&s);
    free(p);
}

/* ---- parameter recovery --------------------------------------------------------------------------------- */

static void set_key(const device_type *T, void *b, const char *key, double v)
{
    const param_spec *s = param_find(T->params, key);
    cr_assert_not_null(s, "%s", key);
    memcpy((char *)b + s->offset, &v, sizeof v);
}

/* The Knowm set-up: a sine of amplitude 0.8 V at 100 Hz through 5 kohm, n_per_period samples per period over
 * n_periods periods, simulated with the true parameters under the sine itself (not the PWL the fit uses) at a
 * tolerance tighter than the fit's; the trace holds the source voltage and the current times (1 + 0.02 N(0, 1)). */
enum { SRC_PER_PERIOD = 200 };
static const double A_V = 0.8, F_HZ = 100.0, R_S = 5000.0, NOISE = 0.02;

static iv_trace knowm_trace(const device_type *T, const void *truth, size_t n_periods, uint64_t seed,
                            double *noise_rms_log)
{
    size_t n = n_periods * SRC_PER_PERIOD;
    iv_trace tr = {n, malloc(n * sizeof(double)), malloc(n * sizeof(double)), malloc(n * sizeof(double)),
                   malloc(n * sizeof(size_t)), 0, NULL};
    for (size_t k = 0; k < n; k++) {
        tr.t_s[k] = (double)k / (SRC_PER_PERIOD * F_HZ);
        tr.v_V[k] = A_V * sin(2 * PI * F_HZ * tr.t_s[k]);
        tr.line[k] = k + 2;
    }
    stimulus_params sp;
    param_defaults(&stimulus_group, &sp);
    sp.kind = STIM_SINE;
    sp.amplitude_V = A_V;
    sp.freq_Hz = F_HZ;
    sp.r_series_ohm = R_S;
    stimulus s;
    cr_assert_eq(stimulus_init(&s, &sp, NULL), CIM_OK);
    sim_params sim;
    param_defaults(&sim_group, &sim);
    sim.rtol = 1e-11;
    sim.atol = 1e-12;
    device_sim_opts so;
    memset(&so, 0, sizeof so);
    so.t_out_s = tr.t_s;
    so.n_t_out = n;
    double x[DEVICE_MAX_STATE];
    T->init(truth, 300, x);
    device_trace out;
    cr_assert_eq(device_simulate(T, truth, 300, x, &s, &sim, NULL, &so, &out, NULL), CIM_OK, "%s", cim_errmsg());
    gsl_rng *r = rng_alloc(seed, "test.fit.noise");
    double ss = 0.0;
    for (size_t k = 0; k < n; k++) {
        double e = 1.0 + NOISE * gsl_ran_gaussian(r, 1.0);
        tr.i_A[k] = out.i_A[k] * e;
        ss += log10(e) * log10(e);
    }
    rng_free(r);
    if (noise_rms_log != NULL)
        *noise_rms_log = sqrt(ss / (double)n); /* what the truth itself leaves in log residuals */
    device_trace_free(&out);
    stimulus_destroy(&s);
    return tr;
}

typedef struct case_spec {
    const char *key;
    double truth, start_factor; /* the start is truth * start_factor */
} case_spec;

/* Fits the keys from starts 35-45% off within [truth / 10, truth * 10] and checks recovery within 5%, the standard
 * errors against the actual error (|fit - truth| < 4 sigma, sigma < 5% of the value) and the residual against the
 * injected noise. */
static void recover(const device_type *T, void *truth, const case_spec *cs, size_t np, size_t n_periods,
                    int residual)
{
    for (size_t j = 0; j < np; j++)
        set_key(T, truth, cs[j].key, cs[j].truth);
    double noise_log;
    iv_trace tr = knowm_trace(T, truth, n_periods, 17, &noise_log);
    void *start = malloc(T->params->size);
    memcpy(start, truth, T->params->size);
    fit_param par[8];
    for (size_t j = 0; j < np; j++) {
        set_key(T, start, cs[j].key, cs[j].truth * cs[j].start_factor);
        double a = cs[j].truth / 10, b = cs[j].truth * 10;
        par[j] = (fit_param){cs[j].key, fmin(a, b), fmax(a, b), FIT_MAP_AUTO};
    }
    fit_opts o;
    fit_opts_default(&o);
    o.r_series_ohm = R_S;
    o.residual = residual;
    fit_result res;
    cr_assert_eq(fit_iv(T, start, &tr, par, np, &o, &res), CIM_OK, "%s", cim_errmsg());
    cr_expect(res.converged, "%s", res.stop);
    for (size_t j = 0; j < np; j++) {
        double v = res.value[j], t = cs[j].truth, se = res.std_err[j];
        cr_expect_lt(fabs(v / t - 1), 0.05, "%s: fitted %g, true %g", cs[j].key, v, t);
        cr_expect(isfinite(se) && se > 0, "%s: standard error %g", cs[j].key, se);
        cr_expect_lt(fabs(v - t), 4 * se, "%s: fitted %g, true %g, standard error %g", cs[j].key, v, t, se);
        cr_expect_lt(se, 0.05 * fabs(v), "%s: standard error %g of %g", cs[j].key, se, v);
        cr_expect_eq(res.corr[j * np + j], 1.0);
        for (size_t q = 0; q < np; q++) {
            cr_expect(fabs(res.corr[j * np + q]) <= 1.0 + 1e-12);
            cr_expect_eq(res.corr[j * np + q], res.corr[q * np + j]);
        }
        /* the fitted block holds the fitted value */
        double in_block;
        memcpy(&in_block, (char *)res.model + param_find(T->params, cs[j].key)->offset, sizeof in_block);
        cr_expect_eq(in_block, v);
    }
    /* The truth leaves the drawn noise's own RMS in log residuals (near 0.02 / ln 10 = 0.0087 decades); the fit must
     * do as well, up to the PWL's sampling of the sine, and cannot do much better with np of n degrees of freedom. */
    cr_expect(noise_log > 0.8 * NOISE / log(10.0) && noise_log < 1.25 * NOISE / log(10.0), "noise %g", noise_log);
    cr_expect(res.rms_log > 0.9 * noise_log && res.rms_log < 1.02 * noise_log, "rms_log %g, the noise's %g",
              res.rms_log, noise_log);
    cr_expect_gt(res.r2, 0.999, "R^2 %g", res.r2);
    /* rms_A is the RMS of the stored model currents' misfit */
    double ss = 0;
    for (size_t k = 0; k < tr.n; k++)
        ss += (res.i_model_A[k] - tr.i_A[k]) * (res.i_model_A[k] - tr.i_A[k]);
    cr_expect(fabs(res.rms_A - sqrt(ss / tr.n)) <= 1e-12 * res.rms_A);
    fit_result_free(&res);
    free(start);
    iv_trace_free(&tr);
}

/* VTEAM with thresholds of +-0.2 V and a state that reaches both bounds within the period (else R_on trades against
 * k_on: only R(x) along the path is seen). */
static void *vteam_truth(void)
{
    const device_type *T = &device_vteam;
    void *p = malloc(T->params->size);
    param_defaults(T->params, p);
    set_key(T, p, "v_off_V", 0.2);
    set_key(T, p, "v_on_V", -0.2);
    set_key(T, p, "alpha_on", 1.0);
    set_key(T, p, "alpha_off", 1.0);
    set_key(T, p, "x0_m", 1.5e-9);
    return p;
}

static const case_spec vteam_cases[] = {
    {"r_on_ohm", 2000, 1.40}, {"r_off_ohm", 50e3, 0.65}, {"k_off_m_per_s", 5e-7, 1.45}, {"k_on_m_per_s", -1e-6, 0.60}};

Test(fit_recover, vteam_four_parameters_log_residuals, .timeout = 120)
{
    void *truth = vteam_truth();
    recover(&device_vteam, truth, vteam_cases, 4, 1, FIT_RESID_LOG);
    free(truth);
}

Test(fit_recover, vteam_four_parameters_linear_residuals, .timeout = 120)
{
    void *truth = vteam_truth();
    recover(&device_vteam, truth, vteam_cases, 4, 1, FIT_RESID_LINEAR);
    free(truth);
}

/* Yakopcic with a sinh I-V that bends within the sweep (b = 3 /V) and switching rates that move the state over
 * most of [0, 1] in each half period; two periods, as its rates are seen less directly than VTEAM's. */
Test(fit_recover, yakopcic_four_parameters, .timeout = 120)
{
    const device_type *T = &device_yakopcic;
    void *truth = malloc(T->params->size);
    param_defaults(T->params, truth);
    set_key(T, truth, "b", 3.0);
    set_key(T, truth, "x0", 0.3);
    static const case_spec cs[] = {{"a1", 2e-4, 1.40}, {"a2", 2e-4, 0.62}, {"a_p", 5000, 1.45}, {"a_n", 5000, 0.60}};
    recover(T, truth, cs, 4, 2, FIT_RESID_LOG);
    free(truth);
}

/* The same data fitted twice, and with multi-start twice: the same bits; multi-start never ends worse than its
 * first start (the given values are start 0). */
Test(fit_recover, repeatable_bit_for_bit_and_multistart_keeps_the_best, .timeout = 120)
{
    const device_type *T = &device_vteam;
    void *truth = vteam_truth();
    for (size_t j = 0; j < 4; j++)
        set_key(T, truth, vteam_cases[j].key, vteam_cases[j].truth);
    iv_trace tr = knowm_trace(T, truth, 1, 5, NULL);
    void *start = malloc(T->params->size);
    memcpy(start, truth, T->params->size);
    fit_param par[4];
    for (size_t j = 0; j < 4; j++) {
        set_key(T, start, vteam_cases[j].key, vteam_cases[j].truth * vteam_cases[j].start_factor);
        double a = vteam_cases[j].truth / 10, b = vteam_cases[j].truth * 10;
        par[j] = (fit_param){vteam_cases[j].key, fmin(a, b), fmax(a, b), FIT_MAP_AUTO};
    }
    fit_opts o;
    fit_opts_default(&o);
    o.r_series_ohm = R_S;
    o.residual = FIT_RESID_LOG;
    fit_result r[4];
    for (int k = 0; k < 4; k++) {
        o.n_starts = k < 2 ? 1 : 4;
        cr_assert_eq(fit_iv(T, start, &tr, par, 4, &o, &r[k]), CIM_OK, "%s", cim_errmsg());
    }
    for (int k = 0; k < 4; k += 2) {
        cr_expect(memcmp(r[k].value, r[k + 1].value, 4 * sizeof(double)) == 0, "values differ between runs");
        cr_expect(memcmp(r[k].std_err, r[k + 1].std_err, 4 * sizeof(double)) == 0);
        cr_expect(memcmp(r[k].corr, r[k + 1].corr, 16 * sizeof(double)) == 0);
        cr_expect(memcmp(r[k].i_model_A, r[k + 1].i_model_A, tr.n * sizeof(double)) == 0);
        cr_expect_eq(r[k].iterations, r[k + 1].iterations);
        cr_expect_eq(r[k].cost, r[k + 1].cost);
    }
    cr_expect_eq(r[2].n_starts, 4);
    cr_expect_leq(r[2].cost, r[0].cost, "multi-start %g, single start %g", r[2].cost, r[0].cost);
    cr_expect_gt(r[2].n_eval, r[0].n_eval);
    for (int k = 0; k < 4; k++)
        fit_result_free(&r[k]);
    free(start);
    free(truth);
    iv_trace_free(&tr);
}

/* A fit with the truth as start and the model evaluated there: fit_eval_iv is what the fit compares with. */
Test(fit_recover, eval_matches_the_generating_run)
{
    const device_type *T = &device_vteam;
    void *truth = vteam_truth();
    for (size_t j = 0; j < 4; j++)
        set_key(T, truth, vteam_cases[j].key, vteam_cases[j].truth);
    iv_trace tr = knowm_trace(T, truth, 1, 3, NULL);
    double *i = malloc(tr.n * sizeof *i);
    fit_opts o;
    fit_opts_default(&o);
    o.r_series_ohm = R_S;
    cr_assert_eq(fit_eval_iv(T, truth, &tr, &o, i), CIM_OK, "%s", cim_errmsg());
    /* the data are the model times (1 + 0.02 N): their ratio's spread is the noise, up to the PWL's sampling of
     * the sine (a sag of A (2 pi / 200)^2 / 8 = 1e-4 V) */
    double s = 0;
    for (size_t k = 0; k < tr.n; k++)
        if (fabs(i[k]) > 0)
            s += (tr.i_A[k] / i[k] - 1) * (tr.i_A[k] / i[k] - 1);
    double rms = sqrt(s / (double)tr.n);
    cr_expect(rms > 0.8 * NOISE && rms < 1.2 * NOISE, "relative spread %g", rms);
    free(i);
    free(truth);
    iv_trace_free(&tr);
}

/* ---- bad requests ---------------------------------------------------------------------------------------- */

Test(fit_errors, names_the_key_the_bounds_and_the_points)
{
    const device_type *T = &device_vteam;
    void *p = vteam_truth();
    iv_trace tr;
    cr_assert_eq(parse("t_s,v_V,i_A\n0,0,0\n1e-3,0.1,1e-6\n2e-3,0.2,2e-6\n", 2, &tr), CIM_OK);
    fit_opts o;
    fit_opts_default(&o);
    fit_result res;
    fit_param bad_key = {"r_onn_ohm", 1, 1e4, FIT_MAP_AUTO};
    cr_expect_eq(fit_iv(T, p, &tr, &bad_key, 1, &o, &res), CIM_EINVAL);
    cr_expect_str_eq(cim_errmsg(), "r_onn_ohm is not a parameter of model vteam (group device.vteam)");
    fit_param excl = {"r_on_ohm", 100, 1000, FIT_MAP_AUTO}; /* the default r_on_ohm is 50 */
    cr_expect_eq(fit_iv(T, p, &tr, &excl, 1, &o, &res), CIM_EINVAL);
    cr_expect_str_eq(cim_errmsg(), "device.vteam.r_on_ohm: the bounds [100, 1000] exclude the start value 50 (it must "
                                   "lie strictly inside)");
    fit_param wide = {"r_on_ohm", 1e-4, 1000, FIT_MAP_AUTO};
    cr_expect_eq(fit_iv(T, p, &tr, &wide, 1, &o, &res), CIM_EINVAL);
    cr_expect_str_eq(cim_errmsg(), "device.vteam.r_on_ohm: the bounds [0.0001, 1000] leave the key's range [0.001, "
                                   "1e+12]");
    fit_param choice = {"iv", 0, 1, FIT_MAP_AUTO};
    cr_expect_eq(fit_iv(T, p, &tr, &choice, 1, &o, &res), CIM_EINVAL);
    cr_expect_str_eq(cim_errmsg(), "device.vteam.iv is not a real number, so it cannot be fitted");
    fit_param four[3] = {{"r_on_ohm", 10, 1000, 0}, {"r_off_ohm", 100, 1e4, 0}, {"k_on_m_per_s", -100, -1, 0}};
    cr_expect_eq(fit_iv(T, p, &tr, four, 3, &o, &res), CIM_EINVAL);
    cr_expect_str_eq(cim_errmsg(), "3 data points, but fitting 3 parameters needs at least 4");
    o.residual = FIT_RESID_LOG;
    o.i_floor_A = 0;
    cr_expect_eq(fit_iv(T, p, &tr, four, 2, &o, &res), CIM_EINVAL);
    cr_expect_str_eq(cim_errmsg(), "log-current residuals need i_floor_A > 0 (got 0)");
    cr_expect_null(res.value);
    iv_trace_free(&tr);
    iv_trace qs;
    cr_assert_eq(parse("v_V,i_A\n0,0\n0.1,1e-6\n0.2,2e-6\n", 2, &qs), CIM_OK);
    fit_opts_default(&o);
    cr_expect_eq(fit_iv(T, p, &qs, four, 1, &o, &res), CIM_EINVAL);
    cr_expect_str_eq(cim_errmsg(), "the I-V trace has no t_s column: a quasi-static sweep needs a sample step dt_s > 0");
    iv_trace_free(&qs);
    free(p);
}

/* ---- the measurement circuit as fitted parameters ---------------------------------------------------------- */

/* A VTEAM trace through 5 kohm with an instrument offset of 0.3 uA added after the device's 2% noise: the offset is
 * fitted alone (the model known), then the series resistor and the offset beside the model's switching keys.
 * Weights 1 / i_data^2 match the noise, which is 2% of the device's current: near a zero crossing the data are
 * almost exact, and there the offset shows (floored at 10 nA, well below the offset, so they stay finite). */
static const double I_OFF = 0.3e-6;

static double *relative_weights(const iv_trace *tr)
{
    double *w = malloc(tr->n * sizeof *w);
    for (size_t k = 0; k < tr->n; k++) {
        double a = fabs(tr->i_A[k]) + 1e-8;
        w[k] = 1.0 / (a * a);
    }
    return w;
}

Test(fit_circuit, offset_alone_is_recovered_within_its_standard_error, .timeout = 120)
{
    const device_type *T = &device_vteam;
    void *truth = vteam_truth();
    for (size_t j = 0; j < 4; j++)
        set_key(T, truth, vteam_cases[j].key, vteam_cases[j].truth);
    iv_trace tr = knowm_trace(T, truth, 1, 23, NULL);
    for (size_t k = 0; k < tr.n; k++)
        tr.i_A[k] += I_OFF;
    double *w = relative_weights(&tr);
    fit_opts o;
    fit_opts_default(&o);
    o.r_series_ohm = R_S;
    o.weight = w;
    o.i_offset_A = 0.0; /* the start: no offset; bounds straddle 0, so the map is linear */
    fit_param par = {FIT_KEY_I_OFFSET, -5e-6, 5e-6, FIT_MAP_AUTO};
    fit_result res;
    cr_assert_eq(fit_iv(T, truth, &tr, &par, 1, &o, &res), CIM_OK, "%s", cim_errmsg());
    cr_expect(res.converged, "%s", res.stop);
    double v = res.value[0], se = res.std_err[0];
    cr_expect(isfinite(se) && se > 0 && se < 0.1 * I_OFF, "standard error %g", se);
    cr_expect_lt(fabs(v - I_OFF), 4 * se, "offset %g, true %g, standard error %g", v, I_OFF, se);
    cr_expect_eq(res.i_offset_A, v);
    cr_expect_eq(res.r_series_ohm, R_S, "not fitted: fit_opts' value");
    /* the stored currents include the fitted offset: the model block alone plus the offset gives them */
    double *i0 = malloc(tr.n * sizeof *i0);
    o.i_offset_A = v;
    cr_assert_eq(fit_eval_iv(T, res.model, &tr, &o, i0), CIM_OK, "%s", cim_errmsg());
    cr_expect(memcmp(i0, res.i_model_A, tr.n * sizeof *i0) == 0);
    free(i0);
    fit_result_free(&res);
    free(w);
    free(truth);
    iv_trace_free(&tr);
}

/* R_s and R_on add in the ON state and trade exactly in the current there; what tells them apart is the device's
 * own voltage v_src R(x) / (R_s + R(x)), which sets the switching rates.  Here R_s is fitted with the OFF resistance
 * and the rates, R_on known (as after a DC read of the ON state through the same resistor, which gives R_s + R_on);
 * the next test fits both. */
Test(fit_circuit, series_resistor_and_offset_beside_the_model_keys, .timeout = 120)
{
    const device_type *T = &device_vteam;
    void *truth = vteam_truth();
    for (size_t j = 0; j < 4; j++)
        set_key(T, truth, vteam_cases[j].key, vteam_cases[j].truth);
    iv_trace tr = knowm_trace(T, truth, 1, 29, NULL);
    for (size_t k = 0; k < tr.n; k++)
        tr.i_A[k] += I_OFF;
    double *w = relative_weights(&tr);
    void *start = malloc(T->params->size);
    memcpy(start, truth, T->params->size);
    set_key(T, start, "r_off_ohm", 50e3 * 0.65);
    set_key(T, start, "k_off_m_per_s", 5e-7 * 1.45);
    set_key(T, start, "k_on_m_per_s", -1e-6 * 0.60);
    fit_param par[5] = {{"r_off_ohm", 5e3, 5e5, 0},
                        {"k_off_m_per_s", 5e-8, 5e-6, 0},
                        {"k_on_m_per_s", -1e-5, -1e-7, 0},
                        {FIT_KEY_R_SERIES, 500, 50e3, 0},
                        {FIT_KEY_I_OFFSET, -5e-6, 5e-6, 0}};
    double want[5] = {50e3, 5e-7, -1e-6, R_S, I_OFF};
    fit_opts o;
    fit_opts_default(&o);
    o.r_series_ohm = R_S * 1.4; /* 40% off */
    o.i_offset_A = -0.5e-6;
    o.weight = w;
    fit_result res;
    cr_assert_eq(fit_iv(T, start, &tr, par, 5, &o, &res), CIM_OK, "%s", cim_errmsg());
    cr_expect(res.converged, "%s", res.stop);
    for (size_t j = 0; j < 5; j++) {
        double v = res.value[j], se = res.std_err[j];
        cr_expect(isfinite(se) && se > 0, "%s: standard error %g", par[j].key, se);
        cr_expect_lt(fabs(v - want[j]), 4 * se, "%s: fitted %g, true %g, standard error %g", par[j].key, v, want[j],
                     se);
        if (j < 4)
            cr_expect_lt(fabs(v / want[j] - 1), 0.05, "%s: fitted %g, true %g", par[j].key, v, want[j]);
        cr_expect_eq(res.corr[j * 5 + j], 1.0);
    }
    cr_expect_eq(res.r_series_ohm, res.value[3]);
    cr_expect_eq(res.i_offset_A, res.value[4]);
    cr_expect_eq(res.start[3], R_S * 1.4, "start 0 is fit_opts' value");
    fit_result_free(&res);
    free(w);
    free(start);
    free(truth);
    iv_trace_free(&tr);
}

/* ---- multi-start over threads ------------------------------------------------------------------------------- */

/* Six starts on 1, 2 and 3 threads: the same bits (values, standard errors, correlations, currents, the winning
 * start, the evaluation count summed over threads).  The starts run on contexts of their own, so a start's path
 * must not depend on which thread ran it or on what ran before it there. */
Test(fit_threads, any_thread_count_gives_the_same_bits, .timeout = 120)
{
    const device_type *T = &device_vteam;
    void *truth = vteam_truth();
    for (size_t j = 0; j < 4; j++)
        set_key(T, truth, vteam_cases[j].key, vteam_cases[j].truth);
    iv_trace tr = knowm_trace(T, truth, 1, 31, NULL);
    void *start = malloc(T->params->size);
    memcpy(start, truth, T->params->size);
    fit_param par[5];
    for (size_t j = 0; j < 4; j++) {
        set_key(T, start, vteam_cases[j].key, vteam_cases[j].truth * vteam_cases[j].start_factor);
        double a = vteam_cases[j].truth / 10, b = vteam_cases[j].truth * 10;
        par[j] = (fit_param){vteam_cases[j].key, fmin(a, b), fmax(a, b), FIT_MAP_AUTO};
    }
    par[4] = (fit_param){FIT_KEY_R_SERIES, 1e3, 2e4, FIT_MAP_AUTO}; /* a circuit key too: it lives in the context */
    fit_opts o;
    fit_opts_default(&o);
    o.r_series_ohm = 4000;
    o.residual = FIT_RESID_LOG;
    o.n_starts = 6;
    o.max_iter = 60; /* a start far from the truth may wander: its path, not its end, is what must repeat */
    fit_result r[3];
    for (int k = 0; k < 3; k++) {
        o.n_threads = (size_t)k + 1;
        cr_assert_eq(fit_iv(T, start, &tr, par, 5, &o, &r[k]), CIM_OK, "%s", cim_errmsg());
    }
    for (int k = 1; k < 3; k++) {
        cr_expect(memcmp(r[0].value, r[k].value, 5 * sizeof(double)) == 0, "values differ on %d threads", k + 1);
        cr_expect(memcmp(r[0].std_err, r[k].std_err, 5 * sizeof(double)) == 0);
        cr_expect(memcmp(r[0].corr, r[k].corr, 25 * sizeof(double)) == 0);
        cr_expect(memcmp(r[0].start, r[k].start, 5 * sizeof(double)) == 0);
        cr_expect(memcmp(r[0].i_model_A, r[k].i_model_A, tr.n * sizeof(double)) == 0);
        cr_expect_eq(r[0].best_start, r[k].best_start);
        cr_expect_eq(r[0].iterations, r[k].iterations);
        cr_expect_eq(r[0].n_eval, r[k].n_eval, "n_eval %zu on 1 thread, %zu on %d", r[0].n_eval, r[k].n_eval, k + 1);
        cr_expect_eq(r[0].cost, r[k].cost);
        cr_expect_str_eq(r[0].stop, r[k].stop);
    }
    /* the winner is the lowest cost of the six: none of the single-start fits from the drawn starts beats it */
    cr_expect_eq(r[0].n_starts, 6);
    for (int k = 0; k < 3; k++)
        fit_result_free(&r[k]);
    free(start);
    free(truth);
    iv_trace_free(&tr);
}

/* ---- the finite-difference step ------------------------------------------------------------------------------ */

Test(fit_fd, auto_step_is_the_root_of_the_tolerance)
{
    fit_opts o;
    fit_opts_default(&o);
    cr_expect_eq(o.fd_step, 0.0, "auto by default");
    cr_expect(fabs(fit_fd_step(&o) - 1e-4) < 1e-18, "sqrt(1e-8): %g", fit_fd_step(&o));
    o.rtol = 1e-6;
    cr_expect(fabs(fit_fd_step(&o) - 1e-3) < 1e-17);
    o.rtol = 1e-40;
    cr_expect_eq(fit_fd_step(&o), sqrt(DBL_EPSILON), "floored at machine precision");
    o.fd_step = 3e-5;
    cr_expect_eq(fit_fd_step(&o), 3e-5, "an override wins");
}

/* The auto step gives the standard errors of a converged Jacobian at any integrator tolerance.  The reference: a
 * tight integrator (rtol 1e-12) and a small step (1e-6), where neither the integrator's error (eps / h = 1e-6) nor
 * truncation (h) is seen.  With log residuals on the VTEAM case, the auto step at rtol 1e-6, 1e-8 and 1e-10 (steps
 * 1e-3, 1e-4, 1e-5) agrees with it to 1%.  (A fixed step 1e-4 at rtol 1e-6 gave k_off's standard error 9% low,
 * 1e-5 there a factor 2 low, 1e-6 a factor 15: eps / h swamps the difference quotient when measured, 2026-12.) */
Test(fit_fd, standard_errors_do_not_hinge_on_the_tolerance, .timeout = 120)
{
    const device_type *T = &device_vteam;
    void *truth = vteam_truth();
    for (size_t j = 0; j < 4; j++)
        set_key(T, truth, vteam_cases[j].key, vteam_cases[j].truth);
    iv_trace tr = knowm_trace(T, truth, 1, 37, NULL);
    fit_param par[4];
    for (size_t j = 0; j < 4; j++) {
        double a = vteam_cases[j].truth / 10, b = vteam_cases[j].truth * 10;
        par[j] = (fit_param){vteam_cases[j].key, fmin(a, b), fmax(a, b), FIT_MAP_AUTO};
    }
    fit_opts o;
    fit_opts_default(&o);
    o.r_series_ohm = R_S;
    o.residual = FIT_RESID_LOG;
    o.rtol = 1e-12;
    o.atol = 1e-14;
    o.fd_step = 1e-6;
    fit_result ref;
    cr_assert_eq(fit_iv(T, truth, &tr, par, 4, &o, &ref), CIM_OK, "%s", cim_errmsg());
    static const double rtols[] = {1e-6, 1e-8, 1e-10};
    for (size_t q = 0; q < 3; q++) {
        o.rtol = rtols[q];
        o.atol = rtols[q] / 100;
        o.fd_step = 0;
        fit_result a;
        cr_assert_eq(fit_iv(T, truth, &tr, par, 4, &o, &a), CIM_OK, "%s", cim_errmsg());
        for (size_t j = 0; j < 4; j++) {
            cr_expect_lt(fabs(a.std_err[j] / ref.std_err[j] - 1), 0.01, "rtol %g (step %g), %s: standard error %g, "
                         "converged %g", rtols[q], fit_fd_step(&o), par[j].key, a.std_err[j], ref.std_err[j]);
            cr_expect_lt(fabs(a.value[j] - ref.value[j]), 0.2 * ref.std_err[j], "%s: the optimum moved", par[j].key);
        }
        fit_result_free(&a);
    }
    fit_result_free(&ref);
    free(truth);
    iv_trace_free(&tr);
}

/* ---- bad requests: the circuit keys, the data, the options ------------------------------------------------------- */

Test(fit_errors, circuit_keys_data_and_options)
{
    const device_type *T = &device_vteam;
    void *p = vteam_truth();
    iv_trace tr;
    cr_assert_eq(parse("t_s,v_V,i_A\n0,0,0\n1e-3,0.1,1e-6\n2e-3,0.2,2e-6\n3e-3,0.1,1e-6\n", 2, &tr), CIM_OK);
    fit_opts o;
    fit_opts_default(&o);
    fit_result res;
    /* the series resistor starts at fit_opts' value, 0 by default: bounds [0, ...] cannot hold it strictly */
    fit_param rs = {FIT_KEY_R_SERIES, 0, 1e4, FIT_MAP_AUTO};
    cr_expect_eq(fit_iv(T, p, &tr, &rs, 1, &o, &res), CIM_EINVAL);
    cr_expect_str_eq(cim_errmsg(), "r_series_ohm (the series resistor): the bounds [0, 10000] exclude the start value 0 "
                                   "(it must lie strictly inside)");
    o.r_series_ohm = 100;
    fit_param rs_neg = {FIT_KEY_R_SERIES, -10, 1e4, FIT_MAP_AUTO};
    cr_expect_eq(fit_iv(T, p, &tr, &rs_neg, 1, &o, &res), CIM_EINVAL);
    cr_expect_str_eq(cim_errmsg(), "r_series_ohm (the series resistor): the bounds [-10, 10000] leave the key's range "
                                   "[0, 1e+12]");
    fit_param off_log = {FIT_KEY_I_OFFSET, -1e-6, 1e-6, FIT_MAP_LOG};
    cr_expect_eq(fit_iv(T, p, &tr, &off_log, 1, &o, &res), CIM_EINVAL);
    cr_expect_str_eq(cim_errmsg(), "i_offset_A (the current offset): a log map needs bounds of one sign, neither 0 (got "
                                   "[-1e-06, 1e-06])");
    fit_param off_out = {FIT_KEY_I_OFFSET, 1e-9, 1e-6, FIT_MAP_AUTO}; /* the start, fit_opts' 0, lies outside */
    cr_expect_eq(fit_iv(T, p, &tr, &off_out, 1, &o, &res), CIM_EINVAL);
    cr_expect_str_eq(cim_errmsg(), "i_offset_A (the current offset): the bounds [1e-09, 1e-06] exclude the start value "
                                   "0 (it must lie strictly inside)");
    fit_param twice[2] = {{FIT_KEY_I_OFFSET, -1e-6, 1e-6, 0}, {FIT_KEY_I_OFFSET, -1e-6, 1e-6, 0}};
    cr_expect_eq(fit_iv(T, p, &tr, twice, 2, &o, &res), CIM_EINVAL);
    cr_expect_str_eq(cim_errmsg(), "i_offset_A (the current offset) is listed twice");
    fit_param model_twice[2] = {{"r_on_ohm", 10, 1000, 0}, {"r_on_ohm", 10, 1000, 0}};
    cr_expect_eq(fit_iv(T, p, &tr, model_twice, 2, &o, &res), CIM_EINVAL);
    cr_expect_str_eq(cim_errmsg(), "device.vteam.r_on_ohm is listed twice");
    fit_param nan_bound = {"r_on_ohm", NAN, 1000, 0};
    cr_expect_eq(fit_iv(T, p, &tr, &nan_bound, 1, &o, &res), CIM_EINVAL);
    cr_expect_str_eq(cim_errmsg(), "device.vteam.r_on_ohm: the bounds [nan, 1000] must be finite with lo < hi");
    /* a trace built in memory, not read: a NaN is named by its line */
    fit_param ron = {"r_on_ohm", 10, 1000, 0};
    tr.i_A[2] = NAN;
    cr_expect_eq(fit_iv(T, p, &tr, &ron, 1, &o, &res), CIM_EINVAL);
    cr_expect_str_eq(cim_errmsg(), "line 4: the sample (t 0.002 s, v 0.2 V, i nan A) is not finite");
    tr.i_A[2] = 2e-6;
    /* the options */
    o.n_starts = 0;
    cr_expect_eq(fit_iv(T, p, &tr, &ron, 1, &o, &res), CIM_EINVAL);
    cr_expect_str_eq(cim_errmsg(), "n_starts must be at least 1");
    o.n_starts = 1;
    o.fd_step = 1.5;
    cr_expect_eq(fit_iv(T, p, &tr, &ron, 1, &o, &res), CIM_EINVAL);
    cr_expect_str_eq(cim_errmsg(), "fd_step (1.5) must lie in [0, 1) (0: chosen from rtol)");
    o.fd_step = 0;
    o.polarity = 0;
    cr_expect_eq(fit_iv(T, p, &tr, &ron, 1, &o, &res), CIM_EINVAL);
    cr_expect_str_eq(cim_errmsg(), "polarity (0) must be +1 or -1");
    o.polarity = 1;
    cr_expect_eq(fit_iv(T, p, &tr, &ron, 0, &o, &res), CIM_EINVAL);
    cr_expect_str_eq(cim_errmsg(), "no parameters to fit");
    cr_expect_null(res.value, "nothing returned on failure");
    iv_trace_free(&tr);
    free(p);
}

/* R_on and R_s fitted together (with R_off, the rates and the offset): the switching tells them apart, but only just
 * -- their correlation is strongly negative (they trade in the ON state's current) and R_on's standard error grows
 * from nothing (known) to a few percent.  Asserted: every key within 4 standard errors of the truth, R_on's and R_s's
 * standard errors below 5%, and their correlation below -0.8 (the ON state's trade, which the fit must report). */
Test(fit_circuit, series_resistor_and_r_on_told_apart_by_the_switching, .timeout = 120)
{
    const device_type *T = &device_vteam;
    void *truth = vteam_truth();
    for (size_t j = 0; j < 4; j++)
        set_key(T, truth, vteam_cases[j].key, vteam_cases[j].truth);
    iv_trace tr = knowm_trace(T, truth, 1, 29, NULL);
    for (size_t k = 0; k < tr.n; k++)
        tr.i_A[k] += I_OFF;
    double *w = relative_weights(&tr);
    void *start = malloc(T->params->size);
    memcpy(start, truth, T->params->size);
    for (size_t j = 0; j < 4; j++)
        set_key(T, start, vteam_cases[j].key, vteam_cases[j].truth * vteam_cases[j].start_factor);
    fit_param par[6] = {{"r_on_ohm", 200, 2e4, 0},          {"r_off_ohm", 5e3, 5e5, 0},
                        {"k_off_m_per_s", 5e-8, 5e-6, 0},    {"k_on_m_per_s", -1e-5, -1e-7, 0},
                        {FIT_KEY_R_SERIES, 500, 50e3, 0},   {FIT_KEY_I_OFFSET, -5e-6, 5e-6, 0}};
    double want[6] = {2000, 50e3, 5e-7, -1e-6, R_S, I_OFF};
    fit_opts o;
    fit_opts_default(&o);
    o.r_series_ohm = R_S * 1.4;
    o.i_offset_A = -0.5e-6;
    o.weight = w;
    fit_result res;
    cr_assert_eq(fit_iv(T, start, &tr, par, 6, &o, &res), CIM_OK, "%s", cim_errmsg());
    cr_expect(res.converged, "%s", res.stop);
    for (size_t j = 0; j < 6; j++)
        cr_expect_lt(fabs(res.value[j] - want[j]), 4 * res.std_err[j], "%s: fitted %g, true %g, standard error %g",
                     par[j].key, res.value[j], want[j], res.std_err[j]);
    cr_expect_lt(res.std_err[0], 0.05 * res.value[0], "R_on: standard error %g of %g", res.std_err[0], res.value[0]);
    cr_expect_lt(res.std_err[4], 0.05 * res.value[4], "R_s: standard error %g of %g", res.std_err[4], res.value[4]);
    cr_expect_lt(res.corr[0 * 6 + 4], -0.8, "corr(R_on, R_s) %g", res.corr[4]);
    cr_expect_eq(res.corr[0 * 6 + 4], res.corr[4 * 6 + 0]);
    fit_result_free(&res);
    free(w);
    free(start);
    free(truth);
    iv_trace_free(&tr);
}
