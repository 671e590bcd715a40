/* tests/test_tiling.c -- tiling a mapped matrix over arrays of fixed size (crossbar/tiling.h).
 *
 * The reference is the same mapping on one array large enough for the whole matrix (mapping_encode_weights,
 * crossbar_ideal_mvm per read, mapping_decode_add): the tiled product must equal it to rounding (1e-12 of
 * sum_i |w_q x|), tile conductances must equal the corresponding columns of the untiled G, and every
 * output's physical columns must sit in one tile.  Inputs are applied here as exact analog voltages in two
 * sign passes (the test's own encoder; the DACs are periph/'s, tested there).
 */
#include "core/status.h"
#include "core/xalloc.h"
#include "crossbar/crossbar.h"
#include "crossbar/ideal.h"
#include "crossbar/tiling.h"

#include "tests/util.h"
#include <criterion/criterion.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static mapping_params defaults(void)
{
    mapping_params p;
    param_defaults(&mapping_group, &p);
    return p;
}

#define V_FULL 0.2 /* volts of |x| = x_max */

/* The test's analog inputs: pass 0 the positive part, pass 1 the magnitude of the negative part, v = |x| / x_max
 * V_FULL; coefficient +-x_max / V_FULL. */
static void encode(const double *x, size_t n, double x_max, int pass, double *v, double *coef)
{
    for (size_t i = 0; i < n; i++) {
        double a = pass == 0 ? x[i] : -x[i];
        v[i] = a > 0 ? a / x_max * V_FULL : 0.0;
    }
    *coef = (pass == 0 ? 1.0 : -1.0) * x_max / V_FULL;
}

static double absmax(const double *x, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m = fmax(m, fabs(x[i]));
    return m;
}

/* y on one array holding the whole matrix. */
static void untiled(const mapping *m, const double *w, const double *x, double *y)
{
    const size_t P = mapping_phys_cols(m, m->cols);
    double *g = xmalloc(m->rows * P * sizeof *g), *i_A = xmalloc(P * sizeof *i_A), *v = xmalloc(m->rows * sizeof *v);
    mapping_encode_weights(m, w, g);
    for (size_t j = 0; j < m->cols; j++)
        y[j] = 0;
    for (int pass = 0; pass < 2; pass++) {
        double coef;
        encode(x, m->rows, absmax(x, m->rows), pass, v, &coef);
        crossbar_ideal_mvm(g, m->rows, P, v, i_A, NULL);
        mapping_decode_add(m, 0, m->cols, i_A, coef, y);
    }
    free(g);
    free(i_A);
    free(v);
}

/* The tile callback: the same encoding of the tile's block at the vector's full scale, its ideal reads. */
typedef struct ideal_ctx {
    double x_max;
    size_t calls, fail_at; /* fail_at: the tile whose read fails (SIZE_MAX: none) */
} ideal_ctx;

static int ideal_tile(void *ctx, const tiling *t, size_t k, const double *x, double *y_part)
{
    ideal_ctx *c = ctx;
    c->calls++;
    if (k == c->fail_at)
        return cim_error(CIM_ESIM, "tile %zu did not converge", k);
    const tiling_span *s = &t->span[k];
    double v[512], i_A[512];
    cr_assert(s->nr <= 512 && s->phys_cols <= 512);
    for (size_t j = 0; j < s->nc; j++)
        y_part[j] = 0;
    for (int pass = 0; pass < 2; pass++) {
        double coef;
        encode(x, s->nr, c->x_max, pass, v, &coef);
        crossbar_ideal_mvm(t->g_S + s->g_off, s->nr, s->phys_cols, v, i_A, NULL);
        mapping_decode_add(t->m, s->c0, s->nc, i_A, coef, y_part);
    }
    return CIM_OK;
}

typedef struct tcase {
    int scheme, weight_bits, bits_per_cell;
    size_t rows, cols, tile_rows, tile_cols;
} tcase;

