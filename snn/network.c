/* snn/network.c -- the layered spiking network and its time-step engine (see snn/network.h for the phase order).
 *
 * A step, layer by layer: the neuron type's leak turns the membranes into their leaked values, in place; the layer's
 * bank adds the input (the rows of the sources that spiked, or W^T x for analog inputs) into them, jump by jump; the
 * type's fire thresholds and resets the neurons that are not refractory and gives the refractory ones their held
 * membrane back.  Leaking first and adding
 * the jumps into the leaked membrane is what makes a LIF with v_rest = 0 the conformance convention bit for bit
 * (v alpha + w_1 + w_2 + ..., left to right).  The cost of a step is the bank's events (one row per spike) plus the
 * passes over each layer's neurons: the leak, and the threshold pass, which a layer skips in a step without input
 * when none of its neurons can fire then (fixed threshold above a rest of 0, reset by value, none refractory: the
 * leak only brings |v| down, so every v stays below the threshold it was below after the last pass).
 *
 * Delays: each layer keeps its spikes of this step and of the previous one (two buffers, swapped at the start of its
 * update); with inter-layer delay 1 layer l reads layer l - 1's previous buffer.  The inputs reach layer 1 in the
 * step they are given at either delay ("an input spike at step t acts at step t").
 */
#include "snn/network.h"
#include "core/status.h"
#include "core/xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct layer {
    size_t n;
    neuron_params p;
    neuron_derived d;
    const neuron_type *T;
    neuron_state s;
    snn_synapse syn;
    /* 1: in a step without input, with no neuron refractory, no neuron of this layer can fire (fixed threshold > 0,
     * reset by value below it, rest at 0, start below it: the leak only shrinks |v|), so fire is not called. */
    int quiet_safe;
    uint32_t *spk[2];    /* spikes of this step (spk[cur]) and of the previous one */
    size_t n_spk[2];
    int cur;
    /* What the bank read this step (for learn). */
    const uint32_t *src;
    size_t n_src;
} layer;

struct snn_net {
    size_t n_in, L;
    layer *lay;         /* lay[0 .. L): layer l is lay[l - 1] */
    int delay;
    double dt_s;
    uint32_t *in;       /* the last step's input spikes */
    size_t n_in_spk;
    int analog;         /* the last step's input was analog */
    uint64_t t;         /* steps since the last reset */
    snn_counts c;
};

int snn_net_new(snn_net **out, snn_net_spec *s)
{
    *out = NULL;
    if (s->n_in == 0 || s->n_in > UINT32_MAX)
        return cim_error(CIM_EINVAL, "network: %zu input channels (expected 1 to 2^32 - 1)", s->n_in);
    if (s->n_layers == 0 || s->layers == NULL)
        return cim_error(CIM_EINVAL, "network: no layers of neurons");
    if (s->delay_steps != 0 && s->delay_steps != 1)
        return cim_error(CIM_EINVAL, "network: inter-layer delay %d steps; 0 and 1 are supported", s->delay_steps);
    if (!(s->dt_s >= 0) || !isfinite(s->dt_s))
        return cim_error(CIM_EINVAL, "network: the step dt_s (%g) must be finite and >= 0", s->dt_s);
    size_t prev = s->n_in;
    for (size_t l = 0; l < s->n_layers; l++) {
        const snn_layer_spec *ls = &s->layers[l];
        if (ls->n == 0 || ls->n > UINT32_MAX)
            return cim_error(CIM_EINVAL, "network: layer %zu has %zu neurons (expected 1 to 2^32 - 1)", l + 1, ls->n);
        if (ls->syn.type == NULL)
            return cim_error(CIM_EINVAL, "network: layer %zu has no synapse bank", l + 1);
        if (ls->syn.n_in != prev || ls->syn.n_out != ls->n)
            return cim_error(CIM_EINVAL,
                             "network: layer %zu's synapses are %zu x %zu; expected %zu (%s) x %zu (its neurons)",
                             l + 1, ls->syn.n_in, ls->syn.n_out, prev, l == 0 ? "the input channels" : "the layer before",
                             ls->n);
        neuron_derived d;
        int st = neuron_derive(&ls->neuron, s->dt_s, &d);
        if (st != CIM_OK)
            return cim_error_prefix(st, "network: layer %zu: neuron.", l + 1);
        prev = ls->n;
    }

    snn_net *n = xcalloc(1, sizeof *n);
    n->n_in = s->n_in;
    n->L = s->n_layers;
    n->delay = s->delay_steps;
    n->dt_s = s->dt_s;
    n->in = xmalloc(s->n_in * sizeof *n->in);
    n->lay = xcalloc(s->n_layers, sizeof *n->lay);
    for (size_t l = 0; l < s->n_layers; l++) {
        layer *y = &n->lay[l];
        snn_layer_spec *ls = &s->layers[l];
        y->n = ls->n;
        y->p = ls->neuron;
        neuron_derive(&y->p, s->dt_s, &y->d); /* checked above */
        y->T = neuron_types[y->p.type];
        y->quiet_safe = !y->T->adaptive && y->p.v_rest_V == 0 && y->p.v_th_V > 0 &&
                        y->p.reset == NEURON_RESET_VALUE && y->p.v_init_V < y->p.v_th_V;
        neuron_state_init(&y->s, &y->p, y->n);
        y->syn = ls->syn; /* taken */
        memset(&ls->syn, 0, sizeof ls->syn);
        y->spk[0] = xmalloc(y->n * sizeof *y->spk[0]);
        y->spk[1] = xmalloc(y->n * sizeof *y->spk[1]);
    }
    *out = n;
    return CIM_OK;
}

