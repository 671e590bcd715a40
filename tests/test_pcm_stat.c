/* tests/test_pcm_stat.c -- the IBM statistical PCM inference model (device/pcm_stat.h) and its characterisation
 * (exp/pcm_stat.h, cimsim device --pcm-stat).
 *
 * References are the published formulas (docs/parameters.md, aihwkit pcm.py / hermes.py), transcribed here
 * independently of the library, and the closed-form moments of the distributions they define: a normal clipped at
 * 0 (programmed and read conductances) and a folded normal (drift exponents), both from the partial moments of the
 * standard normal, so the clips are accounted for, not avoided.  Drawn moments must lie within 5 standard errors
 * over 1e5 draws; the standard error of a variance uses the distribution's fourth central moment,
 * sqrt((mu4 - sigma^4) / n).  Expectations over a drift exponent or a programmed conductance that have no closed
 * form in the test are one-dimensional Simpson quadratures of the formulas.
 */
#include "core/cfg.h"
#include "core/rng.h"
#include "core/status.h"
#include "device/pcm_stat.h"
#include "exp/pcm_stat.h"
#include "tests/util.h"

#include <criterion/criterion.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <jansson.h>
#include <math.h>

enum { N_DRAWS = 100000 };

/* ---- the published formulas (joshi2020, aihwkit pcm.py; docs/parameters.md) ----------------------------------- */

#define G_MAX 25e-6
#define T0 20.0
#define T_READ 250e-9

static double clipd(double v, double lo, double hi) { return v < lo ? lo : v > hi ? hi : v; }
static double ref_sigma_prog(double x) { return (0.26348 + 1.9650 * x - 1.1731 * x * x) * 1e-6; }
static double ref_nu_mu(double x) { return clipd(-0.0155 * log(fmax(x, 1e-7)) + 0.0244, 0.049, 0.1); }
static double ref_nu_sigma(double x) { return clipd(-0.0125 * log(fmax(x, 1e-7)) - 0.0059, 0.008, 0.045); }
static double ref_q_s(double x) { return fmin(0.0088 / fmax(pow(x, 0.65), 1e-3), 0.2); }
static double ref_f(double t) { return sqrt(log((t + T0 + T_READ) / (2 * T_READ))); }

static pcm_stat_params defaults(void)
{
    pcm_stat_params p;
    param_defaults(&pcm_stat_group, &p);
    return p;
}

/* ---- moments ---------------------------------------------------------------------------------------------------- */

typedef struct moments {
    double mean, var, mu4; /* mean, variance, fourth central moment */
} moments;

/* int_a^inf z^k phi(z) dz for k = 0..4: M_k = a^(k-1) phi(a) + (k-1) M_(k-2). */
static void upper_partial(double a, double M[5])
{
    double ph = gsl_ran_ugaussian_pdf(a), q = gsl_cdf_ugaussian_Q(a);
    M[0] = q;
    M[1] = ph;
    M[2] = a * ph + q;
    M[3] = (a * a + 2) * ph;
    M[4] = (a * a * a + 3 * a) * ph + 3 * q;
}

static moments from_raw(const double E[5])
{
    moments m;
    m.mean = E[1];
    m.var = E[2] - E[1] * E[1];
    m.mu4 = E[4] - 4 * E[1] * E[3] + 6 * E[1] * E[1] * E[2] - 3 * E[1] * E[1] * E[1] * E[1];
    return m;
}

static const double binom[5][5] = {{1}, {1, 1}, {1, 2, 1}, {1, 3, 3, 1}, {1, 4, 6, 4, 1}};

/* X = max(0, m + s Z). */
static moments rectified(double m, double s)
{
    double M[5], E[5];
    upper_partial(-m / s, M);
    for (int k = 0; k <= 4; k++) {
        E[k] = 0;
        for (int j = 0; j <= k; j++)
            E[k] += binom[k][j] * pow(m, k - j) * pow(s, j) * M[j];
    }
    return from_raw(E);
}

/* X = |m + s Z|. */
static moments folded(double m, double s)
{
    static const double full[5] = {1, 0, 1, 0, 3};
    double M[5], E[5];
    upper_partial(-m / s, M);
    for (int k = 0; k <= 4; k++) {
        double up = 0, lo = 0;
        for (int j = 0; j <= k; j++) {
            double c = binom[k][j] * pow(m, k - j) * pow(s, j);
            up += c * M[j];
            lo += c * (full[j] - M[j]);
        }
        E[k] = up + (k % 2 ? -lo : lo);
    }
    return from_raw(E);
}

static moments gaussian(double m, double s) { return (moments){m, s * s, 3 * s * s * s * s}; }

static void expect_moments(const double *x, size_t n, moments ref, const char *what)
{
    double mean = 0, var = 0;
    for (size_t i = 0; i < n; i++)
        mean += x[i];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++)
        var += (x[i] - mean) * (x[i] - mean);
    var /= (double)(n - 1);
    double se_mean = sqrt(ref.var / (double)n), se_var = sqrt((ref.mu4 - ref.var * ref.var) / (double)n);
    cr_expect(fabs(mean - ref.mean) < 5 * se_mean, "%s: mean %.9g, expected %.9g (se %.3g)", what, mean, ref.mean,
              se_mean);
    cr_expect(fabs(var - ref.var) < 5 * se_var, "%s: variance %.9g, expected %.9g (se %.3g)", what, var, ref.var,
              se_var);
}

/* ---- quadratures ------------------------------------------------------------------------------------------------ */

