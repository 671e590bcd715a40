/* bench/bench_snn.c -- the event-driven spiking engine (snn/network.h, ideal synapses) on the reference network of
 * tests/conformance/snn/README.md: 1000 Poisson inputs all-to-all into 1000 LIF neurons (10^6 synapses), weights
 * ~ Normal(0.08 mV, 0.3 mV), tau_m 20 ms, v_th 20 mV, v_reset 0, t_ref 2 ms, dt 1 ms, 10 s simulated.
 *
 * Printed: synaptic events per second (input spikes x 1000 / main-loop time) beside Brian2 C++ standalone's figure
 * from that README (quoted, not measured here); the time of a dense loop in the same run (every step the full 0/1
 * spike vector times W, then the same neurons), timed over the first second and scaled to 10 s since its cost per
 * step does not depend on the spikes; and the time at 10 Hz over the time at 1 Hz (the goal: >= 5).  The input
 * spikes are drawn before timing (Bernoulli per step with p = rate dt, as Brian2's PoissonGroup, from the named
 * stream "bench.snn.inputs"). */
#include "bench/bench.h"
#include "core/rng.h"
#include "core/status.h"
#include "snn/network.h"
#include "snn/neuron.h"
#include "snn/synapse.h"

#include <gsl/gsl_randist.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define K 1000
#define N 1000
#define T 10000 /* 10 s of 1 ms steps */
#define T_DENSE 1000
#define DT 1e-3

typedef struct inputs {
    size_t *start; /* T + 1 offsets into ch */
    uint32_t *ch;
    size_t n;
} inputs;

static inputs draw_inputs(double rate_hz, uint64_t seed)
{
    gsl_rng *r = rng_alloc(seed, "bench.snn.inputs");
    inputs in = {malloc((T + 1) * sizeof(size_t)), malloc((size_t)T * K * sizeof(uint32_t)), 0};
    const double p = rate_hz * DT;
    for (size_t t = 0; t < T; t++) {
        in.start[t] = in.n;
        for (uint32_t j = 0; j < K; j++)
            if (gsl_rng_uniform(r) < p)
                in.ch[in.n++] = j;
    }
    in.start[T] = in.n;
    rng_free(r);
    return in;
}

typedef struct job {
    snn_net *net;
    const inputs *in;
    size_t steps;
    uint64_t out_spikes;
    /* the dense loop */
    const double *w;
    neuron_params p;
    neuron_derived d;
    neuron_state s;
    double *s_in;
    uint32_t *spk;
} job;

static void run_events(void *ctx)
{
    job *j = ctx;
    snn_net_reset(j->net);
    uint64_t out = 0;
    for (size_t t = 0; t < j->steps; t++) {
        if (snn_net_step(j->net, j->in->ch + j->in->start[t], j->in->start[t + 1] - j->in->start[t], NULL) != CIM_OK)
            abort();
        const uint32_t *idx;
        out += snn_net_spikes(j->net, 1, &idx);
    }
    j->out_spikes = out;
}

/* Every step: the 0/1 vector of all K inputs times W (K x N multiply-adds), then the same LIF neurons. */
static void run_dense(void *ctx)
{
    job *j = ctx;
    const neuron_type *lif = neuron_types[j->p.type];
    neuron_state_reset(&j->s, &j->p);
    uint64_t out = 0;
    for (size_t t = 0; t < j->steps; t++) {
        memset(j->s_in, 0, K * sizeof *j->s_in);
        for (size_t k = j->in->start[t]; k < j->in->start[t + 1]; k++)
            j->s_in[j->in->ch[k]] = 1.0;
        lif->leak(&j->p, &j->d, &j->s);
        double *restrict a = j->s.v;
        for (size_t q = 0; q < K; q++) {
            const double sq = j->s_in[q];
            const double *restrict row = j->w + q * N;
            for (size_t i = 0; i < N; i++)
                a[i] += sq * row[i];
        }
        size_t awake;
        out += lif->fire(&j->p, &j->d, &j->s, j->spk, &awake);
    }
    j->out_spikes = out;
}

