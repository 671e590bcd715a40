/* periph/tiled.h -- a weight matrix on tiles: W (R x C) mapped to conductances (crossbar/mapping.h), split into
 * arrays (crossbar/tiling.h), every tile made (periph/tile.h: DACs, the array, sense stages, ADCs), its cells set
 * or programmed and rested until the read time, and kept alive; then multiplies and event reads over all tiles.
 *
 * What a tile is made of comes from the configuration groups a tiled_spec carries (plain values, so that a caller
 * can make a stage ideal in a copy): crossbar (tile size, wires, solver), cell (access element; the memory I-V of
 * conductance cells), the device model with its variability (device cells), program (write-and-verify or open loop,
 * crossbar/program.h), sim (pulses without a closed form), dac, sense, adc, and the technology's shift-add energy.
 *   - Conductance cells (dev NULL): every cell holds its target conductance exactly (xbar_set_conductances).
 *   - Device cells: each tile's array of dev cells (variability drawn from its own stream, `<name>.d2d`) is
 *     programmed toward its targets from t = 0 by xbar_program (programmed = 1), or every cell is placed in the state
 *     that reads its target (programmed = 0: programming made ideal); then it rests at 0 V for t_rest_s after the
 *     end of its campaign (PCM drifts meanwhile), and is read then.  The device's read voltage is dac.v_read_V:
 *     targets are chord conductances at the voltage of a 1 input.
 * Tile k is named "<prefix>tile<k>" (streams `<prefix>tile<k>.dac`, `.sense`, `.adc`, `.d2d`, `.run`), so two
 * matrices of one run (the layers of a network) draw different numbers, and the weight level (prefix "") keeps its
 * `tile3` names.
 *
 * The pieces are shared with the weight-level experiment (exp/wmvm.c), which makes one tile at a time (memory)
 * and again with stages made ideal (error attribution): tiled_tile_spec, tiled_make_tile, tiled_calibrate_tile and
 * tiled_device_check are what both call.
 *
 * Reads.  tiled_mvm is tiling_mvm with tile_mvm on every tile (partial sums added in tile order).  tiled_read_events
 * drives the listed rows with binary pulses (tile_read_events) on the tiles whose row block holds any of them --
 * a tile none of whose rows is listed is not read at all -- and adds the partial outputs to y in tile order (for
 * each output, its row blocks in increasing order, as tiling_mvm), so its result is the sum of the listed rows of
 * the weights the tiles hold.
 *
 * Energy: each tile's (tile_energy: its array's reads and programming, its converters, its digital logic);
 * tiled_energy sums them.  Contract: returns a cim_status and sets cim_errmsg() on failure; never prints.  Not
 * thread-safe: one object per thread.
 */
#ifndef CIM_PERIPH_TILED_H
#define CIM_PERIPH_TILED_H

#include "crossbar/cell.h"
#include "crossbar/crossbar.h"
#include "crossbar/mapping.h"
#include "crossbar/program.h"
#include "crossbar/tiling.h"
#include "device/device.h"
#include "device/integrate.h"
#include "device/variability.h"
#include "energy/tally.h"
#include "periph/tile.h"

#include <stddef.h>
#include <stdint.h>

/* Longest tile name (with its prefix), terminator included. */
#define TILED_NAME_MAX 64

typedef struct tiled_spec {
    crossbar_params crossbar; /* tile_rows x tile_cols, the wires (zero: perfect) and the circuit solve */
    cell_params cell;         /* access element; memory I-V of conductance cells */
    double t_read_s;          /* one array read (its energy) */
    int reuse;                /* many reads per programmed state: a linear circuit characterises G_eff once */
    /* device cells (dev != NULL) */
    const device_type *dev;   /* NULL: conductance cells */
    const void *dev_params;   /* its nominal parameters (borrowed for tiled_new / tiled_make_tile) */
    const variability *var;   /* NULL: none; borrowed, must outlive the tiles */
    double T_K;               /* ambient temperature */
    sim_params sim;           /* integrator of pulses without a closed form */
    int programmed;           /* 1: xbar_program per `program`; 0: every cell placed at its target */
    program_params program;
    double t_rest_s;          /* reads this long after each tile's campaign ends */
    int linearize;            /* read device cells as their chord conductances (xbar_spec.linearize) */
    /* periphery */
    dac_params dac;
    sense_params sense;
    adc_params adc;
    int analog_out;           /* tile_spec.analog_out: no ADC (an analog membrane) */
    double e_shift_add_J;     /* digital energy per shift-add (tech.e_shift_add_J) */
    uint64_t seed;            /* run seed of every stream */
    const char *prefix;       /* tile names "<prefix>tile<k>"; NULL: "" */
} tiled_spec;