/* Simpson's rule for int_a^b f(z) phi(z) dz. */
static double simpson(double (*f)(double z, const double *c), const double *c, double a, double b, int n)
{
    if (!(b > a))
        return 0;
    double h = (b - a) / n, s = 0;
    for (int i = 0; i <= n; i++) {
        double z = a + i * h, w = (i == 0 || i == n) ? 1 : (i % 2 ? 4 : 2);
        s += w * f(z, c) * gsl_ran_ugaussian_pdf(z);
    }
    return s * h / 3;
}

/* e^(-k |mu + s z|); c = {mu, s, k}. */
static double drift_integrand(double z, const double *c) { return exp(-c[2] * fabs(c[0] + c[1] * z)); }

/* E[(t_tot/t0)^(-nu)], nu = |mu + s Z| (split at the kink). */
static double drift_factor_mean(double mu, double s, double t)
{
    double c[3] = {mu, s, log((t + T0) / T0)}, z0 = clipd(-mu / s, -10, 10);
    return simpson(drift_integrand, c, -10, z0, 2000) + simpson(drift_integrand, c, z0, 10, 2000);
}

/* g h(c(g)), g = g_T + sigma z, h(c) = E max(0, 1 + c N) = Phi(1/c) + c phi(1/c), c = Q_s(g / g_max) f(t): the mean
 * of a read at drift factor 1 given g_P = g; c = {g_T, sigma, f}. */
static double read_clip_integrand(double z, const double *c)
{
    double g = c[0] + c[1] * z, cc = ref_q_s(g / G_MAX) * c[2];
    return g * (gsl_cdf_ugaussian_P(1 / cc) + cc * gsl_ran_ugaussian_pdf(1 / cc));
}

/* E[g(t)] of a device with target g_T: E[g_P h(c(g_P))] E[(t_tot/t0)^-nu] (programming, drift exponent and read
 * noise are independent; g_P = 0 contributes nothing). */
static double g_t_mean(double g_t, double t)
{
    double x = g_t / G_MAX, s = ref_sigma_prog(x), c[3] = {g_t, s, ref_f(t)};
    double e = simpson(read_clip_integrand, c, fmax(-g_t / s, -10), 10, 2000);
    return e * drift_factor_mean(ref_nu_mu(x), ref_nu_sigma(x), t);
}

/* ---- the laws -------------------------------------------------------------------------------------------------- */

Test(pcm_stat, laws_are_the_published_formulas)
{
    pcm_stat_params p = defaults();
    cr_expect_eq(pcm_stat_g_max_S(&p), G_MAX);
    cr_expect_eq(pcm_stat_t0_s(&p), T0);
    cr_expect_eq(pcm_stat_t_read_s(&p), T_READ);
    const double xs[] = {0, 1e-4, 0.01, 0.1, 0.25, 0.5, 0.77, 1.0};
    for (size_t i = 0; i < sizeof xs / sizeof *xs; i++) {
        double x = xs[i];
        cr_expect(fabs(pcm_stat_sigma_prog_S(&p, x) - ref_sigma_prog(x)) <= 1e-12 * ref_sigma_prog(x), "sigma_prog(%g)",
                  x);
        cr_expect(fabs(pcm_stat_nu_mu(&p, x) - ref_nu_mu(x)) <= 1e-14, "mu_nu(%g)", x);
        cr_expect(fabs(pcm_stat_nu_sigma(&p, x) - ref_nu_sigma(x)) <= 1e-14, "sigma_nu(%g)", x);
        cr_expect(fabs(pcm_stat_q_s(&p, x) - ref_q_s(x)) <= 1e-14, "Q_s(%g)", x);
    }
    const double ts[] = {0, 1, 3600, 86400, 365 * 86400.0};
    for (size_t i = 0; i < sizeof ts / sizeof *ts; i++) {
        cr_expect(fabs(pcm_stat_read_time_factor(&p, ts[i]) - ref_f(ts[i])) < 1e-12, "f(%g)", ts[i]);
        cr_expect(fabs(pcm_stat_drift_factor(&p, 0.05, ts[i]) - pow((ts[i] + T0) / T0, -0.05)) < 1e-14);
    }
}

Test(pcm_stat, laws_reproduce_the_table_of_parameters_md)
{
    /* docs/parameters.md#pcm-statistical-model, to the digits printed there: x, sigma_prog (uS), mean nu,
     * sigma_nu, Q_s. */
    static const double tab[][5] = {{0, 0.263, 0.100, 0.045, 0.200},   {0.1, 0.448, 0.060, 0.023, 0.039},
                                    {0.25, 0.681, 0.049, 0.011, 0.022}, {0.5, 0.953, 0.049, 0.008, 0.014},
                                    {1.0, 1.055, 0.049, 0.008, 0.0088}};
    pcm_stat_params p = defaults();
    for (size_t i = 0; i < sizeof tab / sizeof *tab; i++) {
        double x = tab[i][0];
        cr_expect(fabs(pcm_stat_sigma_prog_S(&p, x) * 1e6 - tab[i][1]) <= 0.0005, "sigma_prog(%g)", x);
        cr_expect(fabs(pcm_stat_nu_mu(&p, x) - tab[i][2]) <= 0.0005, "mu_nu(%g)", x);
        cr_expect(fabs(pcm_stat_nu_sigma(&p, x) - tab[i][3]) <= 0.0005, "sigma_nu(%g)", x);
        cr_expect(fabs(pcm_stat_q_s(&p, x) - tab[i][4]) <= 0.0005 * (x == 1.0 ? 0.1 : 1), "Q_s(%g)", x);
    }
    /* The read-noise time factor: 4.19 at 1 s, 4.76 at 1 h, 5.09 at 1 day, 5.64 at 1 year. */
    const double t[] = {1, 3600, 86400, 365 * 86400.0}, f[] = {4.19, 4.76, 5.09, 5.64};
    for (int i = 0; i < 4; i++)
        cr_expect(fabs(pcm_stat_read_time_factor(&p, t[i]) - f[i]) <= 0.005, "f(%g) = %g", t[i],
                  pcm_stat_read_time_factor(&p, t[i]));
}

