/* energy/baseline.h -- the same counted work priced on two other machines (config group `baseline`): a von Neumann
 * processor that fetches its weights from a memory, and a digital neuromorphic chip of the Loihi class.
 *
 * The work (energy_work) is what a workload counts, whichever machine runs it: multiply-accumulates, weights,
 * input and output activations with their bit widths, the vectors processed.  Technology figures come from the
 * `tech` group (energy/tech.h).  Each baseline returns an energy_tally, so its total is the sum of its parts and
 * the report splits it into compute and data movement like the design's.
 *
 * Von Neumann (weights are not stationary: they come to the arithmetic).  With F = ceil(n_vectors / batch) weight
 * fetch rounds (each fetched weight serves `batch` vectors before it is fetched again), b = max(w_bits, x_bits),
 * e_W the per-bit energy of the weights' level `memory` and e_X that of the activations' level `act_memory`
 * (tech_mem_J_per_bit), e_wire the on-chip wire energy per bit per mm:
 *
 *   DIGITAL   n_mac * E_mac(b)                                      (tech_e_mac_J; or the fp16/fp32 add + multiply)
 *   weights   B_W = n_weights * w_bits * F bits, each costing e_W to read and e_wire * d_weight_mm to carry;
 *             the read goes to OFFCHIP when memory is "dram", to ONCHIP otherwise; the carrying to ONCHIP
 *   acts      B_X = n_inputs * x_bits + n_outputs * y_bits bits (each input read once per vector and held while it
 *             meets its row of weights; each output written once), each costing e_X + e_wire * d_act_mm (ONCHIP,
 *             the access to OFFCHIP if act_memory is "dram")
 *
 * which is, per MAC, E_MAC + E_fetch,W / (batch x reuse of a weight within a vector, here 1) + E_fetch,X / (the
 * fan-out of an input) + the wire energy.  The events of ONCHIP and OFFCHIP are bits moved, each bit counted once
 * per category.  Memory accesses count as data movement: the energy of bringing a bit from where it is kept to where
 * it is used, in both this baseline and the design (energy/report.h).  For layers of different widths price each
 * layer and merge the tallies: the formulas are linear in the counts.
 *
 * Neuromorphic (Loihi-class; Davies et al., IEEE Micro 38(1) 2018, Table 2: pre-silicon figures at 0.75 V, no
 * static power): energy per synaptic operation e_sop_J (23.6 pJ: a spike arriving at one synapse and its weight
 * added into the target's input), per neuron update e_neuron_active_J (81 pJ) or e_neuron_inactive_J (52 pJ), per
 * spike sent within a tile e_spike_J (1.7 pJ), per tile-to-tile hop e_hop_J (3.0 pJ, east-west).  Not 27.1 pJ per
 * synaptic op: that figure adds the table's 3.5 ns time row to the energy row.
 *
 *   DIGITAL  n_sop * e_sop_J                    NEURON  n_active * e_neuron_active_J + n_inactive * e_neuron_inactive_J
 *   ONCHIP   n_spikes * e_spike_J + n_hops * e_hop_J   (events 0: these are spike messages, not bits; the counts
 *            are in neuro_counts)
 *
 * An MVM as synaptic operations (neuro_counts_mvm): a rate-coded input of b bits with code q_i (its magnitude, 0 ..
 * 2^b - 1; a signed input spikes on a positive or a negative channel, the same count) emits q_i spikes over
 * T = 2^b - 1 time steps; each spike is one message (n_spikes = sum_i q_i) and touches every synapse of its row
 * (n_sop = cols * sum_i q_i).  Each of the cols output neurons is updated every step (cols * T updates); a neuron is
 * active in the steps in which at least one input spikes, taking each input's spikes in its first q_i steps, so
 * n_active = cols * max_i q_i and n_inactive = cols * (T - max_i q_i) (the fewest active steps any schedule gives;
 * spreading spikes out could make up to min(T, sum_i q_i) steps active).  One core holds the layer: no hops.  The
 * spiking layers (snn/) pass their own counts.
 *
 * Contract: no function here fails, allocates or prints (the check reports through cim_error naming the key).
 */
#ifndef CIM_ENERGY_BASELINE_H
#define CIM_ENERGY_BASELINE_H

#include "core/param.h"
#include "energy/tally.h"
#include "energy/tech.h"

