/* snn/encode.c -- see encode.h. */
#include "snn/encode.h"
#include "core/afile.h"
#include "core/rng.h"
#include "core/status.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct encoder {
    const encoder_type *type;
    encoder_spec s;
    char *stream;
    size_t n;          /* data channels */
    double *x;         /* n features, then 1 for the bias channel */
    double *acc;       /* regular: accumulators */
    uint64_t *fire;    /* ttfs: each channel's spike step (UINT64_MAX: none) */
    double p_per_x;    /* poisson: probability per step of x = 1 */
    gsl_rng *r;        /* poisson: the current sample's stream */
    uint64_t sample;
    uint64_t t_next;   /* the step the state is ready for */
    int have_sample;
};

/* ---- the codes -------------------------------------------------------------------------------------------------- */

static size_t regular_step(encoder *e, uint64_t t, uint32_t *spk)
{
    (void)t;
    size_t k = 0;
    for (size_t j = 0; j < e->n; j++) {
        e->acc[j] += e->x[j];
        if (e->acc[j] >= 1.0) {
            e->acc[j] -= 1.0;
            spk[k++] = (uint32_t)j;
        }
    }
    return k;
}

static size_t poisson_step(encoder *e, uint64_t t, uint32_t *spk)
{
    (void)t;
    size_t k = 0;
    for (size_t j = 0; j < e->n; j++) /* one draw per channel, x = 0 too: the stream's position is fixed per step */
        if (gsl_rng_uniform(e->r) < e->x[j] * e->p_per_x)
            spk[k++] = (uint32_t)j;
    return k;
}

static size_t ttfs_step(encoder *e, uint64_t t, uint32_t *spk)
{
    size_t k = 0;
    for (size_t j = 0; j < e->n; j++)
        if (e->fire[j] == t)
            spk[k++] = (uint32_t)j;
    return k;
}

static size_t current_step(encoder *e, uint64_t t, uint32_t *spk)
{
    (void)e, (void)t, (void)spk;
    return 0;
}

static const encoder_type type_regular = {
    .name = "regular",
    .cite = "deterministic rate code with a half-step phase (the digits reference conversion, data/README.md)",
    .what = "accumulator from the phase, + x per step, spike and - 1 at 1: floor(phase + t x) spikes in t steps",
    .step = regular_step,
};
static const encoder_type type_poisson = {
    .name = "poisson",
    .cite = "Bernoulli-per-step (discrete Poisson) rate code, Diehl et al. 2015; Rueckauer et al. 2017",
    .what = "spike with probability x rate_max_Hz dt per step, one stream per sample",
    .step = poisson_step,
};
static const encoder_type type_ttfs = {
    .name = "ttfs",
    .cite = "time-to-first-spike code, Rueckauer & Liu 2018; Mostafa 2018",
    .what = "one spike at step round((1 - x)(T - 1)), none for x = 0",
    .step = ttfs_step,
};
static const encoder_type type_current = {
    .name = "current",
    .cite = "analog input current to the first layer, Rueckauer et al. 2017",
    .what = "no spikes: the analog x drives the first layer every step",
    .analog = 1,
    .step = current_step,
};

const encoder_type *const encoder_types[] = {&type_regular, &type_poisson, &type_ttfs, &type_current, NULL};
const char *const encoder_type_names[] = {"regular", "poisson", "ttfs", "current", NULL};

/* ---- the group -------------------------------------------------------------------------------------------------- */

static const param_spec encode_spec[] = {
    PARAM_CHOICE_F(encode_params, type, encoder_type_names, ENCODE_REGULAR,
                   "input code: regular (deterministic rate), poisson (Bernoulli per step), ttfs (time to first "
                   "spike), current (analog); regular is the code of the reference converted SNN [digits reference]"),
    PARAM_REAL_F(encode_params, rate_max_Hz, 0, 1e12, 1000, "Hz",
                 "poisson: rate of a feature x = 1; x rate_max_Hz dt_s must not exceed 1 (1000 Hz at dt = 1 ms is one "
                 "spike per step, the regular code's top rate, as the reference Bernoulli code p = x [digits "
                 "reference])"),
    PARAM_REAL_F(encode_params, phase, 0, 0.999, 0.5, "1",
                 "regular: the accumulator's start, so a channel fires floor(phase + t x) times in t steps (0.5: "
                 "rounding to nearest, the reference code [digits reference])"),
    PARAM_END,
};

const param_group encode_group = {
    .path = "encode",
    .doc = "How a sample's features in [0, 1] become input spikes (snn/encode.h): a deterministic or Bernoulli rate "
           "code, time to first spike, or analog current; Bernoulli draws per sample from their own stream.",
    .params = encode_spec,
    .size = sizeof(encode_params),
};

encode_params encode_params_default(void)
{
    encode_params p;
    param_defaults(&encode_group, &p);
    return p;
}

/* ---- the encoder ------------------------------------------------------------------------------------------------ */

