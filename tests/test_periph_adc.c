/* tests/test_periph_adc.c -- the column ADC (periph/adc.h) against independent references: the quantization error
 * of an ideal converter is uniform in +-lsb/2 with variance lsb^2/12; a full-scale sine's SNR is the textbook
 * 6.02 N + 1.76 dB with the mid-tread term and the closed-form correction for the sine's dwell at its peaks; the
 * range strategies clip as documented (percentiles against a Gaussian's quantiles and numpy's interpolation by
 * hand); offset, INL and noise have the configured sizes (sample moments within 5 standard errors); energy and
 * latency are fom 2^N and cycles(N) / f_clk by a hand table; the same stream gives the same codes; the group's
 * table and check refuse bad values naming the key. */
#include "core/cfg.h"
#include "core/rng.h"
#include "core/status.h"
#include "periph/adc.h"
#include "tests/util.h"

#include <criterion/criterion.h>
#include <float.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_zeta.h>
#include <math.h>
#include <string.h>

static adc_params params(const char *type, long long bits)
{
    adc_params p = adc_params_default();
    const adc_type *T = adc_type_find(type);
    cr_assert_not_null(T, "%s", type);
    for (p.type = 0; adc_types[p.type] != T; p.type++)
        ;
    p.bits = bits;
    return p;
}

