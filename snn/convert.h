/* snn/convert.h -- a trained artificial network (snn/train.h) turned into a rate-coded spiking one: weights in
 * volts and the bias as an input channel, by data-based weight normalization (config group `convert`).
 *
 * Source: Diehl et al. 2015 (normalize each layer's weights so that its largest activation on the training set
 * drives a neuron to threshold in one step) and Rueckauer et al. 2017 (use the p-th percentile of the positive
 * activations instead of the maximum, p = 99.9: one outlier no longer shrinks every other rate; biases become
 * inputs of their own).  The single-layer case is, exactly, the recipe that gives the reference 91.78% on the
 * digits (data/README.md): weights c [W; b], c = scale v_th / q, q the 99.9th percentile of the positive training
 * logits, scale = 0.5.
 *
 * Rates.  Under a rate code a source j spikes in a fraction r_j of the steps; an input channel carrying x spikes
 * at r = x (snn/encode.h), the bias channel at r = 1 (every step).  A neuron that integrates w_j per spike of j and
 * spikes at v_th fires at about r_i = sum_j w_j r_j / v_th (integrate-and-fire, reset by subtraction; the leak and
 * a reset to zero lower it).  Layer l of the ANN computes a_l = f(a_{l-1} W_l + b_l); its normalizer lambda_l is the
 * p-th percentile (linear interpolation between order statistics, numpy's default) of the positive entries of a_l
 * over the training set (for the last layer: of the logits).  The spiking layer l is built so that its rates are
 *      r_l = scale a_l / lambda_l
 * given sources whose rates are u_j a_j, u_j the source's rate per unit of activation (inputs and bias: 1; a
 * neuron of spiking layer l - 1: scale / lambda_{l-1}):
 *      w_l[j][i] = v_th scale W_l[j][i] / (lambda_l u_j),   bias row  w_l[bias][i] = v_th scale b_l[i] / lambda_l.
 * So layer 1 has w = v_th scale W_1 / lambda_1 (Diehl's factor with the headroom scale), a hidden-to-hidden layer
 * w = v_th W_l lambda_{l-1} / lambda_l (Diehl's lambda ratio), and every rate stays at or below about scale for
 * all but 1 - p/100 of the activations.  Output: the neuron with the most spikes (convert_readout).
 *
 * Bias channel (convert.bias): input channel d (after the d data channels) spikes every step.  A deeper layer
 * needs a source spiking every step too: each hidden layer gets one more neuron, last, its "relay", driven from
 * the previous layer's bias source by w_relay = v_th - min(0, v_reset_V, v_rest_V, v_init_V), which makes it spike
 * every step with either reset (its membrane after the leak is never below that minimum) provided it has no
 * refractory period and no adaptation -- so a relay with t_ref_steps > 0 or dv_th_V != 0 is refused.  The weights
 * are then exactly a network directory (params.json, W.csv / W1.csv, W2.csv, ...: snn/network.h's format, row j
 * = source j, volts, "%.17g"), which convert_save writes and `cimsim snn --network` runs.
 *
 * Contract: returns a cim_status and sets cim_errmsg() on failure; never prints.
 */
#ifndef CIM_SNN_CONVERT_H
#define CIM_SNN_CONVERT_H

#include "core/param.h"
#include "snn/digits.h"
#include "snn/neuron.h"
#include "snn/train.h"

#include <stddef.h>
#include <stdint.h>

/* The config group `convert`. */
typedef struct convert_params {
    double percentile;  /* p: lambda_l is the p-th percentile of layer l's positive training activations */
    double scale;       /* the rate (spikes per step) the p-th percentile activation is mapped to */
    int bias;           /* 1: biases through a channel spiking every step (and a relay neuron per hidden layer) */
} convert_params;

extern const param_group convert_group;
convert_params convert_params_default(void);

/* A converted network: layer l (1 .. L) has size[l] neurons fed by the size[l-1] sources before it. */
typedef struct snn_conv {
    size_t n_layers;                  /* L, as the ANN's */
    size_t size[ANN_MAX_LAYERS + 1];  /* size[0] input channels (d, + 1 with the bias channel); hidden layers
                                       * count their relay */
    double *w[ANN_MAX_LAYERS];        /* w[l - 1]: size[l-1] x size[l], volts */
    double lambda[ANN_MAX_LAYERS];    /* lambda[l - 1]: layer l's normalizer (activation units) */
    size_t n_data;                    /* d: the data channels are inputs 0 .. d-1 */
    int bias;                         /* 1: input d is the bias channel; the last neuron of each hidden layer its
                                       * relay */
} snn_conv;

/* The percentile (0 <= p <= 100; numpy's linear interpolation) of the n values a, which it sorts.  NaN if n = 0. */
double convert_percentile(double *a, size_t n, double p);

/* Converts a for neurons np (v_th_V and, for the relays, the reset and refractory fields) using the training set's
 * activations.  CIM_EINVAL for a layer with no positive activation on s, features that do not match the network,
 * a relay that cannot spike every step (above), CIM_ECONFIG for parameters out of range. */
int convert_ann(const convert_params *p, const ann *a, const dataset *s, const neuron_params *np, snn_conv *out);
void snn_conv_free(snn_conv *c);

/* The class a spiking output layer gives: the most spikes; ties to the larger final membrane value v (may be NULL),
 * then to the lower index. */
size_t convert_readout(const uint64_t *spikes, const double *v, size_t n);

/* Writes c as a network directory dir (made if missing): params.json (the neuron parameters np with the per-step
 * decay alpha = np->alpha, or exp(-dt_s / tau_m_s) if that is 0, decimal and hex; T_steps per sample; K; layer
 * sizes; inter_layer_delay_steps 0; the weight files; "bias_channel" when c has one) and W.csv (one layer) or
 * W1.csv, W2.csv, ...  CIM_EIO naming the path that cannot be written. */
int convert_save(const snn_conv *c, const neuron_params *np, double dt_s, long long T_steps, const char *dir);

#endif
