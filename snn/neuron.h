/* snn/neuron.h -- neuron models as const type tables (like device/device.h), with NEST's split of what a model
 * has: parameters (the config group `neuron`), values derived from them once before a run (the decay per step),
 * and state (membrane, refractory counter, adaptation), kept in structure-of-arrays form per population.
 *
 * Types (one file each): "lif" (snn/lif.c: leaky integrate-and-fire, exact exponential decay per step
 * v <- v_rest + (v - v_rest) alpha, alpha = exp(-dt / tau_m) or given directly), "if" (snn/if.c: no leak,
 * alpha = 1), "alif" (snn/alif.c: LIF with a threshold that rises by dv_th_V per spike and decays back with
 * tau_adapt_s).  Reset to v_reset or by subtraction (v <- v - (theta - v_rest), theta the threshold the neuron
 * crossed: v_th_V, plus the adaptation for alif; with v_rest = 0 that is v - theta); a refractory period in steps,
 * during which the membrane is held and the input discarded.  The synaptic input of a step is a voltage jump
 * (snn/synapse.h), added after the leak; the step's phases are those of snn/network.h.  With v_rest = 0 the LIF is,
 * bit for bit, the convention of tests/conformance/snn/README.md: the leak is one multiplication v alpha, and the
 * jumps are then added to it one at a time (which is why the type splits a step into `leak` and `fire`: the
 * synapse banks add the jumps into the leaked membrane, in place, between the two).
 *
 * Contract: never prints; returns a cim_status where it can fail.
 */
#ifndef CIM_SNN_NEURON_H
#define CIM_SNN_NEURON_H

#include "core/param.h"

#include <stddef.h>
#include <stdint.h>

enum { NEURON_RESET_VALUE, NEURON_RESET_SUBTRACT };
extern const char *const neuron_reset_names[]; /* "value", "subtract" */

/* Parameters (the config group `neuron`). */
typedef struct neuron_params {
    int type;              /* index into neuron_types */
    double tau_m_s;        /* membrane time constant (lif, alif) */
    double alpha;          /* decay per step; 0: exp(-dt_s / tau_m_s).  Given: used as is (chips specify it) */
    double v_th_V;         /* threshold */
    double v_reset_V;      /* reset value (reset = "value") */
    double v_rest_V;       /* resting potential the leak decays to */
    double v_init_V;       /* membrane at the start of a run (and after snn_net_reset) */
    int reset;             /* NEURON_RESET_VALUE or NEURON_RESET_SUBTRACT */
    long long t_ref_steps; /* refractory steps after a spike */
    double tau_adapt_s;    /* alif: adaptation time constant */
    double dv_th_V;        /* alif: threshold increase per spike */
} neuron_params;

extern const param_group neuron_group;
neuron_params neuron_params_default(void);

/* Values derived once from the parameters and the step. */
typedef struct neuron_derived {
    double alpha;        /* membrane decay per step */
    double alpha_adapt;  /* alif: adaptation decay per step (1 otherwise) */
    double v_sub;        /* reset by subtraction: v_th_V - v_rest_V, what a spike at the resting threshold removes */
} neuron_derived;

/* State of a population of n neurons (structure of arrays). */
typedef struct neuron_state {
    size_t n;
    double *v;       /* membrane, V (within a step, between leak and fire: the leaked membrane plus input) */
    double *hold;    /* the membrane a refractory neuron keeps: its value right after its spike's reset */
    int32_t *ref;    /* refractory steps left */
    double *th;      /* alif: threshold increase now, V (NULL for other types) */
    size_t n_ref;    /* neurons with ref > 0 (kept by fire: a layer with none takes a shorter pass) */
} neuron_state;

typedef struct neuron_type {
    const char *name;      /* "lif", "if", "alif" */
    const char *cite;      /* source of the model */
    const char *equations; /* one line */
    int adaptive;          /* 1: uses th */
    /* Phase 3 of one step (snn/network.h), first half: s->v[i] becomes neuron i's membrane after this step's leak, in
     * place, for every neuron (refractory ones too: fire gives theirs back from hold).  The engine then has the
     * synapse banks add the step's input into s->v, jump by jump. */
    void (*leak)(const neuron_params *p, const neuron_derived *d, neuron_state *s);
    /* Phases 3 (second half), 4 and 5 for every neuron of s: a neuron that is not refractory has its membrane (leaked
     * plus input) in s->v[i]; it spikes if that is >= its threshold, and is reset (hold[i] keeps the reset value).  A
     * refractory neuron counts its counter down and gets its membrane back, v[i] = hold[i] (the input is discarded).
     * The adaptation of "alif" decays every step.  Writes the indices of the neurons that spiked to spk (ascending,
     * room for s->n) and returns their count; *n_awake gets the number of neurons that were not refractory. */
    size_t (*fire)(const neuron_params *p, const neuron_derived *d, neuron_state *s, uint32_t *spk, size_t *n_awake);
} neuron_type;

/* The registry, NULL-terminated; neuron_type_names the same as names (the choices of neuron.type), in the order of
 * the enum below, so that neuron_types[p.type] is the type p names. */
extern const neuron_type *const neuron_types[];
extern const char *const neuron_type_names[];
enum { NEURON_LIF, NEURON_IF, NEURON_ALIF };
extern const neuron_type neuron_lif, neuron_if, neuron_alif; /* snn/lif.c, snn/if.c, snn/alif.c */

/* The type called name, or NULL. */
const neuron_type *neuron_type_find(const char *name);

/* The group check alone: CIM_ECONFIG naming the key at fault (v_reset_V >= v_th_V, alpha for "if", ...). */
int neuron_check(const neuron_params *p);

/* Checks p (the group check: v_reset_V < v_th_V, ...) and derives d for step dt_s (seconds; may be 0 when nothing
 * needs it: alpha given, or type "if").  CIM_ECONFIG naming the key. */
int neuron_derive(const neuron_params *p, double dt_s, neuron_derived *d);
/* Allocates the state of n neurons at v_init (never NULL: aborts on OOM like xmalloc). */
void neuron_state_init(neuron_state *s, const neuron_params *p, size_t n);
void neuron_state_reset(neuron_state *s, const neuron_params *p);
void neuron_state_destroy(neuron_state *s);

#endif