#include <stddef.h>
#include <stdint.h>

/* What a workload counts, over the whole run (every vector, every layer). */
typedef struct energy_work {
    uint64_t n_mac;     /* multiply-accumulates */
    uint64_t n_weights; /* weights held (each layer's matrix, summed) */
    int w_bits;         /* bits per weight */
    uint64_t n_inputs;  /* input activations read: each layer's inputs, once per vector */
    int x_bits;         /* bits per input activation */
    uint64_t n_outputs; /* output activations written: each layer's outputs, once per vector */
    int y_bits;         /* bits per output activation */
    uint64_t n_vectors; /* input vectors processed (per layer: a network's layers see the same vectors) */
    uint64_t n_layers;  /* layers (informational) */
} energy_work;

/* The work of n_vectors products of one rows x cols weight matrix: n_mac = rows cols n_vectors, n_weights = rows
 * cols, n_inputs = rows n_vectors, n_outputs = cols n_vectors, one layer. */
energy_work energy_work_mvm(size_t rows, size_t cols, uint64_t n_vectors, int w_bits, int x_bits, int y_bits);

/* The arithmetic of the von Neumann baseline. */
enum baseline_mac { BASELINE_MAC_INT, BASELINE_MAC_FP16, BASELINE_MAC_FP32 };
extern const char *const baseline_mac_names[]; /* "int", "fp16", "fp32"; NULL-terminated */

/* The `baseline` configuration group. */
typedef struct baseline_params {
    int memory;          /* enum tech_mem: where the von Neumann machine keeps its weights */
    int act_memory;      /* enum tech_mem: where it keeps its activations */
    int mac;             /* enum baseline_mac */
    long long batch;     /* vectors served by one fetch of the weights */
    double e_sop_J;             /* neuromorphic: one synaptic operation */
    double e_neuron_active_J;   /* one update of a neuron that integrates input */
    double e_neuron_inactive_J; /* one update of an idle neuron */
    double e_spike_J;           /* one spike message within a tile */
    double e_hop_J;             /* one tile-to-tile hop of a spike message */
} baseline_params;

extern const param_group baseline_group;
baseline_params baseline_params_default(void);
int baseline_params_check(const baseline_params *p);

/* Weight fetch rounds: ceil(n_vectors / batch) (0 vectors: 0). */
uint64_t baseline_fetch_rounds(const baseline_params *p, uint64_t n_vectors);
/* Energy of one MAC of the von Neumann machine: tech_e_mac_J(max(w_bits, x_bits)), or the fp16 / fp32 multiply
 * plus add. */
double baseline_mac_J(const baseline_params *p, const tech_params *t, const energy_work *w);

/* The von Neumann machine's energy for w, added to out (formulas above). */
void baseline_von_neumann(const baseline_params *p, const tech_params *t, const energy_work *w, energy_tally *out);

/* The CIM design's own data movement for w, added to out: its weights stay in the arrays; its activations
 * (B_X bits as above) are read from and written to its buffer, e_buffer_J_per_bit + e_wire * d_act_mm each (ONCHIP).
 * With act_memory = "buffer" the von Neumann machine pays the same for its activations, so the saving on data
 * movement is the weights' movement alone. */
void baseline_cim_movement(const tech_params *t, const energy_work *w, energy_tally *out);

/* Counts of a neuromorphic run. */
typedef struct neuro_counts {
    uint64_t n_sop;      /* synaptic operations */
    uint64_t n_active;   /* neuron updates with input */
    uint64_t n_inactive; /* neuron updates without */
    uint64_t n_spikes;   /* spike messages within a tile */
    uint64_t n_hops;     /* tile-to-tile hops of spike messages */
} neuro_counts;

/* One MVM of the input codes q[0..rows) (each 0 .. 2^bits - 1; larger codes are clamped) on a rows x cols layer,
 * rate-coded over 2^bits - 1 steps (counts as above); bits 0..32 (clamped to that range). */
neuro_counts neuro_counts_mvm(const uint64_t *q, size_t rows, size_t cols, int bits);
/* dst += src. */
void neuro_counts_add(neuro_counts *dst, const neuro_counts *src);
/* The neuromorphic machine's energy for c, added to out. */
void baseline_neuromorphic(const baseline_params *p, const neuro_counts *c, energy_tally *out);

#endif
