/* exp/mvm.h -- the `mvm` experiment: one matrix-vector multiply on a resistive crossbar.
 *
 * Inputs are a conductance matrix G (siemens, M x N) and a voltage vector v (volts, M), each read
 * from CSV or drawn from the seeded configuration; the output is the column currents I = G^T v
 * (amperes).  Today the array is ideal (crossbar/ideal.h); the summary also checks the result
 * against OpenBLAS's cblas_dgemv, an independent implementation of the same product.
 *
 * Experiments sit above every layer (DESIGN.md: "experiments that the CLI and the sweep engine
 * both run"): they turn a resolved configuration into inputs, call the library, and summarise.
 */
#ifndef CIM_EXP_MVM_H
#define CIM_EXP_MVM_H

#include "core/cfg.h"
#include "core/progress.h"
#include "core/prov.h"
#include "core/run.h"
#include "crossbar/crossbar.h"

#include <jansson.h>
#include <stddef.h>

typedef struct mvm_params {
    double g_min_S; /* generated conductances are uniform in [g_min_S, g_max_S] */
    double g_max_S;
    double v_min_V; /* generated input voltages are uniform in [v_min_V, v_max_V] */
    double v_max_V;
} mvm_params;

extern const param_group mvm_group;

typedef struct exp_mvm {
    run_params run;       /* bound to `run` */
    crossbar_params xb;   /* bound to `crossbar` */
    mvm_params p;         /* bound to `mvm` */
    size_t rows, cols;    /* M, N of the product actually run */
    double *g_S;          /* M x N conductances, row-major */
    double *v_V;          /* M input voltages */
    double *i_A;          /* N column currents (the result) */
    const char *g_source; /* file name, or NULL if generated */
    const char *v_source;
    double p_W;           /* power dissipated in the array */
    double blas_dev;      /* max_j |I_j - dgemv_j| / sum_i |G_ij v_i| */
} exp_mvm;

/* Binds the groups the experiment reads; call before cfg_resolve. */
void exp_mvm_init(exp_mvm *e, cfg *c);

/* Reads G and v from the given CSV paths (NULL = generate from the config and seed), checks them
 * (negative conductances, dimension mismatches: CIM_EINVAL/CIM_EIO with file and line), and
 * records the input fingerprints in pv.  prog (may be NULL) is started here and covers
 * generation and the product.  A conductance file fixes the array's shape: crossbar.rows
 * and crossbar.cols are then overwritten with it, so provenance records what actually ran. */
int exp_mvm_load(exp_mvm *e, const char *g_path, const char *v_path, prov *pv, progress *prog);

/* Runs the product and the BLAS check.  prog (may be NULL) counts on from exp_mvm_load. */
void exp_mvm_run(exp_mvm *e, progress *prog);

/* Summary numbers as a JSON object (new reference). */
json_t *exp_mvm_summary(const exp_mvm *e);

void exp_mvm_free(exp_mvm *e);

#endif
