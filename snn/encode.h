/* snn/encode.h -- input encoders: how a sample's features x in [0, 1] become the input channels' spikes of each
 * step (config group `encode`).  A small const type table, like the neurons; one entry per code:
 *
 *   "regular"  deterministic rate code: each channel keeps an accumulator a that starts at `phase` (0.5) when the
 *              sample is set; every step a <- a + x, and if a >= 1 the channel spikes and a <- a - 1 (x <= 1, so at
 *              most one spike per step).  Its count over steps 0 .. t-1, in exact arithmetic, is
 *                  N(t) = floor(phase + t x)
 *              (a = phase + t x - N(t) stays in [0, 1) by induction), i.e. the rate x, rounded to nearest for
 *              phase 0.5 -- the code of the reference converted network (data/README.md).  The additions are done
 *              one by one in double precision, as the reference does; for features with few binary digits (the
 *              digits' k/16) they are exact, so N(t) holds to the bit.
 *   "poisson"  Bernoulli per step: channel j spikes in step t with probability p = x_j rate_max_Hz dt_s (<= 1,
 *              checked), independently (the discrete-time Poisson process of rate x rate_max_Hz; with
 *              rate_max_Hz dt_s = 1 it has the regular code's mean rate x).  The draws of sample s come from the
 *              stream "<stream>.<s>" of the run seed (core/rng.h, the fast taus2 generator), one uniform per data
 *              channel per step in channel order, so a sample's spikes depend only on (seed, stream, s, x): the same
 *              bits whatever the order in which samples are run or the thread that runs them.
 *   "ttfs"     time to first spike: one spike per channel, at step round((1 - x) (T - 1)) (round half away from
 *              zero), none for x = 0: the stronger the feature, the earlier the spike, x = 1 at step 0 and the
 *              smallest x near step T - 1 (Rueckauer & Liu 2018; Mostafa 2018 codes values in first-spike times).
 *   "current"  direct current: no spikes; the analog values x drive the first layer every step (encoder_analog,
 *              the synapse bank's dense read; Rueckauer et al. 2017 feed the analog input this way).
 *
 * The bias channel (encoder_spec.bias, for networks from snn/convert.h): channel n_channels, after the data
 * channels, spikes in every step whatever the code (analog value 1 for "current").
 *
 * Steps: encoder_step(e, t, spk) gives the spikes of step t of the current sample, ascending channel indices.  Every
 * code is a pure function of (sample, x, t): calls in order t = 0, 1, ... cost O(channels) each; a call for an
 * earlier step replays the sample from step 0 (the deterministic codes' accumulators, the Bernoulli stream).
 *
 * Contract: returns a cim_status and sets cim_errmsg() on failure; never prints.  Not thread-safe: one encoder per
 * thread (the per-sample streams make their outputs agree).
 */
#ifndef CIM_SNN_ENCODE_H
#define CIM_SNN_ENCODE_H

#include "core/param.h"

#include <stddef.h>
#include <stdint.h>

enum { ENCODE_REGULAR, ENCODE_POISSON, ENCODE_TTFS, ENCODE_CURRENT };

/* The config group `encode`. */
typedef struct encode_params {
    int type;            /* index into encoder_types */
    double rate_max_Hz;  /* poisson: the rate of a feature x = 1 */
    double phase;        /* regular: the accumulator's start, [0, 1) */
} encode_params;

extern const param_group encode_group;
encode_params encode_params_default(void);

struct encoder;

typedef struct encoder_type {
    const char *name;  /* "regular", "poisson", "ttfs", "current" */
    const char *cite;  /* where the code comes from */
    const char *what;  /* one line */
    int analog;        /* 1: no spikes, encoder_analog gives the input */
    /* Spikes of data channels at step t (the caller's bookkeeping has made t the encoder's next step). */
    size_t (*step)(struct encoder *e, uint64_t t, uint32_t *spk);
} encoder_type;

/* The registry and its names (the choices of encode.type), NULL-terminated. */
extern const encoder_type *const encoder_types[];
extern const char *const encoder_type_names[];

typedef struct encoder_spec {
    encode_params p;
    size_t n_channels;   /* data channels: x has this many features */
    int bias;            /* 1: one more channel, index n_channels, spiking every step */
    uint64_t T_steps;    /* steps per sample (ttfs places its spikes in this window) */
    double dt_s;         /* the step (poisson's probability) */
    uint64_t seed;       /* run seed */
    const char *stream;  /* name of the per-sample streams ("encode": sample s draws from "encode.s"); copied */
} encoder_spec;

typedef struct encoder encoder;

/* CIM_ECONFIG naming the key for rate_max_Hz dt_s > 1 or a phase outside [0, 1); CIM_EINVAL for zero channels or
 * steps, a non-positive dt_s. */
int encoder_new(encoder **out, const encoder_spec *s);
void encoder_free(encoder *e);

/* The channels' count: n_channels (+ 1 with the bias channel). */
size_t encoder_channels(const encoder *e);

/* Sets sample sample_index with features x[0 .. n_channels) (copied; CIM_EINVAL for one outside [0, 1] or NaN,
 * naming it) and rewinds to step 0. */
int encoder_set_input(encoder *e, const double *x, uint64_t sample_index);

/* Spikes of step t (0 <= t; steps past T_steps go on with the same code) into spk (room for encoder_channels),
 * ascending; returns their count.  0 for "current". */
size_t encoder_step(encoder *e, uint64_t t, uint32_t *spk);

/* The analog input of every step for "current" (encoder_channels values: x, then 1 for the bias channel); NULL for
 * the spiking codes. */
const double *encoder_analog(const encoder *e);

/* Writes the current sample's spikes over steps 0 .. T_steps-1 as a network directory's inputs.csv (header
 * "step,channel", sorted by step then channel) to path, atomically.  CIM_EINVAL for "current" (no spikes). */
int encoder_write_inputs(encoder *e, const char *path);

#endif
