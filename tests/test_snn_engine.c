/* tests/test_snn_engine.c -- the spiking-network engine (snn/network.h), its neurons (snn/neuron.h: lif, if, alif),
 * ideal synapses (snn/synapse.h) and network directories (snn/netdir.h), against independent references:
 *
 *  - conformance: the two cases of tests/conformance/snn/ (computed by Brian2 and two plain loops) are reproduced
 *    spike for spike and membrane value for value (to 1e-12 V; a_tiny's dyadic values exactly), through the library
 *    and through `cimsim snn --network`;
 *  - multi-layer networks with inter-layer delay 0 and 1 against the README's pseudo-code written out here as a plain
 *    loop (spikes of every layer, membranes bit for bit, counts), through the library and through the CLI;
 *  - event-driven against dense: every step the full 0/1 spike vector times W, bit for bit the same spikes;
 *  - the LIF under a constant jump I per step fires at the closed-form steps n - 1 + k (n + t_ref),
 *    n = ceil(log(1 - v_th (1 - alpha) / I) / log alpha), for several I and t_ref;
 *  - the IF neuron (alpha = 1) counts exactly: with reset by value one spike per ceil(v_th / I) steps, by subtraction
 *    floor(t I / v_th) spikes after t steps with the charge conserved;
 *  - refractory period and both reset modes (value, subtraction, v_rest != 0) by hand arithmetic; a layer without
 *    input still fires where its membrane can reach threshold (v_init above it, a subtraction's excess, a threshold
 *    below rest);
 *  - the adaptive LIF's threshold rises by dv_th per spike and decays as dv_th alpha_adapt^k;
 *  - analog (direct-current) input adds W^T x;
 *  - bad input: neuron parameters, network shapes and input spikes refused; malformed directories refused with the
 *    file, line and key or column named (more through the CLI in tests/bad/snn_*). */
#include "core/csv.h"
#include "core/status.h"
#include "snn/netdir.h"
#include "snn/network.h"
#include "snn/neuron.h"
#include "snn/synapse.h"
#include "tests/util.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CONF CIM_SRC "/tests/conformance/snn"
#define MAX_L 4

/* ---- a plain reference loop: the README's pseudo-code, written out independently of the engine ------------------ */

typedef struct refnet {
    size_t K, L, size[MAX_L + 1]; /* size[0] = K */
    const double *W[MAX_L];       /* W[l]: size[l] x size[l + 1] */
    double alpha, v_th, v_reset;
    int t_ref, delay;
    double *v[MAX_L];
    int *r[MAX_L];
    unsigned char *spk[MAX_L], *prev[MAX_L]; /* 0/1 per neuron: this step, the previous step */
    uint64_t sop, spikes, active, idle;
} refnet;

static void ref_init(refnet *n)
{
    for (size_t l = 0; l < n->L; l++) {
        n->v[l] = calloc(n->size[l + 1], sizeof(double));
        n->r[l] = calloc(n->size[l + 1], sizeof(int));
        n->spk[l] = calloc(n->size[l + 1], 1);
        n->prev[l] = calloc(n->size[l + 1], 1);
    }
    n->sop = n->spikes = n->active = n->idle = 0;
}

static void ref_free(refnet *n)
{
    for (size_t l = 0; l < n->L; l++)
        free(n->v[l]), free(n->r[l]), free(n->spk[l]), free(n->prev[l]);
}

/* One step; in: K flags. */
static void ref_step(refnet *n, const unsigned char *in)
{
    for (size_t l = 0; l < n->L; l++)
        memcpy(n->prev[l], n->spk[l], n->size[l + 1]);
    for (size_t l = 0; l < n->L; l++) {
        const unsigned char *src = l == 0 ? in : n->delay ? n->prev[l - 1] : n->spk[l - 1];
        size_t n_src = 0, m = n->size[l + 1];
        for (size_t j = 0; j < n->size[l]; j++)
            n_src += src[j];
        n->sop += n_src * m;
        for (size_t i = 0; i < m; i++) {
            n->spk[l][i] = 0;
            if (n->r[l][i] > 0) { /* refractory: v stays, the input is discarded */
                n->r[l][i]--;
                n->idle++;
                continue;
            }
            if (n_src > 0)
                n->active++;
            else
                n->idle++;
            double v = n->v[l][i] * n->alpha;
            for (size_t j = 0; j < n->size[l]; j++)
                if (src[j])
                    v = v + n->W[l][j * m + i];
            if (v >= n->v_th) {
                n->spk[l][i] = 1;
                n->spikes++;
                v = n->v_reset;
                n->r[l][i] = n->t_ref;
            }
            n->v[l][i] = v;
        }
    }
}

/* ---- helpers ------------------------------------------------------------------------------------------------------ */

static double *random_matrix(size_t rows, size_t cols, double lo, double hi, unsigned long seed)
{
    return util_random_vec(rows * cols, lo, hi, seed);
}

/* T x K Bernoulli(p) input flags. */
static unsigned char *random_inputs(size_t T, size_t K, double p, unsigned long seed)
{
    double *u = util_random_vec(T * K, 0, 1, seed);
    unsigned char *in = malloc(T * K);
    for (size_t k = 0; k < T * K; k++)
        in[k] = u[k] < p;
    free(u);
    return in;
}

static size_t flags_to_idx(const unsigned char *f, size_t n, uint32_t *idx)
{
    size_t k = 0;
    for (size_t j = 0; j < n; j++)
        if (f[j])
            idx[k++] = (uint32_t)j;
    return k;
}

static neuron_params lif_params(double alpha, double v_th, double v_reset, long long t_ref)
{
    neuron_params p = neuron_params_default();
    p.type = NEURON_LIF;
    p.alpha = alpha;
    p.v_th_V = v_th;
    p.v_reset_V = v_reset;
    p.t_ref_steps = t_ref;
    return p;
}

/* The engine for the reference network's shape and parameters (ideal banks). */
static snn_net *engine_of(const refnet *r, const neuron_params *p)
{
    snn_layer_spec ls[MAX_L];
    for (size_t l = 0; l < r->L; l++) {
        ls[l].n = r->size[l + 1];
        ls[l].neuron = *p;
        cr_assert_eq(snn_synapse_ideal_new(&ls[l].syn, r->size[l], r->size[l + 1], r->W[l]), CIM_OK, "%s",
                     cim_errmsg());
    }
    snn_net_spec s = {r->K, r->L, ls, 1e-3, r->delay};
    snn_net *n;
    cr_assert_eq(snn_net_new(&n, &s), CIM_OK, "%s", cim_errmsg());
    for (size_t l = 0; l < r->L; l++)
        cr_assert_null(ls[l].syn.type, "the network takes the banks");
    return n;
}

/* A random network of L layers; the weights chosen so that every layer fires. */
static void random_refnet(refnet *r, size_t L, const size_t *size, int delay, unsigned long seed)
{
    memset(r, 0, sizeof *r);
    r->K = size[0];
    r->L = L;
    for (size_t l = 0; l <= L; l++)
        r->size[l] = size[l];
    for (size_t l = 0; l < L; l++)
        r->W[l] = random_matrix(size[l], size[l + 1], -1.5e-3, 4.5e-3, seed + l);
    r->alpha = 0.9;
    r->v_th = 8e-3;
    r->v_reset = 0;
    r->t_ref = 1;
    r->delay = delay;
    ref_init(r);
}

