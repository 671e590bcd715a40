/* tests/test_mapping.c -- weight-to-conductance mapping and the decode (crossbar/mapping.h).
 *
 * References are written here from the policies in mapping.h, independently of the library: the weight
 * quantizers (round |w| / step or w / step, clipped), order statistics for percentiles.  The end-to-end
 * products with encoded inputs (DACs, periph/dac.h) are tests/test_tile.c's.
 */
#include "core/cfg.h"
#include "core/status.h"
#include "core/xalloc.h"
#include "crossbar/mapping.h"

#include "tests/util.h"
#include <criterion/criterion.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers --------------------------------------------------------------------------------------------- */

static mapping_params defaults(void)
{
    mapping_params p;
    param_defaults(&mapping_group, &p);
    return p;
}

static double col_absmax(const double *w, size_t rows, size_t cols, size_t j)
{
    double a = 0;
    for (size_t i = 0; i < rows; i++)
        a = fmax(a, fabs(w[i * cols + j]));
    return a;
}

/* The reference quantizer of mapping.h ("Weight codes"), uniform levels: w_q = k step. */
static double ref_quantize(int scheme, int bits, double w_max, double w, double *step_out)
{
    double step, k;
    if (scheme == MAPPING_DIFFERENTIAL) {
        double kmax = pow(2, bits) - 1;
        step = w_max / kmax;
        k = fmin(round(fabs(w) / step), kmax) * (w < 0 ? -1 : 1);
    } else {
        double kmax = pow(2, bits - 1) - 1;
        step = w_max / kmax;
        k = fmax(fmin(round(w / step), kmax), -kmax);
    }
    if (step_out)
        *step_out = step;
    return k * step;
}

/* The conductances of a plan's uniform levels, recomputed here. */
static int is_level(const mapping_params *p, double g)
{
    size_t n = (size_t)1 << p->bits_per_cell;
    for (size_t d = 0; d < n; d++) {
        double l = p->levels == MAPPING_LEVELS_LIST ? p->g_levels_S.v[d]
                                                    : p->g_min_S + (p->g_max_S - p->g_min_S) * (double)d / (double)(n - 1);
        if (fabs(g - l) <= 1e-12 * p->g_max_S)
            return 1;
    }
    return 0;
}

/* ---- round trips ---------------------------------------------------------------------------------------- */

typedef struct combo {
    int weight_bits, bits_per_cell;
} combo;

static const combo combos[] = {{1, 1}, {4, 1}, {4, 2}, {4, 4}, {6, 4}, {8, 2}, {8, 3}, {8, 8}, {12, 5}, {16, 4}};
enum { N_COMBOS = sizeof combos / sizeof combos[0] };

/* Round trip for one scheme and combination: W_q equals the reference quantizer, is within half a step of W,
 * G holds only levels, pairs have one side at g_min, the reference column holds g_ref.  Returns the largest
 * |w_q - w| / step seen. */
