/* exp/wmvm.h -- the weight-level `mvm` experiment: y = W^T x through mapping, tiling and array reads.
 *
 * A real weight matrix W (R x C, row-major; rows are inputs, columns outputs) and an input vector x (R) come
 * from CSV files or are drawn from the seed (uniform in [weights.w_min, w_max] and [x_min, x_max]).  W is
 * mapped to conductances by the `mapping` settings (crossbar/mapping.h), split into arrays of
 * crossbar.tile_rows x crossbar.tile_cols (crossbar/tiling.h), x is encoded into read cycles, and every tile is
 * read once per cycle through its own physical array (crossbar/xbar.h), built from the `cell` group (access
 * element and memory I-V), the crossbar's wires and weights.t_read_s.  The xbar chooses the read path: the
 * Kirchhoff sum (perfect wires, linear cells), every cell's I-V at its row voltage (perfect wires, nonlinear
 * cells), the linear circuit solve (with more than one read cycle per tile, the effective matrix once per tile),
 * or the Newton circuit solve (nonlinear cells with wires).  The read energy is the xbar's: what the row sources
 * deliver into the array (cells, access elements and wires) over t_read_s per read.
 * The decoded y is compared with the float product W^T x and with the quantized product W_q^T x_q (what an
 * ideal array computes with the quantized, clipped weights and inputs).
 *
 * Device cells (weights.cells = "device").  Instead of holding its target conductances exactly, every tile is an
 * array of device.model cells (crossbar/array.h) with the D2D variation, faults and read noise of
 * `variability`, drawn from random streams "tile<k>" of run.seed (the same seed, the same arrays).  Each tile
 * is programmed toward its targets by xbar_program (crossbar/program.h, group `program`) from t = 0 on its own
 * clock, then read weights.t_s after its campaign ended (PCM drifts meanwhile).  Targets are chord conductances
 * at the voltage of a 1 input, the mapping's v_read_V (bit-serial) or v_max_V (analog): verify reads happen at
 * that voltage (device.v_read_V is the device experiment's and is not used here).  Read noise is drawn per read.
 * The memory element is the device's own I-V: cell.iv and v_nl_V do not apply to device cells.
 *
 * Selected by mvm.level = "weights" or by the CLI's --weights / --inputs (cli/cmd_mvm.c).
 */
#ifndef CIM_EXP_WMVM_H
#define CIM_EXP_WMVM_H

#include "core/cfg.h"
#include "exp/experiment.h"
#include "core/progress.h"
#include "core/prov.h"
#include "core/run.h"
#include "crossbar/array.h"
#include "crossbar/cell.h"
#include "crossbar/circuit.h"
#include "crossbar/crossbar.h"
#include "crossbar/mapping.h"
#include "crossbar/program.h"
#include "crossbar/tiling.h"
#include "crossbar/xbar.h"
#include "periph/adc.h"
#include "periph/dac.h"
#include "periph/sense.h"
#include "periph/tile.h"
#include "energy/baseline.h"
#include "energy/report.h"
#include "energy/tally.h"
#include "energy/tech.h"
#include "device/binding.h"
#include "device/device.h"
#include "device/integrate.h"
#include "device/variability.h"

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
    int cells;       /* WMVM_CELLS_IDEAL or WMVM_CELLS_DEVICE */
    double t_s;      /* device cells: read time after the end of each tile's programming campaign */
    long long n_calibration; /* input vectors the ADCs are calibrated on (adc.range calibrated or percentile) */
    int attribution; /* 1: also run the pipeline with its stages made ideal (per-stage error attribution) */
} weights_params;

enum { WMVM_CELLS_IDEAL, WMVM_CELLS_DEVICE };
extern const char *const wmvm_cells_names[]; /* "ideal", "device" */

extern const param_group weights_group;


