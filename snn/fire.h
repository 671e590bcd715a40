/* snn/fire.h -- the threshold-and-reset pass shared by the neuron types with a fixed threshold ("lif", "if"):
 * phases 3 (second half), 4 and 5 of snn/network.h for a population (internal to snn/; see snn/neuron.h, `fire`).
 *
 * A neuron that is not refractory (ref = 0) has its leaked membrane plus input in v[i]; v >= v_th spikes (an exact tie
 * spikes); a spike resets v (to v_reset, or by subtracting v_sub), keeps the result in hold and starts the
 * refractory counter at t_ref; a refractory neuron counts down and gets v = hold back. */
#ifndef CIM_SNN_FIRE_H
#define CIM_SNN_FIRE_H

#include "snn/neuron.h"

#include <stddef.h>
#include <stdint.h>

/* Spike flags to indices, in place: flag[i] (0/1, in spk) becomes the list of the i that fired, ascending (k <= i, so
 * each flag is read before its slot is written); each one's reset membrane is copied to hold. */
static inline size_t snn_compact_spikes(uint32_t *spk, neuron_state *s, size_t n_fired)
{
    if (n_fired == 0)
        return 0;
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++)
        if (spk[i]) {
            spk[k++] = (uint32_t)i;
            s->hold[i] = s->v[i];
        }
    return k;
}

/* subtract is a constant at each call site, so the compiler specializes the loops for it.  With no neuron refractory
 * (s->n_ref = 0: the common case in a quiet layer) the pass only reads v, and the neurons that fired are reset in a
 * second pass, in steps that have spikes.  Otherwise one pass does everything; it has no loop-carried dependence
 * but its sums, so it vectorises, and the spike list is built from its flags afterwards. */
static inline size_t snn_fire_fixed(neuron_state *s, double v_th, double v_reset, int subtract, double v_sub,
                                    int32_t t_ref, uint32_t *restrict spk, size_t *n_awake)
{
    double *restrict v = s->v;
    const double *restrict hold = s->hold;
    int32_t *restrict ref = s->ref;
    const size_t n = s->n;
    if (s->n_ref == 0) {
        int64_t any = 0; /* 64-bit, as wide as a double's compare mask: SSE2 vectorises it too */
        for (size_t i = 0; i < n; i++)
            any |= (int64_t)(v[i] >= v_th);
        *n_awake = n;
        if (!any)
            return 0;
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (v[i] >= v_th) { /* the same test on the same value */
                v[i] = subtract ? v[i] - v_sub : v_reset;
                s->hold[i] = v[i];
                ref[i] = t_ref;
                spk[k++] = (uint32_t)i;
            }
        s->n_ref = t_ref > 0 ? k : 0;
        return k;
    }
    uint32_t fired = 0, awake = 0, still = 0;
    for (size_t i = 0; i < n; i++) {
        const int32_t r = ref[i];
        const int32_t up = r == 0;
        const double xn = v[i], xh = hold[i]; /* both loaded: a select, not a branch */
        const double x = up ? xn : xh;
        const int32_t f = up & (x >= v_th);
        const double y = subtract ? x - v_sub : v_reset;
        v[i] = f ? y : x;
        const int32_t rn = f ? t_ref : r - (r > 0);
        ref[i] = rn;
        spk[i] = (uint32_t)f;
        fired += (uint32_t)f;
        awake += (uint32_t)up;
        still += (uint32_t)(rn > 0);
    }
    *n_awake = awake;
    s->n_ref = still;
    return snn_compact_spikes(spk, s, fired);
}

/* The `fire` of a fixed-threshold type (lif, if): snn_fire_fixed with the parameters' threshold, reset and
 * refractory period, one multiversioned loop per reset mode (snn/fire.c). */
size_t snn_fire_threshold(const neuron_params *p, const neuron_derived *d, neuron_state *s, uint32_t *spk,
                          size_t *n_awake);

#endif
