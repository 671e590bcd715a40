/* snn/netdir.h -- a spiking network given as a directory: how users bring their own trained weights and spike trains.
 *
 * The format is the conformance cases' (tests/conformance/snn/README.md, "A case directory"):
 *   params.json  alpha and/or alpha_hex (the decay per step, used literally; when both are given they must be the same
 *                number, and the hex literal is the one used), or instead tau_m_ms and dt_ms (alpha = exp(-dt/tau_m));
 *                v_th, v_reset (volts); t_ref_steps; T_steps; K (input channels); layer_sizes (K first, then each
 *                layer's neurons); weights (file names, in layer order, relative to the directory).  Optional:
 *                v_rest (0), v_init (v_rest), inter_layer_delay_steps (0; 0 or 1), dt_ms, tau_m_ms, and cimsim's own
 *                reset ("value", the format's convention, or "subtract").  Other keys (description, seed, ...) are
 *                ignored.
 *   W files      no header; row j = source j, column i = target i; volts; sizes from layer_sizes.
 *   inputs.csv   header step,channel; one line per input spike, sorted by step, then channel, without repeats;
 *                0 <= step < T_steps, 0 <= channel < K (a header alone: no input spikes).
 * Every layer is the LIF of snn/lif.c with these parameters (alpha = 1 makes it the IF neuron).
 *
 * Contract: never prints; bad input is CIM_EIO with a message naming the file, the line where there is one, and the
 * key or column ("net/params.json:7: key \"K\": expected an integer >= 1, got 2.5"; "net/inputs.csv:12: channel 64 is
 * outside [0, 63] (K = 64)").
 */
#ifndef CIM_SNN_NETDIR_H
#define CIM_SNN_NETDIR_H

#include "snn/network.h"
#include "snn/neuron.h"
#include "snn/synapse.h"

#include <stddef.h>
#include <stdint.h>

typedef struct snn_netdir {
    char *dir;               /* as given */
    size_t n_layers;         /* L >= 1 */
    size_t *sizes;           /* L + 1 entries: K, then each layer's neurons */
    neuron_params neuron;    /* every layer's neurons (type "lif", alpha as given or 0 to derive it) */
    double dt_s;             /* dt_ms / 1000; 0 when the file gives none */
    long long T_steps;
    int delay_steps;         /* inter_layer_delay_steps */
    double **w;              /* L matrices: w[l] is sizes[l] x sizes[l + 1] (layer l + 1's bank), row-major */
    char **w_path;           /* their paths (dir/name) */
    size_t n_in_spk;         /* input spikes in all */
    long long *in_step;      /* n_in_spk spikes, as in inputs.csv: sorted by step, then channel */
    uint32_t *in_channel;
    char *params_path, *inputs_path;
    uint64_t params_fnv, inputs_fnv, *w_fnv; /* FNV-1a 64 fingerprints of the files (provenance) */
} snn_netdir;

/* Loads and checks dir.  CIM_EIO naming the file, line and key or column on bad input; d is then empty (safe to
 * free). */
int snn_netdir_load(snn_netdir *d, const char *dir);
void snn_netdir_free(snn_netdir *d);

/* The network of d, each layer's bank made by make(ctx, l, n_in, n_out, w) (snn_synapse_maker_ideal: ideal
 * synapses; a maker for crossbar tiles takes its configuration through ctx). */
int snn_netdir_network(const snn_netdir *d, snn_synapse_maker make, void *ctx, snn_net **out);

/* The input channels of step t (ascending), their count returned. */
size_t snn_netdir_inputs(const snn_netdir *d, long long t, const uint32_t **ch);

#endif