/* ---- draws against their distributions ------------------------------------------------------------------------- */

Test(pcm_stat, programming_noise_has_the_fitted_spread_at_every_target)
{
    /* x = 0 and 0.02: the clip at 0 is active (50 % and 5 % of draws); from 0.1 up it is not. */
    const double xs[] = {0, 0.02, 0.1, 0.25, 0.5, 1.0};
    pcm_stat_params p = defaults();
    gsl_rng *r = rng_alloc(11, "test.prog");
    double *g = malloc(N_DRAWS * sizeof *g);
    for (size_t k = 0; k < sizeof xs / sizeof *xs; k++) {
        double g_t = xs[k] * G_MAX, s = ref_sigma_prog(xs[k]);
        for (size_t i = 0; i < N_DRAWS; i++)
            g[i] = pcm_stat_draw_prog_S(&p, g_t, r);
        char what[64];
        snprintf(what, sizeof what, "G_P at x = %g", xs[k]);
        expect_moments(g, N_DRAWS, rectified(g_t, s), what);
    }
    free(g);
    rng_free(r);
}

Test(pcm_stat, drift_exponents_are_folded_normals_with_the_clipped_mean_and_spread)
{
    /* x = 1e-4: mu and sigma clipped at their maxima (and 1.3 % of the normal folded); 0.05 and 0.1: neither
     * clipped; 0.25: mu at its minimum, sigma not; 1: both at their minima. */
    const double xs[] = {1e-4, 0.05, 0.1, 0.25, 1.0};
    const int mu_clipped[] = {1, 0, 0, 1, 1}, sigma_clipped[] = {1, 0, 0, 0, 1};
    pcm_stat_params p = defaults();
    gsl_rng *r = rng_alloc(12, "test.nu");
    double *nu = malloc(N_DRAWS * sizeof *nu);
    for (size_t k = 0; k < sizeof xs / sizeof *xs; k++) {
        double x = xs[k], mu_raw = -0.0155 * log(x) + 0.0244, s_raw = -0.0125 * log(x) - 0.0059;
        cr_assert_eq(mu_raw != ref_nu_mu(x), mu_clipped[k], "x = %g: the clip of mu is%s active", x,
                     mu_clipped[k] ? "" : " not");
        cr_assert_eq(s_raw != ref_nu_sigma(x), sigma_clipped[k], "x = %g: the clip of sigma is%s active", x,
                     sigma_clipped[k] ? "" : " not");
        for (size_t i = 0; i < N_DRAWS; i++)
            nu[i] = pcm_stat_draw_nu(&p, x * G_MAX, r);
        moments ref = folded(ref_nu_mu(x), ref_nu_sigma(x));
        char what[64];
        snprintf(what, sizeof what, "nu at x = %g", x);
        expect_moments(nu, N_DRAWS, ref, what);
        /* The closed form the experiment reports is the same folded normal. */
        double mean, sd;
        pcm_stat_nu_moments(&p, x, &mean, &sd);
        cr_expect(fabs(mean - ref.mean) < 1e-12 && fabs(sd - sqrt(ref.var)) < 1e-10, "x = %g: folded moments", x);
    }
    free(nu);
    rng_free(r);
}

Test(pcm_stat, read_noise_grows_with_log_time_as_fitted)
{
    /* x_P = 0.02: Q_s f(t) up to 0.63, the clip at 0 takes up to 6 % of reads; from 0.1 up it is negligible. */
    const double xs[] = {0.02, 0.1, 0.5, 1.0}, ts[] = {0, 1, 3600, 86400, 365 * 86400.0}, nu = 0.0613;
    pcm_stat_params p = defaults();
    gsl_rng *r = rng_alloc(13, "test.read");
    double *g = malloc(N_DRAWS * sizeof *g);
    for (size_t k = 0; k < sizeof xs / sizeof *xs; k++)
        for (size_t j = 0; j < sizeof ts / sizeof *ts; j++) {
            double g_p = xs[k] * G_MAX, g_d = g_p * pow((ts[j] + T0) / T0, -nu);
            double s = g_d * ref_q_s(xs[k]) * ref_f(ts[j]);
            cr_expect(fabs(pcm_stat_sigma_read_S(&p, g_p, nu, ts[j]) - s) <= 1e-12 * s);
            for (size_t i = 0; i < N_DRAWS; i++)
                g[i] = pcm_stat_draw_read_S(&p, g_p, nu, ts[j], r);
            char what[64];
            snprintf(what, sizeof what, "G(t = %g s) at x_P = %g", ts[j], xs[k]);
            expect_moments(g, N_DRAWS, rectified(g_d, s), what);
        }
    free(g);
    rng_free(r);
}

