/* exp/mvm.h -- the `mvm` experiment: one matrix-vector multiply on a resistive crossbar.
 *
 * Inputs are a conductance matrix G (siemens, M x N) and a voltage vector v (volts, M), each read
 * from CSV or drawn from the seeded configuration; the output is the column currents (amperes) of
 * the physical array (crossbar/xbar.h) built from the cell group and the crossbar's wires: I = G^T v
 * for linear cells and perfect wires.  The summary also checks the ideal sum against OpenBLAS's
 * cblas_dgemv, an independent implementation of the same product.
 *
 * Experiments sit above every layer (docs/design.md#exp: run by the CLI and, later, by the sweep
 * engine): they turn a resolved configuration into inputs, call the library, and summarise.
 */
#ifndef CIM_EXP_MVM_H
#define CIM_EXP_MVM_H

#include "core/cfg.h"
#include "exp/experiment.h"
#include "core/progress.h"
#include "core/prov.h"
#include "core/run.h"
#include "crossbar/cell.h"
#include "crossbar/crossbar.h"
#include "device/device.h"
#include "energy/tally.h"

#include <jansson.h>
#include <stddef.h>

typedef struct mvm_params {
    double g_min_S; /* generated conductances are uniform in [g_min_S, g_max_S] */
    double g_max_S;
    double v_min_V; /* generated input voltages are uniform in [v_min_V, v_max_V] */
    double v_max_V;
    double g_file_max_S; /* a --conductances value above this is refused (a file in uS read as siemens) */
    double v_file_max_V; /* a --voltages value beyond +-this is refused (a file in mV read as volts) */
    int level;      /* enum mvm_level: which experiment `cimsim mvm` runs */
    int cells;      /* enum mvm_cells: what a circuit-level cell is */
    double t_read_s;     /* duration of one array read, for its energy */
    long long n_vectors; /* input vectors drawn when no --voltages file is given (a file's columns fix it) */
} mvm_params;

/* mvm.cells at the circuit level: "conductance" -- each cell is the cell group's memory I-V (linear or sinh)
 * with small-signal conductance G_ij; "device" -- each cell is device.model in the state whose chord
 * conductance at device.v_read_V is G_ij (device/inverse.h), read through its own I-V at the voltage it
 * actually sees (with the cell group's access element in front). */
enum mvm_cells { MVM_CELLS_CONDUCTANCE, MVM_CELLS_DEVICE };
extern const char *const mvm_cells_names[];

/* mvm.level: "circuit" multiplies a conductance matrix by voltages (this file); "weights" multiplies a real
 * weight matrix by a real input vector through mapping, tiling and the array reads (exp/wmvm.h). */
enum mvm_level { MVM_LEVEL_CIRCUIT, MVM_LEVEL_WEIGHTS };
extern const char *const mvm_level_names[];

extern const param_group mvm_group;

