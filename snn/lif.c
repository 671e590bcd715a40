/* snn/lif.c -- the leaky integrate-and-fire neuron, integrated exactly per step.
 *
 * Model: tau_m dv/dt = -(v - v_rest) between input jumps; an input spike through weight w makes v jump by w (volts,
 * current-based instantaneous synapses); v >= v_th fires, then v is reset (to v_reset, or by subtracting
 * v_th - v_rest) and held for t_ref steps ([Gerstner2014] ch. 1.3 for the model; [Brunel-Hakim1999] for the
 * parameter values; the time-stepped form is Brian2's exact integration of the linear equation).
 * Per step of length dt, with no input during the step the linear equation's exact solution gives
 *     v <- v_rest + (v - v_rest) alpha,   alpha = exp(-dt / tau_m)   (or alpha as given: used literally),
 * after which the step's jumps are added one at a time (snn/network.h).  With v_rest = 0 the leak is the single
 * multiplication v alpha: bit for bit the convention of tests/conformance/snn/README.md.
 */
#include "snn/fire.h"
#include "snn/multiversion.h"
#include "snn/neuron.h"

SNN_MULTIVERSION
static void lif_leak(const neuron_params *p, const neuron_derived *d, neuron_state *s)
{
    double *restrict v = s->v;
    const double a = d->alpha, vr = p->v_rest_V;
    const size_t n = s->n;
    if (vr == 0) { /* the convention: one multiplication, nothing added */
        for (size_t i = 0; i < n; i++)
            v[i] = v[i] * a;
    } else {
        for (size_t i = 0; i < n; i++)
            v[i] = vr + (v[i] - vr) * a;
    }
}

const neuron_type neuron_lif = {
    .name = "lif",
    .cite = "[Gerstner2014] ch. 1.3 (leaky integrate-and-fire), exact integration per step",
    .equations = "v <- v_rest + (v - v_rest) alpha + sum of input jumps; v >= v_th: spike, reset, t_ref steps held",
    .adaptive = 0,
    .leak = lif_leak,
    .fire = snn_fire_threshold,
};
