/* snn/synapse.h -- the synapses between two populations of a spiking network: what turns the spikes of a step
 * into each target neuron's input.
 *
 * A synapse bank joins n_in sources to n_out targets through a weight matrix W (n_in x n_out, row j = source j,
 * volts: the jump a spike of source j gives target i's membrane, the convention of
 * tests/conformance/snn/README.md).  It is a small type table, like a device model: one entry per way of
 * holding the weights --
 *   - "ideal"  (snn/synapse_ideal.c): W in memory, exact;
 *   - "xbar"   (snn/synapse_xbar.c): W mapped onto crossbar tiles (periph/tile.h) of the configured devices, cells,
 *              wires and converters; a spike is a binary read pulse on its row (no DAC), so a step reads only the
 *              rows that spiked; the column outputs pass the tile's sense stage and ADC (or, with the analog
 *              membrane, charge the integrator that is the membrane) and are decoded into volts.
 * The engine (snn/network.h) calls only these functions, so a new kind of synapse is one file and one table entry.
 *
 * Event-driven: `events` is given the sources that spiked in this step, ascending, and adds, for every target i,
 * sum over those sources j of W[j][i] to acc[i] (ideal: in ascending j, one addition at a time, so acc is
 * exactly what the conformance convention's loop adds).  Its cost follows the spikes, not n_in.
 * Dense: `dense` adds W^T x for analog inputs x (n_in): the direct-current input encoding drives the first
 * layer with the pixel values every step (through the tile's DACs for "xbar").
 * Learning: `learn` (NULL when the kind cannot learn) applies one step of a plasticity rule (snn/stdp.h) given the
 * step's pre- and post-synaptic spikes; "xbar" applies each weight change as programming pulses to its devices.
 *
 * Energy: each bank keeps its own tally (energy/tally.h) -- "ideal" counts nothing (its synaptic operations are
 * counted by the engine), "xbar" its tiles' (array reads, row drivers, sense, ADCs, digital) and programming.
 *
 * Contract: functions return a cim_status and set cim_errmsg() on failure; never print.  Not thread-safe: one
 * bank per thread.
 */
#ifndef CIM_SNN_SYNAPSE_H
#define CIM_SNN_SYNAPSE_H

#include "energy/tally.h"

#include <stddef.h>
#include <stdint.h>

struct snn_synapse;

typedef struct snn_synapse_type {
    const char *name;  /* "ideal", "xbar" */
    const char *what;  /* one line for summaries */
    /* acc[0 .. n_out) += sum over the n sources src[0 .. n) (ascending, distinct) of their rows of W. */
    int (*events)(struct snn_synapse *s, const uint32_t *src, size_t n, double *acc);
    /* acc[0 .. n_out) += W^T x, x[0 .. n_in) analog inputs in [0, 1]. */
    int (*dense)(struct snn_synapse *s, const double *x, double *acc);
    /* One step of plasticity at step t: the pre spikes (n_pre sources, ascending) and the post spikes (n_post
     * targets, ascending) of this step.  NULL: the bank does not learn. */
    int (*learn)(struct snn_synapse *s, uint64_t t, const uint32_t *pre, size_t n_pre, const uint32_t *post,
                 size_t n_post);
    /* The weights the bank holds now (n_in x n_out, volts): for ideal, W; for xbar, what its devices hold decoded
     * through the mapping (noiseless reads). */
    int (*weights)(struct snn_synapse *s, double *w);
    void (*destroy)(struct snn_synapse *s);
} snn_synapse_type;

typedef struct snn_synapse {
    const snn_synapse_type *type;
    size_t n_in, n_out;
    energy_tally tally; /* the bank's energy (its only writer is the bank) */
    void *impl;         /* the kind's own state */
} snn_synapse;

/* Ideal synapses holding a copy of w (n_in x n_out, volts, finite).  CIM_EINVAL for a zero size or a non-finite
 * weight (naming its row and column). */
int snn_synapse_ideal_new(snn_synapse *out, size_t n_in, size_t n_out, const double *w);

/* Frees the bank (NULL type: nothing). */
void snn_synapse_free(snn_synapse *s);

/* How a network's maker asks for the bank of layer l (1 .. L) from its weights w (n_in x n_out, volts): the one place
 * where the kind of synapse is chosen.  snn_synapse_maker_ideal makes ideal banks (ctx unused); a maker that maps the
 * weights onto crossbar tiles ("xbar") takes its configuration through ctx.  Returns a cim_status; on failure *out is
 * left empty (type NULL). */
typedef int (*snn_synapse_maker)(void *ctx, size_t l, size_t n_in, size_t n_out, const double *w, snn_synapse *out);
int snn_synapse_maker_ideal(void *ctx, size_t l, size_t n_in, size_t n_out, const double *w, snn_synapse *out);

#endif