static void refnet_free_weights(refnet *r)
{
    for (size_t l = 0; l < r->L; l++)
        free((void *)r->W[l]);
}

/* Runs the engine and the reference side by side for T steps; every layer's spikes and membranes must agree bit for
 * bit, and the counts too.  Returns the spikes of each layer (for the caller's activity checks). */
static void engine_vs_reference(refnet *r, const unsigned char *in, size_t T, uint64_t *layer_spikes)
{
    neuron_params p = lif_params(r->alpha, r->v_th, r->v_reset, r->t_ref);
    snn_net *n = engine_of(r, &p);
    uint32_t *idx = malloc(r->K * sizeof *idx);
    uint64_t in_total = 0;
    for (size_t l = 0; l < r->L; l++)
        layer_spikes[l] = 0;
    for (size_t t = 0; t < T; t++) {
        size_t n_in = flags_to_idx(in + t * r->K, r->K, idx);
        in_total += n_in;
        cr_assert_eq(snn_net_step(n, idx, n_in, NULL), CIM_OK, "%s", cim_errmsg());
        ref_step(r, in + t * r->K);
        for (size_t l = 0; l < r->L; l++) {
            const uint32_t *got;
            size_t n_got = snn_net_spikes(n, l + 1, &got), k = 0;
            for (size_t i = 0; i < r->size[l + 1]; i++)
                if (r->spk[l][i]) {
                    cr_assert(k < n_got && got[k] == i, "step %zu layer %zu: reference spike of neuron %zu missing", t,
                              l + 1, i);
                    k++;
                }
            cr_assert_eq(k, n_got, "step %zu layer %zu: %zu spikes, the reference %zu", t, l + 1, n_got, k);
            layer_spikes[l] += k;
            const double *v = snn_net_v(n, l + 1);
            for (size_t i = 0; i < r->size[l + 1]; i++)
                cr_assert(v[i] == r->v[l][i], "step %zu layer %zu neuron %zu: v %.17g, the reference %.17g", t, l + 1,
                          i, v[i], r->v[l][i]);
        }
    }
    const snn_counts *c = snn_net_counts(n);
    cr_expect_eq(c->steps, T);
    cr_expect_eq(c->in_spikes, in_total);
    cr_expect_eq(c->spikes, r->spikes);
    cr_expect_eq(c->sop, r->sop, "synaptic operations %llu, the reference %llu", (unsigned long long)c->sop,
                 (unsigned long long)r->sop);
    cr_expect_eq(c->updates_active, r->active);
    cr_expect_eq(c->updates_idle, r->idle);
    free(idx);
    snn_net_free(n);
}

/* ---- multi-layer networks against the plain loop ---------------------------------------------------------------- */

static void multilayer(int delay)
{
    const size_t size[] = {40, 30, 20, 10}, T = 400;
    refnet r;
    random_refnet(&r, 3, size, delay, 11 + (unsigned long)delay);
    unsigned char *in = random_inputs(T, r.K, 0.15, 99);
    uint64_t spikes[MAX_L];
    engine_vs_reference(&r, in, T, spikes);
    for (size_t l = 0; l < r.L; l++) /* the comparison means something only if every layer fires */
        cr_expect_gt(spikes[l], 20, "layer %zu fired only %llu times", l + 1, (unsigned long long)spikes[l]);
    free(in);
    ref_free(&r);
    refnet_free_weights(&r);
}

Test(snn_engine, three_layers_at_delay_0_match_the_plain_loop) { multilayer(0); }
Test(snn_engine, three_layers_at_delay_1_match_the_plain_loop) { multilayer(1); }

Test(snn_engine, delay_0_crosses_every_layer_in_one_step_and_delay_1_takes_one_step_per_hop)
{
    /* A chain of single neurons, each weight alone above threshold: an input spike at step 3 reaches layer l at
     * step 3 (delay 0) or 3 + (l - 1) (delay 1). */
    double w = 1.0;
    for (int delay = 0; delay <= 1; delay++) {
        snn_layer_spec ls[3];
        for (size_t l = 0; l < 3; l++) {
            ls[l].n = 1;
            ls[l].neuron = lif_params(0.5, 0.5, 0, 0);
            cr_assert_eq(snn_synapse_ideal_new(&ls[l].syn, 1, 1, &w), CIM_OK);
        }
        snn_net_spec s = {1, 3, ls, 0, delay};
        snn_net *n;
        cr_assert_eq(snn_net_new(&n, &s), CIM_OK, "%s", cim_errmsg());
        uint32_t ch = 0;
        for (size_t t = 0; t < 8; t++) {
            cr_assert_eq(snn_net_step(n, &ch, t == 3, NULL), CIM_OK);
            for (size_t l = 1; l <= 3; l++) {
                const uint32_t *idx;
                size_t want = t == 3 + (delay ? l - 1 : 0);
                cr_expect_eq(snn_net_spikes(n, l, &idx), want, "delay %d, step %zu, layer %zu", delay, t, l);
            }
        }
        snn_net_free(n);
    }
}

/* ---- event-driven against dense -------------------------------------------------------------------------------- */

Test(snn_engine, event_driven_and_dense_reference_give_identical_spikes)
{
    /* The dense reference multiplies the full 0/1 spike vector by W every step: v alpha + sum over every source j of
     * s_j W[j][i] (adding 0 W[j][i] = +0 changes nothing, so this is the same arithmetic as the rows of the sources
     * that spiked). */
    const size_t K = 200, N = 150, T = 500;
    double *W = random_matrix(K, N, -1e-3, 2.5e-3, 5);
    unsigned char *in = random_inputs(T, K, 0.05, 6);
    const double alpha = exp(-1.0 / 20.0), v_th = 20e-3;
    neuron_params p = lif_params(alpha, v_th, 0, 2);
    snn_layer_spec ls = {N, p, {0}};
    cr_assert_eq(snn_synapse_ideal_new(&ls.syn, K, N, W), CIM_OK);
    snn_net_spec s = {K, 1, &ls, 1e-3, 0};
    snn_net *n;
    cr_assert_eq(snn_net_new(&n, &s), CIM_OK, "%s", cim_errmsg());
    double *v = calloc(N, sizeof *v);
    int *r = calloc(N, sizeof *r);
    uint32_t *idx = malloc(K * sizeof *idx);
    size_t total = 0;
    for (size_t t = 0; t < T; t++) {
        const unsigned char *x = in + t * K;
        size_t n_in = flags_to_idx(x, K, idx);
        cr_assert_eq(snn_net_step(n, idx, n_in, NULL), CIM_OK);
        const uint32_t *got;
        size_t n_got = snn_net_spikes(n, 1, &got), k = 0;
        for (size_t i = 0; i < N; i++) {
            double acc = v[i] * alpha;
            for (size_t j = 0; j < K; j++)
                acc += (double)x[j] * W[j * N + i];
            int fired = 0;
            if (r[i] > 0)
                r[i]--;
            else {
                v[i] = acc;
                if (v[i] >= v_th) {
                    fired = 1;
                    v[i] = 0;
                    r[i] = 2;
                }
            }
            if (fired) {
                cr_assert(k < n_got && got[k] == i, "step %zu: dense spike of neuron %zu missing", t, i);
                k++;
            }
        }
        cr_assert_eq(k, n_got, "step %zu: %zu spikes, dense %zu", t, n_got, k);
        total += k;
    }
    cr_expect_gt(total, 200, "only %zu spikes: the comparison needs activity", total);
    free(v), free(r), free(idx), free(in), free(W);
    snn_net_free(n);
}

