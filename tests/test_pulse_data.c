/* tests/test_pulse_data.c -- the pulse-response fits on the measured sets shipped in tests/data/ (README.md there):
 * CrossSim's example SET/RESET ramps fitted with neurosim, soft_bounds and lut, and the Gong et al. 2018 HfO2 set
 * (normalised) with neurosim.  The numbers are the data's; what is asserted is checked against quantities the test
 * computes itself from the data: the C2C sigma against the spread of the residuals of the test's own least squares,
 * the read noise against the lag-1 covariance of the test's own differences, and the models' one-pulse errors
 * against each other. */
#include "core/status.h"
#include "device/device.h"
#include "fit/pulse.h"
#include "exp/pulses.h"
#include "tests/devrun.h"
#include "tests/util.h"

#include <criterion/criterion.h>
#include <gsl/gsl_fit.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CROSSSIM CIM_SRC "/tests/data/crosssim_ramps_cycles1-10_pulse.csv"
#define GONG CIM_SRC "/tests/data/gong2018_hfo2_reram_updown_norm.csv"

static const pulse_fit_value *value_of(const pulse_model_fit *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->v[i].name, name) == 0)
            return &f->v[i];
    cr_assert_fail("no fitted value %s", name);
    return NULL;
}

static void fit_model(devrun *r, const char *model, const pulse_data *d, pulse_model_fit *f)
{
    char src[128];
    snprintf(src, sizeof src, "@device = { model = \"%s\"; };", model);
    devrun_load(r, src, NULL);
    cr_assert_eq(pulse_fit_device(r->e.b.type, d, r->e.b.model, f), CIM_OK, "%s: %s", model, cim_errmsg());
}

/* The standard deviation of r[0..n) about 0 (residuals) without those beyond 5 robust sigmas (1.4826 MAD). */
static double clipped_sd(const double *r, size_t n)
{
    double *t = malloc(n * sizeof *t), ss = 0;
    memcpy(t, r, n * sizeof *t);
    double lim = 5 * pulse_mad_sigma(t, n);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (fabs(r[i]) <= lim) {
            ss += r[i] * r[i];
            m++;
        }
    free(t);
    return sqrt(ss / (double)(m - 2));
}

/* RMS error of the model's noiseless one-pulse prediction over the same-polarity pairs inside [lo, hi], by the
 * test's own loop over T->pulse. */
static double one_pulse_rms(const device_type *T, void *block, const pulse_data *d, double lo, double hi)
{
    double blo[1], bhi[1], ss = 0, e;
    size_t m = 0;
    T->c2c(block, 0);
    T->bounds(block, blo, bhi);
    double vth = *(double *)pulse_field(T, block, "v_threshold_V", PARAM_REAL);
    double tp = *(double *)pulse_field(T, block, "t_pulse_s", PARAM_REAL);
    for (size_t i = 1; i < d->n; i++) {
        if (d->polarity[i] != d->polarity[i - 1] || d->g[i - 1] < lo || d->g[i - 1] > hi || d->g[i] < lo || d->g[i] > hi)
            continue;
        double g = fmin(fmax(d->g[i - 1], blo[0]), bhi[0]);
        T->pulse(block, &g, blo, bhi, d->polarity[i] * (vth + 1), tp, 300, &e);
        ss += (d->g[i] - g) * (d->g[i] - g);
        m++;
    }
    return sqrt(ss / (double)m);
}

/* The RMS error of the model's noiseless ramps, each started from the read before the ramp (pulse_model_trace on
 * every run of one polarity). */
static double ramp_rms(const device_type *T, const void *block, const pulse_data *d)
{
    double ss = 0, *g = malloc(d->n * sizeof *g);
    size_t m = 0;
    for (size_t i = 1; i < d->n;) {
        size_t j = i;
        while (j < d->n && d->polarity[j] == d->polarity[i])
            j++;
        pulse_data run = {.n = j - i + 1, .pulse = d->pulse + i - 1, .g = d->g + i - 1, .polarity = d->polarity + i - 1};
        cr_assert_eq(pulse_model_trace(T, block, &run, g), CIM_OK, "%s", cim_errmsg());
        for (size_t k = 1; k < run.n; k++) {
            ss += (g[k] - run.g[k]) * (g[k] - run.g[k]);
            m++;
        }
        i = j;
    }
    free(g);
    return sqrt(ss / (double)m);
}