static double round_trip(int scheme, combo c)
{
    const size_t R = 23, C = 17;
    mapping_params p = defaults();
    p.scheme = scheme;
    p.weight_bits = c.weight_bits;
    p.bits_per_cell = c.bits_per_cell;
    double *w = util_random_vec(R * C, -1.37, 2.385, 5489 + (unsigned long)c.weight_bits * 31 + (unsigned long)c.bits_per_cell);
    w[3 * C + 5] = 0.0; /* an exact zero weight */
    mapping m;
    cr_assert_eq(mapping_plan(&m, &p, w, R, C), CIM_OK, "%s", cim_errmsg());
    size_t ns = (size_t)((c.weight_bits + c.bits_per_cell - 1) / c.bits_per_cell);
    cr_expect_eq(m.n_slices, ns);
    size_t P = mapping_phys_cols(&m, C);
    cr_expect_eq(P, scheme == MAPPING_DIFFERENTIAL ? C * 2 * ns : C * ns + 1);
    double w_max = 0;
    for (size_t k = 0; k < R * C; k++)
        w_max = fmax(w_max, fabs(w[k]));
    cr_expect_eq(m.n_clipped, 0);

    double *g = xmalloc(R * P * sizeof *g), *wq = xmalloc(R * C * sizeof *wq), *wq2 = xmalloc(R * C * sizeof *wq2);
    mapping_encode_weights(&m, w, g);
    mapping_quantized_weights(&m, w, wq);
    mapping_reconstruct_block(&m, g, R, 0, C, wq2, C);
    double worst = 0;
    for (size_t i = 0; i < R; i++)
        for (size_t j = 0; j < C; j++) {
            double step, ref = ref_quantize(scheme, c.weight_bits, w_max, w[i * C + j], &step);
            double got = wq[i * C + j];
            cr_expect(fabs(got - ref) <= 1e-12 * w_max, "B=%d b=%d (%zu,%zu): w %.17g -> %.17g, reference %.17g", c.weight_bits,
                      c.bits_per_cell, i, j, w[i * C + j], got, ref);
            cr_expect(fabs(got - w[i * C + j]) <= 0.5 * step * (1 + 1e-9), "B=%d b=%d: more than half a step off",
                      c.weight_bits, c.bits_per_cell);
            cr_expect_eq(got, wq2[i * C + j]);
            worst = fmax(worst, fabs(got - w[i * C + j]) / step);
        }
    cr_expect(fabs(wq[3 * C + 5]) <= 1e-12 * w_max, "zero weight reconstructs to %g", wq[3 * C + 5]);
    for (size_t i = 0; i < R; i++)
        for (size_t k = 0; k < P; k++) {
            double gk = g[i * P + k];
            if (scheme == MAPPING_OFFSET && k == P - 1) {
                cr_expect_eq(gk, m.g_ref_S);
                continue;
            }
            cr_expect(is_level(&p, gk), "G[%zu,%zu] = %g is not a level", i, k, gk);
        }
    if (scheme == MAPPING_DIFFERENTIAL)
        for (size_t i = 0; i < R; i++)
            for (size_t k = 0; k < P; k += 2)
                cr_expect_eq(fmin(g[i * P + k], g[i * P + k + 1]), p.g_min_S, "pair (%zu, %zu) has no side at g_min", i, k);
    if (scheme == MAPPING_OFFSET && ns == 1)
        cr_expect(fabs(g[3 * P + 5] - m.g_ref_S) <= 1e-18, "one slice: g_ref %g is the conductance of w = 0 (%g)",
                  m.g_ref_S, g[3 * P + 5]);
    free(g);
    free(wq);
    free(wq2);
    free(w);
    mapping_destroy(&m);
    return worst;
}

Test(mapping, differential_bit_sliced_round_trip_within_half_a_step)
{
    for (size_t k = 0; k < N_COMBOS; k++) {
        double worst = round_trip(MAPPING_DIFFERENTIAL, combos[k]);
        /* With 23 x 17 uniform weights the error uses most of the half step, unless the step is huge. */
        cr_expect(worst <= 0.5 + 1e-9, "B=%d b=%d: worst %g steps", combos[k].weight_bits, combos[k].bits_per_cell, worst);
    }
}

Test(mapping, offset_round_trip_within_half_a_step)
{
    for (size_t k = 0; k < N_COMBOS; k++)
        if (combos[k].weight_bits >= 2)
            round_trip(MAPPING_OFFSET, combos[k]);
}

Test(mapping, offset_reference_is_the_zero_weight_conductance_with_one_slice)
{
    mapping_params p = defaults();
    p.scheme = MAPPING_OFFSET;
    p.weight_bits = 4;
    p.bits_per_cell = 4;
    double w[2] = {0.0, 0.5};
    mapping m;
    cr_assert_eq(mapping_plan(&m, &p, w, 2, 1), CIM_OK);
    /* z = 8 of 15 levels: g_min + 8 (g_max - g_min) / 15. */
    double expect = p.g_min_S + 8 * (p.g_max_S - p.g_min_S) / 15;
    cr_expect(fabs(m.g_ref_S - expect) <= 1e-18, "g_ref %g, expected %g", m.g_ref_S, expect);
    cr_expect(fabs(m.ref_factor - 1) <= 1e-15, "one slice: ref_factor %g", m.ref_factor);
    mapping_destroy(&m);
}

/* ---- levels ---------------------------------------------------------------------------------------------- */

