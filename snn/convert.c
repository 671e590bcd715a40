/* snn/convert.c -- see convert.h. */
#include "snn/convert.h"
#include "core/status.h"
#include "core/xalloc.h"

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const param_spec convert_spec[] = {
    PARAM_REAL_F(convert_params, percentile, 50, 100, 99.9, "1",
                 "each layer's normalizer is this percentile of its positive activations on the training set "
                 "(99.9 [Rueckauer2017]; 100 is the maximum of [Diehl2015])"),
    PARAM_REAL_F(convert_params, scale, 1e-6, 1, 0.5, "1",
                 "rate, in spikes per step, that the normalizer's activation is mapped to: weights scale v_th W / "
                 "lambda (0.5, the recipe of the reference converted SNN [digits reference])"),
    PARAM_BOOL_F(convert_params, bias, 1,
                 "biases as an input channel that spikes every step, and a relay neuron per hidden layer (the "
                 "reference recipe [digits reference]; biases as inputs [Rueckauer2017])"),
    PARAM_END,
};

const param_group convert_group = {
    .path = "convert",
    .doc = "Conversion of the trained network into a rate-coded spiking one (snn/convert.h): data-based weight "
           "normalization by a percentile of each layer's positive activations, weights in volts from the neurons' "
           "threshold, biases through a channel that spikes every step.",
    .params = convert_spec,
    .size = sizeof(convert_params),
};

convert_params convert_params_default(void)
{
    convert_params p;
    param_defaults(&convert_group, &p);
    return p;
}

double convert_percentile(double *a, size_t n, double p)
{
    if (n == 0)
        return NAN;
    gsl_sort(a, 1, n);
    /* GSL's quantile is numpy's "linear": index f (n - 1), interpolated between its neighbours. */
    return gsl_stats_quantile_from_sorted_data(a, 1, n, p / 100.0);
}

void snn_conv_free(snn_conv *c)
{
    if (c == NULL)
        return;
    for (size_t l = 0; l < ANN_MAX_LAYERS; l++)
        free(c->w[l]);
    *c = (snn_conv){0};
}

int convert_ann(const convert_params *p, const ann *a, const dataset *s, const neuron_params *np, snn_conv *out)
{
    *out = (snn_conv){0};
    const size_t L = a->n_layers;
    if (L < 1)
        return cim_error(CIM_EINVAL, "convert: the network is empty");
    if (s->d != a->size[0] || s->n == 0)
        return cim_error(CIM_EINVAL, "convert: the training set has %zu samples of %zu features; the network takes %zu",
                         s->n, s->d, a->size[0]);
    if (!(p->percentile >= 50 && p->percentile <= 100))
        return cim_error(CIM_ECONFIG, "percentile (%g) must be in [50, 100]", p->percentile);
    if (!(p->scale > 0 && p->scale <= 1))
        return cim_error(CIM_ECONFIG, "scale (%g) must be in (0, 1]: a neuron spikes at most once per step", p->scale);
    if (!(np->v_th_V > 0) || !isfinite(np->v_th_V))
        return cim_error(CIM_EINVAL, "convert: v_th_V (%g) must be positive: the weights are fractions of it",
                         np->v_th_V);
    /* dv_th_V acts only on an adaptive type (alif): a lif or if neuron ignores it. */
    int adapts = np->type >= 0 && neuron_types[np->type] != NULL && neuron_types[np->type]->adaptive &&
                 np->dv_th_V != 0;
    if (p->bias && L > 1 && (np->t_ref_steps > 0 || adapts))
        return cim_error(CIM_EINVAL,
                         "neuron.t_ref_steps (%lld) must be 0 and the threshold must not adapt (neuron.type \"%s\", "
                         "dv_th_V %g) for a network of %zu layers with convert.bias: each hidden layer's relay neuron "
                         "must spike every step",
                         np->t_ref_steps, neuron_types[np->type] ? neuron_types[np->type]->name : "?", np->dv_th_V, L);

    /* Every layer's activations on the training set, and its normalizer. */
    double *act[ANN_MAX_LAYERS];
    for (size_t l = 0; l < L; l++)
        act[l] = xmalloc(s->n * a->size[l + 1] * sizeof *act[l]);
    ann_forward(a, s->n, s->x, act);
    int st = CIM_OK;
    for (size_t l = 0; l < L && st == CIM_OK; l++) {
        const size_t m = s->n * a->size[l + 1];
        size_t k = 0;
        for (size_t q = 0; q < m; q++)
            if (act[l][q] > 0)
                act[l][k++] = act[l][q];
        out->lambda[l] = convert_percentile(act[l], k, p->percentile);
        if (k == 0 || !(out->lambda[l] > 0))
            st = cim_error(CIM_EINVAL, "convert: layer %zu has no positive activation on the training set: nothing to "
                                       "normalize by",
                           l + 1);
    }
    for (size_t l = 0; l < L; l++)
        free(act[l]);
    if (st != CIM_OK) {
        *out = (snn_conv){0};
        return st;
    }

    const int bias = p->bias != 0;
    out->n_layers = L;
    out->n_data = a->size[0];
    out->bias = bias;
    for (size_t l = 0; l <= L; l++)
        out->size[l] = a->size[l] + (size_t)(bias && l < L); /* the bias channel, then one relay per hidden layer */
    const double v_th = np->v_th_V;
    const double w_relay = v_th - fmin(0.0, fmin(np->v_reset_V, fmin(np->v_rest_V, np->v_init_V)));
    for (size_t l = 0; l < L; l++) {
        const size_t ni = a->size[l], no = a->size[l + 1], Ni = out->size[l], No = out->size[l + 1];
        double *w = out->w[l] = xcalloc(Ni * No, sizeof *w);
        /* A source of layer l's input: its rate per unit of activation u (data channels 1, hidden neurons
         * scale / lambda_{l-1}); the target's factor v_th scale / lambda_l. */
        const double u = l == 0 ? 1.0 : p->scale / out->lambda[l - 1];
        const double f = v_th * p->scale / out->lambda[l];
        for (size_t j = 0; j < ni; j++)
            for (size_t i = 0; i < no; i++)
                w[j * No + i] = f * a->W[l][j * no + i] / u;
        if (bias) {
            for (size_t i = 0; i < no; i++)
                w[ni * No + i] = f * a->b[l][i]; /* the bias source spikes every step: u = 1 */
            if (l + 1 < L)
                w[ni * No + no] = w_relay; /* this layer's relay, driven by the bias source only */
        }
    }
    return CIM_OK;
}

