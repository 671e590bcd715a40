/* device/pcm_stat.h -- the IBM statistical PCM inference model: programming noise, drift and 1/f read noise
 * of a PCM conductance as functions of its target, fitted on measured devices, plus global drift compensation.
 *
 * Sources: S. R. Nandakumar et al., "Phase-change memory models for deep learning training and inference",
 * ICECS 2019 (the statistical model and its fitting method); V. Joshi et al., "Accurate deep neural network
 * inference using computational phase-change memory", Nat. Commun. 11, 2473 (2020) (the model on a 1M-device
 * doped-GST array, global drift compensation); as coded in IBM/aihwkit src/aihwkit/inference/noise/pcm.py
 * (PCMLikeNoiseModel), src/aihwkit/inference/converter/conductance.py (SinglePairConductanceConverter) and
 * src/aihwkit/inference/compensation/drift.py (GlobalDriftCompensation) [aihwkit-pcm], transcribed in
 * docs/parameters.md#pcm-statistical-model.  The HERMES variants are aihwkit src/aihwkit/inference/noise/hermes.py
 * (HermesNoiseModel, fitted on the 14 nm 64-core chip: Le Gallo et al., Nat. Electron. 2023; Khaddam-Aljameh
 * et al., IEEE JSSC 2022) [aihwkit-hermes].
 *
 * The model (variant "joshi2020"), for a device of target conductance g_T, x = g_T / g_max:
 *   1. programming, additive Gaussian:  g_P = max(0, g_T + s_p sigma_prog(x) N1),
 *        sigma_prog(x) = (c0 + c1 x + c2 x^2) g_max / g_ref        (c_i fitted at g_ref = 25 uS)
 *   2. drift exponent, drawn once per device from its TARGET:  nu = s_d |mu_nu(x) + sigma_nu(x) N2|,
 *        mu_nu = clip(a_mu ln x + b_mu, mu_min, mu_max),  sigma_nu = clip(a_s ln x + b_s, s_min, s_max),
 *        x floored at 1e-7; |.| folds the normal, so E[nu] is the folded-normal mean, not mu_nu;
 *   3. drift at time t after programming:  g_D = g_P (t_tot / t0)^(-nu),  t_tot = t + t0
 *        (t0: the first read after programming; g_D = g_P at t = 0);
 *   4. accumulated 1/f read noise, fresh at every evaluation:  g = max(0, g_D + s_r |g_D| Q_s(x_P) f(t) N3),
 *        Q_s(x_P) = min(q_c / max(x_P^q_e, q_floor), q_max),  x_P = g_P / g_max,
 *        f(t) = sqrt(ln((t_tot + t_read) / (2 t_read)))   (S_G/G^2 = Q/f integrated from 1/t_tot to 1/(2 t_read));
 *   N1, N2, N3 independent standard normals; s_p, s_d, s_r the noise scales (1: as published).
 * Variants "hermes" (two devices per weight, MSF programming; aihwkit's default) and "hermes_single" (one device)
 * replace sigma_prog by a cubic and mu_nu, sigma_nu, Q_s by branch fits (hermes.py, docs/parameters.md); their
 * fits are fixed, the coefficient keys below belong to "joshi2020".
 *
 * Weights map to a differential pair (SinglePairConductanceConverter): scale = g_max / max|w|,
 * g+ = max(w, 0) scale, g- = max(-w, 0) scale (one device of each pair at 0), w = (g+ - g-) / scale.
 *
 * Global drift compensation (GDC, Joshi 2020): after programming, a calibration input is applied and a scalar
 * readout r_0 of the outputs stored; at inference time t the same readout r_t is taken through the drifted array
 * and every output is multiplied by alpha = r_0 / r_t.  Readouts: "ones" -- the all-ones input, r = sum_j |y_j|
 * (Joshi 2020); "eye" -- the one-hot inputs, r = mean over them of |y| = mean |w_ij| (aihwkit
 * GlobalDriftCompensation).  As in aihwkit, r_0 is taken on the programmed weights (no read noise).
 *
 * Defaults: the published values of [aihwkit-pcm] (c0 0.26348, c1 1.9650, c2 -1.1731 uS at g_ref = g_max =
 * 25 uS; mu_nu clip(-0.0155 ln x + 0.0244, 0.049, 0.1); sigma_nu clip(-0.0125 ln x - 0.0059, 0.008, 0.045);
 * Q_s min(0.0088 / x^0.65, 0.2) with floor 1e-3; t0 20 s; t_read 250 ns) and of [aihwkit-hermes].
 * Check values (docs/parameters.md#pcm-statistical-model, asserted in tests/test_pcm_stat.c): at x = 0.1,
 * sigma_prog 0.448 uS, mu_nu 0.060, sigma_nu 0.023, Q_s 0.039; f(1 day) = 5.09.
 * Every random draw comes from a generator the caller owns.
 */
