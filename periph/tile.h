/* periph/tile.h -- the unit of compute-in-memory: row DACs -> one crossbar array -> a sense stage per column ->
 * ADCs -> the digital shift-add that turns a read's column codes into partial outputs.
 *
 * A tile holds a block of a mapped weight matrix (crossbar/tiling.h: rows [r0, r0 + nr) of outputs [c0, c0 + nc),
 * every slice and sign column of each output, its own reference column).  tile_mvm takes the digital inputs of its
 * rows and returns its partial outputs, in weight x input units:
 *   1. the DACs encode the inputs into read cycles (periph/dac.h: bit-serial, amplitude, pulse width; sign passes);
 *   2. each cycle reads the array (crossbar/xbar.h: whatever path its cells and wires need).  A pulse-width cycle
 *      is integrated exactly: between successive turn-off times the set of driven rows is fixed, so the column
 *      charge is a sum of reads, one per distinct on-time, each lasting its segment; the output is the charge over
 *      the window (the window-average current);
 *   3. each column's current passes its sense stage (periph/sense.h) and is converted by the ADC that serves it
 *      (periph/adc.h; one ADC per adc.cols_per_adc adjacent columns, each with its own static offset);
 *   4. digital: the column values are shift-added across slices and sign columns and scaled by the cycle's
 *      coefficient (crossbar/mapping.h, mapping_decode_add), and cycles are accumulated in order.
 * Differential pairs (sense.pair, periph/sense.h): "digital" (the default) runs steps 3-4 per physical column, so
 * a pair costs two sense events and two conversions and is subtracted in step 4.  "analog" (needs mapping.scheme =
 * "differential") forms each pair's I+ - I- before step 3: one channel per pair, with its own sense stage (its
 * noise and saturation apply once, to the difference) and one conversion on a signed range; the pair's value d
 * goes to mapping_decode_add as (I+, I-) = (d, 0), whose difference d - 0 is d exactly, so with ideal converters
 * both options give the same outputs bit for bit.  cols_per_adc then counts pairs.
 * With ideal converters (dac "ideal" or "bit_serial", sense "none", adc "ideal") the result is, bit for bit, what
 * the array's reads decoded by the mapping give (tests/test_tile.c).
 *
 * Random streams (core/rng.h), all seeded from the run seed and the tile's name: `<name>.dac` (the static DNL
 * of its DAC bank), `<name>.sense` (sense noise per read), `<name>.adc` (the static offset of each ADC, then the
 * noise per conversion); the last two are drawn per column and read, so they use the fast generator
 * (rng_alloc_fast, taus2).  The array draws from its own streams (xbar_spec.aopts.stream).  So a tile's numbers do
 * not depend on the order in which tiles are made or read, nor on the thread count.
 *
 * ADC range: "fixed" from the adc group; "max" is [0, nr g_top v_read], the current of a column whose every cell
 * holds the top level under the full-scale voltage (g_top: the mapping's top level); "calibrated" and "percentile"
 * come from the column currents of tile_calibrate's reads (every column and cycle of the sample inputs) and 0 A (an
 * idle column): a range never starts above 0, so an idle column reads exactly 0.  Analog pairs: the range is
 * signed.  "max" covers [-hi, hi], hi = nr g_top v_read, with two's-complement codes -2^(N-1) .. 2^(N-1) - 1 of
 * lsb hi / (2^(N-1) - 1), i.e. [-hi - lsb, hi], so that 0 is a code (needs adc.bits >= 2); "calibrated" and
 * "percentile" come from the pairs' differences (and 0 A), and never exclude 0.  A tile
 * with such a range refuses tile_mvm until it is calibrated.  Calibration reads are real reads of the array (they
 * drift nothing: reads do not change state), and their energy and count are kept apart: tile_energy reports the
 * MVMs (and the array's programming, before or after), not the calibration's reads.
 *
 * Energy (energy/tally.h): the array's reads (ENERGY_READ, the xbar's own tally), and the tile's: ENERGY_DAC one
 * event per row conversion (dac_energy_J), ENERGY_SENSE one per channel per read (sense.e_read_J), ENERGY_ADC one
 * per channel per read (adc_energy_read_J over the read window; ideal converters and sense "none" add nothing), ENERGY_DIGITAL one shift-add
 * per channel per read (e_shift_add_J); a channel is a physical column, or an analog pair.  tile_energy sums the array's and the tile's: a tile's total is the sum of
 * its components'.
 *
 * Event reads (tile_read_events): the rows that received a spike are driven by binary pulses at dac.v_read_V
 * (times the drivers' settling, dac.tau_s), every other row is at 0 V, in one read cycle of coefficient
 * 1 / v_read_V: no DAC conversion, whatever dac.type encodes (its 1-bit drivers switch the rows; dac.type =
 * "ideal" makes them exact and free).  The array is read by xbar_read_rows (crossbar/xbar.h: a sum of rows of G or
 * of the effective matrix where that is exact), then steps 3-4 as for an MVM.  So an event read is, bit for bit,
 * tile_mvm of the 0/1 indicator vector at full scale 1 with a 1-bit "bit_serial" (or "ideal") DAC on a tile in
 * the same state: the same array currents (crossbar_ideal_rows adds as the dense product does), the same sense
 * and ADC draws in the same order, the same decode (tests/test_snn_xbar.c).  Energy: ENERGY_DAC one event per
 * driven row at the 1-bit driver's 2 e_step_J (dac_energy_J of "bit_serial"; undriven rows do not switch, unlike
 * an MVM's clocked drivers), and the sense, ADC and digital events of one read cycle.
 *
 * Analog output (spec.analog_out): the sense stage's output goes to the decode without an ADC -- no conversion,
 * no ADC energy, no clipping or quantization (the adc group is not used; its range needs no calibration).  A
 * spiking layer uses it with the integrator sense stage (periph/sense.h) as its analog membrane: each column's
 * current charges its capacitor for t_int_s with kT/C noise and saturation at v_sat_V, and the decode (slices'
 * binary weights, differential pairs, the scale into weight units) stands for the charge-domain weighting that
 * feeds the neuron's membrane, taken as exact (snn/synapse.h).
 *
 * Latency of one MVM (tile_latency_s): its cycles run one after another, each
 *   t_settle_s + t_read + t_sense + k t_conv - min(t_read, t_in_read)
 * with t_settle_s the row drivers' settling, t_read the read window (t_read_s; pulse width: its window
 * (2^bits - 1) t_lsb_s), t_sense the sense stage's settling, k = cols_per_adc conversions of t_conv each on the
 * shared ADCs, and t_in_read the part of a conversion that integrates the column current while it flows
 * (adc_conversion_in_read_s: all of a cco's count, the first slope of an integrating converter, 0 for sar,
 * flash, ramp).  A cco counts for as long as the column current flows, so its conversion lasts
 * t_conv = max(2^N periods, t_read) (adc_conversion_s) and a cco with one ADC per column takes t_conv after the
 * settling, as HERMES's CCOs count through the input window.  Only the first of k multiplexed conversions
 * overlaps: the others follow, a cco's each in a window of its own (HERMES's 4-phase mode counts each polarity
 * column in its own window); the array's read energy is still priced over one t_read per cycle, as if the
 * columns not being counted drew no current.  No pipelining between
 * a cycle's conversions and the next read: an upper bound, stated as such in reports.
 *
 * Contract: returns a cim_status and sets cim_errmsg() on failure; never prints.  Not thread-safe: one tile per
 * thread.
 */
