/* snn/synapse_ideal.c -- ideal synapses: the weight matrix in memory, exact (snn/synapse.h, kind "ideal").
 *
 * A spike of source j adds row j of W (n_in x n_out, row-major, volts) to every target's input: the rows of the
 * sources that spiked are added in ascending j, one addition per target at a time, so each target's sum is exactly
 * the conformance convention's v + W[j1][i] + W[j2][i] + ... (tests/conformance/snn/README.md).  The cost follows
 * the spikes: one contiguous row of n_out values per spike.  Rows are added four at a time (acc + r0 + r1 + r2 +
 * r3, left to right: the same additions in the same order, a quarter of the passes over acc).
 * The analog (direct-current) input adds W^T x, source by source in ascending j (x_j W[j][i] each).  The bank
 * counts no energy (the engine counts its synaptic operations), and it does not learn.
 */
#include "snn/synapse.h"
#include "snn/multiversion.h"
#include "core/status.h"
#include "core/xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct ideal {
    double *w; /* n_in x n_out */
} ideal;

SNN_MULTIVERSION
static int ideal_events(snn_synapse *s, const uint32_t *src, size_t n, double *acc)
{
    const ideal *b = s->impl;
    const size_t m = s->n_out;
    for (size_t k = 0; k < n; k++)
        if (src[k] >= s->n_in)
            return cim_error(CIM_EINVAL, "synapse: source %lu is outside the bank's %zu sources", (unsigned long)src[k],
                             s->n_in);
    double *restrict a = acc;
    size_t k = 0;
    for (; k + 4 <= n; k += 4) {
        const double *restrict r0 = b->w + (size_t)src[k] * m, *restrict r1 = b->w + (size_t)src[k + 1] * m;
        const double *restrict r2 = b->w + (size_t)src[k + 2] * m, *restrict r3 = b->w + (size_t)src[k + 3] * m;
        for (size_t i = 0; i < m; i++)
            a[i] = (((a[i] + r0[i]) + r1[i]) + r2[i]) + r3[i];
    }
    for (; k < n; k++) {
        const double *restrict r = b->w + (size_t)src[k] * m;
        for (size_t i = 0; i < m; i++)
            a[i] += r[i];
    }
    return CIM_OK;
}

SNN_MULTIVERSION
static int ideal_dense(snn_synapse *s, const double *x, double *acc)
{
    const ideal *b = s->impl;
    const size_t m = s->n_out;
    double *restrict a = acc;
    for (size_t j = 0; j < s->n_in; j++) {
        if (!isfinite(x[j]))
            return cim_error(CIM_EINVAL, "synapse: analog input %zu is not finite (%g)", j, x[j]);
        const double xj = x[j];
        if (xj == 0)
            continue; /* adds nothing (the weights are finite) */
        const double *restrict r = b->w + j * m;
        for (size_t i = 0; i < m; i++)
            a[i] += xj * r[i];
    }
    return CIM_OK;
}

static int ideal_weights(snn_synapse *s, double *w)
{
    const ideal *b = s->impl;
    memcpy(w, b->w, s->n_in * s->n_out * sizeof *w);
    return CIM_OK;
}

static void ideal_destroy(snn_synapse *s)
{
    ideal *b = s->impl;
    if (b != NULL)
        free(b->w);
    free(b);
    s->impl = NULL;
}

static const snn_synapse_type synapse_ideal = {
    .name = "ideal",
    .what = "ideal synapses (weights in memory, exact)",
    .events = ideal_events,
    .dense = ideal_dense,
    .learn = NULL,
    .weights = ideal_weights,
    .destroy = ideal_destroy,
};

int snn_synapse_ideal_new(snn_synapse *out, size_t n_in, size_t n_out, const double *w)
{
    memset(out, 0, sizeof *out);
    if (n_in == 0 || n_out == 0)
        return cim_error(CIM_EINVAL, "synapse: a bank needs at least one source and one target (got %zu x %zu)", n_in,
                         n_out);
    if (n_in > UINT32_MAX || n_out > UINT32_MAX)
        return cim_error(CIM_EINVAL, "synapse: %zu x %zu is more than 2^32 - 1 sources or targets", n_in, n_out);
    for (size_t j = 0; j < n_in; j++)
        for (size_t i = 0; i < n_out; i++)
            if (!isfinite(w[j * n_out + i]))
                return cim_error(CIM_EINVAL, "synapse: weight at row %zu (source), column %zu (target) is not finite "
                                             "(%g)",
                                 j, i, w[j * n_out + i]);
    ideal *b = xmalloc(sizeof *b);
    b->w = xmalloc(n_in * n_out * sizeof *b->w);
    memcpy(b->w, w, n_in * n_out * sizeof *b->w);
    out->type = &synapse_ideal;
    out->n_in = n_in;
    out->n_out = n_out;
    energy_tally_zero(&out->tally);
    out->impl = b;
    return CIM_OK;
}

void snn_synapse_free(snn_synapse *s)
{
    if (s == NULL || s->type == NULL)
        return;
    s->type->destroy(s);
    memset(s, 0, sizeof *s);
}

int snn_synapse_maker_ideal(void *ctx, size_t l, size_t n_in, size_t n_out, const double *w, snn_synapse *out)
{
    (void)ctx, (void)l;
    return snn_synapse_ideal_new(out, n_in, n_out, w);
}
