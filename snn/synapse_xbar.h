/* snn/synapse_xbar.h -- the "xbar" kind of synapse bank (snn/synapse.h): W mapped onto crossbar tiles.
 *
 * W (n_in x n_out, volts) is mapped, tiled and programmed as one weight matrix on tiles (periph/tiled.h) built from
 * the configuration groups the config points to -- mapping, crossbar (tile size, wires, solver), cell, the device
 * model with its variability (synapse.cells = "device"), program, sim, dac, sense, adc -- with its own streams
 * ("<name>.tile<k>.*").  Then, per step:
 *   events  the sources that spiked are read as binary pulses on their rows (tiled_read_events ->
 *           tile_read_events -> xbar_read_rows): each tile whose row block holds a spike is read once, with only
 *           those rows driven, and its partial outputs (volts) are added to acc in tile order; a tile without a
 *           spike is not read.  With ideal converters, perfect wires and exact cells, acc gets the sum of the
 *           spiking rows of the quantized weights W_q, to rounding (the decode divides the column currents by
 *           v_read, the currents are G v_read);
 *   dense   the direct-current input x in [0, 1] goes through the DACs (tiled_mvm, full scale 1);
 *   weights the devices' noiseless conductances at their read time, decoded (tiled_weights);
 *   learn   STDP (snn/stdp.h), each weight change applied as programming pulses (below).
 * Its tally is the tiles' (tiled_energy): array reads, programming (the initial campaign and every learning pulse),
 * row drivers, sense, ADCs, shift-adds.
 *
 * Analog membrane (synapse.membrane = "analog", needs sense.type = "integrator").  Physically: each column's
 * current charges the capacitor of its integrator (periph/sense.h) for t_int_s, and that charge is the membrane's
 * input -- no ADC converts it (no conversion, no ADC energy or latency, no quantization or clipping by an ADC
 * range).  What applies: the integrator's kT/C reset noise (sigma_i = sqrt(k T C) / t_int referred to the column,
 * one draw per column per read) and its saturation at v_sat_V (|i| <= v_sat C / t_int per read), and its energy
 * C v_sat^2 per integration.  What is not modelled: the decode -- the binary weights of bit slices, the subtraction
 * of differential pairs and the scale into volts -- is taken as exact charge-domain arithmetic (capacitor ratios
 * without mismatch); the membrane's own leak, reset and threshold stay the neuron model's (snn/neuron.h), exact;
 * the capacitor's swing over many steps (only one read's charge saturates), charge injection and the comparator's
 * offset are not modelled.
 *
 * Learning (cfg.stdp != NULL; device cells only).  The rule gives each synapse a change dw (a fraction of full
 * scale); the bank adds it to a per-synapse pending amount and applies whole pulses: n = trunc(pending / eps)
 * (at most stdp.max_pulses), the remainder carried -- the mixed-precision update of Nandakumar et al., "Mixed-
 * precision deep learning based on computational memory", Front. Neurosci. 14, 406 (2020), where a digital
 * accumulator holds what one pulse cannot yet express.  eps (per direction) is the weight one pulse moves on the
 * nominal device (no variation) placed at the middle of the mapping's levels, measured once: |dG| / (dg code_max),
 * dG the change of one pulse of stdp.v_plus_V (potentiation) or stdp.v_minus_V (depression) of width
 * stdp.t_width_s in the program group's pulse shape.  Each pulse then goes to the real cell (xbar_pulse, with the
 * program group's half-select stress), whose state decides what it does: the device's nonlinearity (a step that
 * shrinks toward the bounds), its asymmetry (potentiation and depression steps differ), its cycle-to-cycle
 * variation.  Which cell: "raise_lower" potentiates by raising G+ (offset scheme: the weight's column) and
 * depresses by lowering it; "raise_pair" raises G+ or G- (differential only).  One analog cell per weight: the
 * mapping must have one slice (mapping.bits_per_cell = mapping.weight_bits), else CIM_ECONFIG.  Pulses of step t
 * start at t_read + t dt_s on the device clock (t_read: the read time after programming, per tile), and the
 * tile's reads follow them (crossbar/xbar.h: the read time moves to the end of the last pulse); every pulse costs
 * the next read a re-evaluation of the array (and, with wires, its effective matrix).
 *
 * Contract: returns a cim_status and sets cim_errmsg() on failure; never prints.
 */