size_t convert_readout(const uint64_t *spikes, const double *v, size_t n)
{
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (spikes[i] > spikes[best] || (spikes[i] == spikes[best] && v != NULL && v[i] > v[best]))
            best = i;
    return best;
}

int convert_save(const snn_conv *c, const neuron_params *np, double dt_s, long long T_steps, const char *dir)
{
    if (c->n_layers < 1)
        return cim_error(CIM_EINVAL, "convert_save: the network is empty");
    if (!(dt_s > 0) || T_steps < 1)
        return cim_error(CIM_EINVAL, "convert_save: dt_s (%g) must be positive and T_steps (%lld) at least 1", dt_s,
                         T_steps);
    const double alpha = np->alpha > 0 ? np->alpha : exp(-dt_s / np->tau_m_s);
    if (!(alpha > 0 && alpha <= 1))
        return cim_error(CIM_EINVAL, "convert_save: the decay per step (%g) must be in (0, 1]", alpha);
    int st = ann_dir_make(dir);
    if (st != CIM_OK)
        return st;
    json_t *root = json_object(), *sizes = json_array(), *ws = json_array();
    char hex[64];
    snprintf(hex, sizeof hex, "%a", alpha);
    json_object_set_new(root, "dt_ms", json_real(dt_s * 1e3));
    json_object_set_new(root, "tau_m_ms", json_real(np->tau_m_s * 1e3));
    json_object_set_new(root, "alpha", json_real(alpha));
    json_object_set_new(root, "alpha_hex", json_string(hex));
    json_object_set_new(root, "v_rest", json_real(np->v_rest_V));
    json_object_set_new(root, "v_reset", json_real(np->v_reset_V));
    json_object_set_new(root, "v_init", json_real(np->v_init_V));
    json_object_set_new(root, "v_th", json_real(np->v_th_V));
    json_object_set_new(root, "t_ref_steps", json_integer(np->t_ref_steps));
    json_object_set_new(root, "reset", json_string(np->reset == NEURON_RESET_SUBTRACT ? "subtract" : "value"));
    json_object_set_new(root, "inter_layer_delay_steps", json_integer(0));
    json_object_set_new(root, "units", json_string("volts (v, v_th, v_reset, weights); dt and tau_m in "
                                                   "milliseconds; steps are integers starting at 0"));
    json_object_set_new(root, "T_steps", json_integer(T_steps));
    json_object_set_new(root, "K", json_integer((json_int_t)c->size[0]));
    if (c->bias)
        json_object_set_new(root, "bias_channel", json_integer((json_int_t)c->n_data));
    json_object_set_new(root, "description",
                        json_string("rate-coded spiking network converted from a trained network (snn/convert.h): "
                                    "data channels first, then the bias channel spiking every step; the class is "
                                    "the output neuron with most spikes"));
    for (size_t l = 0; l <= c->n_layers; l++)
        json_array_append_new(sizes, json_integer((json_int_t)c->size[l]));
    for (size_t l = 0; l < c->n_layers && st == CIM_OK; l++) {
        char wn[32];
        if (c->n_layers == 1)
            snprintf(wn, sizeof wn, "W.csv");
        else
            snprintf(wn, sizeof wn, "W%zu.csv", l + 1);
        json_array_append_new(ws, json_string(wn));
        st = ann_dir_write_matrix(dir, wn, c->w[l], c->size[l], c->size[l + 1]);
    }
    json_object_set_new(root, "weights", ws);
    json_object_set_new(root, "layer_sizes", sizes);
    if (st == CIM_OK) {
        char *text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
        st = ann_dir_write_text(dir, "params.json", text);
        free(text);
    }
    json_decref(root);
    return st;
}
