/* snn/fire.h -- the threshold-and-reset pass shared by the neuron types with a fixed threshold ("lif", "if"):
 * phases 3 (second half), 4 and 5 of snn/network.h for a population (internal to snn/; see snn/neuron.h, `fire`).
 *
 * Branch-free per neuron, so that a population's pass costs the same whatever fires: a neuron that is not refractory
 * (ref = 0) takes its leaked membrane plus input, vn[i]; v >= v_th spikes (an exact tie spikes); a spike resets v
 * (to v_reset, or by subtracting v_sub) and starts the refractory counter at t_ref; a refractory neuron counts down
 * and keeps v. */
#ifndef CIM_SNN_FIRE_H
#define CIM_SNN_FIRE_H

#include "snn/neuron.h"

#include <stddef.h>
#include <stdint.h>

/* subtract is a constant at each call site, so the compiler specializes the loop for it. */
static inline size_t snn_fire_fixed(neuron_state *s, const double *restrict vn, double v_th, double v_reset,
                                    int subtract, double v_sub, int32_t t_ref, uint32_t *restrict spk,
                                    size_t *n_awake)
{
    double *restrict v = s->v;
    int32_t *restrict ref = s->ref;
    const size_t n = s->n;
    size_t k = 0, awake = 0;
    for (size_t i = 0; i < n; i++) {
        const int32_t r = ref[i];
        const int up = r == 0;
        const double x = up ? vn[i] : v[i];
        const int f = up & (x >= v_th);
        v[i] = f ? (subtract ? x - v_sub : v_reset) : x;
        ref[i] = f ? t_ref : r - (r > 0);
        spk[k] = (uint32_t)i; /* kept only if it fired: k advances by f */
        k += (size_t)f;
        awake += (size_t)up;
    }
    *n_awake = awake;
    return k;
}

#endif
