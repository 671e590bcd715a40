/* snn/neuron.c -- the neuron registry, the config group `neuron`, its check, the derived values and the state of a
 * population (see snn/neuron.h; the models themselves are snn/lif.c, snn/if.c, snn/alif.c).
 *
 * Defaults: the leaky integrate-and-fire neuron of Brunel and Hakim's network as Brian2 ships it (tau_m 20 ms,
 * threshold 20 mV above rest, refractory period 2 ms [Brunel-Hakim1999]), with the membrane measured from rest
 * (v_rest = 0) and reset to rest (v_reset = 0), the convention of the conformance cases (tests/conformance/snn/).
 * A refractory period is an integer number of steps: 2 at the default 1 ms step.
 */
#include "snn/neuron.h"
#include "core/status.h"
#include "core/xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const neuron_type *const neuron_types[] = {&neuron_lif, &neuron_if, &neuron_alif, NULL};
const char *const neuron_type_names[] = {"lif", "if", "alif", NULL};
const char *const neuron_reset_names[] = {"value", "subtract", NULL};

const neuron_type *neuron_type_find(const char *name)
{
    for (size_t k = 0; name != NULL && neuron_types[k] != NULL; k++)
        if (strcmp(neuron_types[k]->name, name) == 0)
            return neuron_types[k];
    return NULL;
}

/* ---- configuration ---------------------------------------------------------------------------------------- */

static const param_spec neuron_spec[] = {
    PARAM_CHOICE_F(neuron_params, type, neuron_type_names, NEURON_LIF,
                   "neuron model: \"lif\" (leaky integrate-and-fire, exact exponential decay per step), \"if\" (no "
                   "leak), \"alif\" (LIF with a threshold that rises per spike and decays back [Bellec2018])"),
    PARAM_REAL_F(neuron_params, tau_m_s, 1e-9, 1e6, 20e-3, "s",
                 "membrane time constant; the decay per step is exp(-dt / tau_m_s) unless alpha is given; 20 ms "
                 "[Brunel-Hakim1999]"),
    PARAM_REAL_F(neuron_params, alpha, 0, 1, 0.0, "1",
                 "membrane decay per step, used as given (neuromorphic chips specify it so); 0 = exp(-dt / tau_m_s) "
                 "(convention)"),
    PARAM_REAL_F(neuron_params, v_th_V, -10, 10, 20e-3, "V",
                 "firing threshold: v >= v_th_V spikes; 20 mV above rest [Brunel-Hakim1999]"),
    PARAM_REAL_F(neuron_params, v_reset_V, -10, 10, 0.0, "V",
                 "membrane after a spike (reset = \"value\"); 0 = rest, the conformance cases' convention "
                 "(Brunel-Hakim use 10 mV)"),
    PARAM_REAL_F(neuron_params, v_rest_V, -10, 10, 0.0, "V",
                 "resting potential the leak decays to; 0: the membrane is measured from rest (convention)"),
    PARAM_REAL_F(neuron_params, v_init_V, -10, 10, 0.0, "V", "membrane at the start of a run (convention: rest)"),
    PARAM_CHOICE_F(neuron_params, reset, neuron_reset_names, NEURON_RESET_VALUE,
                   "after a spike: \"value\" sets v to v_reset_V; \"subtract\" removes the threshold above rest, "
                   "v - (v_th_V - v_rest_V), keeping the excess (converted rate-coded networks; convention)"),
    PARAM_INT_F(neuron_params, t_ref_steps, 0, 1e9, 2,
                "refractory steps after a spike (membrane held, input discarded); 2 = 2 ms at 1 ms steps "
                "[Brunel-Hakim1999]"),
    PARAM_REAL_F(neuron_params, tau_adapt_s, 1e-9, 1e6, 0.2, "s",
                 "alif: time constant of the threshold's decay back to v_th_V; 200 ms is illustrative (hundreds of "
                 "ms to seconds in [Bellec2018])"),
    PARAM_REAL_F(neuron_params, dv_th_V, 0, 10, 1e-3, "V",
                 "alif: threshold increase per spike; 1 mV (5 % of v_th_V) is illustrative"),
    PARAM_END,
};

static int neuron_group_check(const void *values) { return neuron_check(values); }

const param_group neuron_group = {
    .path = "neuron",
    .doc = "Neurons of a spiking network: the model (LIF, IF, adaptive LIF), its decay per step, threshold, reset "
           "and refractory period; see snn/neuron.h.",
    .params = neuron_spec,
    .size = sizeof(neuron_params),
    .check = neuron_group_check,
};

neuron_params neuron_params_default(void)
{
    neuron_params p;
    param_defaults(&neuron_group, &p);
    return p;
}

