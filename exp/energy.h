/* exp/energy.h -- the `energy` experiment: what a workload costs on the compute-in-memory design and on the two
 * machines it is compared with, a von Neumann processor and a Loihi-class neuromorphic chip (energy/report.h).
 *
 * The workload is a list of fully connected layers, workload.layers = [n_0, n_1, ..., n_L]: layer l multiplies an
 * n_l-vector by an n_l x n_(l+1) weight matrix.  Each layer runs as the weight-level MVM (exp/wmvm.h) with the
 * configuration's mapping, tiles, cells, DACs, sense stages and ADCs, its weights and inputs drawn from the seed
 * (uniform in weights.w_min .. w_max and x_min .. x_max; a layer's inputs are drawn, not the previous layer's
 * outputs: the energy depends on the inputs' statistics, which the draw sets).  The default, [0.0], is the single
 * layer weights.rows x weights.cols.
 *
 * The workload's report sums its layers: the design's tally (tiles and activation buffer traffic; programming, a
 * one-time cost, is apart), the baselines' tallies, the MACs, and the area (each layer has its own arrays); the
 * latency adds up (the layers run one after another, each as its slowest tile).
 */
#ifndef CIM_EXP_ENERGY_H
#define CIM_EXP_ENERGY_H

#include "core/param.h"
#include "energy/report.h"
#include "exp/wmvm.h"

#include <jansson.h>

typedef struct workload_params {
    param_reals layers; /* layer widths n_0 .. n_L; [0.0]: one layer of weights.rows x weights.cols */
} workload_params;

extern const param_group workload_group;

typedef struct exp_energy {
    exp_wmvm w;            /* every group of the weight-level MVM (exp_wmvm_init with bind_shared) */
    workload_params wl;    /* bound to `workload` */
    size_t n_layers;
    energy_report report;  /* the workload's */
    double e_program_J;    /* programming of device cells over every layer (one-time, not in the report) */
    json_t *layers;        /* per layer: shape, energy, latency, error (owned) */
    prov *pv;              /* where the layers' inputs are recorded (the caller's, for the run) */
} exp_energy;

void exp_energy_init(exp_energy *e, cfg *c);
void exp_energy_bind_model(exp_energy *e, cfg *c);
/* Runs every layer and builds the report.  CIM_ECONFIG for layer widths that are not whole numbers >= 1. */
int exp_energy_run(exp_energy *e, prov *pv, progress *prog);
/* The report's JSON (its named fields: design.total_J, baseline.von_neumann.total_J, saved.ratio, ...) with the
 * layers and the one-time programming energy (new reference). */
json_t *exp_energy_summary(const exp_energy *e);
void exp_energy_free(exp_energy *e);

#endif