Test(pcm_stat, noise_scales_multiply_each_spread)
{
    pcm_stat_params p = defaults();
    p.prog_noise_scale = 2.5;
    p.read_noise_scale = 0.3;
    p.drift_scale = 1.7;
    double x = 0.4;
    cr_expect(fabs(pcm_stat_sigma_prog_S(&p, x) - 2.5 * ref_sigma_prog(x)) < 1e-18);
    cr_expect(fabs(pcm_stat_sigma_read_S(&p, x * G_MAX, 0.05, 3600) -
                   0.3 * x * G_MAX * pow(3620 / T0, -0.05) * ref_q_s(x) * ref_f(3600)) < 1e-18);
    gsl_rng *r = rng_alloc(14, "test.scale");
    double *nu = malloc(N_DRAWS * sizeof *nu);
    for (size_t i = 0; i < N_DRAWS; i++)
        nu[i] = pcm_stat_draw_nu(&p, x * G_MAX, r);
    moments f = folded(ref_nu_mu(x), ref_nu_sigma(x));
    expect_moments(nu, N_DRAWS, (moments){1.7 * f.mean, 1.7 * 1.7 * f.var, pow(1.7, 4) * f.mu4}, "scaled nu");
    free(nu);
    rng_free(r);
}

/* ---- the characterisation ---------------------------------------------------------------------------------------- */

static pcm_stat_exp_params exp_params(const double *x, size_t nx, const double *t, size_t nt, long long n)
{
    pcm_stat_exp_params e;
    param_defaults(&pcm_stat_exp_group, &e);
    e.x_targets.n = nx;
    memcpy(e.x_targets.v, x, nx * sizeof *x);
    e.t_inference_s.n = nt;
    memcpy(e.t_inference_s.v, t, nt * sizeof *t);
    e.n_devices = n;
    return e;
}

Test(pcm_stat, characterisation_matches_the_closed_forms)
{
    const double xs[] = {0.1, 0.5, 1.0}, ts[] = {3600, 86400, 365 * 86400.0};
    pcm_stat_params m = defaults();
    pcm_stat_exp_params e = exp_params(xs, 3, ts, 3, N_DRAWS);
    pcm_stat_result r;
    cr_assert_eq(exp_pcm_stat_run(&m, &e, 3, &r, NULL), CIM_OK, "%s", cim_errmsg());
    double n = N_DRAWS, sum_p = 0, sum_t[3] = {0}, var_p = 0, var_t[3] = {0};
    for (size_t k = 0; k < 3; k++) {
        double x = xs[k], g_t = x * G_MAX, s = ref_sigma_prog(x);
        moments mp = gaussian(g_t, s), mn = folded(ref_nu_mu(x), ref_nu_sigma(x));
        cr_expect(fabs(r.g_prog_mean_S[k] - g_t) < 5 * s / sqrt(n), "x = %g: mean G_P", x);
        cr_expect(fabs(r.g_prog_std_S[k] * r.g_prog_std_S[k] - mp.var) < 5 * sqrt((mp.mu4 - mp.var * mp.var) / n),
                  "x = %g: variance of G_P", x);
        cr_expect(fabs(r.nu_mean[k] - mn.mean) < 5 * sqrt(mn.var / n), "x = %g: mean nu", x);
        cr_expect(fabs(r.nu_std[k] * r.nu_std[k] - mn.var) < 5 * sqrt((mn.mu4 - mn.var * mn.var) / n), "x = %g: var nu",
                  x);
        cr_expect(fabs(r.sigma_prog_model_S[k] - s) <= 1e-12 * s);
        sum_p += n * r.g_prog_mean_S[k];
        var_p += n * r.g_prog_std_S[k] * r.g_prog_std_S[k];
        for (size_t j = 0; j < 3; j++) {
            size_t i = k * 3 + j;
            double want = g_t_mean(g_t, ts[j]), se = r.g_std_S[i] / sqrt(n);
            cr_expect(fabs(r.g_mean_S[i] - want) < 5 * se, "x = %g, t = %g s: mean G %.9g, expected %.9g (se %.3g)", x,
                      ts[j], r.g_mean_S[i], want, se);
            /* The model column: E[G_P] E[(t_tot/t0)^-nu], without the read clip (a few 1e-6 here). */
            double model = rectified(g_t, s).mean * drift_factor_mean(ref_nu_mu(x), ref_nu_sigma(x), ts[j]);
            cr_expect(fabs(r.g_mean_model_S[i] - model) < 1e-9 * model, "x = %g, t = %g s: model %.12g vs %.12g", x,
                      ts[j], r.g_mean_model_S[i], model);
            cr_expect(fabs(model - want) < 1e-4 * want);
            sum_t[j] += n * r.g_mean_S[i];
            var_t[j] += n * r.g_std_S[i] * r.g_std_S[i];
        }
    }
    /* alpha = summed G_P / summed G(t); its sampling error bounded by ignoring the (positive) correlation. */
    for (size_t j = 0; j < 3; j++) {
        double want = 0, den = 0;
        for (size_t k = 0; k < 3; k++) {
            want += xs[k] * G_MAX;
            den += g_t_mean(xs[k] * G_MAX, ts[j]);
        }
        want /= den;
        double rel = sqrt(var_p / (sum_p * sum_p) + var_t[j] / (sum_t[j] * sum_t[j]));
        cr_expect(fabs(r.alpha[j] - want) < 5 * rel * want, "t = %g s: alpha %.9g, expected %.9g", ts[j], r.alpha[j],
                  want);
        cr_expect_gt(r.alpha[j], 1.2, "drift lowers G: the compensation scales up");
    }
    pcm_stat_result_free(&r);
}