/* What programming the device tiles did, over all tiles. */
typedef struct wmvm_program {
    size_t n_cells;          /* cells programmed */
    size_t n_failed;         /* outside program.tol_rel when their programming ended */
    size_t n_out_of_tol_end; /* outside it at the end of their tile's campaign, noiseless (verify-read noise, drift
                                during the campaign, half-select disturb) */
    size_t n_out_of_range;   /* targets outside the device's nominal range (g_dev_lo_S .. g_dev_hi_S) */
    size_t n_stuck;          /* cells stuck by a fault (variability.p_stuck_*) */
    size_t n_pulses;         /* programming pulses */
    size_t n_fast;           /* of which computed by the model's closed form */
    double iter_mean;        /* pulses per cell */
    double iter_max;
    double e_write_J;        /* programming pulses, in the selected cells */
    double e_disturb_J;      /* half-select stress, in the unselected cells */
    double e_verify_J;       /* verify reads */
    double t_campaign_max_s; /* the longest tile campaign, simulated time */
    double dg_disturb_max_rel; /* max |conductance change under half-select stress| / G at campaign start */
    double g_err_rms;        /* RMS over programmed cells of G_read / G_target - 1 at t_s (noiseless reads) */
    double g_err_mean;       /* its mean (drift shows as a negative bias) */
    double g_err_max;        /* its largest magnitude */
    double wall_s;           /* wall-clock time spent programming (not part of the results) */
} wmvm_program;

/* Error of a result y against a reference r (n outputs). */
typedef struct wmvm_error {
    double rmse;        /* sqrt(mean_j (y_j - r_j)^2), weight x input units */
    double max_rel_err; /* max_j |y_j - r_j| / |r_j| over r_j != 0 */
    double snr_dB;      /* 10 log10(sum r^2 / sum (y - r)^2); +inf when exact */
} wmvm_error;

/* Per-stage error attribution (weights.attribution = true).  The stages of the pipeline, in its order; each can be
 * made ideal: the DAC (dac.type = "ideal": exact analog inputs), programming (device cells placed exactly at their
 * targets instead of programmed by pulses), drift (read right after programming instead of weights.t_s later),
 * nonlinearity (the cells' I-V and their access element: conductance cells linear and 1r, device cells read as
 * their chord conductance at dac.v_read_V times v, 1r), read noise (variability.read off), IR drop (perfect wires),
 * the sense stage (sense.type = "none") and the ADC (adc.type = "ideal": no quantization, clipping, offset, INL or
 * noise).  The reference is the run with every stage ideal: W_q^T x with the quantized weights and exact inputs,
 * to rounding (ref_vs_exact_rmse says by how much).  For each stage: the error when it
 * alone is real (every other ideal), and the error when it and every stage before it are real (cumulatively, in
 * pipeline order; the last is the full run's error).  Errors are RMS over the outputs, weight x input units. */
enum {
    WMVM_STAGE_DAC, WMVM_STAGE_PROGRAMMING, WMVM_STAGE_DRIFT, WMVM_STAGE_NONLINEARITY, WMVM_STAGE_READ_NOISE,
    WMVM_STAGE_IR_DROP, WMVM_STAGE_SENSE, WMVM_STAGE_ADC, WMVM_N_STAGES
};
extern const char *const wmvm_stage_names[WMVM_N_STAGES]; /* "dac", "programming", ... */
#define WMVM_ALL_IDEAL ((1 << WMVM_N_STAGES) - 1)

typedef struct wmvm_attribution {
    double rms_ref;                     /* RMS of the reference outputs */
    double ref_vs_exact_rmse;           /* the reference against W_q^T x computed directly (rounding only) */
    double full_rmse;                   /* the real run's y against the reference */
    double alone_rmse[WMVM_N_STAGES];   /* error with only this stage real */
    double cumulative_rmse[WMVM_N_STAGES]; /* error with this stage and those before it real */
    int applies[WMVM_N_STAGES];         /* 0 where the stage is already ideal in this configuration */
} wmvm_attribution;

