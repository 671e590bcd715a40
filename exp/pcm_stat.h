/* exp/pcm_stat.h -- the PCM inference characterisation (`cimsim device --pcm-stat`), after Joshi et al.,
 * Nat. Commun. 11, 2473 (2020), Figs. 2-3, on the statistical model of device/pcm_stat.h.
 *
 * For each target x_k = x_targets[k] (G_T = x_k g_max), n_devices devices are programmed (stream
 * "pcm_stat.prog") and given drift exponents (stream "pcm_stat.nu"), once; then at every inference time t in
 * t_inference_s all of them are read (drift and fresh 1/f read noise, stream "pcm_stat.read"), as aihwkit
 * programs a network once and drifts it to each evaluation time.  Reported per target: mean and standard
 * deviation of G_P after programming and of the drawn nu; per target and time: mean and standard deviation of
 * G(t), raw and after global drift compensation.  The compensation treats every device of the run as one
 * array column with the calibration readout taken after programming: both readouts (all-ones, one-hot) reduce
 * to the summed conductance, so alpha(t) = sum G_P / sum G(t) and the compensated G is alpha(t) G(t).
 * Next to each drawn statistic the model's closed form: sigma_prog(x), the folded-normal mean and spread of nu,
 * Q_s(x), the read-noise time factor f(t), and E[G(t)] = E[G_P] E[(t_tot/t0)^-nu] (E[G_P] with the clip at 0;
 * the read noise is zero-mean, up to its own clip at 0, negligible where Q_s f(t) << 1).
 * Together these are Joshi 2020's curves: sigma_prog vs G_T, mean and spread of nu vs G_T, and G(t) vs log t
 * with +-1 sigma bands per level, with and without compensation.
 */
#ifndef CIM_EXP_PCM_STAT_H
#define CIM_EXP_PCM_STAT_H

#include "core/param.h"
#include "core/progress.h"
#include "device/pcm_stat.h"

#include <jansson.h>

typedef struct pcm_stat_exp_params { /* group "pcm_stat_exp" */
    param_reals x_targets;           /* target conductances as fractions of g_max, increasing */
    param_reals t_inference_s;       /* times after programming, increasing */
    long long n_devices;             /* devices per target */
} pcm_stat_exp_params;

extern const param_group pcm_stat_exp_group;

typedef struct pcm_stat_result {
    size_t n_targets, n_times, n_devices;
    double g_max_S, t0_s, t_read_s;  /* the constants in use */
    double *x;                       /* [n_targets] G_T / g_max */
    double *g_t_S;                   /* [n_targets] target conductances */
    double *t_s;                     /* [n_times] inference times */
    double *g_prog_mean_S;           /* [n_targets] drawn G_P */
    double *g_prog_std_S;
    double *nu_mean;                 /* [n_targets] drawn nu */
    double *nu_std;
    double *g_mean_S;                /* [n_targets][n_times] G(t), raw */
    double *g_std_S;
    double *alpha;                   /* [n_times] compensation factor: compensated G = alpha G(t) */
    /* the model's closed forms */
    double *sigma_prog_model_S;      /* [n_targets] sigma_prog(x) */
    double *g_prog_mean_model_S;     /* [n_targets] E[G_P] = E max(0, G_T + sigma_prog N) */
    double *nu_mean_model;           /* [n_targets] folded-normal mean and standard deviation */
    double *nu_std_model;
    double *q_s_model;               /* [n_targets] Q_s(x) */
    double *g_mean_model_S;          /* [n_targets][n_times] E[G_P] E[(t_tot/t0)^-nu] */
    double *read_factor;             /* [n_times] f(t) */
} pcm_stat_result;

/* Runs the characterisation for model m with the random streams of seed.  CIM_EINVAL if the compensation has
 * nothing to read (every device at 0). */
int exp_pcm_stat_run(const pcm_stat_params *m, const pcm_stat_exp_params *p, long long seed, pcm_stat_result *out,
                     progress *prog);
/* prog (may be NULL) is started here and counts the run's units of work (pulses, cycle-grid points, targets). */
void pcm_stat_result_free(pcm_stat_result *r);

/* The summary (new reference). */
json_t *exp_pcm_stat_summary(const pcm_stat_params *m, const pcm_stat_result *r);

#endif
