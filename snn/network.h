/* snn/network.h -- a layered spiking network and its time-step engine.
 *
 * Layers 1 .. L of neurons (snn/neuron.h: one type and parameter set per layer); layer l receives the spikes of
 * layer l - 1 (layer 0: the input channels) through its synapse bank (snn/synapse.h).  Time advances in steps of
 * dt_s; within a step the phases run in this fixed, named order (Brian2's idea of a schedule, fixed here):
 *   1. inputs     -- the caller hands the input channels' spikes of this step (or analog values: the direct-current
 *                    encoding);
 *   2. reads      -- for each layer in order, its bank turns the spikes of its source layer into each neuron's input
 *                    (event-driven: only the sources that spiked are read); with inter_layer_delay_steps = 0 layer
 *                    l reads layer l - 1's spikes of this same step, with 1 those of the previous step (layer 1
 *                    reads the inputs of this step at either delay: an input spike at step t acts at step t);
 *   3. integrate  -- leak, then add the input (refractory neurons discard it).  The engine runs the leak first and
 *                    has the bank add its jumps into the leaked membrane, one at a time in ascending source order
 *                    (neuron_type's leak, the bank's events, then fire): so reads and integrate interleave, which is
 *                    what makes the sum v alpha + w_1 + w_2 + ... the convention's, bit for bit;
 *   4. threshold  -- v >= v_th spikes (an exact tie spikes);
 *   5. reset      -- to v_reset or by subtracting v_th; the refractory counter starts;
 *   6. learn      -- banks that learn (snn/stdp.h) see the step's pre and post spikes;
 *   7. record     -- the layer's spikes and membrane values of this step are available to the caller.
 * Phases 2-5 run layer by layer (layer l's threshold before layer l + 1's read, so a spike crosses every layer
 * in one step at delay 0).  This is exactly the convention of tests/conformance/snn/README.md.
 *
 * Counts (for the energy report and the neuromorphic baseline): input spikes, spikes of every layer, synaptic
 * operations (one per spike per target it reaches: a dense bank's n_out per spike; an analog input counts as a spike
 * when it is nonzero), neuron updates with input (a neuron that is not refractory in a step where its layer's bank
 * received at least one spike) and without (every other neuron of every step).  The cost of a step is the banks'
 * events plus O(n) per layer for the neurons: time follows the spikes, not the size of W.
 *
 * Contract: returns a cim_status and sets cim_errmsg() on failure; never prints.  Not thread-safe: one network per
 * thread (a classification run over many samples gives each thread its own copy).
 */
#ifndef CIM_SNN_NETWORK_H
#define CIM_SNN_NETWORK_H

#include "energy/baseline.h"
#include "energy/tally.h"
#include "snn/neuron.h"
#include "snn/synapse.h"

#include <stddef.h>
#include <stdint.h>

typedef struct snn_layer_spec {
    size_t n;              /* neurons */
    neuron_params neuron;  /* their type and parameters */
    snn_synapse syn;       /* from the previous layer (layer 1: the inputs); n_in must be the previous layer's size */
} snn_layer_spec;

typedef struct snn_net_spec {
    size_t n_in;               /* input channels */
    size_t n_layers;           /* L >= 1 */
    snn_layer_spec *layers;    /* L entries; the network takes their synapse banks (they are zeroed here) */
    double dt_s;               /* step, for neuron types that derive their decay from tau_m_s */
    int delay_steps;           /* inter-layer delay: 0 or 1 */
} snn_net_spec;

typedef struct snn_counts {
    uint64_t steps;            /* every step since snn_net_new (snn_net_reset keeps counting) */
    uint64_t in_spikes;        /* input channel spikes */
    uint64_t spikes;           /* neuron spikes, every layer */
    uint64_t sop;              /* synaptic operations: spikes x fan-out (inputs' included) */
    uint64_t updates_active;   /* neuron updates in a step with input */
    uint64_t updates_idle;     /* neuron updates without */
} snn_counts;

typedef struct snn_net snn_net;

/* CIM_EINVAL for sizes that do not chain, a delay other than 0 or 1, neuron parameters that fail their check (the
 * message names the layer and the key).  On success the network has taken the banks (s->layers[l].syn zeroed); on
 * failure s is untouched and the banks are still the caller's to free. */
int snn_net_new(snn_net **out, snn_net_spec *s);
void snn_net_free(snn_net *n);

/* Every neuron to its v_init, refractory counters and adaptation to 0, delay buffers empty, the step number `learn`
 * is given to 0 (the counts are kept: one network classifies many samples). */
void snn_net_reset(snn_net *n);

/* One step.  Input spikes: in[0 .. n_spk) channel indices, ascending and distinct (CIM_EINVAL otherwise); or,
 * with x_analog != NULL (n_in values), the analog input of the direct-current encoding (in is then ignored).  A bank
 * that fails mid-step leaves the step half done: reset the network before using it again. */
int snn_net_step(snn_net *n, const uint32_t *in, size_t n_spk, const double *x_analog);

size_t snn_net_layers(const snn_net *n);
size_t snn_net_size(const snn_net *n, size_t l);           /* l = 1 .. L; 0: the inputs */
/* Layer l's spikes of the last step (ascending), their count returned; l = 0: the input spikes. */
size_t snn_net_spikes(const snn_net *n, size_t l, const uint32_t **idx);
/* Layer l's membrane values at the end of the last step (after reset). */
const double *snn_net_v(const snn_net *n, size_t l);
/* The bank feeding layer l. */
snn_synapse *snn_net_synapse(snn_net *n, size_t l);
const snn_counts *snn_net_counts(const snn_net *n);

#endif