#ifndef CIM_PERIPH_TILE_H
#define CIM_PERIPH_TILE_H

#include "crossbar/mapping.h"
#include "crossbar/xbar.h"
#include "energy/tally.h"
#include "periph/adc.h"
#include "periph/dac.h"
#include "periph/sense.h"

#include <stddef.h>
#include <stdint.h>

typedef struct tile_spec {
    xbar_spec array;       /* the array: rows nr, cols mapping_phys_cols(m, nc) */
    const mapping *m;      /* the weight mapping its columns hold (borrowed; outlives the tile) */
    size_t c0, nc;         /* logical outputs [c0, c0 + nc) */
    dac_params dac;
    sense_params sense;
    adc_params adc;
    double e_shift_add_J;  /* digital energy per shift-add */
    int analog_out;        /* 1: no ADC; the sense stage's output is decoded as it is (see above) */
    uint64_t seed;         /* run seed of the tile's streams */
    const char *name;      /* "tile3": streams tile3.dac, tile3.sense, tile3.adc (copied) */
} tile_spec;

/* What a tile did since it was made (calibration apart). */
typedef struct tile_stats {
    size_t n_mvm;              /* tile_mvm calls */
    size_t n_reads;            /* array reads (a pulse-width cycle counts its segments) */
    size_t n_cycles;           /* read cycles */
    size_t n_conversions;      /* ADC conversions (one per channel -- column or analog pair -- per read cycle) */
    size_t n_adc_clipped;      /* conversions outside the ADC range */
    size_t n_sense_saturated;  /* reads whose sense output saturated */
    size_t n_dac_clipped;      /* inputs beyond the DAC's full scale */
    double adc_lo_A, adc_hi_A; /* the ADC range in use */
    double latency_s;          /* of the last MVM, or of the last event read (one cycle of t_read_s) */
    size_t n_event_reads;      /* tile_read_events calls that read the array */
    size_t n_row_pulses;       /* rows they drove (1-bit driver events) */
} tile_stats;