int encoder_new(encoder **out, const encoder_spec *s)
{
    *out = NULL;
    if (s->p.type < 0 || s->p.type >= ENCODE_CURRENT + 1)
        return cim_error(CIM_ECONFIG, "type (%d) is not one of the encode.type choices", s->p.type);
    if (s->n_channels == 0 || s->n_channels >= UINT32_MAX || s->T_steps == 0)
        return cim_error(CIM_EINVAL, "encoder: %zu channels and %" PRIu64 " steps per sample; both must be positive",
                         s->n_channels, s->T_steps);
    if (!(s->dt_s > 0) || !isfinite(s->dt_s))
        return cim_error(CIM_EINVAL, "encoder: dt_s (%g) must be positive", s->dt_s);
    if (!(s->p.phase >= 0 && s->p.phase < 1))
        return cim_error(CIM_ECONFIG, "phase (%g) must be in [0, 1)", s->p.phase);
    const double pmax = s->p.rate_max_Hz * s->dt_s;
    if (s->p.type == ENCODE_POISSON && !(pmax >= 0 && pmax <= 1))
        return cim_error(CIM_ECONFIG,
                         "rate_max_Hz (%g) times the step dt (%g s) is %g, above 1: a Bernoulli code spikes at most "
                         "once per step, so the rate must not exceed %g Hz",
                         s->p.rate_max_Hz, s->dt_s, pmax, 1 / s->dt_s);
    encoder *e = xcalloc(1, sizeof *e);
    e->type = encoder_types[s->p.type];
    e->s = *s;
    e->stream = xstrdup(s->stream ? s->stream : "encode");
    e->s.stream = e->stream;
    e->n = s->n_channels;
    e->x = xcalloc(e->n + 1, sizeof *e->x);
    e->x[e->n] = 1.0; /* the bias channel's value */
    e->acc = xcalloc(e->n, sizeof *e->acc);
    e->fire = xcalloc(e->n, sizeof *e->fire);
    e->p_per_x = pmax;
    if (s->p.type == ENCODE_POISSON)
        e->r = rng_alloc_fast(s->seed, e->stream);
    *out = e;
    return CIM_OK;
}

void encoder_free(encoder *e)
{
    if (e == NULL)
        return;
    rng_free(e->r);
    free(e->x), free(e->acc), free(e->fire), free(e->stream);
    free(e);
}

size_t encoder_channels(const encoder *e) { return e->n + (size_t)(e->s.bias != 0); }

/* Back to step 0 of the current sample. */
static void rewind_sample(encoder *e)
{
    for (size_t j = 0; j < e->n; j++)
        e->acc[j] = e->s.p.phase;
    if (e->r != NULL) {
        /* The stream "<stream>.<s>", seeded as rng_alloc_fast seeds a stream (core/rng.c). */
        char name[PARAM_STRING_MAX + 32];
        snprintf(name, sizeof name, "%s.%" PRIu64, e->stream, e->sample);
        uint64_t seed = rng_stream_seed(e->s.seed, name);
        gsl_rng_set(e->r, (unsigned long)((seed ^ (seed >> 32)) & 0xffffffffUL));
    }
    e->t_next = 0;
}

int encoder_set_input(encoder *e, const double *x, uint64_t sample_index)
{
    for (size_t j = 0; j < e->n; j++)
        if (!(x[j] >= 0 && x[j] <= 1))
            return cim_error(CIM_EINVAL, "encoder: feature %zu of sample %" PRIu64 " is %g, outside [0, 1]", j,
                             sample_index, x[j]);
    memcpy(e->x, x, e->n * sizeof *x);
    const uint64_t T = e->s.T_steps;
    for (size_t j = 0; j < e->n; j++)
        e->fire[j] = x[j] > 0 ? (uint64_t)llround((1 - x[j]) * (double)(T - 1)) : UINT64_MAX;
    e->sample = sample_index;
    e->have_sample = 1;
    rewind_sample(e);
    return CIM_OK;
}

size_t encoder_step(encoder *e, uint64_t t, uint32_t *spk)
{
    if (!e->have_sample || e->type->analog)
        return 0;
    if (t < e->t_next && e->type != &type_ttfs)
        rewind_sample(e);
    uint32_t *skip = NULL;
    while (e->t_next < t && e->type != &type_ttfs) { /* replay the steps in between (stateful codes) */
        if (skip == NULL)
            skip = xmalloc((e->n + 1) * sizeof *skip);
        e->type->step(e, e->t_next++, skip);
    }
    free(skip);
    size_t k = e->type->step(e, t, spk);
    e->t_next = t + 1;
    if (e->s.bias)
        spk[k++] = (uint32_t)e->n;
    return k;
}

const double *encoder_analog(const encoder *e) { return e->type->analog ? e->x : NULL; }

int encoder_write_inputs(encoder *e, const char *path)
{
    if (e->type->analog)
        return cim_error(CIM_EINVAL, "encoder: the \"current\" code has no spikes to write to %s", path);
    if (!e->have_sample)
        return cim_error(CIM_EINVAL, "encoder: no sample set before writing %s", path);
    strbuf b;
    strbuf_init(&b);
    strbuf_puts(&b, "step,channel\n");
    uint32_t *spk = xmalloc((e->n + 1) * sizeof *spk);
    for (uint64_t t = 0; t < e->s.T_steps; t++) {
        size_t k = encoder_step(e, t, spk);
        for (size_t q = 0; q < k; q++)
            strbuf_printf(&b, "%" PRIu64 ",%" PRIu32 "\n", t, spk[q]);
    }
    free(spk);
    int st = afile_write_all(path, b.s, b.len);
    strbuf_destroy(&b);
    return st;
}