typedef struct exp_wmvm {
    experiment_key key;   /* bound to the top-level key `experiment` (with bind_shared) */
    run_params run;       /* bound to `run` (or copied in by the caller, see exp_wmvm_init) */
    crossbar_params xb;   /* bound to `crossbar` (likewise) */
    cell_params cell;     /* bound to `cell` (likewise): the access element of device cells */
    mapping_params mp;    /* bound to `mapping` */
    weights_params p;     /* bound to `weights` */
    device_binding b;     /* the device model of device cells: `device` (model, temperature), its group, the
                             variability groups (device/binding.h; exp_wmvm_bind_model selects) */
    sim_params sim;       /* bound to `sim`: the integrator for pulses without a closed form */
    program_params prog;  /* bound to `program` */
    size_t rows, cols;    /* R, C */
    double *w;            /* R x C weights */
    double *x;            /* R inputs */
    const char *w_source; /* file name, or NULL if generated */
    const char *x_source;
    mapping m;            /* the plan */
    tiling t;              /* the tiles with their conductances */
    dac_params dac;       /* bound to `dac`: the row drivers and the input encoding */
    sense_params sense;   /* bound to `sense` */
    adc_params adc;       /* bound to `adc` */
    double x_max_used;    /* the inputs' full scale (dac.x_max, or the largest |x|) */
    size_t n_cycles;      /* read cycles of the input per tile */
    size_t n_input_clipped; /* inputs beyond the full scale */
    double *v_first_V;    /* R: the row voltages of the first read cycle (the SPICE export's) */
    size_t n_reads;       /* array reads over all tiles */
    size_t n_conversions; /* ADC conversions over all tiles */
    size_t n_adc_clipped; /* of which outside the ADC range */
    size_t n_sense_saturated; /* reads whose sense stage saturated */
    double adc_lo_A, adc_hi_A; /* the ADC range of tile 0 */
    double latency_s;     /* one MVM: the slowest tile (tiles run in parallel) */
    double periphery_area_um2; /* every tile's DACs, sense stages and ADCs */
    double e_shift_add_J; /* digital energy per shift-add (the tiles': tech.e_shift_add_J) */
    tech_params tech;     /* bound to `tech`: the technology figures of the energy report */
    baseline_params base; /* bound to `baseline`: the machines the design is compared with */
    energy_report report; /* the MVM's energy: the design (programming apart) beside the baselines */
    double program_J;     /* programming's energy (write, verify reads, disturb), kept apart from the report */
    double array_area_m2; /* the arrays' cells (tech.cell_area*_F2), every tile's full array */
    double *y;            /* C outputs (the result) */
    double *y_float;      /* C: W^T x in double precision */
    double *y_quant;      /* C: W_q^T x_q, the ideal quantized product */
    double *w_q;          /* R x C quantized weights */
    double *x_q;          /* R quantized inputs */
    int circuit;          /* 1 if the tiles were read through the circuit solve */
    int effective;        /* 1 if each tile's effective conductance matrix was used */
    size_t n_solves;      /* circuit solves (a characterisation counts its unit-input solves) */
    int iterations;       /* PCG iterations, summed */
    double max_residual;  /* largest KCL residual reached (relative) */
    double energy_J;      /* array read energy (the tally's ENERGY_READ): what the read sources delivered */
    wmvm_error vs_float;  /* y against y_float */
    wmvm_error vs_quant;  /* y against y_quant */
    wmvm_error quant_vs_float; /* y_quant against y_float: the quantization error alone */
    /* device cells (weights.cells = "device") */
    int device;           /* 1 if the tiles are device arrays */
    int read_path;        /* enum xbar_read_path: how the tiles are read (chosen by crossbar/xbar.h) */
    int dev_linear;       /* 1 if the model's read current is linear in v (probed on the nominal cell) */
    int noisy;            /* 1 if reads carry read noise (variability.read.bandwidth_Hz > 0) */
    double v_array_V;     /* the arrays' read voltage: the voltage of a 1 input */
    double g_dev_lo_S;    /* nominal conductance range of the model at v_array_V: the stored state at its bounds */
    double g_dev_hi_S;
    double *g_read_S;     /* per cell, in the layout of t.g_S: noiseless read conductance at t_s */
    int *pulses;          /* per cell: programming pulses */
    unsigned char *ok;    /* per cell: within tolerance when its programming ended */
    double *e_write_J;    /* per cell: energy of its programming pulses */
    double *e_disturb_J;  /* per cell: half-select stress energy it received */
    energy_tally tally;   /* every tile's array tally (programming and reads), summed */
    int keep_arrays;      /* set by the caller before exp_wmvm_run: keep every tile's array (else one at a time) */
    tile **tiles;         /* with keep_arrays: n_tiles tiles as last read (their arrays' state at t_s) */
    xbar **xbars;         /* with keep_arrays: their arrays (tile_xbar; owned by the tiles) */
    int ideal_mask;       /* stages made ideal (WMVM_STAGE_* bits; set by the attribution runs) */
    wmvm_attribution *attr; /* weights.attribution: the per-stage errors (NULL otherwise) */
    wmvm_program pr;      /* the programming summary */
    int loaded;           /* 1 once the plan is built (exp_wmvm_free releases it) */
} exp_wmvm;

