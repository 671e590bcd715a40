/* periph/tiled.c -- a weight matrix on tiles (see tiled.h): the mapping and tiling plans, every tile made,
 * programmed (or set) and rested, and the multiplies and event reads over them. */
#include "periph/tiled.h"
#include "core/status.h"
#include "core/xalloc.h"
#include "crossbar/array.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the shared pieces ------------------------------------------------------------------------------------ */

tile_spec tiled_tile_spec(const tiled_spec *s, const tiling *t, size_t k, char *name)
{
    const tiling_span *sp = &t->span[k];
    snprintf(name, TILED_NAME_MAX, "%stile%zu", s->prefix != NULL ? s->prefix : "", k);
    xbar_spec x = xbar_spec_default(sp->nr, sp->phys_cols);
    x.cell = s->cell;
    x.linearize = s->linearize;
    x.wires = crossbar_wires(&s->crossbar);
    x.opts = crossbar_opts(&s->crossbar);
    x.t_read_s = s->t_read_s;
    x.reuse = s->reuse;
    if (s->dev != NULL) {
        x.cells = XBAR_CELLS_DEVICE;
        x.dev = s->dev;
        x.dev_params = s->dev_params;
        x.var = s->var;
        x.aopts.T_K = s->T_K;
        x.aopts.v_read_V = s->dac.v_read_V; /* targets are chord conductances at the voltage of a 1 input */
        x.aopts.t_read_s = s->t_read_s;
        x.aopts.seed = s->seed;
        x.aopts.stream = name;
        x.aopts.sim = s->sim;
    }
    tile_spec ts;
    memset(&ts, 0, sizeof ts);
    ts.array = x;
    ts.m = t->m;
    ts.c0 = sp->c0;
    ts.nc = sp->nc;
    ts.dac = s->dac;
    ts.sense = s->sense;
    ts.adc = s->adc;
    ts.analog_out = s->analog_out;
    ts.e_shift_add_J = s->e_shift_add_J;
    ts.seed = s->seed;
    ts.name = name;
    return ts;
}

int tiled_make_tile(const tiled_spec *s, const tiling *t, size_t k, tile **out, program_report *rep)
{
    *out = NULL;
    if (rep != NULL)
        memset(rep, 0, sizeof *rep);
    char name[TILED_NAME_MAX];
    tile_spec ts = tiled_tile_spec(s, t, k, name);
    tile *tl;
    int st = tile_new(&tl, &ts);
    if (st != CIM_OK)
        return cim_error_prefix(st, "tile %zu: ", k);
    xbar *xb = tile_xbar(tl);
    const double *target = t->g_S + t->span[k].g_off;
    if (s->dev != NULL && s->programmed) {
        program_report own;
        program_report *r = rep != NULL ? rep : &own;
        st = xbar_program(xb, &s->program, target, 0.0, r);
        if (rep == NULL)
            program_report_free(&own);
    } else
        st = xbar_set_conductances(xb, target);
    /* Device cells rest until the read time (drift, retention); with t_rest_s = 0 they are read at once. */
    if (st == CIM_OK && s->dev != NULL)
        st = xbar_rest(xb, xbar_time_s(xb) + s->t_rest_s);
    if (st != CIM_OK) {
        tile_free(tl);
        return cim_error_prefix(st, "tile %zu: ", k);
    }
    *out = tl;
    return CIM_OK;
}

int tiled_calibrate_tile(tile *tl, const tiling_span *sp, size_t n, const double *x, size_t R, double x_max)
{
    double *xc = xmalloc(n * sp->nr * sizeof *xc);
    for (size_t v = 0; v < n; v++)
        memcpy(xc + v * sp->nr, x + v * R + sp->r0, sp->nr * sizeof *xc);
    int st = tile_calibrate(tl, n, xc, x_max);
    free(xc);
    return st;
}

/* The read conductance of the nominal cell (no variation) at v_V with its stored state (the first
 * device_n_memory state variables) at the lower (hi = 0) or upper bound and the rest at their initial values. */
static double nominal_g(const array *a, int hi, double v_V)
{
    double x[DEVICE_MAX_STATE];
    memcpy(x, array_x(a, 0), a->n_state * sizeof *x);
    for (size_t k = 0; k < device_n_memory(a->T); k++)
        x[k] = hi ? a->hi[k] : a->lo[k];
    return device_read_A(a->T, array_p(a, 0), x, v_V) / v_V;
}