void snn_net_free(snn_net *n)
{
    if (n == NULL)
        return;
    for (size_t l = 0; l < n->L; l++) {
        layer *y = &n->lay[l];
        neuron_state_destroy(&y->s);
        snn_synapse_free(&y->syn);
        free(y->spk[0]);
        free(y->spk[1]);
    }
    free(n->lay);
    free(n->in);
    free(n);
}

void snn_net_reset(snn_net *n)
{
    for (size_t l = 0; l < n->L; l++) {
        layer *y = &n->lay[l];
        neuron_state_reset(&y->s, &y->p);
        y->n_spk[0] = y->n_spk[1] = 0;
        y->src = NULL;
        y->n_src = 0;
    }
    n->n_in_spk = 0;
    n->analog = 0;
    n->t = 0;
}

int snn_net_step(snn_net *n, const uint32_t *in, size_t n_spk, const double *x_analog)
{
    if (x_analog == NULL) {
        if (n_spk > n->n_in)
            return cim_error(CIM_EINVAL, "network: %zu input spikes in one step from %zu channels", n_spk, n->n_in);
        for (size_t k = 0; k < n_spk; k++) {
            if (in[k] >= n->n_in)
                return cim_error(CIM_EINVAL, "network: input channel %lu is outside the %zu channels",
                                 (unsigned long)in[k], n->n_in);
            if (k > 0 && in[k] <= in[k - 1])
                return cim_error(CIM_EINVAL, "network: input channels must be ascending and distinct (%lu after %lu)",
                                 (unsigned long)in[k], (unsigned long)in[k - 1]);
        }
        if (n_spk > 0)
            memcpy(n->in, in, n_spk * sizeof *in);
        n->n_in_spk = n_spk;
        n->analog = 0;
        n->c.in_spikes += n_spk;
    } else {
        n->n_in_spk = 0;
        n->analog = 1;
    }

    for (size_t l = 0; l < n->L; l++) {
        layer *y = &n->lay[l];
        y->cur ^= 1; /* spk[cur ^ 1] is now the previous step's */
        /* 2. reads: the spikes this layer's bank sees */
        const uint32_t *src;
        size_t n_src;
        if (l == 0) {
            src = n->in;
            n_src = n->n_in_spk;
        } else {
            const layer *x = &n->lay[l - 1];
            int b = n->delay == 0 ? x->cur : x->cur ^ 1;
            src = x->spk[b];
            n_src = x->n_spk[b];
        }
        y->src = src;
        y->n_src = n_src;
        /* 3. integrate: leak, then the jumps added into the leaked membrane (in place) */
        y->T->leak(&y->p, &y->d, &y->s);
        int st = CIM_OK, got_input = n_src > 0;
        uint64_t sop = (uint64_t)n_src * y->n;
        if (l == 0 && n->analog) {
            st = y->syn.type->dense(&y->syn, x_analog, y->s.v);
            size_t nz = 0;
            for (size_t j = 0; j < n->n_in; j++)
                nz += x_analog[j] != 0;
            got_input = nz > 0;
            sop = (uint64_t)nz * y->n;
        } else if (n_src > 0)
            st = y->syn.type->events(&y->syn, src, n_src, y->s.v);
        if (st != CIM_OK)
            return cim_error_prefix(st, "network: layer %zu: ", l + 1);
        /* 4-5. threshold and reset (a quiet layer that cannot fire: nothing to do, every neuron is awake) */
        size_t awake = y->n;
        if (got_input || !y->quiet_safe || y->s.n_ref > 0)
            y->n_spk[y->cur] = y->T->fire(&y->p, &y->d, &y->s, y->spk[y->cur], &awake);
        else
            y->n_spk[y->cur] = 0;
        size_t active = got_input ? awake : 0;
        n->c.sop += sop;
        n->c.spikes += y->n_spk[y->cur];
        n->c.updates_active += active;
        n->c.updates_idle += y->n - active;
    }
    /* 6. learn */
    for (size_t l = 0; l < n->L; l++) {
        layer *y = &n->lay[l];
        if (y->syn.type->learn == NULL)
            continue;
        int st = y->syn.type->learn(&y->syn, n->t, y->src, y->n_src, y->spk[y->cur], y->n_spk[y->cur]);
        if (st != CIM_OK)
            return cim_error_prefix(st, "network: layer %zu: ", l + 1);
    }
    /* 7. record: the caller reads snn_net_spikes and snn_net_v */
    n->t++;
    n->c.steps++;
    return CIM_OK;
}

size_t snn_net_layers(const snn_net *n) { return n->L; }

size_t snn_net_size(const snn_net *n, size_t l)
{
    if (l == 0)
        return n->n_in;
    return l <= n->L ? n->lay[l - 1].n : 0;
}

size_t snn_net_spikes(const snn_net *n, size_t l, const uint32_t **idx)
{
    if (l == 0) {
        *idx = n->in;
        return n->n_in_spk;
    }
    if (l > n->L) {
        *idx = NULL;
        return 0;
    }
    const layer *y = &n->lay[l - 1];
    *idx = y->spk[y->cur];
    return y->n_spk[y->cur];
}

const double *snn_net_v(const snn_net *n, size_t l) { return l >= 1 && l <= n->L ? n->lay[l - 1].s.v : NULL; }

snn_synapse *snn_net_synapse(snn_net *n, size_t l) { return l >= 1 && l <= n->L ? &n->lay[l - 1].syn : NULL; }

const snn_counts *snn_net_counts(const snn_net *n) { return &n->c; }