Test(pulse_data, crosssim_ramps_with_three_models)
{
    pulse_data d;
    cr_assert_eq(pulse_data_read(CROSSSIM, 0, &d), CIM_OK, "%s", cim_errmsg());
    devrun rn, rs, rl;
    pulse_model_fit fn, fs, fl;
    fit_model(&rn, "neurosim", &d, &fn);
    fit_model(&rs, "soft_bounds", &d, &fs);
    fit_model(&rl, "lut", &d, &fl);
    double lo = fn.g_min_S, hi = fn.g_max_S, range = hi - lo;
    /* The C2C sigma of neurosim: the test's own least squares of G' on G per polarity over the pairs inside the range,
     * and the standard deviation of its residuals after leaving out those beyond 5 robust sigmas (1.4826 MAD), the
     * fit's definition of an outlier: the fit's sigma_c2c within 5 % (the fit's censoring passes differ). */
    double *x = malloc(d.n * sizeof *x), *y = malloc(d.n * sizeof *y), *e = malloc(d.n * sizeof *e);
    for (int pol = 1; pol >= -1; pol -= 2) {
        size_t m = 0;
        for (size_t i = 1; i < d.n; i++)
            if (d.polarity[i] == pol && d.polarity[i - 1] == pol && d.g[i - 1] >= lo && d.g[i - 1] <= hi && d.g[i] > lo &&
                d.g[i] < hi)
                x[m] = d.g[i - 1], y[m] = d.g[i], m++;
        double a, b, c00, c01, c11, ss;
        gsl_fit_linear(x, 1, y, 1, m, &a, &b, &c00, &c01, &c11, &ss);
        for (size_t k = 0; k < m; k++)
            e[k] = y[k] - a - b * x[k];
        double sd = clipped_sd(e, m) / range, fit = value_of(&fn, pol > 0 ? "ltp.sigma_c2c" : "ltd.sigma_c2c")->value;
        cr_expect(fabs(fit - sd) <= 0.05 * sd, "%s: sigma_c2c %g, the residuals' spread %g", pol > 0 ? "ltp" : "ltd",
                  fit, sd);
    }
    free(x);
    free(y);
    free(e);
    /* The lut: its sigma pools the bins' spreads of the steps about the table; the test interpolates the table itself
     * and takes the clipped sd of all the residuals (the bins' spreads differ little here): within 5 %. */
    for (int pol = 1; pol >= -1; pol -= 2) {
        const pulse_lut_bin *t = pol > 0 ? fl.pot : fl.dep;
        double *r = malloc(d.n * sizeof *r);
        size_t m = 0;
        for (size_t i = 1; i < d.n; i++) {
            double g0 = d.g[i - 1];
            if (d.polarity[i] != pol || d.polarity[i - 1] != pol || g0 < lo || g0 > hi || d.g[i] < lo || d.g[i] > hi)
                continue;
            double f;
            if (g0 <= t[0].g_S)
                f = t[0].dg_S;
            else if (g0 >= t[fl.n_bins - 1].g_S)
                f = t[fl.n_bins - 1].dg_S;
            else {
                size_t j = (size_t)((g0 - t[0].g_S) / (t[1].g_S - t[0].g_S));
                j = j + 1 < fl.n_bins ? j : fl.n_bins - 2;
                f = t[j].dg_S + (g0 - t[j].g_S) / (t[j + 1].g_S - t[j].g_S) * (t[j + 1].dg_S - t[j].dg_S);
            }
            r[m++] = d.g[i] - g0 - f;
        }
        double sd = clipped_sd(r, m), fit = value_of(&fl, pol > 0 ? "pot.sigma_S" : "dep.sigma_S")->value;
        cr_expect(fabs(fit - sd) <= 0.05 * sd, "lut %s: sigma %g S, the steps' spread about the table %g S",
                  pol > 0 ? "pot" : "dep", fit, sd);
        free(r);
    }
    /* The models' one-pulse errors: the table follows the steps at least as well as the two-parameter branches. */
    double en = one_pulse_rms(rn.e.b.type, rn.e.b.model, &d, lo, hi), es = one_pulse_rms(rs.e.b.type, rs.e.b.model, &d, lo, hi);
    double el = one_pulse_rms(rl.e.b.type, rl.e.b.model, &d, lo, hi);
    cr_expect(fabs(en - fn.rms_S) <= 1e-3 * en && fabs(el - fl.rms_S) <= 1e-3 * el, "rms_S is the one-pulse error");
    cr_expect(el <= en, "one-pulse RMS: lut %g S <= neurosim %g S", el, en);
    /* Potentiation accelerates (the steps grow with G: NL_ltp < 0), which soft bounds cannot follow. */
    cr_expect(value_of(&fn, "nl_ltp")->value < 0, "NL_ltp %g", value_of(&fn, "nl_ltp")->value);
    cr_expect(value_of(&fs, "ltp.bound_fixed")->value == 1 && es > en, "soft bounds: bound fixed, rms %g S > %g S", es, en);
    double tn = ramp_rms(rn.e.b.type, rn.e.b.model, &d), tl = ramp_rms(rl.e.b.type, rl.e.b.model, &d),
           ts = ramp_rms(rs.e.b.type, rs.e.b.model, &d);
    cr_expect(tl <= tn, "ramps from their starts: lut RMS %g S <= neurosim %g S", tl, tn);
    cr_log_info("CrossSim: NL %g +- %g / %g +- %g, levels %g / %g, sigma_c2c %g; soft bounds alpha %g / %g, sigma %g; "
                "lut %zu bins, sigma %g / %g S; one-pulse RMS (S) neurosim %g, soft bounds %g, lut %g; ramp RMS (S) %g, "
                "%g, %g",
                value_of(&fn, "nl_ltp")->value, value_of(&fn, "nl_ltp")->se, value_of(&fn, "nl_ltd")->value,
                value_of(&fn, "nl_ltd")->se, value_of(&fn, "n_levels")->value, value_of(&fn, "n_levels_ltd")->value,
                value_of(&fn, "sigma_c2c")->value, value_of(&fs, "alpha_pot")->value, value_of(&fs, "alpha_dep")->value,
                value_of(&fs, "sigma_c2c")->value, fl.n_bins, value_of(&fl, "pot.sigma_S")->value,
                value_of(&fl, "dep.sigma_S")->value, en, es, el, tn, ts, tl);
    devrun_unload(&rn);
    devrun_unload(&rs);
    devrun_unload(&rl);
    pulse_data_free(&d);
}