/* ---- the shared pieces ------------------------------------------------------------------------------------ */

/* Tile k of plan t as s describes it; name (TILED_NAME_MAX) gets "<prefix>tile<k>" and must outlive the call
 * that makes the tile (tile_new copies it). */
tile_spec tiled_tile_spec(const tiled_spec *s, const tiling *t, size_t k, char *name);
/* Makes tile k of plan t: conductance cells hold the tile's targets; device cells are programmed toward them
 * (s->programmed; rep, may be NULL, gets the campaign's report, which the caller frees -- also on failure) or
 * placed, then rest until t_rest_s after.  On failure *out is NULL and the message names the tile. */
int tiled_make_tile(const tiled_spec *s, const tiling *t, size_t k, tile **out, program_report *rep);
/* Sets tile tl's ADC range (tile_calibrate) from the rows [r0, r0 + nr) of span sp of n sample vectors x (n x R,
 * row-major), full scale x_max. */
int tiled_calibrate_tile(tile *tl, const tiling_span *sp, size_t n, const double *x, size_t R, double x_max);
/* Device cells: what the nominal cell (no variation) can hold against the levels of plan t's mapping.  *g_lo_S <=
 * *g_hi_S get its read conductance at dac.v_read_V with its stored state at either bound, *linear whether its read
 * is linear in v (array_linear_read), *n_out_of_range how many of the tiles' targets lie outside.  CIM_ECONFIG
 * (messages start with what, the setting that asked for device cells, e.g. "weights.cells = \"device\"") when the
 * lowest level is not > 0, the cell group fails its check, the model cannot be made, or the levels lie wholly
 * outside its range. */
int tiled_device_check(const tiled_spec *s, const tiling *t, const char *what, double *g_lo_S, double *g_hi_S,
                       int *linear, size_t *n_out_of_range);

/* ---- the object ------------------------------------------------------------------------------------------- */

typedef struct tiled tiled;

/* What programming the tiles did, summed over tiles (device cells with programmed = 1). */
typedef struct tiled_stats {
    size_t n_cells;          /* cells programmed */
    size_t n_failed;         /* outside program.tol_rel when their programming ended */
    size_t n_out_of_tol_end; /* outside it at the end of their tile's campaign */
    size_t n_pulses;         /* programming pulses */
    size_t n_out_of_range;   /* targets outside the device's nominal range */
} tiled_stats;

/* Plans the mapping of w (rows x cols, row-major; not kept) per mp and its tiles per s->crossbar, and makes every
 * tile (see above).  CIM_ECONFIG naming the keys when the mapping's levels lie wholly outside what the device can
 * hold (or the lowest level is 0 for device cells); the statuses of mapping_plan, tiling_plan and the tiles. */
int tiled_new(tiled **out, const tiled_spec *s, const mapping_params *mp, const double *w, size_t rows,
              size_t cols);
void tiled_free(tiled *m);

const mapping *tiled_mapping(const tiled *m);
const tiling *tiled_tiling(const tiled *m);
tile *tiled_tile(tiled *m, size_t k);
const tiled_stats *tiled_get_stats(const tiled *m);

/* Sets every tile's ADC range from n sample vectors x (n x rows) at full scale x_max (tile_calibrate). */
int tiled_calibrate(tiled *m, size_t n, const double *x, double x_max);
/* y (cols, overwritten) = W^T x through every tile (tile_mvm), x (rows) at full scale x_max. */
int tiled_mvm(tiled *m, const double *x, double x_max, double *y);
/* y (cols) += the sum of the rows rows[0 .. n) (ascending, distinct, < rows) of the weights the tiles hold, read
 * as binary row pulses (tile_read_events); tiles without a listed row are not read.  CIM_EINVAL for bad rows. */
int tiled_read_events(tiled *m, const size_t *rows, size_t n, double *y);
/* The weights the tiles hold now (rows x cols): each array's noiseless conductances at its read time
 * (xbar_conductances) decoded through the mapping (mapping_reconstruct_block). */
int tiled_weights(tiled *m, double *w);
/* Every tile's energy (tile_energy), summed. */
void tiled_energy(const tiled *m, energy_tally *out);

#endif