typedef struct tile tile;

/* Makes the tile and its array (conductance cells start at 0 S; program them through tile_xbar).  CIM_EINVAL /
 * CIM_ECONFIG for inconsistent parts (the array's columns are not mapping_phys_cols(m, nc), a converter's check). */
int tile_new(tile **out, const tile_spec *s);
void tile_free(tile *t);

/* The array, to program it (xbar_set_conductances, xbar_program, xbar_rest) and to inspect it. */
xbar *tile_xbar(tile *t);
size_t tile_rows(const tile *t);

/* Collects the column currents of every read of the n sample vectors x (n x nr, row-major) at full scale x_max
 * (0: each vector's largest |x|, as tile_mvm) and sets the ADC range from them (adc.range "calibrated" or
 * "percentile"; other ranges: nothing to do, CIM_OK).  May be called again (after reprogramming). */
int tile_calibrate(tile *t, size_t n, const double *x, double x_max);

/* The partial outputs y[0 .. nc) (overwritten) of the tile's inputs x[0 .. nr) at full scale x_max (0: the
 * dac's x_max, or the vector's largest |x| if that is 0 too).  CIM_EINVAL for a non-finite input, CIM_ECONFIG
 * for an ADC range that needs tile_calibrate first, CIM_ESIM from a read. */
int tile_mvm(tile *t, const double *x, double x_max, double *y);

/* One event read (see above): the partial outputs y[0 .. nc) (overwritten) of the rows rows[0 .. n) (tile rows,
 * ascending, distinct) driven at dac.v_read_V, all others at 0 V -- in weight units, the sum of those rows of the
 * weights the tile holds.  n = 0 reads nothing and gives zeros.  CIM_EINVAL for bad rows, CIM_ECONFIG for an ADC
 * range that needs tile_calibrate first, CIM_ESIM from a read. */
int tile_read_events(tile *t, const size_t *rows, size_t n, double *y);

/* The quantized input the last tile_mvm applied (dac_input_value), nr entries. */
void tile_input_values(const tile *t, double *x_q);

/* Energy of the MVMs (calibration excluded): the array's reads plus the tile's converters and digital logic. */
void tile_energy(const tile *t, energy_tally *out);
const tile_stats *tile_get_stats(const tile *t);
/* Latency of one MVM of the last vector's cycle count, seconds. */
double tile_latency_s(const tile *t);
/* Area: the array's cells are the caller's (they depend on the technology); the periphery's, um^2:
 * nr DACs + ceil(channels / cols_per_adc) ADCs + one sense stage per channel (a column, or an analog pair; ideal
 * parts, not modelled, count 0). */
double tile_periphery_area_um2(const tile *t);

#endif
