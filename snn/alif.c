/* snn/alif.c -- the adaptive leaky integrate-and-fire neuron: a LIF whose threshold rises with every spike and
 * decays back.
 *
 * Model: the membrane is the LIF's (snn/lif.c); the threshold is theta(t) = v_th + a(t), where a jumps by dv_th at
 * each spike and decays with tau_adapt between spikes, tau_adapt da/dt = -a: the spike-triggered threshold
 * adaptation of [Gerstner2014] ch. 6, and the adaptive neuron of the LSNN [Bellec2018] (a threshold b_0 + beta a
 * whose adaptation a decays by rho = exp(-dt / tau_a) per step and rises at each spike; here the rise per spike in
 * volts is dv_th).  Per step:
 *     v <- v_rest + (v - v_rest) alpha + sum of input jumps        (the LIF's leak, exact; held while refractory)
 *     a <- a alpha_adapt,  alpha_adapt = exp(-dt / tau_adapt)      (every step, refractory or not)
 *     v >= v_th + a: spike; v <- v_reset (or v - (v_th + a - v_rest)); a <- a + dv_th; t_ref steps held.
 * So a neuron that last spiked k steps ago (and before that never) has the threshold v_th + dv_th alpha_adapt^k.
 */
#include "snn/fire.h"
#include "snn/multiversion.h"
#include "snn/neuron.h"

static void alif_leak(const neuron_params *p, const neuron_derived *d, neuron_state *s)
{
    neuron_lif.leak(p, d, s); /* the membrane is the LIF's */
}

/* The pass for one reset mode (subtract is a constant at each call, as in snn/fire.h). */
static inline size_t alif_pass(const neuron_params *p, const neuron_derived *d, neuron_state *s,
                               uint32_t *restrict spk, size_t *n_awake, int subtract)
{
    double *restrict v = s->v, *restrict th = s->th;
    const double *restrict hold = s->hold;
    int32_t *restrict ref = s->ref;
    const double v_th = p->v_th_V, v_reset = p->v_reset_V, v_sub = d->v_sub, aa = d->alpha_adapt, dv = p->dv_th_V;
    const int32_t t_ref = (int32_t)p->t_ref_steps;
    uint32_t fired = 0, awake = 0, still = 0;
    for (size_t i = 0; i < s->n; i++) {
        const int32_t r = ref[i];
        const int32_t up = r == 0;
        const double a = th[i] * aa;
        const double xn = v[i], xh = hold[i]; /* both loaded: a select, not a branch */
        const double x = up ? xn : xh;
        const int32_t f = up & (x >= v_th + a);
        const double y = subtract ? x - (v_sub + a) : v_reset;
        v[i] = f ? y : x;
        th[i] = f ? a + dv : a;
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

SNN_MULTIVERSION
static size_t alif_fire_value(const neuron_params *p, const neuron_derived *d, neuron_state *s, uint32_t *spk,
                              size_t *n_awake)
{
    return alif_pass(p, d, s, spk, n_awake, 0);
}

SNN_MULTIVERSION
static size_t alif_fire_subtract(const neuron_params *p, const neuron_derived *d, neuron_state *s, uint32_t *spk,
                                 size_t *n_awake)
{
    return alif_pass(p, d, s, spk, n_awake, 1);
}

static size_t alif_fire(const neuron_params *p, const neuron_derived *d, neuron_state *s, uint32_t *spk,
                        size_t *n_awake)
{
    if (p->reset == NEURON_RESET_SUBTRACT)
        return alif_fire_subtract(p, d, s, spk, n_awake);
    return alif_fire_value(p, d, s, spk, n_awake);
}

const neuron_type neuron_alif = {
    .name = "alif",
    .cite = "[Bellec2018] (adaptive LIF of the LSNN); [Gerstner2014] ch. 6 (spike-triggered threshold adaptation)",
    .equations = "LIF membrane; threshold v_th + a, a <- a alpha_adapt every step, a <- a + dv_th at a spike",
    .adaptive = 1,
    .leak = alif_leak,
    .fire = alif_fire,
};