#ifndef CIM_DEVICE_PCM_STAT_H
#define CIM_DEVICE_PCM_STAT_H

#include "core/param.h"

#include <gsl/gsl_rng.h>
#include <stddef.h>

enum { PCM_STAT_JOSHI2020, PCM_STAT_HERMES, PCM_STAT_HERMES_SINGLE };
extern const char *const pcm_stat_variant_names[];

enum { PCM_GDC_ONES, PCM_GDC_EYE };
extern const char *const pcm_stat_gdc_names[];

typedef struct pcm_stat_params { /* group "pcm_stat" */
    int variant;             /* PCM_STAT_JOSHI2020, PCM_STAT_HERMES, PCM_STAT_HERMES_SINGLE */
    double g_max_S;          /* conductance of the largest |weight|; 0: the variant's characterised value */
    double t0_s;             /* first read after programming, the drift reference; 0: the variant's value */
    double t_read_s;         /* read duration, upper edge 1/(2 t_read) of the 1/f integral; 0: the variant's */
    double prog_c0_S;        /* sigma_prog polynomial, constant term (at g_ref) */
    double prog_c1_S;        /* linear term */
    double prog_c2_S;        /* quadratic term */
    double prog_g_ref_S;     /* g_max at which the polynomial was fitted: sigma_prog scales with g_max / g_ref */
    double nu_mean_slope;    /* mu_nu = clip(slope ln x + offset, min, max) */
    double nu_mean_offset;
    double nu_mean_min;
    double nu_mean_max;
    double nu_std_slope;     /* sigma_nu = clip(slope ln x + offset, min, max) */
    double nu_std_offset;
    double nu_std_min;
    double nu_std_max;
    double q_s_coeff;        /* Q_s = min(coeff / max(x_P^exp, floor), max) */
    double q_s_exp;
    double q_s_floor;
    double q_s_max;
    double prog_noise_scale; /* s_p */
    double drift_scale;      /* s_d: multiplies every drawn nu */
    double read_noise_scale; /* s_r */
    int gdc_input;           /* PCM_GDC_ONES or PCM_GDC_EYE */
} pcm_stat_params;

extern const param_group pcm_stat_group;

/* ---- the variant's constants ---------------------------------------------------------------------------- */

/* g_max, t0 and t_read in use: the configured value, or the variant's own when it is 0. */
double pcm_stat_g_max_S(const pcm_stat_params *p);
double pcm_stat_t0_s(const pcm_stat_params *p);
double pcm_stat_t_read_s(const pcm_stat_params *p);

/* ---- the fitted laws (pure) ------------------------------------------------------------------------------ */

