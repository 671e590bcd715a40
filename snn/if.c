/* snn/if.c -- the (non-leaky) integrate-and-fire neuron: a perfect integrator of its input jumps.
 *
 * Model: dv/dt = 0 between input jumps; each input spike through weight w adds w; v >= v_th fires, then v is reset
 * (to v_reset, or by subtracting v_th - v_rest) and held for t_ref steps ([Gerstner2014] ch. 1.3, the leak-free
 * limit tau_m -> infinity; the neuron of rate-coded converted networks, [Diehl2015]).  Per step:
 *     v <- v + sum of the step's jumps      (alpha = 1: the membrane keeps everything it received),
 * so a constant jump I > 0 per step from v = 0 reaches v_th after exactly ceil(v_th / I) steps.
 */
#include "snn/fire.h"
#include "snn/multiversion.h"
#include "snn/neuron.h"

static void if_leak(const neuron_params *p, const neuron_derived *d, neuron_state *s)
{
    (void)p, (void)d, (void)s; /* no leak: the membrane keeps everything */
}

const neuron_type neuron_if = {
    .name = "if",
    .cite = "[Gerstner2014] ch. 1.3 (integrate-and-fire without leak); [Diehl2015] (converted rate-coded networks)",
    .equations = "v <- v + sum of input jumps; v >= v_th: spike, reset, t_ref steps held",
    .adaptive = 0,
    .leak = if_leak,
    .fire = snn_fire_threshold,
};
