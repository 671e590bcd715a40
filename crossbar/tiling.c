/* crossbar/tiling.c -- see tiling.h. */
#include "crossbar/tiling.h"
#include "core/status.h"
#include "core/xalloc.h"
#include "crossbar/ideal.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

int tiling_plan(tiling *t, const mapping *m, const double *w, size_t tile_rows, size_t tile_cols)
{
    memset(t, 0, sizeof *t);
    if (tile_rows == 0 || tile_cols == 0)
        return cim_error(CIM_EINVAL, "tiles: the array size %zu x %zu is empty", tile_rows, tile_cols);
    if (tile_cols < m->cols_per_output + m->n_ref)
        return cim_error(CIM_EINVAL,
                         "tiles: tile_cols (%zu) cannot hold one output, which needs %zu physical columns (%zu slices%s)%s",
                         tile_cols, m->cols_per_output + m->n_ref, m->n_slices,
                         m->p.scheme == MAPPING_DIFFERENTIAL ? " x 2 for the differential pair" : "",
                         m->n_ref ? " plus the reference column" : "");
    t->m = m;
    t->tile_rows = tile_rows;
    t->tile_cols = tile_cols;
    t->outputs_per_tile = (tile_cols - m->n_ref) / m->cols_per_output;
    t->n_row_blocks = (m->rows + tile_rows - 1) / tile_rows;
    t->n_col_blocks = (m->cols + t->outputs_per_tile - 1) / t->outputs_per_tile;
    t->n_tiles = t->n_row_blocks * t->n_col_blocks;
    t->span = xcalloc(t->n_tiles, sizeof *t->span);
    size_t total = 0;
    for (size_t rb = 0; rb < t->n_row_blocks; rb++)
        for (size_t cb = 0; cb < t->n_col_blocks; cb++) {
            tiling_span *s = &t->span[rb * t->n_col_blocks + cb];
            s->r0 = rb * tile_rows;
            s->nr = m->rows - s->r0 < tile_rows ? m->rows - s->r0 : tile_rows;
            s->c0 = cb * t->outputs_per_tile;
            s->nc = m->cols - s->c0 < t->outputs_per_tile ? m->cols - s->c0 : t->outputs_per_tile;
            s->phys_cols = mapping_phys_cols(m, s->nc);
            s->g_off = total;
            total += s->nr * s->phys_cols;
        }
    t->g_S = xmalloc(total * sizeof *t->g_S);
    for (size_t k = 0; k < t->n_tiles; k++) {
        const tiling_span *s = &t->span[k];
        mapping_encode_block(m, w, s->r0, s->nr, s->c0, s->nc, t->g_S + s->g_off);
    }
    t->y_part = xmalloc(t->outputs_per_tile * sizeof *t->y_part);
    return CIM_OK;
}

int tiling_plan_crossbar(tiling *t, const mapping *m, const double *w, const crossbar_params *xp)
{
    return tiling_plan(t, m, w, (size_t)xp->tile_rows, (size_t)xp->tile_cols);
}

void tiling_destroy(tiling *t)
{
    free(t->span);
    free(t->g_S);
    free(t->y_part);
    t->span = NULL;
    t->g_S = t->y_part = NULL;
}

int tiling_mvm(tiling *t, const double *x, tiling_tile_fn fn, void *ctx, double *y)
{
    const mapping *m = t->m;
    for (size_t j = 0; j < m->cols; j++)
        y[j] = 0;
    for (size_t k = 0; k < t->n_tiles; k++) {
        const tiling_span *s = &t->span[k];
        int st = fn(ctx, t, k, x + s->r0, t->y_part);
        t->n_calls++;
        if (st != CIM_OK)
            return st;
        for (size_t j = 0; j < s->nc; j++)
            y[s->c0 + j] += t->y_part[j];
    }
    return CIM_OK;
}

void tiling_quantized_weights(const tiling *t, double *w_q)
{
    const size_t C = t->m->cols;
    for (size_t k = 0; k < t->n_tiles; k++) {
        const tiling_span *s = &t->span[k];
        mapping_reconstruct_block(t->m, t->g_S + s->g_off, s->nr, s->c0, s->nc, w_q + s->r0 * C + s->c0, C);
    }
}

double tiling_utilization(const tiling *t)
{
    double used = 0;
    for (size_t k = 0; k < t->n_tiles; k++)
        used += (double)t->span[k].nr * (double)t->span[k].phys_cols;
    return used / ((double)t->n_tiles * (double)t->tile_rows * (double)t->tile_cols);
}

void tiling_describe(const tiling *t, strbuf *out)
{
    strbuf_printf(out, "%zu tile%s (%zu x %zu) of %zu x %zu:", t->n_tiles, t->n_tiles == 1 ? "" : "s", t->n_row_blocks,
                  t->n_col_blocks, t->tile_rows, t->tile_cols);
    for (size_t k = 0; k < t->n_tiles; k++) {
        const tiling_span *s = &t->span[k];
        int seen = 0;
        for (size_t q = 0; q < k && !seen; q++)
            seen = t->span[q].nr == s->nr && t->span[q].nc == s->nc;
        if (seen)
            continue;
        size_t n = 0;
        for (size_t q = k; q < t->n_tiles; q++)
            n += t->span[q].nr == s->nr && t->span[q].nc == s->nc;
        strbuf_printf(out, "%s %zu x %zu rows x %zu columns (%zu output%s)", k ? "," : "", n, s->nr, s->phys_cols, s->nc,
                      s->nc == 1 ? "" : "s");
    }
    strbuf_printf(out, "; %.1f%% of the cells in use", 100.0 * tiling_utilization(t));
}