/* Standard deviation of the programming noise at x = g_T / g_max, prog_noise_scale included. */
double pcm_stat_sigma_prog_S(const pcm_stat_params *p, double x);
/* mu_nu(x) and sigma_nu(x): the normal that is folded (before |.| and drift_scale); x floored at 1e-7. */
double pcm_stat_nu_mu(const pcm_stat_params *p, double x);
double pcm_stat_nu_sigma(const pcm_stat_params *p, double x);
/* Mean and standard deviation of the drawn nu = drift_scale |mu + sigma N| (folded normal, closed form). */
void pcm_stat_nu_moments(const pcm_stat_params *p, double x, double *mean, double *sd);
/* Q_s at x_P = g_P / g_max. */
double pcm_stat_q_s(const pcm_stat_params *p, double x_p);
/* f(t) = sqrt(ln((t + t0 + t_read) / (2 t_read))), t >= 0 the time since programming. */
double pcm_stat_read_time_factor(const pcm_stat_params *p, double t_s);
/* (t_tot / t0)^(-nu), t_tot = t + t0. */
double pcm_stat_drift_factor(const pcm_stat_params *p, double nu, double t_s);
/* E[(t_tot / t0)^(-nu)] over the drawn nu of a device with target x (closed form for the folded normal). */
double pcm_stat_drift_factor_mean(const pcm_stat_params *p, double x, double t_s);
/* Standard deviation of the read noise of a device programmed to g_P, at time t with drift exponent nu:
 * read_noise_scale |g_D| Q_s(g_P / g_max) f(t), before the clip at 0. */
double pcm_stat_sigma_read_S(const pcm_stat_params *p, double g_p_S, double nu, double t_s);

/* ---- drawing one device ---------------------------------------------------------------------------------- */

/* g_P of a device with target g_T: one normal from r. */
double pcm_stat_draw_prog_S(const pcm_stat_params *p, double g_t_S, gsl_rng *r);
/* nu of a device with target g_T: one normal from r. */
double pcm_stat_draw_nu(const pcm_stat_params *p, double g_t_S, gsl_rng *r);
/* The conductance read at time t of a device programmed to g_P with exponent nu: drift, then read noise
 * (one normal from r), clipped at 0. */
double pcm_stat_draw_read_S(const pcm_stat_params *p, double g_p_S, double nu, double t_s, gsl_rng *r);

/* ---- arrays ----------------------------------------------------------------------------------------------- */

/* Programs n devices: g_p_S[i] and nu[i] for targets g_t_S[i] (r_prog: programming noise; r_nu: drift
 * exponents).  CIM_EINVAL if a target is outside [0, g_max]. */
int pcm_stat_program(const pcm_stat_params *p, const double *g_t_S, size_t n, gsl_rng *r_prog, gsl_rng *r_nu,
                     double *g_p_S, double *nu);
/* The n conductances read at time t >= 0 after programming (r_read: read noise).  CIM_EINVAL if t < 0. */
int pcm_stat_read(const pcm_stat_params *p, const double *g_p_S, const double *nu, size_t n, double t_s,
                  gsl_rng *r_read, double *g_S);

/* Maps n weights to a differential pair: g_plus_S, g_minus_S in [0, g_max]; returns scale (S per weight
 * unit), g_max / max|w| with max|w| floored at 1e-7 as aihwkit does. */
double pcm_stat_map_weights(const pcm_stat_params *p, const double *w, size_t n, double *g_plus_S,
                            double *g_minus_S);
/* w[i] = (g_plus_S[i] - g_minus_S[i]) / scale. */
void pcm_stat_unmap_weights(const double *g_plus_S, const double *g_minus_S, size_t n, double scale, double *w);

/* ---- global drift compensation ----------------------------------------------------------------------------- */

/* The GDC readout of a rows x cols weight matrix w (row-major; the array computes y = w^T x): PCM_GDC_ONES
 * sum_j |sum_i w_ij|, PCM_GDC_EYE mean_ij |w_ij|. */
double pcm_stat_gdc_readout(int input, const double *w, size_t rows, size_t cols);
/* alpha = ref / now.  CIM_EINVAL if now is not > 0 (nothing left to read: every device at 0). */
int pcm_stat_gdc_alpha(double ref, double now, double *alpha);

#endif