Test(mapping, a_level_list_equal_to_the_uniform_levels_maps_the_same)
{
    const size_t R = 11, C = 7;
    double *w = util_random_vec(R * C, -0.9, 0.7, 77);
    mapping_params pu = defaults(), pl = defaults();
    pu.weight_bits = pl.weight_bits = 6;
    pu.bits_per_cell = pl.bits_per_cell = 3;
    pl.levels = MAPPING_LEVELS_LIST;
    pl.g_levels_S.n = 8;
    for (size_t d = 0; d < 8; d++)
        pl.g_levels_S.v[d] = pu.g_min_S + (pu.g_max_S - pu.g_min_S) * (double)d / 7.0;
    mapping mu, ml;
    cr_assert_eq(mapping_plan(&mu, &pu, w, R, C), CIM_OK);
    cr_assert_eq(mapping_plan(&ml, &pl, w, R, C), CIM_OK, "%s", cim_errmsg());
    double wu[R * C], wl[R * C];
    mapping_quantized_weights(&mu, w, wu);
    mapping_quantized_weights(&ml, w, wl);
    for (size_t k = 0; k < R * C; k++)
        cr_expect(fabs(wu[k] - wl[k]) <= 1e-12, "%zu: %g vs %g", k, wu[k], wl[k]);
    mapping_destroy(&mu);
    mapping_destroy(&ml);
    free(w);
}

Test(mapping, measured_levels_show_as_weight_error)
{
    /* Two bits in one cell, uneven measured levels: digit d -> L[d], decoded with the mean spacing. */
    const double L[4] = {2e-6, 20e-6, 61e-6, 95e-6};
    const double dg = (L[3] - L[0]) / 3;
    mapping_params p = defaults();
    p.weight_bits = 2;
    p.bits_per_cell = 2;
    p.levels = MAPPING_LEVELS_LIST;
    p.g_levels_S.n = 4;
    memcpy(p.g_levels_S.v, L, sizeof L);
    const double w[6] = {0.3, -0.9, 0.61, 0.0, -0.2, 0.95};
    mapping m;
    cr_assert_eq(mapping_plan(&m, &p, w, 6, 1), CIM_OK, "%s", cim_errmsg());
    double g[12], wq[6];
    mapping_encode_weights(&m, w, g);
    mapping_quantized_weights(&m, w, wq);
    const double step = 0.95 / 3;
    for (size_t i = 0; i < 6; i++) {
        int k = (int)round(fabs(w[i]) / step), neg = w[i] < 0;
        cr_expect_eq(g[2 * i + (neg ? 1 : 0)], L[k], "w %g: carrying side %g, level %g", w[i], g[2 * i + neg], L[k]);
        cr_expect_eq(g[2 * i + (neg ? 0 : 1)], L[0]);
        double expect = (neg ? -1 : 1) * step * (L[k] - L[0]) / dg;
        cr_expect(fabs(wq[i] - expect) <= 1e-15, "w %g: w_q %.17g, expected %.17g", w[i], wq[i], expect);
    }
    /* The top code lands on the top level, so the largest weight is exact; a middle one is not. */
    cr_expect(fabs(wq[5] - 0.95) <= 1e-15);
    cr_expect(fabs(wq[0] - step) > 0.01, "uneven levels must move the middle code: %g vs %g", wq[0], step);
    mapping_destroy(&m);
}

/* ---- scaling and clipping ---------------------------------------------------------------------------------- */

Test(mapping, fixed_scale_clips_and_counts)
{
    const size_t R = 20, C = 9;
    double *w = util_random_vec(R * C, -2.1, 2.3, 4242);
    mapping_params p = defaults();
    p.scale = MAPPING_SCALE_FIXED;
    p.w_max = 1.0;
    p.weight_bits = 5;
    p.bits_per_cell = 2;
    mapping m;
    cr_assert_eq(mapping_plan(&m, &p, w, R, C), CIM_OK);
    size_t n = 0;
    for (size_t k = 0; k < R * C; k++)
        n += fabs(w[k]) > 1.0;
    cr_expect_gt(n, 0);
    cr_expect_eq(m.n_clipped, n, "clipped %zu, expected %zu", m.n_clipped, n);
    double wq[R * C];
    mapping_quantized_weights(&m, w, wq);
    for (size_t k = 0; k < R * C; k++)
        if (fabs(w[k]) > 1.0)
            cr_expect(fabs(wq[k] - copysign(1.0, w[k])) <= 1e-14, "clipped %g -> %g", w[k], wq[k]);
        else
            cr_expect(fabs(wq[k] - ref_quantize(MAPPING_DIFFERENTIAL, 5, 1.0, w[k], NULL)) <= 1e-14);
    mapping_destroy(&m);
    free(w);
}

