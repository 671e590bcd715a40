/* snn/stdp.c -- pair-based STDP with exponential traces (see stdp.h): traces decay by exp(-dt / tau) per step, a
 * spike adds 1; a post spike potentiates by a_plus x_pre, a pre spike depresses by a_minus y_post [Song2000;
 * Morrison2008], windows after Bi & Poo (1998). */
#include "snn/stdp.h"
#include "core/status.h"
#include "core/xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const stdp_pulses_names[] = {"raise_lower", "raise_pair", NULL};

static int stdp_check(const void *v)
{
    const stdp_params *p = v;
    if (!(p->tau_plus_s > 0) || !(p->tau_minus_s > 0))
        return cim_error(CIM_ECONFIG, "tau_plus_s (%g) and tau_minus_s (%g) must be > 0", p->tau_plus_s,
                         p->tau_minus_s);
    return CIM_OK;
}

/* Defaults: Song, Miller & Abbott 2000 (A+ = 0.005 of g_max, A-/A+ = 1.05); the windows of the exponential fits to
 * Bi & Poo's 1998 data, tau+ = 16.8 ms, tau- = 33.7 ms (Bi & Poo, Annu. Rev. Neurosci. 24, 139 (2001)). */
static const param_spec stdp_spec[] = {
    PARAM_REAL_F(stdp_params, a_plus, 0, 1, 0.005, "1",
                 "potentiation of a causal pair at zero delay, as a fraction of the weight's full scale (Song, Miller "
                 "& Abbott 2000: A+ = 0.005 g_max [Song2000])"),
    PARAM_REAL_F(stdp_params, a_minus, 0, 1, 0.00525, "1",
                 "depression of an anti-causal pair at zero delay, fraction of full scale (A-/A+ = 1.05, depression "
                 "slightly dominant [Song2000])"),
    PARAM_REAL_F(stdp_params, tau_plus_s, 1e-6, 10, 16.8e-3, "s",
                 "potentiation window: the pre trace decays as exp(-t / tau_plus_s) (16.8 ms, the exponential fit to "
                 "Bi & Poo's 1998 measurements [BiPoo1998; BiPoo2001])"),
    PARAM_REAL_F(stdp_params, tau_minus_s, 1e-6, 10, 33.7e-3, "s",
                 "depression window: the post trace decays as exp(-t / tau_minus_s) (33.7 ms, the same fit "
                 "[BiPoo1998; BiPoo2001])"),
    PARAM_CHOICE_F(stdp_params, pulses, stdp_pulses_names, STDP_RAISE_LOWER,
                   "crossbar synapses: raise_lower (potentiate by raising G+, depress by lowering it: bipolar "
                   "RRAM) or raise_pair (raise G+ to potentiate, G- to depress: the gradual direction only, as PCM "
                   "synapses [Burr2015]); a convention"),
    PARAM_REAL_F(stdp_params, v_plus_V, -100, 100, 0.0, "V",
                 "amplitude of a potentiating pulse, signed; 0 = program.v_raise_V, the first pulse of "
                 "write-and-verify (the same write circuit)"),
    PARAM_REAL_F(stdp_params, v_minus_V, -100, 100, 0.0, "V",
                 "amplitude of a depressing pulse, signed; 0 = program.v_lower_V (raise_pair: program.v_raise_V, on "
                 "G-)"),
    PARAM_REAL_F(stdp_params, t_width_s, 0, 1e3, 0.0, "s", "pulse plateau; 0 = program.t_width_s"),
    PARAM_INT_F(stdp_params, max_pulses, 1, 1000000, 100,
                "most pulses one weight change applies; the rest is carried to the next (a convention that bounds "
                "the cost of a large change)"),
    PARAM_END,
};

const param_group stdp_group = {
    .path = "stdp",
    .doc = "Pair-based spike-timing-dependent plasticity with exponential traces (snn/stdp.h), and how a crossbar "
           "synapse turns each weight change into programming pulses (snn/synapse_xbar.h).",
    .params = stdp_spec,
    .size = sizeof(stdp_params),
    .check = stdp_check,
};

