/* crossbar/sneak.c -- see sneak.h for the schemes and the closed forms. */
#include "crossbar/sneak.h"
#include "core/status.h"
#include "core/xalloc.h"

#include <math.h>
#include <stdlib.h>

const char *const sneak_scheme_names[] = {"floating", "v2", "v3", "all", NULL};

static const param_spec sneak_spec[] = {
    PARAM_CHOICE_F(sneak_params, scheme, sneak_scheme_names, SNEAK_ALL,
                   "biasing of unselected lines in a single-cell read: floating, v2 (all at v_read/2) or v3 (rows at "
                   "v_read/3, columns at 2 v_read/3); \"all\": the three side by side"),
    PARAM_REAL_F(sneak_params, v_read_V, 1e-6, 10, 0.2, "V", "read voltage on the selected row"),
    PARAM_REAL_F(sneak_params, g_lrs_S, 1e-12, 1, 1e-4, "S",
                 "low-resistance state: every unselected cell in the worst case (10 kohm, as the HfOx cells of "
                 "[Sky130-ReRAM], docs/parameters.md#sneak-path-study)"),
    PARAM_REAL_F(sneak_params, g_hrs_S, 0, 1, 1e-6, "S", "high-resistance state (1 Mohm)"),
    PARAM_REALS_F(sneak_params, sizes, 2, 4096, "[4, 8, 16, 32, 64, 128, 256]", "1",
                  "square array sides n of the read-margin study (cimsim sneak), integers, increasing (up to 4096: "
                  "a 4096 x 4096 solve holds ~4 GB of node vectors)"),
    PARAM_REAL_F(sneak_params, margin_min, 0, 1, 0.1, "1",
                 "smallest usable read margin (I_LRS - I_HRS) / I_LRS: the study reports the largest array that keeps "
                 "it (convention: 10 %, the usual sense-amplifier budget)"),
    PARAM_END,
};

static int sneak_check(const void *v)
{
    const sneak_params *p = v;
    if (!(p->g_hrs_S < p->g_lrs_S))
        return cim_error(CIM_EINVAL, "g_hrs_S (%g) must be below g_lrs_S (%g)", p->g_hrs_S, p->g_lrs_S);
    for (size_t k = 0; k < p->sizes.n; k++) {
        if (p->sizes.v[k] != floor(p->sizes.v[k]))
            return cim_error(CIM_EINVAL, "sizes[%zu] = %g: array sides are whole numbers", k, p->sizes.v[k]);
        if (k > 0 && !(p->sizes.v[k] > p->sizes.v[k - 1]))
            return cim_error(CIM_EINVAL, "sizes must increase (sizes[%zu] = %g after %g)", k, p->sizes.v[k],
                             p->sizes.v[k - 1]);
    }
    return CIM_OK;
}

const param_group sneak_group = {
    .path = "sneak",
    .doc = "Single-cell reads of a crossbar with sneak paths: the biasing scheme of unselected lines, the read "
           "voltage and the two memory states whose sensed currents give the read margin.",
    .params = sneak_spec,
    .size = sizeof(sneak_params),
    .check = sneak_check,
};

/* ---- one read ------------------------------------------------------------------------------------- */

