/* crossbar/mapping.h -- weights to conductances and column currents back to outputs.
 *
 * A real weight matrix W (rows x cols, row-major; rows are inputs, columns outputs) is to be multiplied as
 * y = W^T x.  The crossbar computes I_j = sum_i G_ij v_i (crossbar/ideal.h), so the mapping
 *   1. plans:   from W and the `mapping` settings, the weight scale of each output (w_max) and the counts
 *               of clipped weights (mapping_plan);
 *   2. encodes the weights into a physical conductance matrix G, rows x (cols * cols_per_output + n_ref)
 *               (mapping_encode_weights, or mapping_encode_block for one tile, crossbar/tiling.h);
 *   3. the caller drives the array with one or more voltage vectors per input (periph/dac.h encodes them, one
 *               per read cycle, each with a coefficient in input units per volt) and reads its column currents --
 *               ideal sum, circuit solve or a device array (periph/tile.h, or a caller's own);
 *   4. decodes each cycle's column currents (amperes) into y in weight x input units (mapping_decode_add).
 * With an ideal array, decoding inverts the encoding exactly: y = W_q^T x_q to rounding, where W_q is the
 * quantized weight matrix (mapping_quantized_weights) and x_q the input the cycles represent.
 *
 * ---- Policies ---------------------------------------------------------------------------------------------
 *
 * Levels.  A cell holds one of n = 2^bits_per_cell programmable conductances L[0] < ... < L[n-1]: evenly
 *   spaced in [g_min_S, g_max_S] (levels = "uniform"), or the list g_levels_S (levels = "list", exactly n
 *   strictly increasing values, e.g. a device's measured levels).  A slice digit d is programmed as L[d];
 *   decoding assumes the nominal spacing dg = (L[n-1] - L[0]) / (n - 1), so levels that are not evenly spaced
 *   show up as weight error -- W_q is what the array really computes, and says by how much.
 *
 * Scale.  Each output j has a weight scale w_max_j, the |w| mapped to the largest code: the largest |w| of the
 *   matrix (scale = "max"), a fixed w_max (scale = "fixed"), or the `percentile`-th percentile of |w| (scale =
 *   "percentile"; linear interpolation between order statistics, numpy's default: position (n-1) p / 100 in
 *   the sorted |w|).  scale_per = "matrix" uses one w_max for all outputs, "column" one per output (the
 *   statistic over that column).  Weights with |w| > w_max are clipped to the largest code and counted
 *   (mapping.n_clipped).  A w_max of 0 (all weights zero) is replaced by 1.
 *
 * Weight codes (round: to nearest, ties to even).  Differential: k = round(|w| / step), step = w_max / (2^weight_bits - 1), k in
 *   [0, 2^weight_bits - 1] -- weight_bits are the bits of the magnitude, the sign is the pair.  Offset:
 *   k = round(w / step), step = w_max / (2^(weight_bits-1) - 1), k in [-(2^(weight_bits-1) - 1),
 *   2^(weight_bits-1) - 1], stored as the offset-binary u = k + 2^(weight_bits-1) in [1, 2^weight_bits - 1]
 *   (weight_bits include the sign; zero is exact).  W_q = k step for uniform levels.
 *
 * Bit slicing.  The code (k or u) is split into n_slices = ceil(weight_bits / bits_per_cell) digits of
 *   bits_per_cell bits, d_s = (code >> s b) & (2^b - 1), least significant first (the top slice may use fewer
 *   levels); each digit has its own column.  Outputs recombine by shift-and-add, sum_s 2^(s b) I_s.
 *
 * Differential pairs (scheme = "differential").  Each slice of each output has two adjacent columns,
 *   G+ then G-: a positive weight puts L[d_s] in G+ and L[0] in G-, a negative one the reverse, so
 *   G+ - G- = sign(w) (L[d_s] - L[0]).  Decode: y_j = step_j / dg sum_s 2^(s b) (I+_s - I-_s).
 *   Physical columns of output j in an array whose first output is c0: (j - c0) * 2 n_slices + 2 s + {0, 1}.
 *
 * Offset with a reference column (scheme = "offset").  One column per slice holds L[d_s(u)], and every array
 *   (every tile) has one reference column, its last, whose cells all hold g_ref = L[d_top(z)], the top-slice
 *   digit of the zero weight's code z = 2^(weight_bits-1): with one slice, exactly the conductance of w = 0.
 *   The zero weight's conductances across slices sum (shifted) to c = sum_s 2^(s b) L[d_s(z)], so the array
 *   subtracts the reference current scaled digitally by ref_factor = c / g_ref:
 *   y_j = step_j / dg (sum_s 2^(s b) I_s - ref_factor I_ref).  The subtraction uses the measured reference
 *   current, so it tracks whatever the array does to a column (wire drop, drift) to first order.
 *
 * Defaults are for RRAM: g_min_S 1 uS, g_max_S 100 uS (on/off 100, inside the 10 kOhm - 3.4 MOhm range of the
 * HfOx model in docs/parameters.md#mapping; the 1-100 uS range is also the conductance range of the
 * issue-5 circuit tests); 8-bit weights and 2 bits per cell (convention: ISAAC's 2 b cells, 4 slices per sign).
 */
#ifndef CIM_CROSSBAR_MAPPING_H
#define CIM_CROSSBAR_MAPPING_H

#include "core/param.h"

#include <stddef.h>

/* ---- settings (config group "mapping") -------------------------------------------------------------------- */