/* Tiled against untiled, and the layout checks.  Returns the largest |y_tiled - y| / sum |w_q x_q|. */
static double tiled_vs_untiled(tcase c)
{
    mapping_params p = defaults();
    p.scheme = c.scheme;
    p.weight_bits = c.weight_bits;
    p.bits_per_cell = c.bits_per_cell;
    const size_t R = c.rows, C = c.cols;
    double *w = util_random_vec(R * C, -1.2, 0.93, 11 + R + C), *x = util_random_vec(R, -0.45, 1.37, 3 + R);
    mapping m;
    cr_assert_eq(mapping_plan(&m, &p, w, R, C), CIM_OK, "%s", cim_errmsg());
    tiling t;
    cr_assert_eq(tiling_plan(&t, &m, w, c.tile_rows, c.tile_cols), CIM_OK, "%s", cim_errmsg());

    /* Grid and shapes, from the tiling rule of tiling.h. */
    size_t per = (c.tile_cols - m.n_ref) / m.cols_per_output;
    size_t nrb = (R + c.tile_rows - 1) / c.tile_rows, ncb = (C + per - 1) / per;
    cr_expect_eq(t.outputs_per_tile, per);
    cr_expect_eq(t.n_row_blocks, nrb);
    cr_expect_eq(t.n_col_blocks, ncb);
    cr_expect_eq(t.n_tiles, nrb * ncb);

    /* Every (row, output) in exactly one tile; an output's columns and the reference within one array; the
     * tile's conductances are the untiled G's columns of its outputs. */
    const size_t P = mapping_phys_cols(&m, C), cpo = m.cols_per_output;
    double *g = xmalloc(R * P * sizeof *g);
    mapping_encode_weights(&m, w, g);
    unsigned char *cover = xcalloc(R * C, 1);
    for (size_t k = 0; k < t.n_tiles; k++) {
        const tiling_span *s = &t.span[k];
        cr_expect_leq(s->phys_cols, c.tile_cols, "tile %zu is %zu columns wide", k, s->phys_cols);
        cr_expect_leq(s->nr, c.tile_rows);
        cr_expect_eq(s->phys_cols, s->nc * cpo + m.n_ref);
        const double *gt = t.g_S + s->g_off;
        for (size_t i = 0; i < s->nr; i++) {
            for (size_t j = 0; j < s->nc; j++) {
                cover[(s->r0 + i) * C + s->c0 + j]++;
                for (size_t q = 0; q < cpo; q++)
                    cr_expect_eq(gt[i * s->phys_cols + j * cpo + q], g[(s->r0 + i) * P + (s->c0 + j) * cpo + q],
                                 "tile %zu row %zu output %zu column %zu", k, i, s->c0 + j, q);
            }
            if (m.n_ref)
                cr_expect_eq(gt[i * s->phys_cols + s->phys_cols - 1], m.g_ref_S, "tile %zu: its own reference column", k);
        }
    }
    for (size_t k = 0; k < R * C; k++)
        cr_expect_eq(cover[k], 1, "entry %zu is in %d tiles", k, cover[k]);

    double *wq = xmalloc(R * C * sizeof *wq), *wqt = xmalloc(R * C * sizeof *wqt);
    mapping_quantized_weights(&m, w, wq);
    tiling_quantized_weights(&t, wqt);
    cr_expect_eq(memcmp(wq, wqt, R * C * sizeof *wq), 0, "the tiles hold the same quantized weights");

    double *y = xmalloc(C * sizeof *y), *yt = xmalloc(C * sizeof *yt), *yt2 = xmalloc(C * sizeof *yt2);
    untiled(&m, w, x, y);
    ideal_ctx ic = {absmax(x, R), 0, (size_t)-1};
    cr_assert_eq(tiling_mvm(&t, x, ideal_tile, &ic, yt), CIM_OK);
    cr_expect_eq(ic.calls, t.n_tiles);
    cr_assert_eq(tiling_mvm(&t, x, ideal_tile, &ic, yt2), CIM_OK);
    cr_expect_eq(memcmp(yt, yt2, C * sizeof *yt), 0, "bitwise reproducible");
    double worst = 0;
    for (size_t j = 0; j < C; j++) {
        double mag = 0, yq = 0;
        for (size_t i = 0; i < R; i++) {
            mag += fabs(wq[i * C + j] * x[i]);
            yq += wq[i * C + j] * x[i];
        }
        cr_expect(fabs(yt[j] - y[j]) <= 1e-12 * mag, "y[%zu]: tiled %.17g, untiled %.17g", j, yt[j], y[j]);
        cr_expect(fabs(yt[j] - yq) <= 1e-12 * mag, "y[%zu]: tiled %.17g, W_q^T x %.17g", j, yt[j], yq);
        worst = fmax(worst, fabs(yt[j] - y[j]) / mag);
    }
    free(cover);
    free(g);
    free(wq);
    free(wqt);
    free(y);
    free(yt);
    free(yt2);
    tiling_destroy(&t);
    mapping_destroy(&m);
    free(w);
    free(x);
    return worst;
}