/* Gong et al.: reads dominated by noise that does not carry over to the next pulse.  The test's own differences of
 * consecutive reads anticorrelate (lag-1 correlation near -0.5 for pure read noise), and the read sigma the fit reports
 * matches sqrt(-cov(dG_k, dG_k+1)) of the raw differences within 10 % (the fitted curve's slow trend barely enters
 * either). */
Test(pulse_data, gong_is_read_noise_and_fits_as_curves)
{
    pulse_data d;
    cr_assert_eq(pulse_data_read(GONG, 1, &d), CIM_OK, "%s", cim_errmsg());
    devrun r;
    pulse_model_fit f;
    fit_model(&r, "neurosim", &d, &f);
    for (int pol = 1; pol >= -1; pol -= 2) {
        double s1 = 0, s2 = 0, c = 0, mean = 0;
        size_t n = 0;
        for (size_t i = 2; i < d.n; i++)
            if (d.polarity[i] == pol && d.polarity[i - 2] == pol) {
                mean += d.g[i] - d.g[i - 1];
                n++;
            }
        mean /= (double)n;
        for (size_t i = 2; i < d.n; i++)
            if (d.polarity[i] == pol && d.polarity[i - 2] == pol) {
                double a = d.g[i - 1] - d.g[i - 2] - mean, b = d.g[i] - d.g[i - 1] - mean;
                s1 += a * a;
                s2 += b * b;
                c += a * b;
            }
        double corr = c / sqrt(s1 * s2), read = sqrt(-c / (double)n);
        const char *pre = pol > 0 ? "ltp." : "ltd.";
        char key[48];
        snprintf(key, sizeof key, "%sread_sigma", pre);
        double fit = value_of(&f, key)->value * (f.g_max_S - f.g_min_S);
        cr_expect(corr < -0.3, "%s lag-1 correlation of the differences %g", pre, corr);
        cr_expect(fabs(fit - read) <= 0.1 * read, "%s read sigma %g, from the differences %g", pre, fit, read);
        snprintf(key, sizeof key, "%scurve_fit", pre);
        cr_expect(value_of(&f, key)->value == 1, "%s fitted as curves", pre);
    }
    cr_log_info("Gong: NL %g +- %g / %g +- %g, levels %g / %g, sigma_c2c %g, read %g / %g, range %g..%g",
                value_of(&f, "nl_ltp")->value, value_of(&f, "nl_ltp")->se, value_of(&f, "nl_ltd")->value,
                value_of(&f, "nl_ltd")->se, value_of(&f, "n_levels")->value, value_of(&f, "n_levels_ltd")->value,
                value_of(&f, "sigma_c2c")->value, value_of(&f, "ltp.read_sigma")->value,
                value_of(&f, "ltd.read_sigma")->value, f.g_min_S, f.g_max_S);
    devrun_unload(&r);
    pulse_data_free(&d);
}

