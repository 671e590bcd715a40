/* exp/wmvm.h -- the weight-level `mvm` experiment: y = W^T x through mapping, tiling and array reads.
 *
 * A real weight matrix W (R x C, row-major; rows are inputs, columns outputs) and an input vector x (R) come
 * from CSV files or are drawn from the seed (uniform in [weights.w_min, w_max] and [x_min, x_max]).  W is
 * mapped to conductances by the `mapping` settings (crossbar/mapping.h), split into arrays of
 * crossbar.tile_rows x crossbar.tile_cols (crossbar/tiles.h), x is encoded into read cycles, and every tile is
 * read once per cycle:
 *   - all of crossbar.r_*_ohm zero: the ideal Kirchhoff sum of the tile's conductances;
 *   - otherwise the exact circuit solve of the tile with its wires, driver and sense resistances
 *     (crossbar/circuit.h).  With more than one read cycle per tile (bit-serial inputs, signed inputs) the
 *     tile's effective conductance matrix is computed once (circuit_effective_g) and each read is a dense
 *     product; with one cycle, one circuit_solve.
 * The decoded y is compared with the float product W^T x and with the quantized product W_q^T x_q (what an
 * ideal array computes with the quantized, clipped weights and inputs).
 *
 * Selected by mvm.level = "weights" or by the CLI's --weights / --inputs (cli/cmd_mvm.c).
 */
#ifndef CIM_EXP_WMVM_H
#define CIM_EXP_WMVM_H

#include "core/cfg.h"
#include "core/progress.h"
#include "core/prov.h"
#include "core/run.h"
#include "crossbar/circuit.h"
#include "crossbar/crossbar.h"
#include "crossbar/mapping.h"
#include "crossbar/tiles.h"

#include <jansson.h>
#include <stddef.h>

typedef struct weights_params {
    long long rows; /* inputs R of a generated W (a --weights file fixes it) */
    long long cols; /* outputs C of a generated W */
    double w_min;   /* generated weights are uniform in [w_min, w_max] */
    double w_max;
    double x_min;   /* generated inputs are uniform in [x_min, x_max] */
    double x_max;
    double t_read_s; /* duration of one array read, for the energy estimate */
} weights_params;

extern const param_group weights_group;

/* Error of a result y against a reference r (n outputs). */
typedef struct wmvm_error {
    double rmse;        /* sqrt(mean_j (y_j - r_j)^2), weight x input units */
    double max_rel_err; /* max_j |y_j - r_j| / |r_j| over r_j != 0 */
    double snr_dB;      /* 10 log10(sum r^2 / sum (y - r)^2); +inf when exact */
} wmvm_error;

typedef struct exp_wmvm {
    run_params run;       /* bound to `run` (or copied in by the caller, see exp_wmvm_init) */
    crossbar_params xb;   /* bound to `crossbar` (likewise) */
    mapping_params mp;    /* bound to `mapping` */
    weights_params p;     /* bound to `weights` */
    size_t rows, cols;    /* R, C */
    double *w;            /* R x C weights */
    double *x;            /* R inputs */
    const char *w_source; /* file name, or NULL if generated */
    const char *x_source;
    mapping m;            /* the plan */
    tiles t;              /* the tiles with their conductances */
    mapping_input in;     /* the encoded input */
    double *y;            /* C outputs (the result) */
    double *y_float;      /* C: W^T x in double precision */
    double *y_quant;      /* C: W_q^T x_q, the ideal quantized product */
    double *w_q;          /* R x C quantized weights */
    double *x_q;          /* R quantized inputs */
    int circuit;          /* 1 if the tiles were read through the circuit solve */
    int effective;        /* 1 if each tile's effective conductance matrix was used */
    size_t n_solves;      /* circuit solves (circuit_solve, or the batched solves of one circuit_effective_g) */
    int iterations;       /* PCG iterations, summed */
    double max_residual;  /* largest KCL residual reached (relative) */
    double energy_J;      /* sum over reads of sum_ij v_i^2 G_ij t_read_s: cell energy at the applied voltages */
    wmvm_error vs_float;  /* y against y_float */
    wmvm_error vs_quant;  /* y against y_quant */
    wmvm_error quant_vs_float; /* y_quant against y_float: the quantization error alone */
    int loaded;           /* 1 once the plan is built (exp_wmvm_free releases it) */
} exp_wmvm;

/* Binds mapping and weights; with bind_shared also run and crossbar.  When 0, the caller binds those groups
 * itself (cli/cmd_mvm.c shares them with exp/mvm.h) and copies the resolved values into w->run and w->xb
 * before exp_wmvm_load.  Call before cfg_resolve. */
void exp_wmvm_init(exp_wmvm *e, cfg *c, int bind_shared);

/* Reads W and x from CSV (NULL: generate), checks their shapes (CIM_EINVAL naming the file), records the
 * input fingerprints in pv, plans the mapping and the tiles and encodes x. */
int exp_wmvm_load(exp_wmvm *e, const char *w_path, const char *x_path, prov *pv, progress *prog);

/* Reads every tile and decodes y; computes the references and errors.  CIM_ESIM if a circuit solve did not
 * converge. */
int exp_wmvm_run(exp_wmvm *e, progress *prog);

/* Summary numbers as a JSON object (new reference). */
json_t *exp_wmvm_summary(const exp_wmvm *e);

void exp_wmvm_free(exp_wmvm *e);

#endif