/* ---- the LIF under constant input ------------------------------------------------------------------------------ */

Test(snn_engine, lif_under_a_constant_jump_fires_at_the_closed_form_steps)
{
    /* From v = 0, m steps of v <- a v + I give v_m = I (1 - a^m) / (1 - a); the first m with v_m >= v_th is
     * n = ceil(log(1 - v_th (1 - a) / I) / log a) (needs I > v_th (1 - a)).  After a spike the neuron is held for
     * t_ref steps and restarts from 0: spikes at n - 1 + k (n + t_ref), a rate of 1 / ((n + t_ref) dt). */
    const double dt = 1e-3, tau = 20e-3, v_th = 20e-3, a = exp(-dt / tau);
    const double I[] = {1.1e-3, 1.5e-3, 2.5e-3, 4e-3, 7.3e-3, 25e-3};
    const size_t N = sizeof I / sizeof *I, T = 3000;
    const long long t_refs[] = {0, 2, 5};
    for (size_t q = 0; q < 3; q++) {
        const long long t_ref = t_refs[q];
        neuron_params p = neuron_params_default(); /* tau_m 20 ms, v_th 20 mV, v_reset 0: alpha derived from dt */
        p.t_ref_steps = t_ref;
        cr_assert_eq(p.tau_m_s, tau);
        cr_assert_eq(p.v_th_V, v_th);
        snn_layer_spec ls = {N, p, {0}};
        cr_assert_eq(snn_synapse_ideal_new(&ls.syn, 1, N, I), CIM_OK); /* one input, weight I_i to neuron i */
        snn_net_spec s = {1, 1, &ls, dt, 0};
        snn_net *n;
        cr_assert_eq(snn_net_new(&n, &s), CIM_OK, "%s", cim_errmsg());
        size_t want_n[sizeof I / sizeof *I], count[sizeof I / sizeof *I] = {0};
        for (size_t i = 0; i < N; i++) {
            cr_assert_gt(I[i], v_th * (1 - a));
            double m = log(1 - v_th * (1 - a) / I[i]) / log(a);
            cr_assert_gt(fabs(m - round(m)), 1e-6, "I = %g: the closed form is too near a tie to test", I[i]);
            want_n[i] = (size_t)ceil(m);
        }
        uint32_t ch = 0;
        for (size_t t = 0; t < T; t++) {
            cr_assert_eq(snn_net_step(n, &ch, 1, NULL), CIM_OK);
            const uint32_t *idx;
            size_t ns = snn_net_spikes(n, 1, &idx), k = 0;
            for (size_t i = 0; i < N; i++) {
                size_t P = want_n[i] + (size_t)t_ref;
                int want = t + 1 >= want_n[i] && (t + 1 - want_n[i]) % P == 0;
                int got = k < ns && idx[k] == i;
                k += (size_t)got;
                cr_assert_eq(got, want, "I = %g mV, t_ref %lld: step %zu %s (n = %zu)", I[i] * 1e3, t_ref, t,
                             got ? "spiked" : "did not spike", want_n[i]);
                count[i] += (size_t)got;
            }
        }
        for (size_t i = 0; i < N; i++) { /* the rate over the run */
            size_t P = want_n[i] + (size_t)t_ref;
            cr_expect_eq(count[i], (T - want_n[i]) / P + 1);
            cr_expect_leq(fabs((double)count[i] / (T * dt) - 1.0 / (P * dt)), 1.0 / (T * dt) + 1e-9);
        }
        snn_net_free(n);
    }
}

/* ---- the IF neuron --------------------------------------------------------------------------------------------- */

Test(snn_engine, if_neuron_counts_exactly)
{
    /* I = 3/8 V per step, v_th = 1 V: dyadic, so every sum is exact.  Reset by value: a spike every
     * ceil(1 / 0.375) = 3 steps (at steps 2, 5, 8, ...).  By subtraction: after t + 1 steps the neuron has received
     * 0.375 (t + 1) and spiked floor(0.375 (t + 1)) times, and v is the rest: charge is conserved. */
    const double I = 0.375;
    for (int mode = 0; mode < 2; mode++) {
        neuron_params p = neuron_params_default();
        p.type = NEURON_IF;
        p.v_th_V = 1.0;
        p.t_ref_steps = 0;
        p.reset = mode == 0 ? NEURON_RESET_VALUE : NEURON_RESET_SUBTRACT;
        neuron_derived d;
        cr_assert_eq(neuron_derive(&p, 1e-3, &d), CIM_OK);
        cr_expect_eq(d.alpha, 1.0, "if: no leak");
        snn_layer_spec ls = {1, p, {0}};
        cr_assert_eq(snn_synapse_ideal_new(&ls.syn, 1, 1, &I), CIM_OK);
        snn_net_spec s = {1, 1, &ls, 1e-3, 0};
        snn_net *n;
        cr_assert_eq(snn_net_new(&n, &s), CIM_OK, "%s", cim_errmsg());
        uint32_t ch = 0;
        size_t spikes = 0;
        for (size_t t = 0; t < 200; t++) {
            cr_assert_eq(snn_net_step(n, &ch, 1, NULL), CIM_OK);
            const uint32_t *idx;
            size_t ns = snn_net_spikes(n, 1, &idx);
            spikes += ns;
            double v = snn_net_v(n, 1)[0];
            if (mode == 0) {
                cr_assert_eq(ns, (t % 3) == 2, "value reset, step %zu", t);
                cr_assert_eq(v, ns ? 0.0 : I * (double)(t % 3 + 1), "value reset, step %zu: v = %g", t, v);
            } else {
                double q = I * (double)(t + 1);
                cr_assert_eq(spikes, (size_t)floor(q), "subtract reset, step %zu", t);
                cr_assert_eq(v, q - floor(q), "subtract reset, step %zu: v = %.17g", t, v);
            }
        }
        snn_net_free(n);
    }
}

/* ---- refractory period and reset modes ------------------------------------------------------------------------- */