Test(pcm_stat, same_seed_same_numbers_other_seed_other_numbers)
{
    const double xs[] = {0.0, 0.3, 1.0}, ts[] = {0, 60, 86400};
    pcm_stat_params m = defaults();
    pcm_stat_exp_params e = exp_params(xs, 3, ts, 3, 500);
    pcm_stat_result a, b, c;
    cr_assert_eq(exp_pcm_stat_run(&m, &e, 7, &a, NULL), CIM_OK);
    cr_assert_eq(exp_pcm_stat_run(&m, &e, 7, &b, NULL), CIM_OK);
    cr_assert_eq(exp_pcm_stat_run(&m, &e, 8, &c, NULL), CIM_OK);
    cr_expect_eq(memcmp(a.g_mean_S, b.g_mean_S, 9 * sizeof(double)), 0);
    cr_expect_eq(memcmp(a.g_std_S, b.g_std_S, 9 * sizeof(double)), 0);
    cr_expect_eq(memcmp(a.nu_mean, b.nu_mean, 3 * sizeof(double)), 0);
    cr_expect_eq(memcmp(a.alpha, b.alpha, 3 * sizeof(double)), 0);
    cr_expect_neq(memcmp(a.g_mean_S, c.g_mean_S, 9 * sizeof(double)), 0);
    cr_expect_neq(memcmp(a.nu_mean, c.nu_mean, 3 * sizeof(double)), 0);
    pcm_stat_result_free(&a), pcm_stat_result_free(&b), pcm_stat_result_free(&c);
}

/* ---- weights and drift compensation ------------------------------------------------------------------------------ */

Test(pcm_stat, weights_map_to_a_differential_pair_with_one_device_at_zero)
{
    pcm_stat_params p = defaults();
    const double w[] = {0.5, -2.0, 0.0, 1.25, -0.1};
    double gp[5], gm[5], back[5];
    double scale = pcm_stat_map_weights(&p, w, 5, gp, gm);
    cr_expect_eq(scale, G_MAX / 2.0, "the largest |w| maps to g_max");
    for (int i = 0; i < 5; i++) {
        cr_expect(gp[i] >= 0 && gm[i] >= 0 && gp[i] <= G_MAX && gm[i] <= G_MAX);
        cr_expect(gp[i] == 0 || gm[i] == 0, "one device of the pair at 0");
    }
    cr_expect_eq(gm[1], G_MAX);
    pcm_stat_unmap_weights(gp, gm, 5, scale, back);
    for (int i = 0; i < 5; i++)
        cr_expect(fabs(back[i] - w[i]) < 1e-15, "w[%d] round trip", i);
}

Test(pcm_stat, compensation_readouts_follow_their_definitions)
{
    const double w[] = {1, -2, 0.5, 3, 1, -2}; /* 2 x 3: column sums 4, -1, -1.5 */
    cr_expect(fabs(pcm_stat_gdc_readout(PCM_GDC_ONES, w, 2, 3) - 6.5) < 1e-15);
    cr_expect(fabs(pcm_stat_gdc_readout(PCM_GDC_EYE, w, 2, 3) - 9.5 / 6) < 1e-15);
    double alpha = 0;
    cr_expect_eq(pcm_stat_gdc_alpha(3.0, 2.0, &alpha), CIM_OK);
    cr_expect_eq(alpha, 1.5);
    cr_expect_eq(pcm_stat_gdc_alpha(3.0, 0.0, &alpha), CIM_EINVAL);
    cr_expect(strstr(cim_errmsg(), "calibration readout is 0") != NULL, "%s", cim_errmsg());
}

enum { ROWS = 64, COLS = 16, TRIALS = 2000 };

/* Mean over the outputs of y = w^T x. */
static double mean_output(const double *w, const double *x)
{
    double s = 0;
    for (size_t i = 0; i < ROWS; i++)
        for (size_t j = 0; j < COLS; j++)
            s += x[i] * w[i * COLS + j];
    return s / COLS;
}