int main(void)
{
    /* the network */
    gsl_rng *r = rng_alloc(1, "bench.snn.W");
    double *w = malloc((size_t)K * N * sizeof *w);
    for (size_t k = 0; k < (size_t)K * N; k++)
        w[k] = 0.08e-3 + gsl_ran_gaussian_ziggurat(r, 0.3e-3);
    rng_free(r);
    neuron_params p = neuron_params_default(); /* LIF, tau_m 20 ms, v_th 20 mV, v_reset 0, t_ref 2 steps */
    snn_layer_spec ls = {N, p, {0}};
    if (snn_synapse_ideal_new(&ls.syn, K, N, w) != CIM_OK)
        return 1;
    snn_net_spec spec = {K, 1, &ls, DT, 0};
    job j;
    memset(&j, 0, sizeof j);
    if (snn_net_new(&j.net, &spec) != CIM_OK) {
        fprintf(stderr, "%s\n", cim_errmsg());
        return 1;
    }
    j.w = w;
    j.p = p;
    if (neuron_derive(&p, DT, &j.d) != CIM_OK)
        return 1;
    neuron_state_init(&j.s, &p, N);
    j.s_in = malloc(K * sizeof *j.s_in);
    j.spk = malloc(N * sizeof *j.spk);

    printf("bench_snn: %d Poisson inputs -> %d LIF neurons, all to all (10^6 synapses), dt 1 ms, %g s simulated, "
           "ideal synapses\n",
           K, N, T * DT);
    printf("Brian2 2.5.1 C++ standalone, from tests/conformance/snn/README.md (2 vCPU, one thread; not measured "
           "here): 4.5e8 events/s at 10 Hz (0.22 s), 2.8e8 at 1 Hz (0.037 s)\n\n");
    printf("%-6s %-10s %-9s %-10s %-13s %-12s %-10s %-9s %-12s\n", "rate", "in spikes", "events", "time (s)",
           "events/s", "vs Brian2", "dense (s)", "dense/ev", "out spikes");
    const double rates[] = {10.0, 1.0, 0.0};
    const double brian[] = {4.5e8, 2.8e8, 0};
    inputs in[3];
    double t_rate[3] = {1e300, 1e300, 1e300};
    uint64_t out_ev[3] = {0};
    for (int q = 0; q < 3; q++)
        in[q] = draw_inputs(rates[q], 7);
    /* The rates take turns, three rounds, each keeping its best: a burst of load on the machine then spoils one
     * round of one rate, not the ratio. */
    for (int round = 0; round < 3; round++)
        for (int q = 0; q < 3; q++) {
            j.in = &in[q];
            j.steps = T;
            double t = bench_time(run_events, &j);
            t_rate[q] = t < t_rate[q] ? t : t_rate[q];
            out_ev[q] = j.out_spikes;
        }
    for (int q = 0; q < 3; q++) {
        /* the dense loop over the first T_DENSE steps, scaled; and its spikes over those steps against the engine's */
        j.in = &in[q];
        j.steps = T_DENSE;
        double t_dense = bench_time(run_dense, &j) * ((double)T / T_DENSE);
        uint64_t out_dense = j.out_spikes;
        run_events(&j);
        int same = out_dense == j.out_spikes;
        double events = (double)in[q].n * N, t_ev = t_rate[q];
        char vs[32] = "-";
        if (brian[q] > 0)
            snprintf(vs, sizeof vs, "%.2fx", events / t_ev / brian[q]);
        printf("%-6.0f %-10zu %-9.3g %-10.3g %-13.3g %-12s %-10.3g %-9.0f %-12llu%s\n", rates[q], in[q].n, events, t_ev,
               events > 0 ? events / t_ev : 0.0, vs, t_dense, t_dense / t_ev, (unsigned long long)out_ev[q],
               same ? "" : "  (dense spikes differ!)");
        free(in[q].start);
        free(in[q].ch);
    }
    printf("\ntime at 10 Hz / time at 1 Hz: %.2f (goal >= 5); per step with no input (the neurons alone): %.3g us\n",
           t_rate[0] / t_rate[1], t_rate[2] / T * 1e6);
    printf("dense (s): every step the full 0/1 input vector times W, timed over %d steps and scaled to %d\n", T_DENSE,
           T);
    neuron_state_destroy(&j.s);
    free(j.s_in), free(j.spk), free(w);
    snn_net_free(j.net);
    return 0;
}
