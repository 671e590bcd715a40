/* crossbar/tiling.h -- a mapped weight matrix larger than one array, split into tiles whose partial sums are
 * added digitally.
 *
 * One physical array has tile_rows rows and tile_cols physical columns (crossbar.tile_rows, crossbar.tile_cols,
 * default 256 x 256).  A tile holds a block of rows [r0, r0 + nr) and of logical outputs [c0, c0 + nc): all
 * mapping.cols_per_output physical columns of each of its outputs (every slice, both columns of a differential
 * pair, adjacent) plus its own reference column (offset scheme), so an output's columns never straddle two
 * arrays and each array subtracts its own reference.  A full tile holds
 *   outputs_per_tile = floor((tile_cols - n_ref) / cols_per_output)
 * outputs; the grid has ceil(rows / tile_rows) row blocks and ceil(cols / outputs_per_tile) column blocks, the
 * last of each possibly partial.  Tile k = rb * n_col_blocks + cb (row-major over the grid).
 *
 * tiling_mvm hands every tile its block of the input vector through a caller's callback (periph/tile.h: DACs,
 * the array, ADCs and the shift-add that decodes the tile's columns into its partial outputs) and adds the
 * partials to y in tile order: for each output, the row blocks in increasing order.  The order is fixed, so the
 * result is bitwise reproducible.
 */
#ifndef CIM_CROSSBAR_TILING_H
#define CIM_CROSSBAR_TILING_H

#include "core/strbuf.h"
#include "crossbar/crossbar.h"
#include "crossbar/mapping.h"

#include <stddef.h>

typedef struct tiling_span {
    size_t r0, nr;    /* logical rows (inputs) [r0, r0 + nr), the tile's physical rows */
    size_t c0, nc;    /* logical outputs [c0, c0 + nc) */
    size_t phys_cols; /* physical columns used: nc * cols_per_output + n_ref (<= tile_cols) */
    size_t g_off;     /* offset of the tile's nr x phys_cols conductances in tiles.g_S */
} tiling_span;

typedef struct tiling {
    const mapping *m;        /* borrowed: must outlive the tiling */
    size_t tile_rows;        /* rows of one physical array */
    size_t tile_cols;        /* physical columns of one array */
    size_t outputs_per_tile; /* logical outputs of a full tile */
    size_t n_row_blocks;     /* ceil(rows / tile_rows) */
    size_t n_col_blocks;     /* ceil(cols / outputs_per_tile) */
    size_t n_tiles;          /* n_row_blocks * n_col_blocks */
    tiling_span *span;         /* n_tiles, tile k = rb * n_col_blocks + cb */
    double *g_S;             /* every tile's conductance matrix, row-major, at span[k].g_off */
    size_t n_calls;          /* tile callbacks since the plan */
    double *y_part;          /* scratch: one tile's partial outputs, outputs_per_tile */
} tiling;

/* Tile k's partial outputs y_part[0 .. t->span[k].nc) for its inputs x[0 .. t->span[k].nr) (the entries
 * [r0, r0 + nr) of the input vector): whatever turns inputs into outputs on one array -- DACs, the array's reads,
 * sense, ADCs, shift-add (periph/tile.h), or a caller's own.  Returns CIM_OK or a status reported through
 * cim_error (a solve that did not converge: CIM_ESIM), which stops tiling_mvm. */
typedef int (*tiling_tile_fn)(void *ctx, const tiling *t, size_t k, const double *x, double *y_part);

/* Splits the matrix of plan m (built from w) into tiles of tile_rows x tile_cols and encodes each tile's
 * conductances from w.  CIM_EINVAL if a tile cannot hold one output (tile_cols < cols_per_output + n_ref) or a
 * size is 0.  On failure t needs no destroy (but tiling_destroy is safe). */
int tiling_plan(tiling *t, const mapping *m, const double *w, size_t tile_rows, size_t tile_cols);
/* The same with the tile size of the crossbar settings (tile_rows, tile_cols). */
int tiling_plan_crossbar(tiling *t, const mapping *m, const double *w, const crossbar_params *xp);
void tiling_destroy(tiling *t);

/* y (m->cols) = the sum over tiles of their partial outputs for the input vector x (m->rows): tile k gets the
 * entries of its rows through fn(ctx, ...), partial sums are added in tile order.  Returns the first non-OK status
 * of fn (y is then incomplete). */
int tiling_mvm(tiling *t, const double *x, tiling_tile_fn fn, void *ctx, double *y);

/* The quantized weights the tiles hold, rows x cols (reconstructed from every tile's conductances). */
void tiling_quantized_weights(const tiling *t, double *w_q);

/* Cells in use over cells of all arrays, n_tiles * tile_rows * tile_cols. */
double tiling_utilization(const tiling *t);
/* One line: "6 tiles (3 x 2) of 64 x 32: 2 x 64 rows x 30 columns (15 outputs), ..." -- the grid and the
 * distinct tile shapes with their counts, in tile order of first appearance. */
void tiling_describe(const tiling *t, strbuf *out);

#endif