Test(pcm_stat, drift_compensation_restores_the_mean_output)
{
    /* A random weight matrix W ~ U(-0.4, 1) (positive column sums, both signs) mapped to G+ - G-, programmed, then
     * read 1 day later; random inputs x ~ U(0, 1) each trial.  Y = mean output.  With compensation ("ones" readout,
     * reference after programming), E[alpha Y(t) - Y(0)] = 0 exactly: alpha makes the summed weights equal and x is
     * independent of them.  Without it, Y(t) is low by rho = E[Y(t)] / E[Y(0)], from the per-device closed forms. */
    const double t = 86400;
    pcm_stat_params p = defaults();
    size_t n = ROWS * COLS;
    double *w = malloc(n * sizeof *w), *gp = malloc(n * sizeof *gp), *gm = malloc(n * sizeof *gm);
    double *gp_p = malloc(n * sizeof(double)), *gm_p = malloc(n * sizeof(double)), *nu_p = malloc(n * sizeof(double));
    double *nu_m = malloc(n * sizeof(double)), *gp_t = malloc(n * sizeof(double)), *gm_t = malloc(n * sizeof(double));
    double *w0 = malloc(n * sizeof(double)), *wt = malloc(n * sizeof(double)), x[ROWS];
    gsl_rng *rw = rng_alloc(21, "test.w");
    for (size_t i = 0; i < n; i++)
        w[i] = gsl_ran_flat(rw, -0.4, 1.0);
    double scale = pcm_stat_map_weights(&p, w, n, gp, gm);

    /* Expected mean outputs: E[x] = 1/2, E[G_P] of a clipped normal, E[G(t)] by quadrature. */
    double e0 = 0, et = 0;
    for (size_t i = 0; i < n; i++) {
        double sp = ref_sigma_prog(gp[i] / G_MAX), sm = ref_sigma_prog(gm[i] / G_MAX);
        e0 += rectified(gp[i], sp).mean - rectified(gm[i], sm).mean;
        et += g_t_mean(gp[i], t) - g_t_mean(gm[i], t);
    }
    double rho = et / e0;

    gsl_rng *rp = rng_alloc(22, "test.prog"), *rn = rng_alloc(22, "test.nu"), *rr = rng_alloc(22, "test.read");
    gsl_rng *rx = rng_alloc(22, "test.x");
    double s_c = 0, ss_c = 0, s_b = 0, ss_b = 0, s_0 = 0;
    for (int k = 0; k < TRIALS; k++) {
        cr_assert_eq(pcm_stat_program(&p, gp, n, rp, rn, gp_p, nu_p), CIM_OK);
        cr_assert_eq(pcm_stat_program(&p, gm, n, rp, rn, gm_p, nu_m), CIM_OK);
        pcm_stat_unmap_weights(gp_p, gm_p, n, scale, w0);
        cr_assert_eq(pcm_stat_read(&p, gp_p, nu_p, n, t, rr, gp_t), CIM_OK);
        cr_assert_eq(pcm_stat_read(&p, gm_p, nu_m, n, t, rr, gm_t), CIM_OK);
        pcm_stat_unmap_weights(gp_t, gm_t, n, scale, wt);
        double alpha;
        cr_assert_eq(pcm_stat_gdc_alpha(pcm_stat_gdc_readout(PCM_GDC_ONES, w0, ROWS, COLS),
                                        pcm_stat_gdc_readout(PCM_GDC_ONES, wt, ROWS, COLS), &alpha),
                     CIM_OK);
        for (size_t i = 0; i < ROWS; i++)
            x[i] = gsl_rng_uniform(rx);
        double y0 = mean_output(w0, x), yt = mean_output(wt, x);
        double dc = alpha * yt - y0, db = yt - rho * y0;
        s_c += dc, ss_c += dc * dc;
        s_b += db, ss_b += db * db;
        s_0 += y0;
    }
    double m_c = s_c / TRIALS, se_c = sqrt((ss_c / TRIALS - m_c * m_c) / (TRIALS - 1));
    double m_b = s_b / TRIALS, se_b = sqrt((ss_b / TRIALS - m_b * m_b) / (TRIALS - 1)), y0 = s_0 / TRIALS;
    cr_expect(fabs(m_c) < 5 * se_c, "compensated: mean of alpha Y(t) - Y(0) = %.4g (se %.3g, Y(0) = %.4g)", m_c, se_c,
              y0);
    cr_expect(fabs(m_b) < 5 * se_b, "raw: mean of Y(t) - rho Y(0) = %.4g (se %.3g), rho = %.6f", m_b, se_b, rho);
    cr_expect(rho < 0.75, "one day of drift lowers the output (rho = %.4f)", rho);
    cr_expect((1 - rho) * y0 > 100 * (se_b + se_c), "the raw bias is far outside the sampling error");
    rng_free(rw), rng_free(rp), rng_free(rn), rng_free(rr), rng_free(rx);
    free(w), free(gp), free(gm), free(gp_p), free(gm_p), free(nu_p), free(nu_m), free(gp_t), free(gm_t), free(w0),
        free(wt);
}

/* ---- the HERMES variants --------------------------------------------------------------------------------------- */