int sneak_read_cell(xbar *xb, size_t s, size_t t, int scheme, double v_read_V, sneak_read *r)
{
    const size_t M = xbar_rows(xb), N = xbar_cols(xb);
    if (s >= M || t >= N)
        return cim_error(CIM_EINVAL, "sneak read of cell (%zu, %zu): outside the %zux%zu array", s, t, M, N);
    if (scheme < SNEAK_FLOATING || scheme > SNEAK_V3)
        return cim_error(CIM_EINVAL, "sneak read: unknown scheme %d", scheme);
    double v_row_un = scheme == SNEAK_V2 ? 0.5 * v_read_V : scheme == SNEAK_V3 ? v_read_V / 3.0 : 0.0;
    double v_col_un = scheme == SNEAK_V2 ? 0.5 * v_read_V : scheme == SNEAK_V3 ? 2.0 * v_read_V / 3.0 : 0.0;
    double *v_row = xmalloc(M * sizeof *v_row), *v_col = xmalloc(N * sizeof *v_col);
    double *i_col = xmalloc(N * sizeof *i_col), *i_row = xmalloc(M * sizeof *i_row);
    unsigned char *gate = xmalloc(M), *fl_row = xmalloc(M), *fl_col = xmalloc(N);
    for (size_t i = 0; i < M; i++) {
        v_row[i] = i == s ? v_read_V : v_row_un;
        gate[i] = i == s; /* 1T1R: only the selected word line conducts */
        fl_row[i] = scheme == SNEAK_FLOATING && i != s;
    }
    for (size_t j = 0; j < N; j++) {
        v_col[j] = j == t ? 0.0 : v_col_un;
        fl_col[j] = scheme == SNEAK_FLOATING && j != t;
    }
    xbar_bias b = {v_row, v_col, fl_row, fl_col, gate};
    int st = xbar_read_bias(xb, &b, i_col, i_row);
    r->st = xbar_stats(xb)->last;
    if (st == CIM_OK || st == CIM_ESIM) {
        size_t k = s * N + t;
        double *vr = xmalloc(M * N * sizeof *vr), *vc = xmalloc(M * N * sizeof *vc);
        xbar_node_voltages(xb, vr, vc); /* the circuit holds this read's solution */
        r->i_sense_A = i_col[t];
        r->v_cell_V = vr[k] - vc[k];
        r->i_cell_A = xbar_cell_current(xb, k, r->v_cell_V, NULL);
        r->i_sneak_A = r->i_sense_A - r->i_cell_A;
        r->p_cell_W = r->v_cell_V * r->i_cell_A;
        r->p_total_W = xbar_last_power_W(xb);
        double p = 0.0;
        if (scheme != SNEAK_FLOATING) {
            for (size_t i = 0; i < M; i++)
                if (i != s)
                    p += v_row[i] * i_row[i];
            for (size_t j = 0; j < N; j++)
                if (j != t)
                    p -= v_col[j] * i_col[j]; /* i_col flows into the column source */
        }
        r->p_half_W = p;
        free(vr), free(vc);
    }
    free(v_row), free(v_col), free(i_col), free(i_row), free(gate), free(fl_row), free(fl_col);
    return st;
}

/* ---- the read margin versus array size ----------------------------------------------------------- */

int sneak_margin_sweep(const cell_params *cp, const circuit_wires *w, const sneak_params *sp, const size_t *n,
                       size_t count, const circuit_opts *o, sneak_point *out)
{
    int st = CIM_OK;
    for (size_t k = 0; k < count && st == CIM_OK; k++) {
        size_t N = n[k];
        double *g = xmalloc(N * N * sizeof *g);
        for (size_t m = 0; m < N * N; m++)
            g[m] = sp->g_lrs_S;
        xbar_spec x = xbar_spec_default(N, N);
        x.cell = *cp;
        x.wires = *w;
        if (o != NULL)
            x.opts = *o;
        xbar *xb = NULL;
        st = xbar_new(&xb, &x);
        if (st == CIM_OK)
            st = xbar_set_conductances(xb, g);
        if (st == CIM_OK) {
            sneak_point *p = &out[k];
            p->rows = p->cols = N;
            st = sneak_read_cell(xb, 0, N - 1, sp->scheme, sp->v_read_V, &p->lrs);
            g[N - 1] = sp->g_hrs_S; /* cell (0, N-1) */
            if (st == CIM_OK)
                st = xbar_set_conductances(xb, g);
            if (st == CIM_OK)
                st = sneak_read_cell(xb, 0, N - 1, sp->scheme, sp->v_read_V, &p->hrs);
            p->margin = (p->lrs.i_sense_A - p->hrs.i_sense_A) / p->lrs.i_sense_A;
        }
        xbar_free(xb);
        free(g);
        if (st != CIM_OK)
            st = cim_error_prefix(st, "sneak read of a %zux%zu array: ", N, N);
    }
    return st;
}

double sneak_ideal_i_sneak(int scheme, size_t rows, size_t cols, double g_lrs_S, double v_read_V)
{
    double M1 = (double)rows - 1.0, N1 = (double)cols - 1.0;
    switch (scheme) {
    case SNEAK_V2:
        return M1 * g_lrs_S * v_read_V / 2.0;
    case SNEAK_V3:
        return M1 * g_lrs_S * v_read_V / 3.0;
    default:
        if (rows < 2 || cols < 2)
            return 0.0; /* no sneak path through a single line */
        return v_read_V * g_lrs_S / (1.0 / N1 + 1.0 / (M1 * N1) + 1.0 / M1);
    }
}