Test(snn_engine, a_refractory_neuron_holds_its_membrane_and_ignores_its_input)
{
    /* A jump of 25 mV (above v_th = 20 mV) every step, t_ref = 3: spikes at 0, 4, 8, ...; in between v stays at the
     * reset value (value mode: -2 mV) or at what the subtraction left (25 - 20 = 5 mV, not decayed). */
    const double I = 25e-3;
    for (int mode = 0; mode < 2; mode++) {
        neuron_params p = lif_params(0.5, 20e-3, -2e-3, 3);
        p.reset = mode ? NEURON_RESET_SUBTRACT : NEURON_RESET_VALUE;
        snn_layer_spec ls = {1, p, {0}};
        cr_assert_eq(snn_synapse_ideal_new(&ls.syn, 1, 1, &I), CIM_OK);
        snn_net_spec s = {1, 1, &ls, 0, 0};
        snn_net *n;
        cr_assert_eq(snn_net_new(&n, &s), CIM_OK, "%s", cim_errmsg());
        uint32_t ch = 0;
        double held = 0;
        for (size_t t = 0; t < 40; t++) {
            cr_assert_eq(snn_net_step(n, &ch, 1, NULL), CIM_OK);
            const uint32_t *idx;
            size_t ns = snn_net_spikes(n, 1, &idx);
            double v = snn_net_v(n, 1)[0];
            cr_assert_eq(ns, t % 4 == 0, "mode %d step %zu", mode, t);
            if (t % 4 == 0) {
                /* spike: from v = held (t > 0) leaked by 0.5 plus I */
                double x = (t == 0 ? 0.0 : held) * 0.5 + I;
                held = mode ? x - 20e-3 : -2e-3;
            }
            cr_assert_eq(v, held, "mode %d step %zu: v %.17g, expected %.17g", mode, t, v, held);
        }
        snn_net_free(n);
    }
}

Test(snn_engine, reset_modes_and_a_resting_potential_follow_their_formulas)
{
    /* Biological potentials: rest -70 mV, threshold -50 mV, reset -65 mV, alpha 0.9, a jump of 4 mV per step.  Per
     * step v <- v_rest + (v - v_rest) alpha + I; a spike resets to v_reset, or subtracts v_th - v_rest = 20 mV. */
    const double vr = -70e-3, vth = -50e-3, vreset = -65e-3, a = 0.9, I = 4e-3;
    for (int mode = 0; mode < 2; mode++) {
        neuron_params p = lif_params(a, vth, vreset, 0);
        p.v_rest_V = vr;
        p.v_init_V = vr;
        p.reset = mode ? NEURON_RESET_SUBTRACT : NEURON_RESET_VALUE;
        snn_layer_spec ls = {1, p, {0}};
        cr_assert_eq(snn_synapse_ideal_new(&ls.syn, 1, 1, &I), CIM_OK);
        snn_net_spec s = {1, 1, &ls, 0, 0};
        snn_net *n;
        cr_assert_eq(snn_net_new(&n, &s), CIM_OK, "%s", cim_errmsg());
        uint32_t ch = 0;
        double v = vr;
        size_t spikes = 0;
        for (size_t t = 0; t < 100; t++) {
            cr_assert_eq(snn_net_step(n, &ch, 1, NULL), CIM_OK);
            double x = vr + (v - vr) * a + I;
            int fire = x >= vth;
            v = fire ? (mode ? x - (vth - vr) : vreset) : x;
            spikes += (size_t)fire;
            const uint32_t *idx;
            cr_assert_eq(snn_net_spikes(n, 1, &idx), (size_t)fire, "mode %d step %zu", mode, t);
            cr_assert_eq(snn_net_v(n, 1)[0], v, "mode %d step %zu", mode, t);
        }
        /* The steady state without a threshold is v_rest + I / (1 - a) = -30 mV, above v_th: it must fire. */
        cr_expect_gt(spikes, 5);
        snn_net_free(n);
    }
}

Test(snn_engine, a_layer_without_input_still_fires_when_its_membrane_can_reach_threshold)
{
    /* The engine skips the threshold pass of a quiet layer only where no neuron can fire; these three can. */
    double w = 50e-3;
    uint32_t ch = 0;
    const uint32_t *idx;
    snn_net *n;
    /* (a) v_init above threshold: a spike at step 0 with no input (0.025 0.9 = 0.0225 >= 0.02) */
    neuron_params p = lif_params(0.9, 20e-3, 0, 0);
    p.v_init_V = 25e-3;
    snn_layer_spec ls = {1, p, {0}};
    cr_assert_eq(snn_synapse_ideal_new(&ls.syn, 1, 1, &w), CIM_OK);
    snn_net_spec s = {1, 1, &ls, 0, 0};
    cr_assert_eq(snn_net_new(&n, &s), CIM_OK, "%s", cim_errmsg());
    cr_assert_eq(snn_net_step(n, NULL, 0, NULL), CIM_OK);
    cr_expect_eq(snn_net_spikes(n, 1, &idx), 1, "v_init above threshold");
    snn_net_free(n);
    /* (b) reset by subtraction leaving more than a threshold: IF, 50 mV in at step 0 -> spikes at 0 and 1 (30 mV
     * left, then 10 mV) */
    p = lif_params(1.0, 20e-3, 0, 0);
    p.type = NEURON_IF;
    p.alpha = 0;
    p.reset = NEURON_RESET_SUBTRACT;
    ls.neuron = p;
    cr_assert_eq(snn_synapse_ideal_new(&ls.syn, 1, 1, &w), CIM_OK);
    cr_assert_eq(snn_net_new(&n, &s), CIM_OK, "%s", cim_errmsg());
    for (size_t t = 0; t < 4; t++) {
        cr_assert_eq(snn_net_step(n, &ch, t == 0, NULL), CIM_OK);
        cr_expect_eq(snn_net_spikes(n, 1, &idx), t < 2, "subtract, step %zu", t);
    }
    cr_expect_eq(snn_net_v(n, 1)[0], (50e-3 - 20e-3) - 20e-3);
    snn_net_free(n);
    /* (c) a threshold below rest: from v_reset = -60 mV the leak towards 0 crosses v_th = -50 mV by itself, at the
     * first k with -60 mV a^k >= -50 mV, then again k + t_ref steps later */
    const double a = 0.9;
    p = lif_params(a, -50e-3, -60e-3, 1);
    p.v_init_V = -60e-3;
    ls.neuron = p;
    cr_assert_eq(snn_synapse_ideal_new(&ls.syn, 1, 1, &w), CIM_OK);
    cr_assert_eq(snn_net_new(&n, &s), CIM_OK, "%s", cim_errmsg());
    size_t k = (size_t)ceil(log(5.0 / 6.0) / log(a)); /* 2: 0.81 <= 5/6 */
    cr_assert_eq(k, 2);
    for (size_t t = 0; t < 30; t++) {
        cr_assert_eq(snn_net_step(n, NULL, 0, NULL), CIM_OK);
        int want = t + 1 >= k && (t + 1 - k) % (k + 1) == 0; /* spikes at k - 1, then every k + t_ref steps */
        cr_expect_eq(snn_net_spikes(n, 1, &idx), (size_t)want, "threshold below rest, step %zu", t);
    }
    snn_net_free(n);
}

/* ---- the adaptive LIF ------------------------------------------------------------------------------------------ */