/* Binds mapping, weights, device, sim, program and the variability groups; with bind_shared also the key
 * `experiment`, run, crossbar and cell.  When 0, the caller binds those three itself (cli/cmd_mvm.c shares them with exp/mvm.h) and copies
 * the resolved values into w->run, w->xb and w->cell before exp_wmvm_load.  Call before cfg_resolve. */
void exp_wmvm_init(exp_wmvm *e, cfg *c, int bind_shared);
/* After the file and --set are read, before cfg_resolve: binds device.<model> for the selected model, the groups
 * of other models the file mentions (so their keys are still checked) and the model's variability groups. */
void exp_wmvm_bind_model(exp_wmvm *e, cfg *c);

/* Reads W and x from CSV (NULL: generate), checks their shapes (CIM_EINVAL naming the file), records the
 * input fingerprints in pv, plans the mapping and the tiles and encodes x.  Device cells: CIM_ECONFIG naming the
 * keys when the mapping's levels lie wholly outside the model's conductance range (or the lowest is 0). */
int exp_wmvm_load(exp_wmvm *e, const char *w_path, const char *x_path, prov *pv, progress *prog);

/* Reads every tile and decodes y (device cells: programs each tile first); computes the references and errors.
 * CIM_ESIM if a circuit solve or a device integration did not converge. */
int exp_wmvm_run(exp_wmvm *e, progress *prog);

/* Device cells: per-cell maps of every tile laid out on the tile grid -- tile (rb, cb) at rows [r0, r0 + nr) and
 * the columns of column block cb, blocks side by side: rows x map_cols values (exp_wmvm_map_cols).
 *   gerr:   G_read / G_target - 1 at t_s (noiseless read), 1
 *   gread:  G_read at t_s, S
 *   pulses: programming pulses applied to the cell */
enum { WMVM_MAP_GERR, WMVM_MAP_GREAD, WMVM_MAP_PULSES, WMVM_N_MAPS };
extern const char *const exp_wmvm_map_names[WMVM_N_MAPS];  /* file suffixes: "gerr", "gread", "pulses" */
extern const char *const exp_wmvm_map_titles[WMVM_N_MAPS]; /* what each holds, with its unit */
size_t exp_wmvm_map_cols(const exp_wmvm *e);
void exp_wmvm_map(const exp_wmvm *e, int which, double *z);
/* PREFIX_<name>.csv of map m, z as exp_wmvm_map filled it (computed once by a caller that also plots it), after
 * header (the provenance comment block; may be NULL), written atomically.  Only after a device run. */
int exp_wmvm_write_map(const exp_wmvm *e, int m, const double *z, const char *prefix, const char *header);

/* Summary numbers as a JSON object (new reference). */
json_t *exp_wmvm_summary(const exp_wmvm *e);

/* After exp_wmvm_load: every tile as an ngspice netlist (crossbar/spice_array.h), with its conductances as
 * mapped, the crossbar's wires and terminals, and the row voltages of the first read cycle; path itself for one
 * tile, else path with "_tile<k>" before its extension, k = 0 .. n_tiles-1.  Ideal (conductance) cells only:
 * device cells have no netlist form (CIM_EINVAL). */
/* CIM_OK if --spice can describe the tiles (conductance cells), else CIM_EINVAL saying why. */
int exp_wmvm_spice_possible(const exp_wmvm *e);
int exp_wmvm_write_spice(const exp_wmvm *e, const char *path);

/* Frees what load and run made and zeroes what they counted, keeping the configuration and the model: the next
 * exp_wmvm_load (with other weights.rows/cols, say) starts afresh. */
void exp_wmvm_reset(exp_wmvm *e);
void exp_wmvm_free(exp_wmvm *e);

#endif
