/* snn/fire.c -- see fire.h: the fire pass the fixed-threshold neuron types share. */
#include "snn/fire.h"
#include "snn/multiversion.h"

/* One function per reset mode, so that each loop is compiled with its mode fixed (a mode chosen inside the loop
 * keeps GCC from vectorising it). */
SNN_MULTIVERSION
static size_t fire_value(const neuron_params *p, neuron_state *s, uint32_t *spk, size_t *n_awake)
{
    return snn_fire_fixed(s, p->v_th_V, p->v_reset_V, 0, 0.0, (int32_t)p->t_ref_steps, spk, n_awake);
}

SNN_MULTIVERSION
static size_t fire_subtract(const neuron_params *p, const neuron_derived *d, neuron_state *s, uint32_t *spk,
                            size_t *n_awake)
{
    return snn_fire_fixed(s, p->v_th_V, p->v_reset_V, 1, d->v_sub, (int32_t)p->t_ref_steps, spk, n_awake);
}

size_t snn_fire_threshold(const neuron_params *p, const neuron_derived *d, neuron_state *s, uint32_t *spk,
                          size_t *n_awake)
{
    if (p->reset == NEURON_RESET_SUBTRACT)
        return fire_subtract(p, d, s, spk, n_awake);
    return fire_value(p, s, spk, n_awake);
}