/* numpy.percentile(a, q), default "linear" method, written from its definition. */
static double ref_percentile(const double *a, size_t n, double q)
{
    double *s = xmalloc(n * sizeof *s);
    for (size_t k = 0; k < n; k++)
        s[k] = fabs(a[k]);
    for (size_t i = 1; i < n; i++) /* insertion sort: independent of the library's qsort */
        for (size_t k = i; k > 0 && s[k - 1] > s[k]; k--) {
            double t = s[k];
            s[k] = s[k - 1];
            s[k - 1] = t;
        }
    double h = (double)(n - 1) * q / 100, f = floor(h);
    double r = f + 1 < (double)n ? s[(size_t)f] + (h - f) * (s[(size_t)f + 1] - s[(size_t)f]) : s[n - 1];
    free(s);
    return r;
}

Test(mapping, percentile_scale_matches_numpy_and_clips_the_outliers)
{
    /* |w| = 1..100 with alternating signs, in a scrambled order: numpy.percentile(1..100, 95) = 95.05. */
    double w[100];
    for (size_t k = 0; k < 100; k++) {
        size_t v = (k * 37) % 100 + 1;
        w[k] = (k % 2 ? -1.0 : 1.0) * (double)v;
    }
    mapping_params p = defaults();
    p.scale = MAPPING_SCALE_PERCENTILE;
    p.percentile = 95;
    mapping m;
    cr_assert_eq(mapping_plan(&m, &p, w, 10, 10), CIM_OK);
    cr_expect(fabs(m.w_max[0] - 95.05) <= 1e-12, "w_max %.17g", m.w_max[0]);
    cr_expect(fabs(m.w_max[0] - ref_percentile(w, 100, 95)) <= 1e-12);
    cr_expect_eq(m.n_clipped, 5, "96..100 are clipped: %zu", m.n_clipped);
    for (size_t j = 1; j < 10; j++)
        cr_expect_eq(m.w_max[j], m.w_max[0], "per matrix: one scale");
    mapping_destroy(&m);

    /* Per column, on random data: each column's own percentile and clip count. */
    const size_t R = 41, C = 6;
    double *x = util_random_vec(R * C, -3.0, 3.1, 99);
    p.scale_per = MAPPING_PER_COLUMN;
    p.percentile = 90;
    cr_assert_eq(mapping_plan(&m, &p, x, R, C), CIM_OK);
    size_t clipped = 0;
    for (size_t j = 0; j < C; j++) {
        double col[R];
        for (size_t i = 0; i < R; i++)
            col[i] = x[i * C + j];
        double e = ref_percentile(col, R, 90);
        cr_expect(fabs(m.w_max[j] - e) <= 1e-12 * e, "column %zu: %.17g vs %.17g", j, m.w_max[j], e);
        for (size_t i = 0; i < R; i++)
            clipped += fabs(col[i]) > e;
    }
    cr_expect_eq(m.n_clipped, clipped, "%zu vs %zu", m.n_clipped, clipped);
    cr_expect_gt(clipped, 0);
    mapping_destroy(&m);
    free(x);
}

Test(mapping, per_column_scale_resolves_a_small_column)
{
    /* Column 0 spans +-10, column 1 +-0.01: with one scale the small column falls below one step. */
    const size_t R = 30, C = 2;
    double *w = util_random_vec(R * C, -1, 1, 7);
    for (size_t i = 0; i < R; i++) {
        w[i * C] *= 10;
        w[i * C + 1] *= 0.01;
    }
    mapping_params p = defaults();
    p.weight_bits = 6;
    p.bits_per_cell = 3;
    double err[2];
    for (int per = 0; per < 2; per++) {
        p.scale_per = per;
        mapping m;
        cr_assert_eq(mapping_plan(&m, &p, w, R, C), CIM_OK);
        double wq[R * C];
        mapping_quantized_weights(&m, w, wq);
        err[per] = 0;
        for (size_t i = 0; i < R; i++)
            err[per] = fmax(err[per], fabs(wq[i * C + 1] - w[i * C + 1]));
        double wm = per ? col_absmax(w, R, C, 1) : col_absmax(w, R, C, 0);
        cr_expect(fabs(m.w_max[1] - wm) <= 1e-15 * wm, "w_max[1] %g, expected %g", m.w_max[1], wm);
        cr_expect(err[per] <= 0.5 * wm / 63 * (1 + 1e-9), "half a step of %g", wm / 63);
        mapping_destroy(&m);
    }
    cr_expect_lt(err[1], err[0] / 100, "per column %g, per matrix %g", err[1], err[0]);
    free(w);
}


/* ---- bad input ----------------------------------------------------------------------------------------- */