Test(pcm_stat, hermes_variants_follow_their_fits)
{
    pcm_stat_params p = defaults();
    p.variant = PCM_STAT_HERMES; /* two devices per weight, aihwkit hermes.py */
    cr_expect_eq(pcm_stat_g_max_S(&p), 20.7e-6);
    cr_expect_eq(pcm_stat_t0_s(&p), 300.0);
    cr_expect_eq(pcm_stat_t_read_s(&p), 512e-9);
    double x = 0.05; /* the low branches */
    cr_expect(fabs(pcm_stat_nu_mu(&p, x) - clipd(-0.0387 * log(x) - 0.0182, 0.072, 0.13)) < 1e-14);
    cr_expect(fabs(pcm_stat_nu_sigma(&p, x) - clipd(-0.0117 * log(x) - 0.0057, 0.0091, 0.04)) < 1e-14);
    cr_expect(fabs(pcm_stat_q_s(&p, x) - clipd(-0.0117 * log(x) - 0.0069, 0.015, 0.04)) < 1e-14);
    x = 0.6; /* the polynomial branches */
    cr_expect(fabs(pcm_stat_nu_mu(&p, x) - (-0.0436 * x * x - 0.0126 * x + 0.0736)) < 1e-14);
    cr_expect(fabs(pcm_stat_nu_sigma(&p, x) - (-0.0118 * x * x + 0.0093 * x + 0.0073)) < 1e-14);
    cr_expect(fabs(pcm_stat_q_s(&p, x) - (0.0069 * x * x * x - 0.0280 * x * x + 0.0211 * x + 0.0123)) < 1e-14);
    double sp = (0.16603222 + 4.71806468 * x - 8.48101252 * x * x + 4.68961419 * x * x * x) * 1e-6;
    cr_expect(fabs(pcm_stat_sigma_prog_S(&p, x) - sp) < 1e-12 * sp);
    p.g_max_S = 10e-6; /* a smaller g_max scales the fitted sigma */
    cr_expect(fabs(pcm_stat_sigma_prog_S(&p, x) - sp * 10 / 20.7) < 1e-12 * sp);

    p = defaults();
    p.variant = PCM_STAT_HERMES_SINGLE;
    cr_expect_eq(pcm_stat_g_max_S(&p), 10.35e-6);
    cr_expect_eq(pcm_stat_t0_s(&p), 200.0);
    x = 0.2;
    cr_expect(fabs(pcm_stat_nu_sigma(&p, x) - clipd(-0.0120 * log(x) - 0.0023, 0.0124, 0.04)) < 1e-14);
    cr_expect(fabs(pcm_stat_q_s(&p, x) - (0.0664 * x * x * x - 0.1352 * x * x + 0.0768 * x + 0.0088)) < 1e-14);
    x = 0.1;
    cr_expect(fabs(pcm_stat_q_s(&p, x) - clipd(-0.0078 * log(x) + 0.0038, 0.0179, 0.04)) < 1e-14);
    cr_expect(fabs(pcm_stat_nu_sigma(&p, 0.5) - (-0.0165 * 0.25 + 0.0116 * 0.5 + 0.0104)) < 1e-14);
    sp = (0.15781817 + 2.32443916 * x - 2.16310839 * x * x + 0.68841818 * x * x * x) * 1e-6;
    cr_expect(fabs(pcm_stat_sigma_prog_S(&p, x) - sp) < 1e-12 * sp);
    /* Draws follow the fits as well: programming and drift exponents at x = 0.1. */
    gsl_rng *r = rng_alloc(31, "test.hermes");
    double *v = malloc(N_DRAWS * sizeof *v), g_t = x * 10.35e-6;
    for (size_t i = 0; i < N_DRAWS; i++)
        v[i] = pcm_stat_draw_prog_S(&p, g_t, r);
    expect_moments(v, N_DRAWS, rectified(g_t, sp), "hermes_single G_P");
    for (size_t i = 0; i < N_DRAWS; i++)
        v[i] = pcm_stat_draw_nu(&p, g_t, r);
    expect_moments(v, N_DRAWS, folded(clipd(-0.0387 * log(x) - 0.0182, 0.072, 0.13), pcm_stat_nu_sigma(&p, x)),
                   "hermes_single nu");
    free(v);
    rng_free(r);
}

/* ---- configuration and bad input ------------------------------------------------------------------------------- */

static int load(const char *text, pcm_stat_params *m, pcm_stat_exp_params *e)
{
    cfg c;
    cfg_init(&c);
    cfg_bind(&c, &pcm_stat_group, m);
    cfg_bind(&c, &pcm_stat_exp_group, e);
    int st = cfg_read_string(&c, "t.cfg", text);
    if (st == CIM_OK)
        st = cfg_resolve(&c);
    cfg_destroy(&c);
    return st;
}