enum mapping_scheme { MAPPING_DIFFERENTIAL, MAPPING_OFFSET };
enum mapping_levels { MAPPING_LEVELS_UNIFORM, MAPPING_LEVELS_LIST };
enum mapping_scale { MAPPING_SCALE_MAX, MAPPING_SCALE_FIXED, MAPPING_SCALE_PERCENTILE };
enum mapping_scale_per { MAPPING_PER_MATRIX, MAPPING_PER_COLUMN };
extern const char *const mapping_scheme_names[], *const mapping_levels_names[], *const mapping_scale_names[],
    *const mapping_scale_per_names[];

/* Largest bit widths accepted: codes stay exact in a double and a level table stays small. */
#define MAPPING_MAX_WEIGHT_BITS 30
#define MAPPING_MAX_CELL_BITS 16

typedef struct mapping_params {
    int scheme;              /* enum mapping_scheme: how the sign is carried */
    long long weight_bits;   /* bits of the weight code (magnitude for differential, with sign for offset) */
    long long bits_per_cell; /* bits one cell stores: 2^bits_per_cell levels */
    int levels;              /* enum mapping_levels: uniform in [g_min_S, g_max_S] or the list g_levels_S */
    double g_min_S;          /* lowest level (uniform levels) */
    double g_max_S;          /* highest level (uniform levels) */
    param_reals g_levels_S;  /* the levels, increasing, 2^bits_per_cell of them (levels = "list") */
    int scale;               /* enum mapping_scale: where w_max comes from */
    double w_max;            /* weight magnitude of the top code (scale = "fixed"), weight units */
    double percentile;       /* percentile of |w| mapped to the top code (scale = "percentile"), in (0, 100] */
    int scale_per;           /* enum mapping_scale_per: one w_max per matrix or per output column */
} mapping_params;

extern const param_group mapping_group;

/* The cross-field rules (the group's check): bits_per_cell <= weight_bits, g_min_S < g_max_S, a level list of
 * 2^bits_per_cell increasing values, weight_bits >= 2 for offset.  CIM_ECONFIG naming the keys. */
int mapping_check(const mapping_params *p);

/* ---- the plan --------------------------------------------------------------------------------------------- */

typedef struct mapping {
    mapping_params p;       /* the settings, copied at plan time */
    size_t rows, cols;      /* logical weight matrix: inputs x outputs */
    size_t n_slices;        /* digits per weight code, ceil(weight_bits / bits_per_cell) */
    size_t cols_per_output; /* physical columns per output: 2 n_slices (differential) or n_slices (offset) */
    size_t n_ref;           /* reference columns per array: 1 (offset) or 0 (differential) */
    size_t n_levels;        /* levels per cell, 2^bits_per_cell */
    double *level_S;        /* n_levels conductances, increasing */
    double dg_S;            /* nominal level spacing, (L[n-1] - L[0]) / (n - 1): one digit unit */
    double code_max;        /* largest |k|: 2^weight_bits - 1 (differential), 2^(weight_bits-1) - 1 (offset) */
    double zero_code;       /* offset: z = 2^(weight_bits-1), the stored code of w = 0; differential: 0 */
    double g_ref_S;         /* offset: the reference column's conductance; differential: 0 */
    double ref_factor;      /* offset: sum_s 2^(s b) L[d_s(z)] / g_ref_S; differential: 0 */
    double *w_max;          /* cols: the |w| mapped to the top code, per output */
    double *w_step;         /* cols: weight per code unit, w_max / code_max */
    size_t n_clipped;       /* weights with |w| > w_max of their output, mapped to the top code */
} mapping;

/* Validates p (mapping_check) and W (finite: CIM_EINVAL naming the first bad entry), computes the scales and
 * counts clipped weights.  w is rows x cols, row-major, and is not kept.  On failure m needs no destroy (but
 * mapping_destroy is safe). */
int mapping_plan(mapping *m, const mapping_params *p, const double *w, size_t rows, size_t cols);
void mapping_destroy(mapping *m);

/* Physical columns of an array holding n_outputs outputs: n_outputs * cols_per_output + n_ref. */
size_t mapping_phys_cols(const mapping *m, size_t n_outputs);

/* ---- weights ---------------------------------------------------------------------------------------------- */

/* G of the whole matrix on one array: rows x mapping_phys_cols(m, cols), row-major.  w as given to the plan. */
void mapping_encode_weights(const mapping *m, const double *w, double *g_S);
/* G of the block of rows [r0, r0 + nr) and outputs [c0, c0 + nc) of w (the full rows x cols matrix) as one
 * array: nr x mapping_phys_cols(m, nc), row-major, its own reference column last. */
void mapping_encode_block(const mapping *m, const double *w, size_t r0, size_t nr, size_t c0, size_t nc,
                          double *g_S);
/* The weights an ideal array holding the block g_S (nr x mapping_phys_cols(m, nc), outputs [c0, c0 + nc))
 * computes with: w_q[i * ld + j - c0] for j in [c0, c0 + nc), the decode applied to conductances. */
void mapping_reconstruct_block(const mapping *m, const double *g_S, size_t nr, size_t c0, size_t nc, double *w_q,
                               size_t ld);
/* W_q, rows x cols: encode then reconstruct, the quantized (and clipped) weight matrix. */
void mapping_quantized_weights(const mapping *m, const double *w, double *w_q);

/* ---- decoding --------------------------------------------------------------------------------------------- */

/* Adds coef times the decoded outputs of one read of an array holding outputs [c0, c0 + nc) to y[0 .. nc)
 * (y[j - c0] for output j): i_A are its mapping_phys_cols(m, nc) column currents, coef the cycle's coefficient. */
void mapping_decode_add(const mapping *m, size_t c0, size_t nc, const double *i_A, double coef, double *y);

#endif