static void expect_plan_fails(const mapping_params *p, int status, const char *needle)
{
    double w[4] = {0.1, -0.2, 0.3, 0.4};
    mapping m;
    cim_error_clear();
    int st = mapping_plan(&m, p, w, 2, 2);
    cr_expect_eq(st, status, "status %d, expected %d (%s)", st, status, cim_errmsg());
    cr_expect(strstr(cim_errmsg(), needle) != NULL, "message \"%s\" lacks \"%s\"", cim_errmsg(), needle);
    mapping_destroy(&m);
}

Test(mapping, bad_parameters_are_rejected_with_a_message)
{
    mapping_params p = defaults();
    p.weight_bits = 4;
    p.bits_per_cell = 5;
    expect_plan_fails(&p, CIM_ECONFIG, "bits_per_cell (5) must not exceed weight_bits (4)");
    p = defaults();
    p.g_min_S = 1e-4;
    p.g_max_S = 1e-4;
    expect_plan_fails(&p, CIM_ECONFIG, "g_min_S");
    p = defaults();
    p.scheme = MAPPING_OFFSET;
    p.weight_bits = 1;
    p.bits_per_cell = 1;
    expect_plan_fails(&p, CIM_ECONFIG, "weight_bits >= 2");
    p = defaults();
    p.levels = MAPPING_LEVELS_LIST; /* default list: 4 levels, but 3 bits want 8 */
    p.bits_per_cell = 3;
    expect_plan_fails(&p, CIM_ECONFIG, "needs exactly 2^3 = 8");
    p = defaults();
    p.levels = MAPPING_LEVELS_LIST;
    p.g_levels_S.v[2] = p.g_levels_S.v[1];
    expect_plan_fails(&p, CIM_ECONFIG, "increase strictly");

    p = defaults();
    double w[4] = {0.1, NAN, 0.3, 0.4};
    mapping m;
    cr_expect_eq(mapping_plan(&m, &p, w, 2, 2), CIM_EINVAL);
    cr_expect(strstr(cim_errmsg(), "row 0, column 1") != NULL, "%s", cim_errmsg());
    mapping_destroy(&m);
}

Test(mapping, config_group_checks_cross_field_rules)
{
    mapping_params p;
    cfg c;
    cfg_init(&c);
    cfg_bind(&c, &mapping_group, &p);
    cr_assert_eq(cfg_read_string(&c, "t.cfg", "mapping = { weight_bits = 3; bits_per_cell = 4; };"), CIM_OK);
    cr_expect_eq(cfg_resolve(&c), CIM_ECONFIG);
    cr_expect(strstr(cim_errmsg(), "bits_per_cell") != NULL, "%s", cim_errmsg());
    cfg_destroy(&c);

    cfg_init(&c);
    cfg_bind(&c, &mapping_group, &p);
    cr_assert_eq(cfg_read_string(&c, "t.cfg",
                                 "mapping = { scheme = \"offset\"; levels = \"list\"; bits_per_cell = 1; "
                                 "g_levels_S = [2e-6, 50e-6]; scale = \"percentile\"; percentile = 99.0; };"),
                 CIM_OK);
    cr_expect_eq(cfg_resolve(&c), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(p.scheme, MAPPING_OFFSET);
    cr_expect_eq(p.g_levels_S.n, 2);
    cr_expect_eq(p.g_levels_S.v[1], 50e-6);
    cr_expect_eq(p.weight_bits, 8, "default");
    cfg_destroy(&c);
}

Test(mapping, group_documents_every_key)
{
    strbuf s;
    strbuf_init(&s);
    param_doc_group(&mapping_group, &s);
    const char *keys[] = {"scheme", "weight_bits", "bits_per_cell", "levels", "g_min_S", "g_max_S", "g_levels_S",
                          "scale", "w_max", "percentile", "scale_per"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        cr_expect(strstr(s.s, keys[k]) != NULL, "%s missing from the reference", keys[k]);
    cr_expect(strstr(s.s, "differential") != NULL);
    strbuf_destroy(&s);
}

Test(mapping, defaults_are_the_documented_rram_values)
{
    mapping_params p = defaults();
    cr_expect_eq(p.g_min_S, 1e-6);
    cr_expect_eq(p.g_max_S, 100e-6);
    cr_expect_eq(mapping_check(&p), CIM_OK, "%s", cim_errmsg());
    p.levels = MAPPING_LEVELS_LIST;
    cr_expect_eq(mapping_check(&p), CIM_OK, "the default list fits the default bits_per_cell: %s", cim_errmsg());
}