int tiled_device_check(const tiled_spec *s, const tiling *t, const char *what, double *g_lo_S, double *g_hi_S,
                       int *linear, size_t *n_out_of_range)
{
    const mapping *m = t->m;
    const double v = s->dac.v_read_V;
    const int list = m->p.levels == MAPPING_LEVELS_LIST;
    const char *lo_key = list ? "mapping.g_levels_S" : "mapping.g_min_S";
    const char *hi_key = list ? "mapping.g_levels_S" : "mapping.g_max_S";
    double L0 = m->level_S[0], L1 = m->level_S[m->n_levels - 1];
    if (!(L0 > 0))
        return cim_error(CIM_ECONFIG, "%s programs every level as a conductance > 0; %s is %g S (the lowest level)",
                         what, lo_key, L0);
    int st = cell_params_check(&s->cell);
    if (st != CIM_OK)
        return cim_error_prefix(CIM_ECONFIG, "cell: ");
    array_opts o = array_opts_default();
    o.T_K = s->T_K;
    o.v_read_V = v;
    o.sim = s->sim;
    array *a;
    if ((st = array_new(&a, 1, 1, s->dev, s->dev_params, NULL, &o)) != CIM_OK)
        return cim_error_prefix(CIM_ECONFIG, "%s, device.model = \"%s\": ", what, s->dev->name);
    double g0 = nominal_g(a, 0, v), g1 = nominal_g(a, 1, v);
    *g_lo_S = fmin(g0, g1);
    *g_hi_S = fmax(g0, g1);
    *linear = array_linear_read(a, v);
    array_free(a);
    if (L1 < *g_lo_S || L0 > *g_hi_S)
        return cim_error(CIM_ECONFIG,
                         "the mapping's levels %s .. %s = %g .. %g S lie outside what device.model = \"%s\" can hold at "
                         "%s = %g V: %g .. %g S (its stored state at its bounds, nominal device.%s.* parameters); set "
                         "the levels inside that range or change the device's parameters",
                         lo_key, hi_key, L0, L1, s->dev->name, "dac.v_read_V", v, *g_lo_S, *g_hi_S, s->dev->name);
    *n_out_of_range = 0;
    for (size_t k = 0; k < t->n_tiles; k++) {
        const tiling_span *sp = &t->span[k];
        for (size_t c = 0; c < sp->nr * sp->phys_cols; c++) {
            double g = t->g_S[sp->g_off + c];
            *n_out_of_range += g < *g_lo_S || g > *g_hi_S;
        }
    }
    return CIM_OK;
}

/* ---- the object ------------------------------------------------------------------------------------------- */

struct tiled {
    tiled_spec s;
    char prefix[TILED_NAME_MAX];
    size_t rows, cols;
    mapping m;
    tiling t;
    int planned;       /* m and t hold plans */
    tile **tiles;      /* [n_tiles] */
    size_t *local;     /* [tile_rows] one row block's event rows, relative to its first row */
    double *g_S;       /* [tile_rows x tile_cols] one tile's conductances */
    tiled_stats st;
};

int tiled_new(tiled **out, const tiled_spec *s, const mapping_params *mp, const double *w, size_t rows, size_t cols)
{
    *out = NULL;
    tiled *m = xcalloc(1, sizeof *m);
    m->s = *s;
    snprintf(m->prefix, sizeof m->prefix, "%s", s->prefix != NULL ? s->prefix : "");
    m->s.prefix = m->prefix;
    m->s.dev_params = NULL; /* borrowed for this call only */
    m->rows = rows;
    m->cols = cols;
    int st = mapping_plan(&m->m, mp, w, rows, cols);
    if (st == CIM_OK && (st = tiling_plan_crossbar(&m->t, &m->m, w, &s->crossbar)) != CIM_OK)
        mapping_destroy(&m->m);
    if (st != CIM_OK) {
        free(m);
        return st;
    }
    m->planned = 1;
    m->s.dev_params = s->dev_params;
    if (s->dev != NULL) {
        double lo, hi;
        int linear;
        st = tiled_device_check(&m->s, &m->t, "device cells", &lo, &hi, &linear, &m->st.n_out_of_range);
    }
    m->tiles = xcalloc(m->t.n_tiles, sizeof *m->tiles);
    for (size_t k = 0; k < m->t.n_tiles && st == CIM_OK; k++) {
        program_report rep;
        st = tiled_make_tile(&m->s, &m->t, k, &m->tiles[k], &rep);
        m->st.n_cells += rep.n_programmed;
        m->st.n_failed += rep.n_failed;
        m->st.n_out_of_tol_end += rep.n_out_of_tol_end;
        m->st.n_pulses += rep.n_log;
        program_report_free(&rep);
    }
    m->s.dev_params = NULL;
    if (st != CIM_OK) {
        tiled_free(m);
        return st;
    }
    m->local = xmalloc(m->t.tile_rows * sizeof *m->local);
    m->g_S = xmalloc(m->t.tile_rows * m->t.tile_cols * sizeof *m->g_S);
    *out = m;
    return CIM_OK;
}

