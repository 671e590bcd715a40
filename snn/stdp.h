/* snn/stdp.h -- pair-based spike-timing-dependent plasticity with exponential traces (config group `stdp`).
 *
 * The rule (Song, Miller & Abbott, "Competitive Hebbian learning through spike-timing-dependent synaptic
 * plasticity", Nat. Neurosci. 3, 919 (2000); in the trace form of Morrison, Diesmann & Gerstner, "Phenomenological
 * models of synaptic plasticity based on spike timing", Biol. Cybern. 98, 459 (2008), all-to-all pairing): every
 * source j carries a trace x_j and every target i a trace y_i.  Each step both decay exactly,
 *     x <- x exp(-dt / tau_plus),   y <- y exp(-dt / tau_minus),
 * and a spike adds 1 to its neuron's trace.  At a post spike of i every synapse (j, i) changes by
 * dw = +a_plus x_j (potentiation: pre before post); at a pre spike of j every synapse (j, i) by dw = -a_minus y_i
 * (depression: post before pre).  Summed over pairs, a pre spike at step t_pre and a post spike at t_post change
 * w by a_plus exp(-(t_post - t_pre) dt / tau_plus) when t_post >= t_pre and by -a_minus exp(-(t_pre - t_post) dt /
 * tau_minus) when t_post < t_pre: the two exponential windows Bi & Poo measured in hippocampal cultures ("Synaptic
 * modifications in cultured hippocampal neurons: dependence on spike timing, synaptic strength, and postsynaptic
 * cell type", J. Neurosci. 18, 10464 (1998)).
 *
 * Within step t, in this order: the traces decay once; each pre spike (ascending) depresses with the post traces
 * of earlier steps, then adds 1 to its x; each post spike (ascending) potentiates with the pre traces -- this
 * step's pre spikes included, so a pre and a post spike in the same step count as causal, dt = 0: with delay 0
 * the pre spike is part of the input that made the post spike -- then adds 1 to its y.
 *
 * Units.  dw is a fraction of the weight's full scale (a_plus, a_minus are Song et al.'s A+ and A- relative to
 * g_max); the bank that learns scales it (snn/synapse_xbar.h: the mapping's w_max of the target's output) and
 * applies it as it can: the crossbar bank as programming pulses, so the devices' step sizes, nonlinearity, asymmetry
 * and variability decide what each change becomes.  The pulse keys of the group are for that bank.
 *
 * Contract: returns a cim_status and sets cim_errmsg() on failure; never prints.  One rule object per bank.
 */
#ifndef CIM_SNN_STDP_H
#define CIM_SNN_STDP_H

#include "core/param.h"

#include <stddef.h>
#include <stdint.h>

/* How a weight change reaches a differential pair (snn/synapse_xbar.h): "raise_lower" raises G+ to potentiate
 * and lowers it to depress (G- stays as programmed; the offset scheme's one column likewise); "raise_pair" raises
 * G+ to potentiate and G- to depress (only the gradual direction, as PCM synapses do). */
enum stdp_pulses { STDP_RAISE_LOWER, STDP_RAISE_PAIR };
extern const char *const stdp_pulses_names[]; /* "raise_lower", "raise_pair"; NULL-terminated */

typedef struct stdp_params { /* group "stdp" */
    double a_plus;         /* potentiation per causal pair at dt = 0, fraction of full scale */
    double a_minus;        /* depression per anti-causal pair at dt -> 0, fraction of full scale */
    double tau_plus_s;     /* potentiation window */
    double tau_minus_s;    /* depression window */
    int pulses;            /* enum stdp_pulses */
    double v_plus_V;       /* amplitude of a potentiating pulse, signed; 0: program.v_raise_V */
    double v_minus_V;      /* amplitude of a depressing pulse, signed; 0: program.v_lower_V ("raise_pair":
                              program.v_raise_V on G-) */
    double t_width_s;      /* pulse plateau; 0: program.t_width_s */
    long long max_pulses;  /* most pulses one weight change applies (the rest is carried) */
} stdp_params;

extern const param_group stdp_group;
stdp_params stdp_params_default(void);

/* The rule's state for n_pre sources and n_post targets. */
typedef struct stdp {
    stdp_params p;
    size_t n_pre, n_post;
    double d_plus, d_minus; /* decay per step, exp(-dt / tau) */
    double *x, *y;          /* traces: [n_pre], [n_post] */
    uint64_t t_last;        /* the last step seen */
    int started;            /* 1 once a step has been seen */
} stdp;

/* A weight change of synapse (pre, post), a fraction of full scale; returns a status (non-OK stops the step). */
typedef int (*stdp_sink)(void *ctx, size_t pre, size_t post, double dw);

/* CIM_EINVAL for a zero size or dt_s not finite and > 0; CIM_ECONFIG for parameters the group refuses. */
int stdp_init(stdp *s, const stdp_params *p, size_t n_pre, size_t n_post, double dt_s);
void stdp_destroy(stdp *s);
/* Traces to 0, as before the first step. */
void stdp_reset(stdp *s);
/* Step t (strictly after the last: CIM_EINVAL otherwise): the decay -- one multiplication per step, by
 * d^(t - t_last) when steps were skipped -- then the changes of the pre spikes pre[0 .. n_pre) and post spikes
 * post[0 .. n_post) (ascending, distinct, in range: CIM_EINVAL) handed to sink in the order above.  Synapses
 * whose partner trace is 0 (never spiked) get no call. */
int stdp_step(stdp *s, uint64_t t, const uint32_t *pre, size_t n_pre, const uint32_t *post, size_t n_post,
              stdp_sink sink, void *ctx);

#endif