Test(snn_engine, alif_threshold_rises_per_spike_and_decays_with_tau_adapt)
{
    const double dt = 1e-3, tau_a = 50e-3, dv = 4e-3, v_th = 20e-3;
    neuron_params p = neuron_params_default();
    p.type = NEURON_ALIF;
    p.tau_adapt_s = tau_a;
    p.dv_th_V = dv;
    p.t_ref_steps = 0;
    neuron_derived d;
    cr_assert_eq(neuron_derive(&p, dt, &d), CIM_OK, "%s", cim_errmsg());
    const double aa = exp(-dt / tau_a);
    cr_expect_eq(d.alpha_adapt, aa);
    const neuron_type *T = neuron_types[p.type];
    cr_assert_str_eq(T->name, "alif");
    neuron_state s;
    neuron_state_init(&s, &p, 2);
    uint32_t spk[2];
    size_t awake;
    /* step 0: both far above threshold: both spike, the adaptation becomes dv */
    T->leak(&p, &d, &s);
    s.v[0] = s.v[1] = 1.0; /* the membrane after leak and input, set by hand */
    cr_assert_eq(T->fire(&p, &d, &s, spk, &awake), 2);
    cr_expect_eq(s.th[0], dv);
    /* steps 1 .. k: the threshold is v_th + dv aa^k; one neuron sits just below it, the other just above */
    for (int k = 1; k <= 30; k++) {
        double th = dv * pow(aa, k);
        T->leak(&p, &d, &s);
        s.v[0] = v_th + th * (1 - 1e-6);
        s.v[1] = v_th + th * (1 + 1e-6);
        size_t ns = T->fire(&p, &d, &s, spk, &awake);
        cr_assert_eq(ns, 1, "step %d: the threshold is not v_th + dv alpha_adapt^k", k);
        cr_assert_eq(spk[0], 1);
        cr_assert_leq(fabs(s.th[0] - th), 1e-13 * dv, "step %d: adaptation %.17g, expected %.17g", k, s.th[0], th);
        cr_assert_leq(fabs(s.th[1] - (th + dv)), 1e-13 * dv, "step %d: a spike adds dv_th", k);
        cr_assert_eq(s.v[1], p.v_reset_V);
        /* neuron 1 back to one spike k steps ago: reset its adaptation to that of neuron 0 */
        s.th[1] = s.th[0];
    }
    /* Subtraction removes the threshold crossed, v_th + a - v_rest */
    p.reset = NEURON_RESET_SUBTRACT;
    neuron_state_reset(&s, &p);
    T->leak(&p, &d, &s);
    s.v[0] = s.v[1] = 0.05;
    T->fire(&p, &d, &s, spk, &awake); /* a = 0 before: v = 0.05 - 0.02 */
    cr_expect_eq(s.v[0], 0.05 - v_th);
    T->leak(&p, &d, &s);
    s.v[0] = 0.05;
    T->fire(&p, &d, &s, spk, &awake); /* a = dv aa after the decay */
    cr_expect_leq(fabs(s.v[0] - (0.05 - (v_th + dv * aa))), 1e-17);
    neuron_state_destroy(&s);
}

Test(snn_engine, alif_fires_less_than_lif_under_the_same_input)
{
    /* Adaptation only raises the threshold: the same drive gives no more spikes, and with dv_th = 0 exactly the
     * LIF's. */
    const double I = 3e-3;
    size_t count[3];
    for (int k = 0; k < 3; k++) {
        neuron_params p = neuron_params_default();
        p.type = k == 0 ? NEURON_LIF : NEURON_ALIF;
        p.dv_th_V = k == 1 ? 0.0 : 2e-3;
        snn_layer_spec ls = {1, p, {0}};
        cr_assert_eq(snn_synapse_ideal_new(&ls.syn, 1, 1, &I), CIM_OK);
        snn_net_spec s = {1, 1, &ls, 1e-3, 0};
        snn_net *n;
        cr_assert_eq(snn_net_new(&n, &s), CIM_OK, "%s", cim_errmsg());
        uint32_t ch = 0;
        count[k] = 0;
        for (size_t t = 0; t < 2000; t++) {
            cr_assert_eq(snn_net_step(n, &ch, 1, NULL), CIM_OK);
            const uint32_t *idx;
            count[k] += snn_net_spikes(n, 1, &idx);
        }
        snn_net_free(n);
    }
    cr_expect_gt(count[0], 50);
    cr_expect_eq(count[1], count[0], "alif with dv_th = 0 is the lif");
    cr_expect_lt(count[2], count[0], "adaptation must slow the neuron (%zu vs %zu)", count[2], count[0]);
}

/* ---- analog input ---------------------------------------------------------------------------------------------- */

Test(snn_engine, analog_input_adds_w_transpose_x)
{
    const size_t K = 7, N = 5;
    double *W = random_matrix(K, N, -2e-3, 6e-3, 3);
    double x[7] = {0.5, 0, 1, 0.25, 0, 0.75, 0.125};
    neuron_params p = lif_params(0.8, 1.0, 0, 0); /* a high threshold: the membrane integrates */
    snn_layer_spec ls = {N, p, {0}};
    cr_assert_eq(snn_synapse_ideal_new(&ls.syn, K, N, W), CIM_OK);
    snn_net_spec s = {K, 1, &ls, 0, 0};
    snn_net *n;
    cr_assert_eq(snn_net_new(&n, &s), CIM_OK);
    double v[5] = {0};
    for (size_t t = 0; t < 10; t++) {
        cr_assert_eq(snn_net_step(n, NULL, 0, x), CIM_OK);
        for (size_t i = 0; i < N; i++) {
            double acc = v[i] * 0.8;
            for (size_t j = 0; j < K; j++)
                if (x[j] != 0)
                    acc += x[j] * W[j * N + i];
            v[i] = acc;
            cr_assert_eq(snn_net_v(n, 1)[i], v[i], "step %zu neuron %zu", t, i);
        }
    }
    cr_expect_eq(snn_net_counts(n)->sop, 10 * 5 * N, "5 nonzero inputs x 5 targets per step");
    cr_expect_eq(snn_net_counts(n)->in_spikes, 0);
    snn_net_free(n);
    free(W);
}

/* ---- reset, counts --------------------------------------------------------------------------------------------- */

Test(snn_engine, a_reset_network_repeats_its_run_and_keeps_counting)
{
    const size_t size[] = {30, 20, 10}, T = 200;
    refnet r;
    random_refnet(&r, 2, size, 1, 21);
    unsigned char *in = random_inputs(T, r.K, 0.2, 22);
    neuron_params p = lif_params(r.alpha, r.v_th, r.v_reset, r.t_ref);
    snn_net *n = engine_of(&r, &p);
    uint32_t idx[30];
    uint64_t sum[2][2] = {{0}}; /* [run][layer] */
    for (int rep = 0; rep < 2; rep++) {
        if (rep)
            snn_net_reset(n);
        for (size_t t = 0; t < T; t++) {
            size_t k = flags_to_idx(in + t * r.K, r.K, idx);
            cr_assert_eq(snn_net_step(n, idx, k, NULL), CIM_OK);
            for (size_t l = 1; l <= 2; l++) {
                const uint32_t *s;
                size_t ns = snn_net_spikes(n, l, &s);
                for (size_t q = 0; q < ns; q++)
                    sum[rep][l - 1] += (t + 1) * 1000003 + s[q]; /* a checksum of (step, neuron) */
            }
        }
    }
    cr_expect_eq(sum[0][0], sum[1][0]);
    cr_expect_eq(sum[0][1], sum[1][1]);
    cr_expect_gt(sum[0][1], 0);
    cr_expect_eq(snn_net_counts(n)->steps, 2 * T, "counts are kept across a reset");
    snn_net_free(n);
    free(in);
    ref_free(&r);
    refnet_free_weights(&r);
}