Test(tiling, tiled_product_equals_untiled_for_sizes_not_multiple_of_the_tile)
{
    const tcase cases[] = {
        /* 300 x 70 on 64 x 32 arrays: 5 row blocks (the last 44 rows). */
        {MAPPING_DIFFERENTIAL, 8, 4, 300, 70, 64, 32}, /* 4 columns/output, 8 outputs/tile */
        {MAPPING_DIFFERENTIAL, 8, 2, 300, 70, 64, 32}, /* 8 columns/output, 4 outputs/tile */
        {MAPPING_DIFFERENTIAL, 6, 6, 300, 70, 64, 32},     /* pairs: 16 outputs/tile */
        {MAPPING_OFFSET, 8, 4, 300, 70, 64, 32},       /* 15 outputs + reference */
        {MAPPING_OFFSET, 8, 8, 300, 70, 64, 32},           /* 31 outputs + reference */
        /* Odd: a 3-column tile holds one differential pair (the third column stays empty). */
        {MAPPING_DIFFERENTIAL, 4, 4, 45, 7, 16, 3},
        /* One tile holds it all. */
        {MAPPING_OFFSET, 6, 3, 30, 10, 256, 256},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        tiled_vs_untiled(cases[k]);
}

Test(tiling, default_tile_size_comes_from_the_crossbar_group)
{
    crossbar_params xp;
    param_defaults(&crossbar_group, &xp);
    cr_expect_eq(xp.tile_rows, 256);
    cr_expect_eq(xp.tile_cols, 256);
    mapping_params p = defaults(); /* differential, 8 bits in 2-bit cells: 8 columns per output */
    const size_t R = 300, C = 70;
    double *w = util_random_vec(R * C, -1, 1, 5);
    mapping m;
    cr_assert_eq(mapping_plan(&m, &p, w, R, C), CIM_OK);
    tiling t;
    cr_assert_eq(tiling_plan_crossbar(&t, &m, w, &xp), CIM_OK);
    cr_expect_eq(t.outputs_per_tile, 32);
    cr_expect_eq(t.n_row_blocks, 2);
    cr_expect_eq(t.n_col_blocks, 3);
    strbuf s;
    strbuf_init(&s);
    tiling_describe(&t, &s);
    /* Shapes in order of first appearance: 256 rows x 256 columns (32 outputs) twice, 256 x 48 (6) once, 44 x 256
     * twice, 44 x 48 once; utilization = 300 * 70 * 8 cells of 6 * 256 * 256. */
    char expect[256];
    snprintf(expect, sizeof expect,
             "6 tiles (2 x 3) of 256 x 256: 2 x 256 rows x 256 columns (32 outputs), 1 x 256 rows x 48 columns (6 outputs), "
             "2 x 44 rows x 256 columns (32 outputs), 1 x 44 rows x 48 columns (6 outputs); %.1f%% of the cells in use",
             100.0 * 300 * 70 * 8 / (6.0 * 256 * 256));
    cr_expect_str_eq(s.s, expect);
    strbuf_destroy(&s);
    tiling_destroy(&t);
    mapping_destroy(&m);
    free(w);
}

Test(tiling, a_failed_tile_stops_the_product_with_its_status)
{
    mapping_params p = defaults();
    double *w = util_random_vec(20 * 6, -1, 1, 9), x[20];
    for (size_t i = 0; i < 20; i++)
        x[i] = 0.1 + 0.01 * (double)i;
    mapping m;
    cr_assert_eq(mapping_plan(&m, &p, w, 20, 6), CIM_OK);
    tiling t;
    cr_assert_eq(tiling_plan(&t, &m, w, 8, 16), CIM_OK); /* 2 outputs per tile: tile 1 is the second column block */
    double y[6];
    ideal_ctx ic = {absmax(x, 20), 0, 1};
    cr_expect_eq(tiling_mvm(&t, x, ideal_tile, &ic, y), CIM_ESIM);
    cr_expect_eq(ic.calls, 2, "tile 0, then the failing tile: %zu", ic.calls);
    cr_expect(strstr(cim_errmsg(), "did not converge") != NULL);
    tiling_destroy(&t);
    mapping_destroy(&m);
    free(w);
}

Test(tiling, a_tile_too_narrow_for_one_output_is_rejected)
{
    mapping_params p = defaults(); /* 8 columns per output */
    double w[4] = {0.1, 0.2, 0.3, 0.4};
    mapping m;
    cr_assert_eq(mapping_plan(&m, &p, w, 2, 2), CIM_OK);
    tiling t;
    cr_expect_eq(tiling_plan(&t, &m, w, 64, 7), CIM_EINVAL);
    cr_expect(strstr(cim_errmsg(), "tile_cols (7) cannot hold one output, which needs 8 physical columns") != NULL, "%s",
              cim_errmsg());
    tiling_destroy(&t);
    mapping_destroy(&m);
    p.scheme = MAPPING_OFFSET;
    p.bits_per_cell = 8;
    cr_assert_eq(mapping_plan(&m, &p, w, 2, 2), CIM_OK);
    cr_expect_eq(tiling_plan(&t, &m, w, 64, 1), CIM_EINVAL, "one column and the reference need 2");
    cr_expect(strstr(cim_errmsg(), "reference column") != NULL, "%s", cim_errmsg());
    cr_expect_eq(tiling_plan(&t, &m, w, 64, 2), CIM_OK);
    cr_expect_eq(t.outputs_per_tile, 1);
    tiling_destroy(&t);
    mapping_destroy(&m);
}