stdp_params stdp_params_default(void)
{
    stdp_params p;
    param_defaults(&stdp_group, &p);
    return p;
}

int stdp_init(stdp *s, const stdp_params *p, size_t n_pre, size_t n_post, double dt_s)
{
    memset(s, 0, sizeof *s);
    if (n_pre == 0 || n_post == 0)
        return cim_error(CIM_EINVAL, "stdp: %zu sources x %zu targets: both must be at least 1", n_pre, n_post);
    if (!(dt_s > 0) || !isfinite(dt_s))
        return cim_error(CIM_EINVAL, "stdp: the step dt_s (%g) must be finite and > 0", dt_s);
    int st = stdp_check(p);
    if (st != CIM_OK)
        return cim_error_prefix(st, "stdp: ");
    s->p = *p;
    s->n_pre = n_pre;
    s->n_post = n_post;
    s->d_plus = exp(-dt_s / p->tau_plus_s);
    s->d_minus = exp(-dt_s / p->tau_minus_s);
    s->x = xcalloc(n_pre, sizeof *s->x);
    s->y = xcalloc(n_post, sizeof *s->y);
    return CIM_OK;
}

void stdp_destroy(stdp *s)
{
    free(s->x);
    free(s->y);
    s->x = s->y = NULL;
}

void stdp_reset(stdp *s)
{
    memset(s->x, 0, s->n_pre * sizeof *s->x);
    memset(s->y, 0, s->n_post * sizeof *s->y);
    s->started = 0;
}

static int check_list(const uint32_t *idx, size_t n, size_t limit, const char *what)
{
    for (size_t k = 0; k < n; k++)
        if (idx[k] >= limit || (k > 0 && idx[k] <= idx[k - 1]))
            return cim_error(CIM_EINVAL, "stdp: %s spikes must be ascending, distinct and below %zu (entry %zu is %u)",
                             what, limit, k, (unsigned)idx[k]);
    return CIM_OK;
}

int stdp_step(stdp *s, uint64_t t, const uint32_t *pre, size_t n_pre, const uint32_t *post, size_t n_post,
              stdp_sink sink, void *ctx)
{
    if (s->started && t <= s->t_last)
        return cim_error(CIM_EINVAL, "stdp: step %llu does not follow step %llu", (unsigned long long)t,
                         (unsigned long long)s->t_last);
    int st = check_list(pre, n_pre, s->n_pre, "pre");
    if (st != CIM_OK || (st = check_list(post, n_post, s->n_post, "post")) != CIM_OK)
        return st;
    if (s->started) {
        uint64_t k = t - s->t_last;
        double dp = k == 1 ? s->d_plus : pow(s->d_plus, (double)k), dm = k == 1 ? s->d_minus : pow(s->d_minus, (double)k);
        for (size_t j = 0; j < s->n_pre; j++)
            s->x[j] *= dp;
        for (size_t i = 0; i < s->n_post; i++)
            s->y[i] *= dm;
    }
    s->started = 1;
    s->t_last = t;
    /* Depression: each pre spike against the post traces of earlier steps. */
    for (size_t q = 0; q < n_pre; q++) {
        size_t j = pre[q];
        for (size_t i = 0; i < s->n_post; i++)
            if (s->y[i] != 0 && (st = sink(ctx, j, i, -s->p.a_minus * s->y[i])) != CIM_OK)
                return st;
        s->x[j] += 1.0;
    }
    /* Potentiation: each post spike against the pre traces, this step's included. */
    for (size_t q = 0; q < n_post; q++) {
        size_t i = post[q];
        for (size_t j = 0; j < s->n_pre; j++)
            if (s->x[j] != 0 && (st = sink(ctx, j, i, s->p.a_plus * s->x[j])) != CIM_OK)
                return st;
        s->y[i] += 1.0;
    }
    return CIM_OK;
}