/* ---- conformance: tests/conformance/snn/ ------------------------------------------------------------------------ */

static csv_table read_csv(const char *path)
{
    csv_table t;
    csv_read_opts o = csv_opts_any();
    cr_assert_eq(csv_read(path, &o, &t), CIM_OK, "%s", cim_errmsg());
    return t;
}

/* Checks spikes (step, neuron of the last layer) and v (step, v of the last layer) against the case's references. */
static void check_against_refs(const char *c, const double *spk_step, const double *spk_neuron, size_t n_spk,
                               const double *v, size_t v_rows, size_t v_cols, size_t v_stride, int exact)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s/spikes_ref.csv", CONF, c);
    csv_table sr = read_csv(path);
    snprintf(path, sizeof path, "%s/%s/v_ref.csv", CONF, c);
    csv_table vr = read_csv(path);
    cr_assert_eq(n_spk, sr.rows, "%s: %zu spikes, the reference %zu", c, n_spk, sr.rows);
    for (size_t k = 0; k < n_spk; k++)
        cr_assert(spk_step[k] == sr.data[2 * k] && spk_neuron[k] == sr.data[2 * k + 1],
                  "%s: spike %zu is (%g, %g), the reference (%g, %g)", c, k, spk_step[k], spk_neuron[k],
                  sr.data[2 * k], sr.data[2 * k + 1]);
    cr_assert_eq(v_rows, vr.rows);
    cr_assert_eq(v_cols + 1, vr.cols);
    double worst = 0;
    for (size_t t = 0; t < v_rows; t++) {
        cr_assert_eq(vr.data[t * vr.cols], (double)t);
        for (size_t i = 0; i < v_cols; i++) {
            double e = fabs(v[t * v_stride + i] - vr.data[t * vr.cols + 1 + i]);
            worst = fmax(worst, e);
            if (exact)
                cr_assert_eq(e, 0, "%s: step %zu neuron %zu not exact", c, t, i);
        }
    }
    cr_expect_leq(worst, 1e-12, "%s: membranes differ by %g V", c, worst);
    csv_table_free(&sr), csv_table_free(&vr);
}

static void conformance_library(const char *c, int exact)
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s/%s", CONF, c);
    snn_netdir d;
    cr_assert_eq(snn_netdir_load(&d, dir), CIM_OK, "%s", cim_errmsg());
    snn_net *n;
    cr_assert_eq(snn_netdir_network(&d, snn_synapse_maker_ideal, NULL, &n), CIM_OK, "%s", cim_errmsg());
    size_t L = d.n_layers, N = d.sizes[L], T = (size_t)d.T_steps;
    double *ss = malloc(T * N * sizeof *ss), *sn = malloc(T * N * sizeof *sn), *v = malloc(T * N * sizeof *v);
    size_t n_spk = 0;
    for (size_t t = 0; t < T; t++) {
        const uint32_t *in;
        size_t n_in = snn_netdir_inputs(&d, (long long)t, &in);
        cr_assert_eq(snn_net_step(n, in, n_in, NULL), CIM_OK, "%s", cim_errmsg());
        const uint32_t *idx;
        size_t ns = snn_net_spikes(n, L, &idx);
        for (size_t k = 0; k < ns; k++) {
            ss[n_spk] = (double)t;
            sn[n_spk++] = idx[k];
        }
        memcpy(v + t * N, snn_net_v(n, L), N * sizeof *v);
    }
    cr_expect_eq(snn_net_counts(n)->in_spikes, d.n_in_spk);
    check_against_refs(c, ss, sn, n_spk, v, T, N, N, exact);
    free(ss), free(sn), free(v);
    snn_net_free(n);
    snn_netdir_free(&d);
}

Test(snn_conformance, a_tiny_through_the_library_exactly) { conformance_library("a_tiny", 1); }
Test(snn_conformance, b_medium_through_the_library) { conformance_library("b_medium", 0); }

/* `cimsim snn --network DIR -o spikes.csv --voltages v.csv` in a scratch folder; returns the two tables. */
static void run_cli(const char *net_dir, csv_table *spikes, csv_table *volts)
{
    char *tmp = util_tmpdir(), args[1200], path[700];
    snprintf(args, sizeof args, "snn --network %s -o spikes.csv --voltages v.csv", net_dir);
    char *out, *err;
    int status = util_run_cli(tmp, args, &out, &err);
    cr_assert_eq(status, 0, "cimsim %s: %s", args, err);
    cr_expect(strstr(out, "synaptic ops") != NULL, "the summary goes to stdout: %s", out);
    snprintf(path, sizeof path, "%s/spikes.csv", tmp);
    *spikes = read_csv(path);
    cr_assert_not_null(spikes->header);
    cr_assert_str_eq(spikes->header[0], "step");
    cr_assert_str_eq(spikes->header[1], "layer");
    cr_assert_str_eq(spikes->header[2], "neuron");
    unlink(path);
    snprintf(path, sizeof path, "%s/v.csv", tmp);
    *volts = read_csv(path);
    unlink(path);
    rmdir(tmp);
    free(tmp), free(out), free(err);
}

static void conformance_cli(const char *c, int exact)
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s/%s", CONF, c);
    csv_table s, v;
    run_cli(dir, &s, &v);
    double *st = malloc((s.rows + 1) * sizeof *st), *sn = malloc((s.rows + 1) * sizeof *sn);
    for (size_t k = 0; k < s.rows; k++) {
        cr_assert_eq(s.data[3 * k + 1], 1.0, "one layer: layer 1");
        st[k] = s.data[3 * k];
        sn[k] = s.data[3 * k + 2];
    }
    cr_assert_str_eq(v.header[1], "l1_v0");
    /* v's first column is the step: compare columns 1.. */
    check_against_refs(c, st, sn, s.rows, v.data + 1, v.rows, v.cols - 1, v.cols, exact);
    free(st), free(sn);
    csv_table_free(&s), csv_table_free(&v);
}

Test(snn_conformance, a_tiny_through_the_cli_exactly) { conformance_cli("a_tiny", 1); }
Test(snn_conformance, b_medium_through_the_cli) { conformance_cli("b_medium", 0); }

/* A random three-layer network written as a directory, run by the CLI, against the plain loop: the directory's
 * reader, the layer numbering and the voltages' layout. */
static void write_matrix(const char *path, const double *w, size_t rows, size_t cols)
{
    FILE *fp = fopen(path, "w");
    cr_assert_not_null(fp);
    for (size_t j = 0; j < rows; j++)
        for (size_t i = 0; i < cols; i++)
            fprintf(fp, "%.17g%c", w[j * cols + i], i + 1 == cols ? '\n' : ',');
    fclose(fp);
}