typedef struct exp_mvm {
    experiment_key key;   /* bound to the top-level key `experiment` */
    run_params run;       /* bound to `run` */
    crossbar_params xb;   /* bound to `crossbar` */
    mvm_params p;         /* bound to `mvm` */
    cell_params cell;     /* bound to `cell`: the cell type and I-V (1R linear: plain conductances) */
    /* mvm.cells = "device": the model, set by the caller before exp_mvm_run (the device groups are bound
     * with the weight-level experiment's, cli/cmd_mvm.c). */
    const device_type *dev_type;
    const void *dev_params;
    double dev_T_K;       /* ambient temperature of the device cells */
    double dev_v_read_V;  /* the voltage at which G_ij is the device's chord conductance */
    size_t rows, cols;    /* M, N of the product actually run */
    double *g_S;          /* M x N conductances, row-major */
    size_t n_vec;         /* K input vectors, multiplied by the same array (a batch) */
    double *v_V;          /* K x M input voltages, vector-major: vector k at v_V + k M */
    double *i_A;          /* K x N column currents (the result), vector-major */
    const char *g_source; /* file name, or NULL if generated */
    const char *v_source;
    double p_W;           /* power the sources deliver (dissipated in cells and wires), first vector */
    double blas_dev;      /* max_j |I_ideal_j - dgemv_j| / sum_i |G_ij v_i| */
    /* The array (crossbar/xbar.h) chose its read path from the cells and wires. */
    int read_path;        /* enum xbar_read_path */
    int circuit;          /* 1 if the read went through the circuit solve (wires) */
    energy_tally tally;   /* the array's energy (its reads) */
    circuit_stats st;     /* what the solve did */
    double *i_ideal_A;    /* K x N ideal column currents sum_i G_ij v_i */
    double *v_row_V;      /* M x N row-wire node voltages of the first vector (the ideal: v_i everywhere) */
    double *v_col_V;      /* M x N column-wire node voltages (the ideal: 0) */
    /* Error of i_A against the ideal product (zero for the ideal array). */
    double rmse_A;        /* sqrt(mean over vectors and columns of (I_j - I_ideal_j)^2) */
    double max_rel_err;   /* max_j |I_j - I_ideal_j| / |I_ideal_j| over columns with I_ideal_j != 0 */
    double snr_dB;        /* 10 log10(sum_j I_ideal_j^2 / sum_j (I_j - I_ideal_j)^2); +inf when exact */
} exp_mvm;

/* Binds the groups the experiment reads; call before cfg_resolve. */
void exp_mvm_init(exp_mvm *e, cfg *c);

/* Reads G and v from the given CSV paths (NULL = generate from the config and seed), checks them
 * (negative conductances, dimension mismatches: CIM_EINVAL/CIM_EIO with file and line), and
 * records the input fingerprints in pv.  prog (may be NULL) is started here and covers
 * generation and the product.  A conductance file fixes the array's shape: crossbar.rows
 * and crossbar.cols are then overwritten with it, so provenance records what actually ran. */
int exp_mvm_load(exp_mvm *e, const char *g_path, const char *v_path, prov *pv, progress *prog);

/* Runs the product -- the ideal sum, or the circuit solve with the configured wire, driver and sense
 * resistances -- and the BLAS check of the ideal sum.  prog (may be NULL) counts on from exp_mvm_load.
 * CIM_ESIM if the circuit solve did not converge (e->st says how far it got). */
int exp_mvm_run(exp_mvm *e, progress *prog);

/* Writes the simulated array (cells as configured, conductances as given, wires, sources) as an ngspice
 * netlist to path (atomically); it prints the column currents when run with `ngspice -b`. */
/* CIM_OK if --spice can describe this run's cells (conductance cells), else CIM_EINVAL saying why; callers
 * check it before a run so a refused export costs nothing. */
int exp_mvm_spice_possible(const exp_mvm *e);
int exp_mvm_write_spice(const exp_mvm *e, const char *path);

/* Writes node-voltage map m, z_V as exp_mvm_map filled it (so a caller that also plots it computes it once):
 * PREFIX_vrow.csv, PREFIX_vcol.csv (node voltages of the row and column wires at each cell), PREFIX_vcell.csv
 * (voltage across each cell) or PREFIX_vdrop.csv (the IR drop: input v_i minus the voltage across the cell), M
 * lines of N values, volts, written atomically after header (may be NULL) and a comment line saying what it is. */
int exp_mvm_write_map(const exp_mvm *e, int m, const double *z_V, const char *prefix, const char *header);

/* The maps, in the order vrow, vcol, vcell, vdrop: their file suffixes and what they hold. */
enum { EXP_MVM_N_MAPS = 4 };
extern const char *const exp_mvm_map_names[EXP_MVM_N_MAPS];
extern const char *const exp_mvm_map_titles[EXP_MVM_N_MAPS];
/* Fills out (M x N, volts) with map m after a run. */
void exp_mvm_map(const exp_mvm *e, int m, double *out_V);

/* Summary numbers as a JSON object (new reference). */
json_t *exp_mvm_summary(const exp_mvm *e);

void exp_mvm_free(exp_mvm *e);

#endif
