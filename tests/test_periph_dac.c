/* tests/test_periph_dac.c -- the row DACs and input encodings (periph/dac.h).
 *
 * References: the encodings written out here from the header (bit_serial and ideal must give those voltages and
 * coefficients bit for bit: the rule crossbar/mapping.c's input half applied before the DACs took it over); the
 * input quantizer written out here from the header (q = round(min(|x|,
 * x_max) / x_step), ties to even); closed forms for the amplitude ladder (k / (2^N - 1) v_read, the bow's
 * mid-scale value inl (1 - 1/q_max^2) at the two middle codes), the sampling error of a standard deviation
 * (sigma / sqrt(2 n)), the settling factor 1 - exp(-t/tau), and hand arithmetic for energy, latency and counts.
 */
#include "core/rng.h"
#include "core/status.h"
#include "core/xalloc.h"
#include "periph/dac.h"

#include "tests/util.h"
#include <criterion/criterion.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers --------------------------------------------------------------------------------------------- */

static dac_params params(int type, int bits)
{
    dac_params p = dac_params_default();
    p.type = type;
    p.bits = bits;
    return p;
}

/* A test vector of n entries in [-1, 1): every 5th entry 0, entry 1 at +1.7 and entry 2 at -2.3 (clipped for
 * x_max < 1.7), or, with positive set, all entries >= 0. */
static double *test_vector(size_t n, unsigned long seed, int positive)
{
    double *x = util_random_vec(n, positive ? 0.0 : -1.0, 1.0, seed);
    for (size_t i = 0; i < n; i += 5)
        x[i] = 0.0;
    x[1] = 1.7;
    x[2] = positive ? 2.3 : -2.3;
    return x;
}

/* The reference quantized input of the header: sign(x) round(min(|x|, x_max) / x_step) x_step. */
static double ref_xq(double x, double x_max, int bits, double *code)
{
    double q_max = pow(2, bits) - 1, step = x_max / q_max;
    double q = nearbyint(fmin(fabs(x), x_max) / step);
    if (code)
        *code = q;
    return (x < 0 ? -1 : 1) * q * step;
}

/* The encodings as dac.h states them, written out here (what crossbar/mapping.c's input half did before the DACs
 * took it over): the full scale, the pass rule, each cycle's voltages and coefficient. */
typedef struct ref_cycles {
    size_t n, n_clipped;
    double x_max, coef[64], v[64 * 64];
} ref_cycles;

static void ref_encode(int serial, int bits, double x_max_cfg, double v_read, const double *x, size_t rows,
                       ref_cycles *r)
{
    cr_assert(rows <= 64 && 2 * (serial ? bits : 1) <= 64);
    double top = 0;
    for (size_t i = 0; i < rows; i++)
        top = fmax(top, fabs(x[i]));
    r->x_max = x_max_cfg > 0 ? x_max_cfg : top > 0 ? top : 1.0;
    r->n_clipped = 0;
    for (size_t i = 0; i < rows; i++)
        r->n_clipped += fabs(x[i]) > r->x_max;
    double step = r->x_max / (ldexp(1.0, bits) - 1);
    int neg = 0;
    for (size_t i = 0; i < rows; i++)
        neg |= serial ? nearbyint(fmin(-x[i], r->x_max) / step) > 0 : x[i] < 0;
    size_t per = serial ? (size_t)bits : 1;
    r->n = (neg ? 2 : 1) * per;
    for (size_t c = 0; c < r->n; c++) {
        double sign = c < per ? 1.0 : -1.0;
        int bit = (int)(c % per);
        r->coef[c] = serial ? sign * ldexp(step, bit) / v_read : sign * r->x_max / v_read;
        for (size_t i = 0; i < rows; i++) {
            double a = fmin(sign * x[i], r->x_max);
            if (serial) {
                unsigned long long q = a > 0 ? (unsigned long long)nearbyint(a / step) : 0;
                r->v[c * rows + i] = (q >> bit) & 1 ? v_read : 0.0;
            } else
                r->v[c * rows + i] = a > 0 ? a / r->x_max * v_read : 0.0;
        }
    }
}