void tiled_free(tiled *m)
{
    if (m == NULL)
        return;
    if (m->tiles != NULL)
        for (size_t k = 0; k < m->t.n_tiles; k++)
            tile_free(m->tiles[k]);
    free(m->tiles);
    if (m->planned) {
        tiling_destroy(&m->t);
        mapping_destroy(&m->m);
    }
    free(m->local);
    free(m->g_S);
    free(m);
}

const mapping *tiled_mapping(const tiled *m) { return &m->m; }
const tiling *tiled_tiling(const tiled *m) { return &m->t; }
tile *tiled_tile(tiled *m, size_t k) { return k < m->t.n_tiles ? m->tiles[k] : NULL; }
const tiled_stats *tiled_get_stats(const tiled *m) { return &m->st; }

int tiled_calibrate(tiled *m, size_t n, const double *x, double x_max)
{
    for (size_t k = 0; k < m->t.n_tiles; k++) {
        int st = tiled_calibrate_tile(m->tiles[k], &m->t.span[k], n, x, m->rows, x_max);
        if (st != CIM_OK)
            return cim_error_prefix(st, "tile %zu: ", k);
    }
    return CIM_OK;
}

typedef struct mvm_ctx {
    tiled *m;
    double x_max;
} mvm_ctx;

static int mvm_tile(void *ctx, const tiling *t, size_t k, const double *x, double *y_part)
{
    (void)t;
    const mvm_ctx *c = ctx;
    int st = tile_mvm(c->m->tiles[k], x, c->x_max, y_part);
    return st != CIM_OK ? cim_error_prefix(st, "tile %zu: ", k) : CIM_OK;
}

int tiled_mvm(tiled *m, const double *x, double x_max, double *y)
{
    mvm_ctx c = {m, x_max};
    return tiling_mvm(&m->t, x, mvm_tile, &c, y);
}

int tiled_read_events(tiled *m, const size_t *rows, size_t n, double *y)
{
    for (size_t q = 0; q < n; q++)
        if (rows[q] >= m->rows || (q > 0 && rows[q] <= rows[q - 1]))
            return cim_error(CIM_EINVAL, "event rows must be ascending, distinct and below %zu (entry %zu is %zu)",
                             m->rows, q, rows[q]);
    const tiling *t = &m->t;
    size_t q0 = 0;
    for (size_t rb = 0; rb < t->n_row_blocks && q0 < n; rb++) {
        const tiling_span *row_span = &t->span[rb * t->n_col_blocks];
        size_t q1 = q0;
        while (q1 < n && rows[q1] < row_span->r0 + row_span->nr)
            q1++;
        if (q1 == q0)
            continue; /* no row of this block is driven: its tiles are not read */
        for (size_t q = q0; q < q1; q++)
            m->local[q - q0] = rows[q] - row_span->r0;
        for (size_t cb = 0; cb < t->n_col_blocks; cb++) {
            size_t k = rb * t->n_col_blocks + cb;
            const tiling_span *sp = &t->span[k];
            int st = tile_read_events(m->tiles[k], m->local, q1 - q0, t->y_part);
            if (st != CIM_OK)
                return cim_error_prefix(st, "tile %zu: ", k);
            for (size_t j = 0; j < sp->nc; j++)
                y[sp->c0 + j] += t->y_part[j];
        }
        q0 = q1;
    }
    return CIM_OK;
}

int tiled_weights(tiled *m, double *w)
{
    for (size_t k = 0; k < m->t.n_tiles; k++) {
        const tiling_span *sp = &m->t.span[k];
        int st = xbar_conductances(tile_xbar(m->tiles[k]), m->g_S);
        if (st != CIM_OK)
            return cim_error_prefix(st, "tile %zu: ", k);
        mapping_reconstruct_block(&m->m, m->g_S, sp->nr, sp->c0, sp->nc, w + sp->r0 * m->cols + sp->c0, m->cols);
    }
    return CIM_OK;
}

void tiled_energy(const tiled *m, energy_tally *out)
{
    energy_tally_zero(out);
    for (size_t k = 0; k < m->t.n_tiles; k++) {
        energy_tally te;
        tile_energy(m->tiles[k], &te);
        energy_tally_merge(out, &te);
    }
}