#ifndef CIM_SNN_SYNAPSE_XBAR_H
#define CIM_SNN_SYNAPSE_XBAR_H

#include "core/param.h"
#include "crossbar/cell.h"
#include "crossbar/crossbar.h"
#include "crossbar/mapping.h"
#include "crossbar/program.h"
#include "device/binding.h"
#include "device/integrate.h"
#include "periph/adc.h"
#include "periph/dac.h"
#include "periph/sense.h"
#include "snn/stdp.h"
#include "snn/synapse.h"

#include <stddef.h>
#include <stdint.h>

enum { SNN_XBAR_CELLS_IDEAL, SNN_XBAR_CELLS_DEVICE };
extern const char *const snn_xbar_cells_names[];    /* "ideal", "device" */
enum { SNN_MEMBRANE_DIGITAL, SNN_MEMBRANE_ANALOG };
extern const char *const snn_membrane_names[];      /* "digital", "analog" */

typedef struct snn_xbar_params { /* group "synapse" */
    int cells;       /* SNN_XBAR_CELLS_*: conductances held exactly, or programmed device cells */
    int membrane;    /* SNN_MEMBRANE_*: column outputs through the ADC, or charging the integrator (no ADC) */
    double t_s;      /* device cells: read this long after each tile's programming */
    double t_read_s; /* one read pulse (its energy) */
    int learn;       /* 1: the banks learn by STDP (group stdp), each weight change as programming pulses; the
                        caller passes the stdp group (snn_xbar_config.stdp) */
} snn_xbar_params;

extern const param_group synapse_group;
snn_xbar_params snn_xbar_params_default(void);

/* What a crossbar bank is made of: pointers to the bound groups (borrowed for the constructor; device->var must
 * outlive the bank). */
typedef struct snn_xbar_config {
    const snn_xbar_params *syn;
    const mapping_params *mapping;
    const crossbar_params *crossbar;
    const cell_params *cell;
    const device_binding *device;  /* the model, its parameters and variability (synapse.cells = "device") */
    const program_params *program;
    const sim_params *sim;
    const dac_params *dac;
    const sense_params *sense;
    const adc_params *adc;
    double e_shift_add_J;          /* tech.e_shift_add_J */
    const stdp_params *stdp;       /* NULL: the bank does not learn (type->learn stays NULL) */
    double dt_s;                   /* the network's step (STDP's decay, the device clock of learning) */
    uint64_t seed;                 /* run seed */
    const char *name;              /* stream prefix, e.g. "layer1": tiles "layer1.tile0", ... */
} snn_xbar_config;

/* What a crossbar bank did beyond its tally. */
typedef struct snn_xbar_stats {
    size_t n_tiles;
    size_t n_event_reads;     /* tile reads of events */
    size_t n_row_pulses;      /* rows they drove */
    size_t n_pulses_plus;     /* learning: potentiating pulses applied */
    size_t n_pulses_minus;    /* learning: depressing pulses applied */
    double eps_plus, eps_minus; /* learning: nominal weight per pulse, fraction of full scale */
    size_t n_prog_failed;     /* initial programming: cells outside tolerance */
} snn_xbar_stats;

/* A crossbar bank holding w (n_in x n_out, volts, finite).  CIM_EINVAL for a zero size or a bad weight, CIM_ECONFIG
 * naming the keys (a membrane without its integrator, learning without device cells or with bit slices, pulses that
 * move the device the wrong way), the statuses of tiled_new. */
int snn_synapse_xbar_new(snn_synapse *out, size_t n_in, size_t n_out, const double *w, const snn_xbar_config *cf);

/* The bank's tiles (for checks and maps) and statistics; s must be an "xbar" bank. */
struct tiled *snn_synapse_xbar_tiles(snn_synapse *s);
const snn_xbar_stats *snn_synapse_xbar_stats(snn_synapse *s);

extern const snn_synapse_type snn_synapse_xbar_type;

#endif