/* configs/device/lut_crosssim_pulses.cfg holds the lut fit of the CrossSim ramps with 12 bins: the same table as a
 * fresh fit (to its 4 printed digits).  Driven noiselessly by the pulses experiment, whose NeuroSim estimator
 * (exp/pulses.c) was written separately, the table's potentiation shows the label the neurosim fit finds in the raw
 * ramps (NL_ltp about -1.6, accelerating): within 5 %. */
Test(pulse_data, crosssim_table_drives_the_pulses_experiment)
{
    pulse_data d;
    cr_assert_eq(pulse_data_read(CROSSSIM, 0, &d), CIM_OK, "%s", cim_errmsg());
    pulse_fit nf;
    cr_assert_eq(pulse_fit_neurosim(&d, &nf), CIM_OK, "%s", cim_errmsg());
    cfg c;
    exp_device e;
    pulses_params pp;
    cfg_init(&c);
    exp_device_init(&e, &c);
    cfg_bind(&c, &pulses_group, &pp);
    cr_assert_eq(cfg_read_file(&c, CIM_SRC "/configs/device/lut_crosssim_pulses.cfg"), CIM_OK, "%s", cim_errmsg());
    device_binding_select(&e.b, &c);
    static const char *const quiet[] = {"device.lut.sigma_pot_S=[0,0,0,0,0,0,0,0,0,0,0,0]",
                                        "device.lut.sigma_dep_S=[0,0,0,0,0,0,0,0,0,0,0,0]", "pulses.n_cycles=1", NULL};
    for (int i = 0; quiet[i] != NULL; i++)
        cr_assert_eq(cfg_set(&c, quiet[i]), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(cfg_resolve(&c), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(exp_device_prepare(&e, NULL), CIM_OK, "%s", cim_errmsg());
    /* The table against a fresh fit with 12 bins. */
    const device_type *T = e.b.type;
    void *fresh = malloc(T->params->size);
    memcpy(fresh, e.b.model, T->params->size);
    *(long long *)pulse_field(T, fresh, "fit_n_bins", PARAM_INT) = 12;
    pulse_model_fit lf;
    cr_assert_eq(pulse_fit_device(T, &d, fresh, &lf), CIM_OK, "%s", cim_errmsg());
    const param_reals *cp = pulse_field(T, e.b.model, "dg_pot_S", PARAM_REALS), *fp = pulse_field(T, fresh, "dg_pot_S", PARAM_REALS);
    cr_assert_eq(cp->n, 12);
    for (size_t k = 0; k < 12; k++)
        cr_expect(fabs(cp->v[k] - fp->v[k]) <= 5e-4 * fabs(fp->v[k]), "bin %zu: config %g, fit %g", k, cp->v[k], fp->v[k]);
    free(fresh);
    pulse_curve pc;
    cr_assert_eq(exp_pulses_run(&e, &pp, &pc, NULL), CIM_OK, "%s", cim_errmsg());
    json_t *j = exp_pulses_summary(&pc, &pp);
    double nl = json_real_value(json_object_get(json_object_get(j, "potentiation"), "nl_label"));
    cr_expect(fabs(nl - nf.ltp.nl) <= 0.05 * fabs(nf.ltp.nl), "pulses experiment NL %g, fit to the ramps %g", nl, nf.ltp.nl);
    json_decref(j);
    pulse_curve_free(&pc);
    exp_device_free(&e);
    cfg_destroy(&c);
    pulse_data_free(&d);
}