/* A converter of p with the range [lo, hi]. */
static adc make(adc_params p, double lo, double hi, gsl_rng *r)
{
    adc a;
    cr_assert_eq(adc_init(&a, &p, r), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(adc_set_range(&a, lo, hi), CIM_OK, "%s", cim_errmsg());
    return a;
}

Test(adc, type_table_names_and_lookup)
{
    size_t n = 0;
    for (; adc_types[n] != NULL; n++) {
        cr_expect_str_eq(adc_types[n]->name, adc_type_names[n]);
        cr_expect_eq(adc_type_find(adc_type_names[n]), adc_types[n]);
        cr_expect(adc_types[n]->f_clk_Hz > 0, "%s", adc_types[n]->name);
    }
    cr_expect_null(adc_type_names[n]);
    cr_expect_eq(n, 6);
    cr_expect_null(adc_type_find("sigma_delta"));
    adc_params p = adc_params_default();
    cr_expect_str_eq(adc_types[p.type]->name, "ideal", "not modelled unless a configuration says which converter");
    cr_expect_eq(p.bits, 6);
    cr_expect_eq(p.range, ADC_RANGE_CALIBRATED);
}

/* Inputs uniform over the range: every error within lsb/2 (plus rounding of lo + k lsb), mean ~ 0, and the mean
 * square lsb^2/12: for e uniform in +-l/2 (and in [0, l/2] in the end codes' half bins, whose mean square is also
 * l^2/12) Var(e^2) = l^4/80 - l^4/144 = l^4/180, so the standard error of the mean square is l^2/sqrt(180 n). */
Test(adc, ideal_quantizer_error_is_uniform_within_half_an_lsb)
{
    const size_t n = 200000;
    const long long bits_list[] = {1, 3, 6, 8, 12};
    for (size_t b = 0; b < sizeof bits_list / sizeof *bits_list; b++) {
        const double lo = -3e-5, hi = 7e-5;
        adc a = make(params("sar", bits_list[b]), lo, hi, NULL);
        const double lsb = (hi - lo) / (ldexp(1, (int)bits_list[b]) - 1);
        cr_expect_eq(a.lsb_A, lsb);
        double *x = util_random_vec(n, lo, hi, 11 + b);
        double sum = 0, sum2 = 0, worst = 0;
        for (size_t k = 0; k < n; k++) {
            int clipped = -1;
            double e = adc_convert(&a, x[k], NULL, &clipped) - x[k];
            cr_expect_eq(clipped, 0);
            worst = fmax(worst, fabs(e));
            sum += e;
            sum2 += e * e;
        }
        free(x);
        cr_expect_leq(worst, lsb / 2 + 4 * DBL_EPSILON * fmax(fabs(lo), fabs(hi)), "%lld bits: %g lsb",
                      bits_list[b], worst / lsb);
        double ms = sum2 / n, se = lsb * lsb / sqrt(180.0 * n);
        cr_expect_lt(fabs(ms - lsb * lsb / 12), 5 * se, "%lld bits: mean square %g lsb^2, want 1/12", bits_list[b],
                     ms / (lsb * lsb));
        cr_expect_lt(fabs(sum / n), 5 * lsb / sqrt(12.0 * n), "%lld bits: mean error %g lsb", bits_list[b],
                     sum / n / lsb);
    }
}

/* A sine over [lo, hi] (amplitude (2^N - 1) lsb / 2), sampled at a frequency incommensurate with the sample rate
 * over ~18000 periods.  The uniform-error model gives SNR_0 = 20 log10(2) N + 10 log10(1.5) + 20 log10(1 - 2^-N)
 * (the textbook 6.02 N + 1.76 with its constants unrounded: rounded, they are 0.25 dB off at 12 bits).  The sine
 * dwells at its peaks, inside the end codes' half-width bins, with the arcsine density 1 / (pi sqrt(2 A d)) at a
 * distance d below a peak; the mean square error there departs from l^2/12 by the periodic Bernoulli function
 * B2({d + 1/2}), whose integral against d^-1/2 is -eta(5/2) / (2 pi^2) (its Fourier series, term by term).  Both
 * peaks together: noise = l^2 (1/12 - eta(5/2) / (pi^3 sqrt(2^N - 1))), so SNR = SNR_0 - 10 log10(1 - 12 eta(5/2) /
 * (pi^3 sqrt(2^N - 1))): +0.59 dB at 3 bits, +0.19 at 6, +0.02 at 12. */
Test(adc, full_scale_sine_gives_the_textbook_snr)
{
    const size_t n = (size_t)1 << 20;
    const double f = 0.0123456789 * M_SQRT2, lo = 0, hi = 2e-4, mid = 0.5 * (lo + hi), amp = 0.5 * (hi - lo);
    const double eta = gsl_sf_eta(2.5);
    cr_expect(fabs(eta - (1 - pow(2, -1.5)) * gsl_sf_zeta(2.5)) < 1e-12);
    for (int bits = 3; bits <= 12; bits++) {
        adc a = make(params("sar", bits), lo, hi, NULL);
        double ps = 0, pn = 0;
        for (size_t k = 0; k < n; k++) {
            double x = mid + amp * sin(2 * M_PI * f * (double)k + 0.3);
            double e = adc_convert(&a, x, NULL, NULL) - x;
            ps += (x - mid) * (x - mid);
            pn += e * e;
        }
        double snr = 10 * log10(ps / pn), L = ldexp(1, bits) - 1;
        double textbook = 20 * log10(2) * bits + 10 * log10(1.5);
        double model = textbook + 20 * log10(1 - ldexp(1, -bits));
        double dwell = -10 * log10(1 - 12 * eta / (M_PI * M_PI * M_PI * sqrt(L)));
        cr_expect_lt(fabs(snr - (model + dwell)), 0.05, "%d bits: SNR %.4f dB, closed form %.4f dB", bits, snr,
                     model + dwell);
        cr_expect_gt(snr, model, "%d bits: the end codes can only lower the noise", bits);
        if (bits >= 6)
            cr_expect_lt(fabs(snr - textbook), 0.2, "%d bits: SNR %.4f dB, textbook %.4f dB", bits, snr, textbook);
    }
}

/* ---- ranges ---------------------------------------------------------------------------------------------- */

Test(adc, calibrated_range_spans_the_samples_without_clipping)
{
    adc_params p = params("sar", 5);
    p.range = ADC_RANGE_CALIBRATED;
    adc a;
    cr_assert_eq(adc_init(&a, &p, NULL), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(a.ranged, 0);
    cr_expect(isnan(adc_convert(&a, 1e-6, NULL, NULL)), "an unranged converter has no output");
    cr_expect_eq(adc_code(&a, 1e-6, NULL, NULL), -1);
    const size_t n = 5000;
    double *s = util_random_vec(n, 2e-6, 9e-6, 3), smin = HUGE_VAL, smax = -HUGE_VAL;
    for (size_t k = 0; k < n; k++)
        smin = fmin(smin, s[k]), smax = fmax(smax, s[k]);
    cr_assert_eq(adc_calibrate(&a, s, n), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(a.lo_A, smin);
    cr_expect_eq(a.hi_A, smax);
    size_t n_clipped = 0;
    for (size_t k = 0; k < n; k++) {
        int c;
        adc_convert(&a, s[k], NULL, &c);
        n_clipped += (size_t)c;
    }
    cr_expect_eq(n_clipped, 0);
    cr_expect_eq(adc_convert(&a, smin, NULL, NULL), smin, "code 0 is lo exactly");
    cr_expect_eq(adc_convert(&a, smax, NULL, NULL), smax, "the top code is hi exactly");
    free(s);
    /* Nothing to span: refused, the range left as it was. */
    double same[3] = {4e-6, 4e-6, 4e-6};
    cr_expect_eq(adc_calibrate(&a, same, 3), CIM_EINVAL);
    cr_expect_eq(adc_calibrate(&a, same, 0), CIM_EINVAL);
    double bad[2] = {1e-6, NAN};
    cr_expect_eq(adc_calibrate(&a, bad, 2), CIM_EINVAL);
    cr_expect_eq(a.lo_A, smin);
    cr_expect_eq(a.hi_A, smax);
}

/* numpy.percentile([0, 1, 2, 3, 4], 90) = 3.6 and (.., 10) = 0.4: position (n - 1) p / 100, linear between. */
Test(adc, percentile_range_interpolates_like_numpy)
{
    adc_params p = params("sar", 4);
    p.range = ADC_RANGE_PERCENTILE;
    p.percentile = 90;
    adc a;
    cr_assert_eq(adc_init(&a, &p, NULL), CIM_OK, "%s", cim_errmsg());
    double s[5] = {3e-6, 0, 4e-6, 1e-6, 2e-6}; /* unsorted on purpose */
    cr_assert_eq(adc_calibrate(&a, s, 5), CIM_OK, "%s", cim_errmsg());
    cr_expect(fabs(a.lo_A - 0.4e-6) < 1e-20, "lo %g", a.lo_A);
    cr_expect(fabs(a.hi_A - 3.6e-6) < 1e-20, "hi %g", a.hi_A);
    cr_expect_eq(s[0], 3e-6, "the samples are not reordered");
}

/* Samples from N(mu, sigma): the range ends are the Gaussian's (100 - p)-th and p-th quantiles within 5 standard
 * errors of a sample quantile, sqrt(q (1 - q) / n) / phi(z); fresh samples are clipped about (100 - p) % at each
 * end (binomial, 5 standard errors plus the range's own uncertainty). */
Test(adc, percentile_range_clips_the_tails)
{
    const size_t n = 200000;
    const double mu = 50e-6, sigma = 10e-6, pct = 97.5, q = 1 - pct / 100;
    adc_params p = params("sar", 8);
    p.range = ADC_RANGE_PERCENTILE;
    p.percentile = pct;
    adc a;
    cr_assert_eq(adc_init(&a, &p, NULL), CIM_OK, "%s", cim_errmsg());
    gsl_rng *r = rng_alloc(21, "test.samples");
    double *s = malloc(n * sizeof *s);
    for (size_t k = 0; k < n; k++)
        s[k] = mu + gsl_ran_gaussian(r, sigma);
    cr_assert_eq(adc_calibrate(&a, s, n), CIM_OK, "%s", cim_errmsg());
    double z = gsl_cdf_ugaussian_Pinv(q), se_z = sqrt(q * (1 - q) / n) / gsl_ran_ugaussian_pdf(z);
    cr_expect_lt(fabs((a.lo_A - mu) / sigma - z), 5 * se_z, "lo at %g sigma, want %g", (a.lo_A - mu) / sigma, z);
    cr_expect_lt(fabs((a.hi_A - mu) / sigma + z), 5 * se_z, "hi at %g sigma, want %g", (a.hi_A - mu) / sigma, -z);
    size_t below = 0, above = 0;
    for (size_t k = 0; k < n; k++) {
        double x = mu + gsl_ran_gaussian(r, sigma);
        int c;
        double y = adc_convert(&a, x, NULL, &c);
        below += c && x < a.lo_A;
        above += c && x > a.hi_A;
        cr_expect(!c || y == a.lo_A || y == a.hi_A);
    }
    double tol = 5 * sqrt(2 * q * (1 - q) / n); /* fresh count and range each contribute about one binomial error */
    cr_expect_lt(fabs((double)below / n - q), tol, "%g clipped below, want %g", (double)below / n, q);
    cr_expect_lt(fabs((double)above / n - q), tol, "%g clipped above, want %g", (double)above / n, q);
    free(s);
    rng_free(r);
}

Test(adc, fixed_range_clips_and_counts_values_outside)
{
    adc_params p = params("sar", 6);
    p.range = ADC_RANGE_FIXED;
    p.i_min_A = 1e-6;
    p.i_max_A = 5e-6;
    adc a;
    cr_assert_eq(adc_init(&a, &p, NULL), CIM_OK, "%s", cim_errmsg());
    cr_expect(a.ranged && a.lo_A == 1e-6 && a.hi_A == 5e-6);
    const double x[] = {0, 0.99e-6, 1e-6, 3e-6, 5e-6, 5.01e-6, -2e-6, 9e-6, 4.2e-6};
    size_t counted = 0, want = 0;
    for (size_t k = 0; k < sizeof x / sizeof *x; k++) {
        int c;
        double y = adc_convert(&a, x[k], NULL, &c);
        counted += (size_t)c;
        want += x[k] < 1e-6 || x[k] > 5e-6;
        if (x[k] < 1e-6)
            cr_expect_eq(y, 1e-6);
        if (x[k] > 5e-6)
            cr_expect_eq(y, 5e-6);
    }
    cr_expect_eq(counted, want);
    cr_expect_eq(want, 5);
    /* Calibration leaves a fixed range alone. */
    double s[2] = {0, 1e-3};
    cr_expect_eq(adc_calibrate(&a, s, 2), CIM_OK);
    cr_expect(a.lo_A == 1e-6 && a.hi_A == 5e-6);
}

Test(adc, max_range_comes_from_adc_set_range)
{
    adc_params p = params("flash", 4);
    p.range = ADC_RANGE_MAX;
    adc a;
    cr_assert_eq(adc_init(&a, &p, NULL), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(a.ranged, 0);
    double s[2] = {0, 1e-5};
    cr_expect_eq(adc_calibrate(&a, s, 2), CIM_OK);
    cr_expect_eq(a.ranged, 0, "calibration does not set a \"max\" range");
    const double imax = 64 * 100e-6 * 0.2; /* rows x top level x top input */
    cr_assert_eq(adc_set_range(&a, 0, imax), CIM_OK);
    int c;
    cr_expect_eq(adc_convert(&a, 2 * imax, NULL, &c), imax);
    cr_expect_eq(c, 1);
    cr_expect_eq(adc_convert(&a, 0, NULL, &c), 0.0, "an idle column reads 0 exactly");
    cr_expect_eq(c, 0);
    cr_expect_eq(adc_code(&a, imax / 15 * 7, NULL, NULL), 7);
    cr_expect_eq(adc_set_range(&a, 1e-6, 1e-6), CIM_EINVAL);
    cr_expect_eq(adc_set_range(&a, 2e-6, 1e-6), CIM_EINVAL);
    cr_expect_eq(adc_set_range(&a, 0, INFINITY), CIM_EINVAL);
    cr_expect_eq(a.hi_A, imax, "a refused range leaves the old one");
}

Test(adc, ideal_type_passes_the_current)
{
    adc_params p = params("ideal", 3);
    p.noise_lsb = 5;
    p.offset_lsb = 0; /* no draw at init */
    adc a = make(p, 0, 1e-4, NULL);
    gsl_rng *r = rng_alloc(1, "test.ideal");
    const double x[] = {0, 1.234567e-5, -3e-4, 7e-4};
    for (size_t k = 0; k < 4; k++) {
        int c = -1;
        cr_expect_eq(adc_convert(&a, x[k], r, &c), x[k]);
        cr_expect_eq(c, 0);
    }
    cr_expect_eq(adc_energy_J(&p), 0.0);
    cr_expect_eq(adc_latency_s(&p), 0.0);
    rng_free(r);
}

/* ---- non-idealities ------------------------------------------------------------------------------------- */

/* Noise of sigma s lsb on a constant mid-range input: the codes' standard deviation is sqrt(s^2 + 1/12) lsb
 * (Sheppard: the quantizer adds lsb^2/12, exact to e^(-2 pi^2 s^2) for a Gaussian this wide) and their mean is the
 * input; standard error of a sample standard deviation ~ sd / sqrt(2 n). */
Test(adc, thermal_noise_has_the_configured_sigma)
{
    const size_t n = 200000;
    adc_params p = params("sar", 10);
    p.noise_lsb = 4;
    adc a = make(p, 0, 1.023e-4, NULL); /* lsb = 0.1 uA */
    gsl_rng *r = rng_alloc(5, "tile0.adc");
    const double x = 40.37e-6, lsb = a.lsb_A;
    double sum = 0, sum2 = 0;
    for (size_t k = 0; k < n; k++) {
        double y = adc_convert(&a, x, r, NULL);
        sum += y;
        sum2 += y * y;
    }
    double mean = sum / n, sd = sqrt((sum2 / n - mean * mean) * n / (n - 1.0));
    double want = sqrt(16 + 1.0 / 12) * lsb;
    cr_expect_lt(fabs(sd / want - 1), 5 / sqrt(2.0 * n), "sd %g lsb, want %g", sd / lsb, want / lsb);
    cr_expect_lt(fabs(mean - x), 5 * want / sqrt((double)n), "mean %g, input %g", mean, x);
    rng_free(r);
}

/* Static offsets of many instances drawn in turn from one stream: each converter's shift of a code-centre input is
 * round(offset), whose spread is sqrt(sigma^2 + 1/12) lsb; the shift is the same on every conversion of one
 * instance. */
Test(adc, static_offset_has_the_configured_sigma_over_instances)
{
    const size_t n = 50000;
    adc_params p = params("sar", 8);
    p.offset_lsb = 2;
    gsl_rng *r = rng_alloc(9, "tiles.adc");
    const double lsb = 1e-7, x = 100 * lsb; /* code 100 */
    double sum = 0, sum2 = 0;
    for (size_t k = 0; k < n; k++) {
        adc a = make(p, 0, 255 * lsb, r);
        long long c = adc_code(&a, x, NULL, NULL), shift = c - 100;
        if (k < 20)
            cr_expect_eq(adc_code(&a, x, NULL, NULL), c, "static: the same on every conversion");
        sum += (double)shift;
        sum2 += (double)shift * (double)shift;
    }
    double mean = sum / n, sd = sqrt((sum2 / n - mean * mean) * n / (n - 1.0)), want = sqrt(4 + 1.0 / 12);
    cr_expect_lt(fabs(sd / want - 1), 5 / sqrt(2.0 * n), "sd %g lsb, want %g", sd, want);
    cr_expect_lt(fabs(mean), 5 * want / sqrt((double)n), "mean %g lsb", mean);
    adc none;
    p.offset_lsb = 1;
    cr_expect_eq(adc_init(&none, &p, NULL), CIM_EINVAL, "an offset needs a stream");
    rng_free(r);
}

/* INL bow inl 4 u (1 - u) lsb: without noise the end codes are exact even for a large bow and a code centre next
 * to mid-scale moves by round(inl (1 - 1/255^2)); with Gaussian dither of 1 lsb the mean code follows the bow
 * itself (the dither makes the quantizer's mean linear to ~e^(-2 pi^2)), inl at mid-scale, 3/4 inl at a quarter. */
Test(adc, inl_bow_is_zero_at_both_ends_and_peaks_at_mid_scale)
{
    adc_params p = params("sar", 8);
    p.inl_lsb = 6;
    const double lsb = 1e-7, hi = 255 * lsb;
    adc a = make(p, 0, hi, NULL);
    cr_expect_eq(adc_convert(&a, 0, NULL, NULL), 0.0);
    cr_expect_eq(adc_convert(&a, hi, NULL, NULL), hi);
    cr_expect_eq(adc_code(&a, 1 * lsb, NULL, NULL), 1, "6 * 4/255 * 254/255 = 0.094 lsb near the bottom");
    cr_expect_eq(adc_code(&a, 254 * lsb, NULL, NULL), 254);
    cr_expect_eq(adc_code(&a, 127 * lsb, NULL, NULL), 133);
    p.inl_lsb = -6;
    a = make(p, 0, hi, NULL);
    cr_expect_eq(adc_code(&a, 128 * lsb, NULL, NULL), 122, "signed: a negative bow");

    const size_t n = 200000;
    p.inl_lsb = 0.7;
    p.noise_lsb = 1;
    a = make(p, 0, hi, NULL);
    gsl_rng *r = rng_alloc(13, "test.inl");
    const double u[] = {0.5, 0.25, 0.75};
    for (size_t k = 0; k < 3; k++) {
        double x = u[k] * hi, sum = 0;
        for (size_t m = 0; m < n; m++)
            sum += (double)adc_code(&a, x, r, NULL);
        double shift = sum / n - u[k] * 255, want = 0.7 * 4 * u[k] * (1 - u[k]);
        cr_expect_lt(fabs(shift - want), 5 * sqrt(1 + 1.0 / 12) / sqrt((double)n), "u = %g: shift %g lsb, want %g",
                     u[k], shift, want);
    }
    rng_free(r);
}

/* ---- energy, time, reproducibility ----------------------------------------------------------------------- */

Test(adc, energy_is_the_walden_fom_times_two_to_the_bits)
{
    const long long bits[] = {1, 4, 6, 8, 10, 16};
    const char *types[] = {"sar", "flash", "ramp", "integrating", "cco"};
    for (size_t t = 0; t < 5; t++)
        for (size_t b = 0; b < 6; b++) {
            adc_params p = params(types[t], bits[b]);
            cr_expect_eq(adc_energy_J(&p), 46e-15 * (double)(1LL << bits[b]), "%s %lld", types[t], bits[b]);
            p.fom_J = 3.7e-15;
            cr_expect_eq(adc_energy_J(&p), 3.7e-15 * (double)(1LL << bits[b]));
        }
    adc_params p = params("sar", 8);
    cr_expect(fabs(adc_energy_J(&p) - 11.776e-12) < 1e-24, "46 fJ x 256 = 11.776 pJ");
}

Test(adc, a_cco_counts_through_a_window_longer_than_its_counts_and_spends_fom_per_step_reached)
{
    /* 8-bit cco at 300 ps per count: 256 counts take 76.8 ns.  Over HERMES's 127 ns window it keeps counting:
     * 127 / 0.3 = 423.3 steps, 46 fJ each; a window shorter than 76.8 ns changes nothing.  Others ignore it. */
    adc_params p = params("cco", 8);
    cr_expect(fabs(adc_conversion_s(&p, 127e-9) - 127e-9) <= 1e-24);
    cr_expect(fabs(adc_conversion_in_read_s(&p, 127e-9) - 127e-9) <= 1e-24);
    cr_expect(fabs(adc_energy_read_J(&p, 127e-9) - 46e-15 * 127e-9 / 300e-12) <= 1e-12 * 46e-15 * 423.3);
    cr_expect(fabs(adc_conversion_s(&p, 50e-9) - 256 * 300e-12) <= 1e-24);
    cr_expect_eq(adc_energy_read_J(&p, 50e-9), adc_energy_J(&p));
    const char *others[] = {"sar", "flash", "ramp", "integrating"};
    for (size_t t = 0; t < 4; t++) {
        adc_params q = params(others[t], 8);
        cr_expect_eq(adc_conversion_s(&q, 1e-3), adc_latency_s(&q), "%s", others[t]);
        cr_expect_eq(adc_conversion_in_read_s(&q, 1e-3), adc_latency_in_read_s(&q), "%s", others[t]);
        cr_expect_eq(adc_energy_read_J(&q, 1e-3), adc_energy_J(&q), "%s", others[t]);
    }
    adc_params z = params("ideal", 8);
    cr_expect_eq(adc_energy_read_J(&z, 1e-6), 0.0);
    cr_expect_eq(adc_conversion_s(&z, 1e-6), 0.0);
}

Test(adc, latency_is_the_type_cycles_over_the_clock)
{
    /* Clock periods per conversion, by hand: sar N, flash 1, ramp 2^N, integrating 2^(N+1), cco 2^N. */
    const char *types[] = {"sar", "flash", "ramp", "integrating", "cco"};
    for (long long N = 1; N <= 16; N++) {
        const double cycles[] = {(double)N, 1, (double)(1LL << N), (double)(2LL << N), (double)(1LL << N)};
        for (size_t t = 0; t < 5; t++) {
            adc_params p = params(types[t], N);
            p.f_clk_Hz = 250e6;
            cr_expect(fabs(adc_latency_s(&p) - cycles[t] * 4e-9) <= 1e-15 * cycles[t] * 4e-9, "%s %lld", types[t],
                      N);
            p.f_clk_Hz = 0; /* the type's own clock: 1 ns, or 300 ps per count for cco */
            double period = strcmp(types[t], "cco") == 0 ? 300e-12 : 1e-9;
            cr_expect(fabs(adc_latency_s(&p) - cycles[t] * period) <= 1e-15 * cycles[t] * period, "%s %lld own clock",
                      types[t], N);
        }
    }
}

static void codes(uint64_t seed, const char *stream, long long *out, size_t n)
{
    adc_params p = params("sar", 6);
    p.offset_lsb = 0.8;
    p.noise_lsb = 1.5;
    p.inl_lsb = 0.4;
    gsl_rng *r = rng_alloc(seed, stream);
    adc a = make(p, 0, 63e-7, r);
    for (size_t k = 0; k < n; k++)
        out[k] = adc_code(&a, (double)(k % 60) * 1e-7, r, NULL);
    rng_free(r);
}

Test(adc, the_same_seed_and_stream_give_the_same_codes)
{
    long long a[500], b[500], c[500];
    codes(42, "tile3.adc", a, 500);
    codes(42, "tile3.adc", b, 500);
    codes(42, "tile4.adc", c, 500);
    cr_expect_eq(memcmp(a, b, sizeof a), 0);
    size_t differ = 0;
    for (size_t k = 0; k < 500; k++)
        differ += a[k] != c[k];
    cr_expect_gt(differ, 100, "another stream draws other noise (%zu of 500 codes differ)", differ);
}

/* ---- configuration ---------------------------------------------------------------------------------------- */

static int load(adc_params *p, const char *text)
{
    cfg c;
    cfg_init(&c);
    cfg_bind(&c, &adc_group, p);
    int st = cfg_read_string(&c, "t.cfg", text);
    if (st == CIM_OK)
        st = cfg_resolve(&c);
    cfg_destroy(&c);
    return st;
}

Test(adc, config_group_loads_and_refuses_bad_values_naming_the_key)
{
    adc_params p;
    cr_assert_eq(load(&p, "adc = { type = \"cco\"; bits = 4; range = \"fixed\"; i_min_A = 0.0; i_max_A = 2e-5; };"),
                 CIM_OK, "%s", cim_errmsg());
    cr_expect_str_eq(adc_types[p.type]->name, "cco");
    cr_expect_eq(p.bits, 4);
    cr_expect_eq(p.range, ADC_RANGE_FIXED);
    cr_expect_eq(p.fom_J, 46e-15);
    cr_expect_eq(p.cols_per_adc, 8);
    cr_expect_eq(p.area_um2, 1200);

    cr_expect_eq(load(&p, "adc = { i_min_A = 1e-5; i_max_A = 1e-5; };"), CIM_ECONFIG);
    cr_expect(strstr(cim_errmsg(), "adc.i_min_A") != NULL, "%s", cim_errmsg());
    cr_expect_eq(load(&p, "adc = { percentile = 50.0; };"), CIM_ECONFIG);
    cr_expect(strstr(cim_errmsg(), "adc.percentile") != NULL, "%s", cim_errmsg());
    cr_expect_eq(load(&p, "adc = { percentile = 100.5; };"), CIM_ECONFIG);
    cr_expect(strstr(cim_errmsg(), "adc.percentile") != NULL, "%s", cim_errmsg());
    cr_expect_eq(load(&p, "adc = { bits = 17; };"), CIM_ECONFIG);
    cr_expect(strstr(cim_errmsg(), "adc.bits") != NULL, "%s", cim_errmsg());
    cr_expect_eq(load(&p, "adc = { type = \"sigma_delta\"; };"), CIM_ECONFIG);
    cr_expect(strstr(cim_errmsg(), "adc.type") != NULL, "%s", cim_errmsg());
    cr_expect_eq(load(&p, "adc = { range = \"auto\"; };"), CIM_ECONFIG);
    cr_expect(strstr(cim_errmsg(), "adc.range") != NULL, "%s", cim_errmsg());
    cr_expect_eq(load(&p, "adc = { noise_lsb = -1.0; };"), CIM_ECONFIG);
    cr_expect(strstr(cim_errmsg(), "adc.noise_lsb") != NULL, "%s", cim_errmsg());

    /* adc_init refuses what the check refuses, for a struct filled by hand. */
    adc a;
    p = adc_params_default();
    p.i_min_A = 2e-6, p.i_max_A = 1e-6;
    cr_expect_eq(adc_init(&a, &p, NULL), CIM_ECONFIG);
    cr_expect(strstr(cim_errmsg(), "i_min_A") != NULL, "%s", cim_errmsg());
    p = adc_params_default();
    p.bits = 0;
    cr_expect_eq(adc_init(&a, &p, NULL), CIM_ECONFIG);
}

Test(adc, converting_a_block_is_converting_each_value_in_turn)
{
    adc_params p = params("sar", 6);
    p.offset_lsb = 0.7;
    p.inl_lsb = 1.5;
    p.noise_lsb = 0.8;
    gsl_rng *r1 = rng_alloc(3, "blk"), *r2 = rng_alloc(3, "blk");
    adc a1 = make(p, 0.0, 1e-3, r1), a2 = make(p, 0.0, 1e-3, r2);
    double x[300], y[300];
    for (size_t k = 0; k < 300; k++)
        x[k] = y[k] = -1e-4 + 1.2e-3 * (double)k / 299; /* past both ends */
    x[17] = y[17] = NAN;
    size_t clipped = 0;
    for (size_t k = 0; k < 300; k++) {
        int c = 0;
        x[k] = adc_convert(&a1, x[k], r1, &c);
        clipped += (size_t)c;
    }
    cr_expect_eq(adc_convert_n(&a2, y, 300, r2), clipped);
    cr_expect_gt(clipped, 0);
    for (size_t k = 0; k < 300; k++)
        cr_expect(memcmp(&x[k], &y[k], sizeof x[k]) == 0, "value %zu: %.17g vs %.17g", k, x[k], y[k]);
    rng_free(r1);
    rng_free(r2);
}