Test(snn_conformance, a_directory_of_three_layers_at_delay_1_through_the_cli_matches_the_plain_loop)
{
    const size_t size[] = {25, 20, 15, 8}, T = 300;
    refnet r;
    random_refnet(&r, 3, size, 1, 41);
    r.alpha = 0.875; /* given as a hex literal too */
    unsigned char *in = random_inputs(T, r.K, 0.15, 42);
    char *dir = util_tmpdir(), path[700];
    snprintf(path, sizeof path, "%s/params.json", dir);
    FILE *fp = fopen(path, "w");
    fprintf(fp, "{\n  \"alpha\": 0.875,\n  \"alpha_hex\": \"0x1.cp-1\",\n  \"v_th\": %.17g,\n  \"v_reset\": 0.0,\n"
                "  \"t_ref_steps\": %d,\n  \"T_steps\": %zu,\n  \"K\": %zu,\n  \"layer_sizes\": [%zu, %zu, %zu, %zu],\n"
                "  \"inter_layer_delay_steps\": 1,\n  \"weights\": [\"W1.csv\", \"W2.csv\", \"W3.csv\"]\n}\n",
            r.v_th, r.t_ref, T, r.K, size[0], size[1], size[2], size[3]);
    fclose(fp);
    for (size_t l = 0; l < 3; l++) {
        snprintf(path, sizeof path, "%s/W%zu.csv", dir, l + 1);
        write_matrix(path, r.W[l], size[l], size[l + 1]);
    }
    snprintf(path, sizeof path, "%s/inputs.csv", dir);
    fp = fopen(path, "w");
    fprintf(fp, "step,channel\n");
    for (size_t t = 0; t < T; t++)
        for (size_t j = 0; j < r.K; j++)
            if (in[t * r.K + j])
                fprintf(fp, "%zu,%zu\n", t, j);
    fclose(fp);

    csv_table s, v;
    run_cli(dir, &s, &v);
    cr_assert_eq(v.rows, T);
    cr_assert_eq(v.cols, 1 + size[1] + size[2] + size[3]);
    cr_assert_str_eq(v.header[1 + size[1]], "l2_v0");
    size_t k = 0;
    uint64_t per_layer[3] = {0};
    for (size_t t = 0; t < T; t++) {
        ref_step(&r, in + t * r.K);
        size_t col = 1;
        for (size_t l = 0; l < 3; l++) {
            for (size_t i = 0; i < size[l + 1]; i++) {
                if (r.spk[l][i]) {
                    cr_assert(k < s.rows, "step %zu: spikes missing", t);
                    cr_assert(s.data[3 * k] == (double)t && s.data[3 * k + 1] == (double)(l + 1) &&
                                  s.data[3 * k + 2] == (double)i,
                              "spike %zu is (%g, %g, %g), the reference (%zu, %zu, %zu)", k, s.data[3 * k],
                              s.data[3 * k + 1], s.data[3 * k + 2], t, l + 1, i);
                    k++;
                    per_layer[l]++;
                }
                cr_assert_eq(v.data[t * v.cols + col], r.v[l][i], "step %zu layer %zu neuron %zu", t, l + 1, i);
                col++;
            }
        }
    }
    cr_expect_eq(k, s.rows, "the CLI wrote %zu spikes, the reference %zu", s.rows, k);
    for (size_t l = 0; l < 3; l++)
        cr_expect_gt(per_layer[l], 10, "layer %zu fired %llu times", l + 1, (unsigned long long)per_layer[l]);
    csv_table_free(&s), csv_table_free(&v);
    free(in);
    ref_free(&r);
    refnet_free_weights(&r);
    char cmd[800];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
    free(dir);
}

/* ---- bad input --------------------------------------------------------------------------------------------------- */

Test(snn_engine, neuron_parameters_are_checked_naming_the_key)
{
    neuron_params p = neuron_params_default();
    neuron_derived d;
    p.v_reset_V = 25e-3;
    cr_expect_eq(neuron_derive(&p, 1e-3, &d), CIM_ECONFIG);
    cr_expect(strstr(cim_errmsg(), "v_reset_V") == cim_errmsg(), "%s", cim_errmsg());
    p = neuron_params_default();
    p.type = NEURON_IF;
    p.alpha = 0.9;
    cr_expect_eq(neuron_check(&p), CIM_ECONFIG);
    cr_expect(strstr(cim_errmsg(), "alpha") == cim_errmsg(), "%s", cim_errmsg());
    p = neuron_params_default();
    cr_expect_eq(neuron_derive(&p, 0, &d), CIM_ECONFIG, "alpha derived from tau_m needs dt");
    p.alpha = 0.5;
    cr_expect_eq(neuron_derive(&p, 0, &d), CIM_OK, "alpha given: no dt needed");
    cr_expect_eq(d.alpha, 0.5);
    p.reset = NEURON_RESET_SUBTRACT;
    p.v_rest_V = 30e-3;
    cr_expect_eq(neuron_check(&p), CIM_ECONFIG, "subtraction with v_th below v_rest would never come down");
    cr_expect_not_null(neuron_type_find("alif"));
    cr_expect_null(neuron_type_find("hh"));
    for (size_t k = 0; neuron_types[k] != NULL; k++)
        cr_expect_str_eq(neuron_types[k]->name, neuron_type_names[k]);
}

Test(snn_engine, shapes_that_do_not_chain_and_bad_input_spikes_are_refused)
{
    double w[6] = {0};
    snn_layer_spec ls[2];
    ls[0].n = 3;
    ls[0].neuron = neuron_params_default();
    ls[1].n = 2;
    ls[1].neuron = neuron_params_default();
    cr_assert_eq(snn_synapse_ideal_new(&ls[0].syn, 2, 3, w), CIM_OK);
    cr_assert_eq(snn_synapse_ideal_new(&ls[1].syn, 2, 2, w), CIM_OK); /* should be 3 x 2 */
    snn_net_spec s = {2, 2, ls, 1e-3, 0};
    snn_net *n;
    cr_expect_eq(snn_net_new(&n, &s), CIM_EINVAL);
    cr_expect(strstr(cim_errmsg(), "layer 2") != NULL, "%s", cim_errmsg());
    cr_expect_not_null(ls[0].syn.type, "on failure the banks stay the caller's");
    snn_synapse_free(&ls[1].syn);
    cr_assert_eq(snn_synapse_ideal_new(&ls[1].syn, 3, 2, w), CIM_OK);
    s.delay_steps = 2;
    cr_expect_eq(snn_net_new(&n, &s), CIM_EINVAL);
    s.delay_steps = 0;
    cr_assert_eq(snn_net_new(&n, &s), CIM_OK, "%s", cim_errmsg());
    uint32_t bad_order[2] = {1, 0}, out_of_range[1] = {2}, twice[2] = {1, 1};
    cr_expect_eq(snn_net_step(n, bad_order, 2, NULL), CIM_EINVAL);
    cr_expect_eq(snn_net_step(n, out_of_range, 1, NULL), CIM_EINVAL);
    cr_expect_eq(snn_net_step(n, twice, 2, NULL), CIM_EINVAL);
    snn_net_free(n);
    double inf = INFINITY;
    snn_synapse b;
    cr_expect_eq(snn_synapse_ideal_new(&b, 1, 1, &inf), CIM_EINVAL);
    cr_expect_null(b.type);
}