int neuron_check(const neuron_params *p)
{
    if (p->type < 0 || p->type >= (int)(sizeof neuron_types / sizeof *neuron_types) - 1)
        return cim_error(CIM_ECONFIG, "type (index %d) is not a neuron type", p->type);
    if (p->reset != NEURON_RESET_VALUE && p->reset != NEURON_RESET_SUBTRACT)
        return cim_error(CIM_ECONFIG, "reset (index %d) is not a reset mode", p->reset);
    if (!isfinite(p->v_th_V) || !isfinite(p->v_reset_V) || !isfinite(p->v_rest_V) || !isfinite(p->v_init_V))
        return cim_error(CIM_ECONFIG, "v_th_V (%g), v_reset_V (%g), v_rest_V (%g) and v_init_V (%g) must be finite",
                         p->v_th_V, p->v_reset_V, p->v_rest_V, p->v_init_V);
    if (!(p->alpha >= 0 && p->alpha <= 1))
        return cim_error(CIM_ECONFIG, "alpha (%g) must be in [0, 1] (0: derived from tau_m_s)", p->alpha);
    if (!(p->tau_m_s > 0) || !isfinite(p->tau_m_s))
        return cim_error(CIM_ECONFIG, "tau_m_s (%g) must be a finite time > 0", p->tau_m_s);
    if (p->type == NEURON_IF && p->alpha != 0 && p->alpha != 1)
        return cim_error(CIM_ECONFIG,
                         "alpha (%.17g) is a leak, and type \"if\" has none; use type \"lif\" for a leaky neuron",
                         p->alpha);
    /* A reset at or above the threshold would fire the neuron again at the first step it may. */
    if (p->reset == NEURON_RESET_VALUE && !(p->v_reset_V < p->v_th_V))
        return cim_error(CIM_ECONFIG, "v_reset_V (%g) must be below v_th_V (%g)", p->v_reset_V, p->v_th_V);
    /* Subtraction removes v_th - v_rest: it must take the membrane down. */
    if (p->reset == NEURON_RESET_SUBTRACT && !(p->v_th_V > p->v_rest_V))
        return cim_error(CIM_ECONFIG,
                         "v_th_V (%g) must be above v_rest_V (%g) with reset \"subtract\", which removes "
                         "v_th_V - v_rest_V",
                         p->v_th_V, p->v_rest_V);
    if (p->t_ref_steps < 0 || p->t_ref_steps > INT32_MAX)
        return cim_error(CIM_ECONFIG, "t_ref_steps (%lld) must be in [0, %ld]", p->t_ref_steps, (long)INT32_MAX);
    if (p->type == NEURON_ALIF) {
        if (!(p->tau_adapt_s > 0) || !isfinite(p->tau_adapt_s))
            return cim_error(CIM_ECONFIG, "tau_adapt_s (%g) must be a finite time > 0", p->tau_adapt_s);
        if (!(p->dv_th_V >= 0) || !isfinite(p->dv_th_V))
            return cim_error(CIM_ECONFIG, "dv_th_V (%g) must be finite and >= 0", p->dv_th_V);
    }
    return CIM_OK;
}

int neuron_derive(const neuron_params *p, double dt_s, neuron_derived *d)
{
    memset(d, 0, sizeof *d);
    int st = neuron_check(p);
    if (st != CIM_OK)
        return st;
    if (!(dt_s >= 0) || !isfinite(dt_s))
        return cim_error(CIM_ECONFIG, "the step dt_s (%g) must be finite and >= 0", dt_s);
    if (p->type == NEURON_IF)
        d->alpha = 1.0;
    else if (p->alpha > 0)
        d->alpha = p->alpha; /* literally: the conformance cases' tie at alpha = 0.5 depends on it */
    else if (dt_s > 0)
        d->alpha = exp(-dt_s / p->tau_m_s);
    else
        return cim_error(CIM_ECONFIG, "alpha (0: derive it from tau_m_s) needs the step dt_s, which is not given (0)");
    d->alpha_adapt = 1.0;
    if (p->type == NEURON_ALIF) {
        if (!(dt_s > 0))
            return cim_error(CIM_ECONFIG, "tau_adapt_s (%g) needs the step dt_s to give the decay per step, which is "
                                          "not given (0)",
                             p->tau_adapt_s);
        d->alpha_adapt = exp(-dt_s / p->tau_adapt_s);
    }
    d->v_sub = p->v_th_V - p->v_rest_V;
    return CIM_OK;
}

/* ---- state ------------------------------------------------------------------------------------------------ */

void neuron_state_init(neuron_state *s, const neuron_params *p, size_t n)
{
    memset(s, 0, sizeof *s);
    s->n = n;
    s->v = xmalloc((n ? n : 1) * sizeof *s->v);
    s->hold = xmalloc((n ? n : 1) * sizeof *s->hold);
    s->ref = xmalloc((n ? n : 1) * sizeof *s->ref);
    if (p->type >= 0 && p->type < NEURON_ALIF + 1 && neuron_types[p->type]->adaptive)
        s->th = xmalloc((n ? n : 1) * sizeof *s->th);
    neuron_state_reset(s, p);
}

void neuron_state_reset(neuron_state *s, const neuron_params *p)
{
    for (size_t i = 0; i < s->n; i++) {
        s->v[i] = p->v_init_V;
        s->hold[i] = p->v_init_V;
        s->ref[i] = 0;
    }
    if (s->th != NULL)
        memset(s->th, 0, s->n * sizeof *s->th);
    s->n_ref = 0;
}

void neuron_state_destroy(neuron_state *s)
{
    free(s->v);
    free(s->hold);
    free(s->ref);
    free(s->th);
    memset(s, 0, sizeof *s);
}