Test(pcm_stat, configuration_defaults_and_cross_field_rules)
{
    pcm_stat_params m;
    pcm_stat_exp_params e;
    cr_assert_eq(load("", &m, &e), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(m.variant, PCM_STAT_JOSHI2020);
    cr_expect_eq(m.prog_c1_S, 1.9650e-6);
    cr_expect_gt(e.x_targets.n, 3, "default targets parse");
    cr_expect_gt(e.t_inference_s.n, 3, "default times parse");
    cr_expect_eq(load("pcm_stat = { variant = \"hermes\"; g_max_S = 15e-6; };", &m, &e), CIM_OK, "%s", cim_errmsg());
    struct {
        const char *text, *message;
    } bad[] = {
        {"pcm_stat = { nu_mean_min = 0.2; };",
         "t.cfg:1: pcm_stat.nu_mean_min: nu_mean_min (0.2) must not exceed nu_mean_max (0.1)"},
        {"pcm_stat = { nu_std_max = 0.001; };",
         "t.cfg:1: pcm_stat.nu_std_max: nu_std_min (0.008) must not exceed nu_std_max (0.001)"},
        {"pcm_stat = { prog_c2_S = -3e-6; };",
         "t.cfg:1: pcm_stat.prog_c2_S: prog_c0_S + prog_c1_S x + prog_c2_S x^2 (2.6348e-07 + 1.965e-06 x + -3e-06 x^2) must not "
         "be negative for x in [0, 1]: it is a standard deviation"},
        {"pcm_stat = { prog_c0_S = 1e-7; prog_c1_S = -1e-6; prog_c2_S = 2e-6; };",
         "t.cfg:1: pcm_stat.prog_c0_S: prog_c0_S + prog_c1_S x + prog_c2_S x^2 (1e-07 + -1e-06 x + 2e-06 x^2) must not be "
         "negative for x in [0, 1]: it is a standard deviation"},
        {"pcm_stat = { variant = \"hermes_single\"; q_s_max = 0.1; };",
         "t.cfg:1: pcm_stat.q_s_max: q_s_max applies to variant = \"joshi2020\", not \"hermes_single\" (the HERMES fits are "
         "fixed: aihwkit hermes.py)"},
        {"pcm_stat = { variant = \"hermes\"; g_max_S = 25e-6; };",
         "t.cfg:1: pcm_stat.g_max_S: g_max_S (2.5e-05) must not exceed 2.07e-05 S, the largest conductance characterised for "
         "variant = \"hermes\""},
        {"pcm_stat_exp = { x_targets = [0.5, 0.25]; };",
         "t.cfg:1: pcm_stat_exp.x_targets: x_targets must increase: entry 1 (0.25) follows 0.5"},
        {"pcm_stat_exp = {\n t_inference_s = [1.0, -5.0]; };",
         "t.cfg:2: pcm_stat_exp.t_inference_s[1] = -5 is out of range; expected a list of 1 to 64 real numbers in [0, "
         "1e+10] s"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cr_expect_eq(load(bad[i].text, &m, &e), CIM_ECONFIG, "accepted: %s", bad[i].text);
        cr_expect_str_eq(cim_errmsg(), bad[i].message);
    }
}

Test(pcm_stat, arrays_reject_targets_outside_the_range_and_negative_times)
{
    pcm_stat_params p = defaults();
    gsl_rng *r = rng_alloc(1, "test");
    double g_t[2] = {1e-6, 26e-6}, g_p[2], nu[2], g[2];
    cr_expect_eq(pcm_stat_program(&p, g_t, 2, r, r, g_p, nu), CIM_EINVAL);
    cr_expect_str_eq(cim_errmsg(), "pcm_stat: target conductance 1 is 2.6e-05 S, outside [0, g_max = 2.5e-05 S]");
    g_t[1] = 25e-6;
    cr_assert_eq(pcm_stat_program(&p, g_t, 2, r, r, g_p, nu), CIM_OK);
    cr_expect_eq(pcm_stat_read(&p, g_p, nu, 2, -1, r, g), CIM_EINVAL);
    rng_free(r);
}

/* ---- the command line -------------------------------------------------------------------------------------------- */

Test(pcm_stat, cli_runs_the_example_config)
{
    char *dir = util_tmpdir(), args[1024], *out, *err, path[600];
    snprintf(args, sizeof args,
             "device %s/configs/device/pcm_ibm.cfg --pcm-stat --set pcm_stat_exp.n_devices=2000 -o p.csv --plot p.png",
             CIM_SRC);
    cr_assert_eq(util_run_cli(dir, args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "variant joshi2020") && strstr(out, "alpha"), "%s", out);
    snprintf(path, sizeof path, "%s/p.csv", dir);
    char *text = util_slurp(path, NULL);
    cr_assert_not_null(text);
    cr_expect(strstr(text, "\nx,g_target_S,t_s,g_mean_S,g_std_S,g_gdc_mean_S,g_gdc_std_S,alpha_gdc,") != NULL);
    cr_expect(strstr(text, "n_devices = 2000;") != NULL, "the override is in the provenance");
    size_t rows = 0;
    for (char *l = strstr(text, "\nx,"); l && (l = strchr(l + 1, '\n')) && l[1];)
        rows++;
    cr_expect_eq(rows, 8 * 10, "8 targets x 10 times");
    snprintf(path, sizeof path, "%s/p.png", dir);
    size_t n = 0;
    char *png = util_slurp(path, &n);
    cr_expect(png && n > 10000 && memcmp(png, "\x89PNG", 4) == 0, "a figure");
    free(png), free(text), free(out), free(err);

    /* JSON, same seed: the same numbers. */
    snprintf(args, sizeof args,
             "device %s/configs/device/pcm_ibm.cfg --pcm-stat --set pcm_stat_exp.n_devices=2000 -q --format json "
             "-o p.json",
             CIM_SRC);
    cr_assert_eq(util_run_cli(dir, args, &out, &err), 0, "%s", err);
    snprintf(path, sizeof path, "%s/p.json", dir);
    json_t *j = json_load_file(path, 0, NULL);
    cr_assert_not_null(j);
    json_t *targets = json_object_get(json_object_get(j, "summary"), "targets");
    cr_expect_eq(json_array_size(targets), 8);
    json_t *last = json_array_get(targets, 7);
    cr_expect_eq(json_real_value(json_object_get(last, "x")), 1.0);
    cr_expect_eq(json_array_size(json_object_get(last, "G_t")), 10);
    json_t *cfgx = json_object_get(json_object_get(json_object_get(j, "provenance"), "config"), "pcm_stat_exp");
    cr_expect_eq(json_array_size(json_object_get(cfgx, "t_inference_s")), 10, "the list is in the provenance");
    json_decref(j);
    free(out), free(err);

    /* The resolved configuration is itself a config that gives the same result. */
    snprintf(args, sizeof args, "config --dump %s/configs/device/pcm_ibm.cfg -o d.cfg", CIM_SRC);
    cr_assert_eq(util_run_cli(dir, args, &out, &err), 0, "%s", err);
    free(out), free(err);
    cr_assert_eq(util_run_cli(dir, "device d.cfg --pcm-stat --set pcm_stat_exp.n_devices=2000 -q -o q.csv", &out, &err),
                 0, "%s", err);
    char a[600], b[600];
    snprintf(a, sizeof a, "%s/p.csv", dir);
    snprintf(b, sizeof b, "%s/q.csv", dir);
    char *ta = util_slurp(a, NULL), *tb = util_slurp(b, NULL);
    cr_expect_str_eq(strstr(ta, "\nx,"), strstr(tb, "\nx,"), "the dump reproduces the run");
    free(ta), free(tb), free(out), free(err), free(dir);
}