/* Encodes x with the dac and with the rule written out above and asserts the same cycles, bit for bit. */
static void expect_same_as_rule(const dac_params *p, int serial, const double *x, size_t rows, const char *what)
{
    ref_cycles r;
    ref_encode(serial, (int)p->bits, p->x_max, p->v_read_V, x, rows, &r);
    dac d;
    cr_assert_eq(dac_init(&d, p, NULL), CIM_OK, "%s", cim_errmsg());
    dac_cycles c;
    dac_cycles_init(&c, &d, rows);
    cr_assert_eq(dac_encode(&d, x, 0, &c), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(c.n, r.n, "%s: %zu cycles, rule %zu", what, c.n, r.n);
    cr_expect_eq(c.n_clipped, r.n_clipped, "%s: clipped", what);
    cr_expect(c.x_max == r.x_max, "%s: x_max %.17g vs %.17g", what, c.x_max, r.x_max);
    size_t n = c.n < r.n ? c.n : r.n;
    cr_expect(memcmp(c.coef, r.coef, n * sizeof *c.coef) == 0, "%s: coefficients differ", what);
    cr_expect(memcmp(c.v_V, r.v, n * rows * sizeof *c.v_V) == 0, "%s: voltages differ", what);
    dac_cycles_destroy(&c);
    dac_destroy(&d);
}

/* ---- the encodings as the header states them, bit for bit ---------------------------------------------------- */

Test(dac, bit_serial_gives_the_documented_cycles_bit_for_bit)
{
    const int bits[] = {1, 3, 8, 12, 16};
    const double x_max[] = {0.0, 0.7, 3.0}, v_read[] = {0.2, 0.35};
    const size_t rows = 37;
    unsigned long seed = 1;
    for (size_t b = 0; b < sizeof bits / sizeof *bits; b++)
        for (size_t k = 0; k < sizeof x_max / sizeof *x_max; k++)
            for (size_t v = 0; v < sizeof v_read / sizeof *v_read; v++)
                for (int positive = 0; positive <= 1; positive++) {
                    dac_params p = params(DAC_BIT_SERIAL, bits[b]);
                    p.x_max = x_max[k];
                    p.v_read_V = v_read[v];
                    double *x = test_vector(rows, seed++, positive);
                    char what[128];
                    snprintf(what, sizeof what, "bits %d x_max %g v_read %g %s", bits[b], x_max[k], v_read[v],
                             positive ? "positive" : "signed");
                    expect_same_as_rule(&p, 1, x, rows, what);
                    free(x);
                }
}

/* The cases at the edge of the pass rule: all positive (one pass), negatives that quantize to 0 (one pass),
 * all zero (x_max 1, one pass of zeros). */
Test(dac, bit_serial_pass_rule_is_the_documented_one)
{
    const size_t rows = 6;
    dac_params p = params(DAC_BIT_SERIAL, 4);
    double pos[] = {0.1, 0.5, 0, 1.0, 0.25, 0.75};
    double tiny_neg[] = {1.0, -0.01, 0.3, -0.02, 0, 0.5}; /* x_step = 1/15: -0.02 rounds to code 0 */
    double zeros[] = {0, 0, 0, 0, 0, 0};
    expect_same_as_rule(&p, 1, pos, rows, "positive");
    expect_same_as_rule(&p, 1, tiny_neg, rows, "tiny negatives");
    expect_same_as_rule(&p, 1, zeros, rows, "zeros");

    dac d;
    dac_cycles c;
    cr_assert_eq(dac_init(&d, &p, NULL), CIM_OK);
    dac_cycles_init(&c, &d, rows);
    cr_assert_eq(dac_encode(&d, pos, 0, &c), CIM_OK);
    cr_expect_eq(c.n, 4, "all positive: one pass of 4 bits, got %zu cycles", c.n);
    cr_assert_eq(dac_encode(&d, tiny_neg, 0, &c), CIM_OK);
    cr_expect_eq(c.n, 4, "negatives below half a step: one pass, got %zu cycles", c.n);
    cr_assert_eq(dac_encode(&d, zeros, 0, &c), CIM_OK);
    cr_expect_eq(c.n, 4);
    cr_expect_eq(c.x_max, 1.0, "all zero: full scale 1");
    double neg[] = {0.2, -0.5, 0, 0, 0, 0};
    cr_assert_eq(dac_encode(&d, neg, 0, &c), CIM_OK);
    cr_expect_eq(c.n, 8, "a negative entry: two passes, got %zu cycles", c.n);
    dac_cycles_destroy(&c);
    dac_destroy(&d);
}

Test(dac, ideal_is_exact_analog_scaling)
{
    const double x_max[] = {0.0, 0.7}, v_read[] = {0.2, 1.1};
    const size_t rows = 41;
    unsigned long seed = 100;
    for (size_t k = 0; k < 2; k++)
        for (size_t v = 0; v < 2; v++)
            for (int positive = 0; positive <= 1; positive++) {
                dac_params p = params(DAC_IDEAL, 8);
                p.x_max = x_max[k];
                p.v_read_V = v_read[v];
                p.tau_s = 1e-9; /* the ideal driver ignores settling */
                double *x = test_vector(rows, seed++, positive);
                char what[128];
                snprintf(what, sizeof what, "ideal x_max %g v_read %g %s", x_max[k], v_read[v],
                         positive ? "positive" : "signed");
                expect_same_as_rule(&p, 0, x, rows, what);
                free(x);
            }
}

/* ---- the quantized input ---------------------------------------------------------------------------------- */

Test(dac, input_value_is_the_quantized_input_and_clips_are_counted)
{
    const int types[] = {DAC_BIT_SERIAL, DAC_AMPLITUDE, DAC_PULSE_WIDTH};
    const int bits[] = {2, 5, 8};
    const size_t rows = 200;
    for (size_t t = 0; t < 3; t++)
        for (size_t b = 0; b < 3; b++) {
            dac_params p = params(types[t], bits[b]);
            p.x_max = 0.8;
            double *x = test_vector(rows, 7 + b, 0);
            dac d;
            dac_cycles c;
            cr_assert_eq(dac_init(&d, &p, NULL), CIM_OK, "%s", cim_errmsg());
            dac_cycles_init(&c, &d, rows);
            cr_assert_eq(dac_encode(&d, x, 0, &c), CIM_OK, "%s", cim_errmsg());
            const double step = 0.8 / (pow(2, bits[b]) - 1);
            size_t clipped = 0;
            for (size_t i = 0; i < rows; i++) {
                double xq = dac_input_value(&c, i), want = ref_xq(x[i], 0.8, bits[b], NULL);
                /* Rounding of the decode sum only: a few ulps of the full scale. */
                cr_expect(fabs(xq - want) <= 1e-14, "%s %d bits: x_q[%zu] = %.17g, want %.17g",
                          dac_types[types[t]]->name, bits[b], i, xq, want);
                if (fabs(x[i]) > 0.8) {
                    clipped++;
                    cr_expect(fabs(fabs(xq) - 0.8) <= 1e-14, "clipped entry %zu decodes to %g", i, xq);
                } else {
                    cr_expect(fabs(xq - x[i]) <= step / 2 + 1e-14, "%s %d bits: |x_q - x| = %g > step/2 = %g",
                              dac_types[types[t]]->name, bits[b], fabs(xq - x[i]), step / 2);
                }
            }
            cr_expect_geq(clipped, 2, "the vector has clipped entries (1.7, -2.3)");
            cr_expect_eq(c.n_clipped, clipped, "%zu clipped counted, %zu in the vector", c.n_clipped, clipped);
            dac_cycles_destroy(&c);
            dac_destroy(&d);
            free(x);
        }
}

Test(dac, full_scale_argument_overrides_the_setting)
{
    dac_params p = params(DAC_BIT_SERIAL, 6);
    p.x_max = 0.5;
    double x[] = {0.9, -0.3, 0.6, 2.0};
    dac d;
    dac_cycles c;
    cr_assert_eq(dac_init(&d, &p, NULL), CIM_OK);
    dac_cycles_init(&c, &d, 4);
    cr_assert_eq(dac_encode(&d, x, 0, &c), CIM_OK);
    cr_expect_eq(c.x_max, 0.5);
    cr_expect_eq(c.n_clipped, 3, "0.9, 0.6 and 2.0 exceed 0.5");
    cr_assert_eq(dac_encode(&d, x, 1.0, &c), CIM_OK);
    cr_expect_eq(c.x_max, 1.0);
    cr_expect_eq(c.n_clipped, 1, "only 2.0 exceeds 1");
    for (size_t i = 0; i < 4; i++)
        cr_expect(fabs(dac_input_value(&c, i) - ref_xq(x[i], 1.0, 6, NULL)) <= 1e-15);
    p.x_max = 0;
    dac_destroy(&d);
    cr_assert_eq(dac_init(&d, &p, NULL), CIM_OK);
    cr_assert_eq(dac_encode(&d, x, 0, &c), CIM_OK);
    cr_expect_eq(c.x_max, 2.0, "x_max 0: the largest magnitude of the vector");
    cr_expect_eq(c.n_clipped, 0);
    dac_cycles_destroy(&c);
    dac_destroy(&d);
}

/* ---- amplitude: the ladder -------------------------------------------------------------------------------- */

Test(dac, amplitude_levels_are_exact_without_errors)
{
    for (int bits = 1; bits <= DAC_MAX_BITS; bits++) {
        dac_params p = params(DAC_AMPLITUDE, bits);
        p.v_read_V = 0.3;
        dac d;
        cr_assert_eq(dac_init(&d, &p, NULL), CIM_OK, "%s", cim_errmsg());
        const size_t n = (size_t)1 << bits;
        size_t bad = 0;
        for (size_t k = 0; k < n; k++)
            bad += d.level_V[k] != (double)k / (double)(n - 1) * 0.3;
        cr_expect_eq(bad, 0, "%d bits: %zu levels differ from k / (2^N - 1) v_read", bits, bad);
        dac_destroy(&d);
    }
    /* The encoded voltage of each row is the level of its code. */
    dac_params p = params(DAC_AMPLITUDE, 5);
    p.x_max = 1.0;
    double *x = test_vector(50, 3, 0);
    dac d;
    dac_cycles c;
    cr_assert_eq(dac_init(&d, &p, NULL), CIM_OK);
    dac_cycles_init(&c, &d, 50);
    cr_assert_eq(dac_encode(&d, x, 0, &c), CIM_OK);
    cr_expect_eq(c.n, 2);
    for (size_t i = 0; i < 50; i++) {
        double q;
        ref_xq(x[i], 1.0, 5, &q);
        double v = q / 31.0 * 0.2;
        cr_expect_eq(c.v_V[(x[i] < 0 ? 50 : 0) + i], v, "row %zu: code %g", i, q);
        cr_expect_eq(c.v_V[(x[i] < 0 ? 0 : 50) + i], 0.0, "row %zu: the other pass is 0 V", i);
    }
    cr_expect(fabs(c.coef[0] - 1.0 / 0.2) < 1e-15 && fabs(c.coef[1] + 1.0 / 0.2) < 1e-15);
    dac_cycles_destroy(&c);
    dac_destroy(&d);
    free(x);
}

Test(dac, amplitude_dnl_has_the_configured_sigma_and_stays_monotonic)
{
    const int bits = 12;
    const double sigma = 0.1;
    dac_params p = params(DAC_AMPLITUDE, bits);
    p.dnl_lsb = sigma;
    gsl_rng *r = rng_alloc(2026, "tile0.dac");
    dac d;
    cr_assert_eq(dac_init(&d, &p, r), CIM_OK, "%s", cim_errmsg());
    const size_t n = (size_t)1 << bits;
    const double lsb = p.v_read_V / (double)(n - 1);
    double s1 = 0, s2 = 0;
    size_t rising = 0;
    for (size_t k = 1; k < n; k++) {
        double dnl = (d.level_V[k] - d.level_V[k - 1]) / lsb - 1;
        s1 += dnl;
        s2 += dnl * dnl;
        rising += d.level_V[k] > d.level_V[k - 1];
    }
    const double m = (double)(n - 1), mean = s1 / m, sd = sqrt((s2 - m * mean * mean) / (m - 1));
    /* Sampling error of the mean sigma / sqrt(m), of the standard deviation sigma / sqrt(2 m); 4 of each. */
    cr_expect(fabs(mean) < 4 * sigma / sqrt(m), "mean DNL %g over %g steps", mean, m);
    cr_expect(fabs(sd - sigma) < 4 * sigma / sqrt(2 * m), "DNL sigma %g, configured %g (4 sampling sigma %g)", sd,
              sigma, 4 * sigma / sqrt(2 * m));
    cr_expect_eq(rising, n - 1, "levels monotonic at dnl 0.1 LSB: %zu of %zu steps rise", rising, n - 1);
    cr_expect_eq(d.level_V[0], 0.0, "code 0 is 0 V");
    dac_destroy(&d);
    rng_free(r);
}

Test(dac, amplitude_inl_bow_peaks_at_mid_scale_and_ends_at_zero)
{
    const int bits = 8;
    const double q_max = 255;
    const double inl[] = {2.5, -1.25};
    for (size_t t = 0; t < 2; t++) {
        dac_params p = params(DAC_AMPLITUDE, bits);
        p.inl_lsb = inl[t];
        dac d;
        cr_assert_eq(dac_init(&d, &p, NULL), CIM_OK, "%s", cim_errmsg());
        const double lsb = p.v_read_V / q_max;
        double peak = 0;
        size_t at = 0, rising = 0;
        for (size_t k = 0; k <= 255; k++) {
            double e = d.level_V[k] / lsb - (double)k;
            if (fabs(e) > fabs(peak))
                peak = e, at = k;
            if (k > 0)
                rising += d.level_V[k] > d.level_V[k - 1];
        }
        /* The two middle codes 127 and 128: 4 u (1 - u) = 4 * 127 * 128 / 255^2 = 1 - 1 / 255^2. */
        const double want = inl[t] * (1 - 1 / (q_max * q_max));
        cr_expect(fabs(peak - want) < 1e-9, "inl %g: peak %.12g at code %zu, want %.12g", inl[t], peak, at, want);
        cr_expect(at == 127 || at == 128, "peak at code %zu", at);
        cr_expect(fabs(d.level_V[0]) < 1e-15 && fabs(d.level_V[255] / lsb - 255) < 1e-9, "ends: %g, %g LSB",
                  d.level_V[0] / lsb, d.level_V[255] / lsb - 255);
        cr_expect_eq(rising, 255, "monotonic: the bow's slope is at most 4 |inl| / 255 LSB per code");
        dac_destroy(&d);
    }
}

Test(dac, same_seed_and_stream_give_the_same_ladder)
{
    dac_params p = params(DAC_AMPLITUDE, 10);
    p.dnl_lsb = 0.3;
    p.inl_lsb = 0.7;
    gsl_rng *r1 = rng_alloc(11, "tile3.dac"), *r2 = rng_alloc(11, "tile3.dac"), *r3 = rng_alloc(11, "tile4.dac");
    dac a, b, c;
    cr_assert_eq(dac_init(&a, &p, r1), CIM_OK);
    cr_assert_eq(dac_init(&b, &p, r2), CIM_OK);
    cr_assert_eq(dac_init(&c, &p, r3), CIM_OK);
    cr_expect(memcmp(a.level_V, b.level_V, 1024 * sizeof *a.level_V) == 0, "same seed and stream, other ladder");
    cr_expect(memcmp(a.level_V, c.level_V, 1024 * sizeof *a.level_V) != 0, "another stream, same ladder");
    /* No draws when they are not needed: a stream passed to a DAC without DNL is left where it was. */
    gsl_rng *r4 = rng_alloc(11, "tile3.dac");
    dac e;
    dac_params q = params(DAC_AMPLITUDE, 10);
    cr_assert_eq(dac_init(&e, &q, r4), CIM_OK);
    gsl_rng *r5 = rng_alloc(11, "tile3.dac");
    cr_expect_eq(gsl_rng_get(r4), gsl_rng_get(r5), "dnl_lsb 0 drew from the stream");
    dac_destroy(&a), dac_destroy(&b), dac_destroy(&c), dac_destroy(&e);
    rng_free(r1), rng_free(r2), rng_free(r3), rng_free(r4), rng_free(r5);
}

/* ---- pulse width ------------------------------------------------------------------------------------------ */

Test(dac, pulse_width_on_times_are_codes_times_t_lsb)
{
    const int bits = 6;
    dac_params p = params(DAC_PULSE_WIDTH, bits);
    p.t_lsb_s = 2e-9;
    p.x_max = 1.0;
    const size_t rows = 40;
    double *x = test_vector(rows, 21, 0);
    dac d;
    dac_cycles c;
    cr_assert_eq(dac_init(&d, &p, NULL), CIM_OK);
    dac_cycles_init(&c, &d, rows);
    cr_assert_eq(dac_encode(&d, x, 0, &c), CIM_OK);
    cr_expect_eq(c.n, 2, "signed vector: two passes of one read");
    cr_expect(fabs(c.t_window_s - 63 * 2e-9) < 1e-24, "window %g s, want 63 x 2 ns", c.t_window_s);
    for (size_t i = 0; i < rows; i++) {
        double q;
        double want = ref_xq(x[i], 1.0, bits, &q);
        size_t on = x[i] < 0 ? rows + i : i, off = x[i] < 0 ? i : rows + i;
        cr_expect(fabs(c.t_on_s[on] - q * 2e-9) < 1e-24, "row %zu: on for %g s, code %g", i, c.t_on_s[on], q);
        cr_expect_eq(c.t_on_s[off], 0.0, "row %zu: off in the other pass", i);
        cr_expect_eq(c.v_V[on], q > 0 ? 0.2 : 0.0, "row %zu: amplitude v_read while on", i);
        cr_expect(fabs(dac_input_value(&c, i) - want) <= 1e-14, "row %zu: %.17g vs %.17g", i, dac_input_value(&c, i),
                  want);
    }
    cr_expect(fabs(dac_latency_s(&p) - (1e-9 + 63 * 2e-9)) < 1e-24, "latency t_settle + window");
    dac_cycles_destroy(&c);
    dac_destroy(&d);
    free(x);
}

/* ---- settling --------------------------------------------------------------------------------------------- */

Test(dac, settling_scales_the_voltages_by_one_minus_exp)
{
    const int types[] = {DAC_BIT_SERIAL, DAC_AMPLITUDE, DAC_PULSE_WIDTH, DAC_IDEAL};
    const size_t rows = 30;
    double *x = test_vector(rows, 5, 0);
    for (size_t t = 0; t < 4; t++) {
        dac_params p0 = params(types[t], 7), p1 = p0;
        p1.tau_s = 2e-9;
        p1.t_settle_s = 3e-9;
        const double f = types[t] == DAC_IDEAL ? 1.0 : 1 - exp(-1.5);
        dac d0, d1;
        dac_cycles c0, c1;
        cr_assert_eq(dac_init(&d0, &p0, NULL), CIM_OK);
        cr_assert_eq(dac_init(&d1, &p1, NULL), CIM_OK);
        dac_cycles_init(&c0, &d0, rows);
        dac_cycles_init(&c1, &d1, rows);
        cr_assert_eq(dac_encode(&d0, x, 0, &c0), CIM_OK);
        cr_assert_eq(dac_encode(&d1, x, 0, &c1), CIM_OK);
        cr_assert_eq(c0.n, c1.n);
        size_t nonzero = 0;
        for (size_t k = 0; k < c0.n * rows; k++) {
            cr_expect(fabs(c1.v_V[k] - f * c0.v_V[k]) <= 1e-15 * c0.v_V[k], "%s: v %g vs %g x %g",
                      dac_types[types[t]]->name, c1.v_V[k], f, c0.v_V[k]);
            nonzero += c0.v_V[k] > 0;
        }
        cr_expect_gt(nonzero, rows / 2);
        for (size_t i = 0; i < rows; i++)
            cr_expect(fabs(dac_input_value(&c1, i) - f * dac_input_value(&c0, i)) <= 1e-14, "%s row %zu",
                      dac_types[types[t]]->name, i);
        dac_cycles_destroy(&c0), dac_cycles_destroy(&c1);
        dac_destroy(&d0), dac_destroy(&d1);
    }
    free(x);
}

/* ---- energy, time, counts --------------------------------------------------------------------------------- */

Test(dac, energy_latency_and_conversion_counts)
{
    dac_params p = dac_params_default();
    cr_expect(fabs(dac_energy_J(&p) - 0.33e-12) < 1e-27, "default: ISAAC's 1-bit driver, 0.33 pJ, got %g",
              dac_energy_J(&p));
    p.e_step_J = 0.2e-12;
    p.t_settle_s = 5e-9;
    p.t_lsb_s = 1e-9;
    for (int bits = 1; bits <= DAC_MAX_BITS; bits++) {
        p.bits = bits;
        double two_n = 1;
        for (int k = 0; k < bits; k++)
            two_n *= 2;
        p.type = DAC_AMPLITUDE;
        cr_expect_eq(dac_energy_J(&p), 0.2e-12 * two_n, "amplitude %d bits", bits);
        cr_expect_eq(dac_latency_s(&p), 5e-9);
        p.type = DAC_PULSE_WIDTH;
        /* a 1-bit driver switched on and off once: 2 x 0.2 pJ whatever the bits (not a ladder of 2^bits steps) */
        cr_expect_eq(dac_energy_J(&p), 0.4e-12, "pulse_width %d bits: one 1-bit conversion", bits);
        cr_expect(fabs(dac_latency_s(&p) - (5e-9 + (two_n - 1) * 1e-9)) <= 1e-15 * dac_latency_s(&p));
        p.type = DAC_BIT_SERIAL;
        cr_expect_eq(dac_energy_J(&p), 0.4e-12, "bit_serial: 2 e_step_J per 1-bit conversion");
        cr_expect_eq(dac_latency_s(&p), 5e-9);
        p.type = DAC_IDEAL;
        cr_expect_eq(dac_energy_J(&p), 0.0);
        cr_expect_eq(dac_latency_s(&p), 5e-9);
    }

    /* Conversions: every row in every read cycle, zero rows included. */
    const size_t rows = 9;
    double x_signed[] = {0.5, -0.5, 0, 0, 1, 0, 0, 0, 0}, x_pos[] = {0.5, 0, 0, 0, 1, 0, 0, 0, 0};
    const int types[] = {DAC_BIT_SERIAL, DAC_AMPLITUDE, DAC_PULSE_WIDTH, DAC_IDEAL};
    for (size_t t = 0; t < 4; t++) {
        dac_params q = params(types[t], 5);
        dac d;
        dac_cycles c;
        cr_assert_eq(dac_init(&d, &q, NULL), CIM_OK);
        dac_cycles_init(&c, &d, rows);
        size_t per = types[t] == DAC_BIT_SERIAL ? 5 : 1;
        cr_assert_eq(dac_encode(&d, x_signed, 0, &c), CIM_OK);
        cr_expect_eq(c.n_conversions, 2 * per * rows, "%s signed: %zu", dac_types[types[t]]->name, c.n_conversions);
        cr_assert_eq(dac_encode(&d, x_pos, 0, &c), CIM_OK);
        cr_expect_eq(c.n_conversions, per * rows, "%s positive: %zu", dac_types[types[t]]->name, c.n_conversions);
        dac_cycles_destroy(&c);
        dac_destroy(&d);
    }
}

/* ---- settings and errors ---------------------------------------------------------------------------------- */

Test(dac, defaults_are_the_cited_values)
{
    dac_params p = dac_params_default();
    cr_expect_eq(p.type, DAC_BIT_SERIAL);
    cr_expect_str_eq(dac_types[p.type]->name, "bit_serial");
    cr_expect_eq(p.bits, 8);
    cr_expect_eq(p.v_read_V, 0.2);
    cr_expect_eq(p.e_step_J, 0.165e-12);
    cr_expect(fabs(p.area_um2 - 170.0 / (8 * 128)) < 1e-3, "ISAAC: 170 um^2 for 8 x 128 drivers, got %g", p.area_um2);
    cr_expect_eq(dac_check(&p), CIM_OK, "%s", cim_errmsg());
    for (size_t k = 0; dac_types[k]; k++) {
        cr_expect_eq(dac_types[k]->kind, (int)k, "the table is in enum order");
        cr_expect_eq(dac_type_find(dac_type_names[k]), dac_types[k]);
    }
    cr_expect_null(dac_type_find("flash"));
}

Test(dac, inconsistent_settings_are_refused_naming_the_key)
{
    dac_params p = dac_params_default();
    p.tau_s = 1e-9;
    p.t_settle_s = 0;
    cr_expect_eq(dac_check(&p), CIM_ECONFIG);
    cr_expect(strncmp(cim_errmsg(), "t_settle_s", 10) == 0, "%s", cim_errmsg());
    dac d;
    cr_expect_eq(dac_init(&d, &p, NULL), CIM_ECONFIG);
    dac_destroy(&d);

    p = params(DAC_AMPLITUDE, 17);
    cr_expect_eq(dac_check(&p), CIM_ECONFIG);
    cr_expect(strncmp(cim_errmsg(), "bits", 4) == 0, "%s", cim_errmsg());

    p = params(DAC_AMPLITUDE, 8);
    p.dnl_lsb = 0.1;
    cr_expect_eq(dac_init(&d, &p, NULL), CIM_EINVAL, "DNL without a stream");
    cr_expect(strstr(cim_errmsg(), "dnl_lsb") != NULL, "%s", cim_errmsg());
    dac_destroy(&d);
}

Test(dac, bad_inputs_are_refused_naming_the_entry)
{
    dac_params p = params(DAC_BIT_SERIAL, 4);
    dac d, other;
    dac_cycles c;
    cr_assert_eq(dac_init(&d, &p, NULL), CIM_OK);
    dac_cycles_init(&c, &d, 3);
    double x[] = {0.1, NAN, 0.3};
    cr_expect_eq(dac_encode(&d, x, 0, &c), CIM_EINVAL);
    cr_expect(strstr(cim_errmsg(), "input 1") != NULL, "%s", cim_errmsg());
    double ok[] = {0.1, 0.2, 0.3};
    cr_expect_eq(dac_encode(&d, ok, -1, &c), CIM_EINVAL, "negative full scale");
    dac_params q = params(DAC_PULSE_WIDTH, 4);
    cr_assert_eq(dac_init(&other, &q, NULL), CIM_OK);
    cr_expect_eq(dac_encode(&other, ok, 0, &c), CIM_EINVAL, "cycles of a bit_serial DAC used by a pulse_width one");
    dac_cycles_destroy(&c);
    dac_destroy(&d);
    dac_destroy(&other);
}