/* A copy of a_tiny with one file replaced; returns the folder (caller removes). */
static char *tiny_with(const char *file, const char *text)
{
    char *dir = util_tmpdir(), cmd[1500], path[700];
    snprintf(cmd, sizeof cmd, "cp '%s/a_tiny/params.json' '%s/a_tiny/W.csv' '%s/a_tiny/inputs.csv' '%s/'", CONF, CONF,
             CONF, dir);
    cr_assert_eq(system(cmd), 0);
    snprintf(path, sizeof path, "%s/%s", dir, file);
    util_write(path, text);
    return dir;
}

static void expect_load_error(const char *file, const char *text, const char *want)
{
    char *dir = tiny_with(file, text);
    snn_netdir d;
    cr_expect_eq(snn_netdir_load(&d, dir), CIM_EIO, "%s: accepted", want);
    const char *msg = cim_errmsg();
    const char *rel = strstr(msg, dir) == msg ? msg + strlen(dir) + 1 : msg; /* the message starts with the path */
    cr_expect(strncmp(rel, want, strlen(want)) == 0, "expected a message starting \"%s\", got \"%s\"", want, msg);
    char cmd[800];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
    free(dir);
}

static const char tiny_params_head[] = "{\n  \"alpha\": 0.5,\n  \"v_th\": 0.015625,\n  \"v_reset\": 0.0,\n";

Test(snn_engine, malformed_directories_are_refused_naming_file_line_and_key)
{
    expect_load_error("inputs.csv", "step,channel\n0,0\n2,1\n1,0\n", "inputs.csv:4: (step 1, channel 0) after");
    expect_load_error("inputs.csv", "step,channel\n0,0\n0,0\n", "inputs.csv:3: (step 0, channel 0) after");
    expect_load_error("inputs.csv", "step,channel\n0,2\n", "inputs.csv:2: column channel: 2 is outside [0, 1]");
    expect_load_error("inputs.csv", "step,channel\n20,0\n", "inputs.csv:2: column step: 20 is outside [0, 19]");
    expect_load_error("inputs.csv", "step,channel\n1.5,0\n", "inputs.csv:2: column step: 1.5 is not an integer");
    expect_load_error("inputs.csv", "time,channel\n0,0\n", "inputs.csv: expected the header line step,channel");
    expect_load_error("W.csv", "0.01,0.02\n", "W.csv:1: the file ends after 1 row of weights");
    expect_load_error("W.csv", "0.01,0.02\n0.01,0.02\n0.01,0.02\n", "W.csv:3: row 3 of weights");
    expect_load_error("W.csv", "0.01,0.02,0.03\n0.01,0.02,0.03\n", "W.csv:1: expected 2 values per line, got 3");
    char text[1024];
    snprintf(text, sizeof text, "%s  \"t_ref_steps\": 2,\n  \"T_steps\": 20,\n  \"layer_sizes\": [2, 2],\n"
                                "  \"weights\": [\"W.csv\"]\n}\n",
             tiny_params_head);
    expect_load_error("params.json", text, "params.json: missing key \"K\"");
    snprintf(text, sizeof text, "%s  \"t_ref_steps\": 2,\n  \"T_steps\": 20,\n  \"K\": 3,\n  \"layer_sizes\": [2, 2],\n"
                                "  \"weights\": [\"W.csv\"]\n}\n",
             tiny_params_head);
    expect_load_error("params.json", text, "params.json:8: key \"layer_sizes\": its first entry (2) must be K (3)");
    snprintf(text, sizeof text, "%s  \"alpha_hex\": \"0x1.0000000000001p-1\",\n  \"t_ref_steps\": 2,\n"
                                "  \"T_steps\": 20,\n  \"K\": 2,\n  \"layer_sizes\": [2, 2],\n  \"weights\": [\"W.csv\"]\n}\n",
             tiny_params_head);
    expect_load_error("params.json", text, "params.json:5: key \"alpha_hex\": 0x1.0000000000001p-1 is");
    snprintf(text, sizeof text, "%s  \"t_ref_steps\": 2.5,\n  \"T_steps\": 20,\n  \"K\": 2,\n  \"layer_sizes\": [2, 2],\n"
                                "  \"weights\": [\"W.csv\"]\n}\n",
             tiny_params_head);
    expect_load_error("params.json", text, "params.json:5: key \"t_ref_steps\": expected an integer");
    snprintf(text, sizeof text, "%s  \"t_ref_steps\": 2,\n  \"T_steps\": 20,\n  \"K\": 2,\n  \"layer_sizes\": [2, 2],\n"
                                "  \"inter_layer_delay_steps\": 2,\n  \"weights\": [\"W.csv\"]\n}\n",
             tiny_params_head);
    expect_load_error("params.json", text, "params.json:9: key \"inter_layer_delay_steps\": expected an integer in [0, 1]");
    expect_load_error("params.json", "{\n  \"alpha\": 0.5,\n  \"v_th\": 0.01\n  \"K\": 2\n}\n", "params.json:4:");
    snprintf(text, sizeof text, "{\n  \"alpha\": 0.5,\n  \"v_th\": 0.01,\n  \"v_reset\": 0.02,\n  \"t_ref_steps\": 2,\n"
                                "  \"T_steps\": 20,\n  \"K\": 2,\n  \"layer_sizes\": [2, 2],\n  \"weights\": [\"W.csv\"]\n}\n");
    expect_load_error("params.json", text, "params.json:4: key \"v_reset\": the reset");
}

Test(snn_engine, a_header_alone_means_no_input_spikes_and_alpha_may_come_from_tau_and_dt)
{
    char *dir = tiny_with("inputs.csv", "# no spikes\nstep,channel\n");
    char text[1024], path[700];
    snprintf(text, sizeof text, "{\n  \"tau_m_ms\": 20,\n  \"dt_ms\": 1,\n  \"v_th\": 0.015625,\n  \"v_reset\": 0.0,\n"
                                "  \"v_init\": 0.01,\n  \"t_ref_steps\": 2,\n  \"T_steps\": 5,\n  \"K\": 2,\n"
                                "  \"layer_sizes\": [2, 2],\n  \"weights\": [\"W.csv\"]\n}\n");
    snprintf(path, sizeof path, "%s/params.json", dir);
    util_write(path, text);
    snn_netdir d;
    cr_assert_eq(snn_netdir_load(&d, dir), CIM_OK, "%s", cim_errmsg());
    cr_expect_eq(d.n_in_spk, 0);
    snn_net *n;
    cr_assert_eq(snn_netdir_network(&d, snn_synapse_maker_ideal, NULL, &n), CIM_OK, "%s", cim_errmsg());
    double v = 0.01, a = exp(-(1 * 1e-3) / (20 * 1e-3)); /* as the file gives them: dt_ms, tau_m_ms */
    for (long long t = 0; t < d.T_steps; t++) {
        const uint32_t *in;
        size_t k = snn_netdir_inputs(&d, t, &in);
        cr_assert_eq(k, 0);
        cr_assert_eq(snn_net_step(n, in, k, NULL), CIM_OK);
        v *= a; /* free decay from v_init */
        cr_expect_eq(snn_net_v(n, 1)[0], v);
    }
    snn_net_free(n);
    snn_netdir_free(&d);
    char cmd[800];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
    free(dir);
}
